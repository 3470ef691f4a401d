"""The report's "test worth running next" section and the page-1 sentence."""

from __future__ import annotations

import pandas as pd

from attribution import rundir
from attribution.io import write_csv, write_json
from attribution.report.rundata import load_run
from attribution.report.viewmodels import build_report


def _run(tmp_path, worth: bool):
    rows = pd.DataFrame(
        {
            "rank": [1, 2],
            "channel": ["tv", "search_brand"],
            "design": ["holdout", "go-dark"],
            "weeks": [8, 4],
            "share": [0.5, 1.0],
            "treated_geos": ["g1 g4", ""],
            "start": ["2026-01-05"] * 2,
            "end": ["2026-03-01", "2026-02-01"],
            "mde": [12000.0, 30000.0],
            "assurance": [0.82, 0.4],
            "value": [90000.0, 1000.0],
            "cost": [20000.0, 5000.0],
            "net_value": [70000.0 if worth else -1.0, -4000.0],
            "worth_running": [worth, False],
            "value_weeks": [52, 52],
            "separable": [True, False],
        }
    )
    write_json(tmp_path / rundir.RUN_JSON, {"findings": []})
    write_csv(tmp_path / rundir.EXPERIMENTS_CSV, rows)
    return build_report(load_run(tmp_path))


def _text(section):
    return " ".join(getattr(b, "text", "") for b in section.blocks)


def test_section_names_the_test_and_how_to_feed_it_back(tmp_path):
    view = _run(tmp_path, worth=True)
    sec = next(s for s in view.sections if s.id == "experiments")
    text = _text(sec)
    assert "Run next: TV: a 8-week holdout (geos g1, g4)" in text
    # the row to write names the channel by its id, as lift_tests.csv needs it
    assert "lift_tests.csv (channel tv, start 2026-01-05, end 2026-03-01" in text
    table = next(b for b in sec.blocks if getattr(b, "kind", "") == "table")
    assert [r[1] for r in table.rows] == ["TV", "Brand search"]  # display names
    assert table.rows[1][-1] == "no"


def test_page_one_speaks_of_each_channel_not_separable(tmp_path):
    view = _run(tmp_path, worth=False)
    table = next(b for b in view.sections[0].blocks if getattr(b, "id", "") == "not-separable")
    # one row per channel the data cannot separate: test, cost, value (TV is separable)
    assert table.rows == (("Brand search", "4-week go-dark, whole market", "€5,000", "€1,000"),)
    assert table.headers[-1] == "Value to the next 52 weeks' decisions"
    sec = next(s for s in view.sections if s.id == "experiments")
    assert "No test on the grid is worth its cost" in _text(sec)


def test_section_says_when_not_run(tmp_path):
    write_json(tmp_path / rundir.RUN_JSON, {"findings": []})
    view = build_report(load_run(tmp_path))
    sec = next(s for s in view.sections if s.id == "experiments")
    assert "experiments stage was not run" in _text(sec)


def test_same_detectable_lift_for_the_same_design_is_said_once(tmp_path):
    """Two channels under the same 12-week 50% holdout have the same detectable lift (noise
    and design set it, not the channel): one sentence says so; a design used once gets none."""
    rows = pd.DataFrame(
        {
            "rank": [1, 2, 3],
            "channel": ["email", "display", "tv"],
            "design": ["holdout"] * 3,
            "weeks": [12, 12, 8],
            "share": [0.5, 0.5, 0.5],
            "treated_geos": [""] * 3,
            "mde": [92000.0, 92000.0, 72000.0],
            "assurance": [0.07, 0.08, 0.3],
            "value": [500.0, 300.0, 100.0],
            "cost": [5000.0, 6000.0, 23000.0],
            "net_value": [-4500.0, -5700.0, -22900.0],
            "worth_running": [False] * 3,
            "separable": [False, False, True],
        }
    )
    write_json(tmp_path / rundir.RUN_JSON, {"findings": []})
    write_csv(tmp_path / rundir.EXPERIMENTS_CSV, rows)
    sec = next(s for s in build_report(load_run(tmp_path)).sections if s.id == "experiments")
    text = _text(sec)
    assert (
        "The detectable lift is the same, €92K, for every 12-week holdout, 50% of market: "
        "it depends on the noise in weekly sales" in text
    )
    assert "€72K, for every" not in text and text.count("The detectable lift is the same") == 1
