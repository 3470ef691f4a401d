"""combine() returns a frozen result with its findings, judged by the one "too uncertain"
rule (interval wider than twice the estimate), which the report uses too."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from attribution.combine import CombineResults, combine
from attribution.combine.uncertainty import too_uncertain
from attribution.io import write_csv
from attribution.report import wording as W
from attribution.report.rundata import load_run
from attribution.report.viewmodels import ReportSettings, build_report

# width / |estimate|: a 1.0, b 2.0 (the edge: not too uncertain), c 2.2, d 1.5
MMM = pd.DataFrame(
    {
        "channel": ["a", "b", "c", "d"],
        "spend": [10.0, 10.0, 10.0, 10.0],
        "contribution": [100.0, 100.0, 100.0, 100.0],
        "contribution_low": [50.0, 0.0, -10.0, 25.0],
        "contribution_high": [150.0, 200.0, 210.0, 175.0],
        "roi": [10.0, 10.0, 10.0, 10.0],
        "roi_low": [5.0, 2.0, 1.5, 3.0],
        "roi_high": [15.0, 20.0, 21.0, 18.0],
        "mroi": [1.0, 1.0, 1.0, 1.0],
    }
)
MTA = pd.DataFrame(
    {"model": "markov", "channel": ["a", "store"], "conversions": [5.0, 3.0], "value": [40.0, 20.0]}
)


def test_the_rule_by_hand() -> None:
    got = too_uncertain(
        [100, 100, 100, 100, 0, np.nan], [50, 0, -10, 25, -1, 0], [150, 200, 210, 175, 1, 1]
    )
    assert got.tolist() == [False, False, True, False, True, True]


def test_combine_flags_by_the_rule_and_carries_findings() -> None:
    res = combine(MTA, MMM)
    t = res.to_frame().set_index("channel")
    assert t.loc["c", "flag"] == "mmm_uncertain" and t.loc["b", "flag"] == "mmm_only"
    assert t["too_uncertain"].to_dict() == {
        "a": False,
        "b": False,
        "c": True,
        "d": False,
        "store": True,
    }  # path-only: an upper bound
    assert t.loc["a", "calibration_factor"] == pytest.approx(100.0 / 40.0)
    assert res.uncertain_channels == ("c", "store")
    codes = sorted((f.code, f.message.split(":")[0], f.level) for f in res.findings)
    assert codes == [
        ("combine.mmm_uncertain", "c", "warning"),
        ("combine.path_only", "store", "info"),
    ]
    assert all(f.stage == "combine" and f.action for f in res.findings)


def test_the_result_is_frozen() -> None:
    res = combine(MTA, MMM)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.findings = ()  # type: ignore[misc]
    copy = res.to_frame()
    copy.loc[0, "channel"] = "changed"
    assert "changed" not in res.table["channel"].tolist()
    assert isinstance(res, CombineResults)


def test_the_report_uses_the_same_rule(tmp_path) -> None:
    (tmp_path / "mmm").mkdir()
    write_csv(tmp_path / "mmm" / "channels.csv", MMM)
    summary = build_report(load_run(tmp_path)).sections[0]
    flags = next(b for b in summary.blocks if b.kind == "flags")
    # the report shows channels by display name: ids a-d read "A"-"D"
    wide = [t for _, t in flags.items if t.startswith(tuple("ABCD"))]
    # d (1.5x) was "too wide" under the report's old 1x rule; only c is, by the one rule
    assert [t.split(":")[0] for t in wide] == ["C"]
    f = ReportSettings().formatter()
    assert wide[0] == W.FLAG_WIDE.format(channel="C", iv=f.money_interval(-10.0, 210.0))
