"""Channel names with dollar signs are text, not matplotlib mathtext (report charts)."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from attribution.io import write_csv, write_json
from attribution.report.html import render_html
from attribution.report.rundata import load_run
from attribution.report.sections import Context
from attribution.report.sections_segments import _offline_present
from attribution.report.viewmodels import ReportSettings, build_report


def test_dollar_names_render_verbatim(tmp_path: Path) -> None:
    names = ["$\\foo$ x", "cost $5 to $10"]
    write_csv(
        tmp_path / "mta.csv",
        pd.DataFrame(
            {
                "model": ["markov"] * 2,
                "channel": names,
                "conversions": [3.0, 1.0],
                "value": [30.0, 10.0],
            }
        ),
    )
    write_json(tmp_path / "run.json", {"findings": [], "config": {}})
    doc = render_html(build_report(load_run(tmp_path)))
    for name in names:  # in the tables and as chart text, unchanged
        assert doc.count(name) >= 2, name


def test_time_decay_basis_is_stated_in_the_appendix(tmp_path: Path) -> None:
    write_csv(
        tmp_path / "mta.csv",
        pd.DataFrame(
            {
                "model": ["time_decay"] * 2,
                "channel": ["email", "search"],
                "conversions": [1.0, 2.0],
                "value": [10.0, 20.0],
            }
        ),
    )
    basis = {"time_decay": "touch times, half-life 7 days"}
    write_json(tmp_path / "run.json", {"findings": [], "config": {}, "mta_basis": basis})
    doc = render_html(build_report(load_run(tmp_path)))
    assert "Time decay in this run: touch times, half-life 7 days (a touch one" in doc
    write_json(tmp_path / "run.json", {"findings": [], "config": {}})
    assert "Time decay in this run" not in render_html(build_report(load_run(tmp_path)))


def test_run_details_name_folder_and_remote_inputs(tmp_path: Path) -> None:
    inputs = {
        "media": {"path": "m.csv", "sha256": "ab" * 32},
        "touchpoints": {"path": "tp/", "files": [{"path": "tp/a", "sha256": "c" * 64}] * 3},
        "conversions": {"path": "s3a://b/c/", "sha256": None},
    }
    write_json(tmp_path / "run.json", {"findings": [], "config": {}, "inputs": inputs})
    doc = render_html(build_report(load_run(tmp_path)))
    assert "abababababababab…" in doc
    assert "3 files, each checksummed in run.json" in doc
    assert "URL or table: no checksum (not a local file)" in doc


def _mmm_run(tmp_path: Path, report_cfg: dict) -> Path:
    """A model-only run: tv (narrow interval), email (ROI best by estimate, far too wide),
    organic_social (activity, counted in posts)."""
    write_csv(
        tmp_path / "mmm" / "channels.csv",
        pd.DataFrame(
            {
                "channel": ["tv", "email", "organic_social"],
                "kind": ["paid", "paid", "activity"],
                "spend": [200_000.0, 26_000.0, 2_080.0],
                "contribution": [580_000.0, 160_000.0, 81_000.0],
                "contribution_low": [400_000.0, 8_000.0, 3_000.0],
                "contribution_high": [790_000.0, 490_000.0, 240_000.0],
                "roi": [2.9, 6.15, float("nan")],
                "roi_low": [2.0, 0.32, float("nan")],
                "roi_high": [3.95, 18.97, float("nan")],
                "mroi": [2.5, 3.5, float("nan")],
            }
        ),
    )
    write_json(
        tmp_path / "run.json",
        {"findings": [], "config": {"run": {"name": "2026-Q3"}, "report": report_cfg}},
    )
    return tmp_path


def test_names_units_and_reliable_headline(tmp_path: Path) -> None:
    cfg = {"channel_names": {"tv": "Television"}, "channel_units": {"organic_social": "posts"}}
    view = build_report(load_run(_mmm_run(tmp_path, cfg)))
    doc = render_html(view)
    assert view.title == "Marketing effectiveness report: 2026-Q3"  # [run] name, not folder
    assert "Television contributed most" in doc and "tv contributed" not in doc
    assert "2,080 posts" in doc and "€2,080" not in doc and "no ROI (activity)" in doc
    assert "nan" not in doc.lower().replace("nana", "")
    cards = next(b for b in view.sections[0].blocks if b.kind == "cards").cards
    best = next(c for c in cards if c.label.startswith("Best return"))
    # e-mail's 6.15 (0.32–18.97) is too uncertain to head the page: TV's 2.90 does
    assert best.value == "2.90" and "Television" in best.detail
    assert "a geo lift test on E-mail would show whether E-mail really returns the most" in doc


def test_no_channel_ranked_when_every_interval_is_too_wide(tmp_path: Path) -> None:
    root = _mmm_run(tmp_path, {})
    ch = pd.read_csv(root / "mmm" / "channels.csv")
    ch.loc[0, ["roi_low", "roi_high", "contribution_low", "contribution_high"]] = [
        0.1,
        9.0,
        10_000.0,
        2_000_000.0,
    ]
    write_csv(root / "mmm" / "channels.csv", ch)
    view = build_report(load_run(root))
    cards = next(b for b in view.sections[0].blocks if b.kind == "cards").cards
    best = next(c for c in cards if c.label.startswith("Best return"))
    assert best.value == "Not yet known" and "a geo lift test on E-mail" in best.detail
    doc = html.unescape(render_html(view))
    assert "No channel's contribution can be ranked yet" in doc


def test_bad_colour_in_config_is_a_usage_error(tmp_path: Path) -> None:
    import pytest

    from attribution.errors import UsageError

    with pytest.raises(UsageError, match="not a colour"):
        build_report(load_run(_mmm_run(tmp_path, {"channel_colours": {"tv": "blue"}})))


def test_offline_channels_named_are_those_the_journeys_hold(tmp_path):
    """The online <-> offline intro lists the offline channels present, by display name,
    not the whole classification list (call_center, catalogue, ... never recorded here)."""
    write_json(tmp_path / "run.json", {"findings": [], "config": {}})
    write_csv(
        tmp_path / "mta.csv",
        pd.DataFrame(
            {"model": "markov", "channel": ["store_visit", "email", "tv"], "conversions": 1.0}
        ),
    )
    s = ReportSettings()
    ctx = Context(run=load_run(tmp_path), fmt=s.formatter(), settings=s)
    used = ["call_center", "catalogue", "store_visit", "tv"]
    assert _offline_present(ctx, used) == ["Store visit", "TV"]
