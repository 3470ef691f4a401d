"""Reading the run directory: missing files, malformed files, tolerant extras."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from attribution.errors import InputError, UsageError
from attribution.io import write_csv
from attribution.report.rundata import load_run


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        load_run(tmp_path / "nope")


def test_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="holds no run files"):
        load_run(tmp_path)


def test_missing_required_column(tmp_path: Path) -> None:
    pd.DataFrame({"channel": ["tv"], "spend": [1.0]}).to_csv(tmp_path / "x.csv", index=False)
    (tmp_path / "mmm").mkdir()
    (tmp_path / "x.csv").rename(tmp_path / "mmm" / "channels.csv")
    with pytest.raises(InputError) as err:
        load_run(tmp_path)
    assert err.value.column == "contribution"
    assert "channels.csv" in str(err.value)


def test_non_number_names_row_and_column(tmp_path: Path) -> None:
    (tmp_path / "plan.csv").write_text(
        "channel,current_spend,recommended_spend\ntv,10,12\nradio,abc,3\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_run(tmp_path)
    assert (err.value.row, err.value.column) == (3, "current_spend")
    assert "'abc' is not a number" in str(err.value)


def test_bad_manifest(tmp_path: Path) -> None:
    (tmp_path / "run.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        load_run(tmp_path)


def test_formula_quote_removed_total_row_dropped_extras_kept(tmp_path: Path) -> None:
    write_csv(tmp_path / "plan.csv", pd.DataFrame({
        "channel": ["=cmd", "tv", "Total"], "current_spend": [1.0, 2.0, 3.0],
        "recommended_spend": [1.5, 1.5, 3.0], "owner": ["a", "b", "c"]}))
    run = load_run(tmp_path)
    plan = run.get("plan.csv")
    assert plan["channel"].tolist() == ["=cmd", "tv"]      # quote written by write_csv undone
    assert plan["current_spend"].tolist() == [1.0, 2.0]
    assert "owner" in plan.columns
    assert run.get("mta.csv") is None


def test_manifest_level_and_plan_summary(tmp_path: Path) -> None:
    (tmp_path / "run.json").write_text(json.dumps({
        "config": {"interval": 0.8}, "optimize": {"expected_gain": 12.5, "p_better": 0.9},
        "findings": [{"level": "warning", "code": "x", "message": "m"}]}), encoding="utf-8")
    run = load_run(tmp_path)
    assert run.level == 0.8
    assert run.plan_summary() == {"gain": 12.5, "prob_better": 0.9}
    assert run.findings == [{"level": "warning", "code": "x", "message": "m", "action": "",
                             "stage": ""}]


def test_optimiser_layout_total_row_and_plan_json(tmp_path: Path) -> None:
    write_csv(tmp_path / "plan.csv", pd.DataFrame({
        "channel": ["tv", "search", "total"], "current_spend": [100.0, 50.0, 150.0],
        "recommended_spend": [80.0, 70.0, 150.0], "change_pct": [-20.0, 40.0, 0.0],
        "expected_current": [10.0, 20.0, 30.0], "expected_current_low": [8, 15, 26],
        "expected_current_high": [12, 25, 34], "status": ["interior", "interior", "plan"],
        "prob_beats_current": [None, None, 0.93]}))
    (tmp_path / "plan.json").write_text(json.dumps({"uplift": [5.0, 1.0, 9.0]}),
                                        encoding="utf-8")
    run = load_run(tmp_path)
    assert run.get("plan.csv")["channel"].tolist() == ["tv", "search"]
    assert run.totals["plan.csv"]["expected_current_low"] == 26.0
    assert run.plan_summary() == {"gain": 5.0, "gain_low": 1.0, "gain_high": 9.0,
                                  "prob_better": 0.93}
