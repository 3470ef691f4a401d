"""Segments joined in the journey engine: built-in segments, attributes, bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from attribution.errors import InputError
from attribution.journeys import JourneyBuilder
from attribution.journeys.segments import SegmentRequest, read_attributes, weekly_panel


def _logs(j):
    # c1: email, search -> buy (day 2); search -> buy (day 10): new then returning
    # c2: email -> buy (day 3): new, single-channel
    # c3: display, display (no conversion): new, single-channel, null journey
    # c4: conversion without a touch: no touch
    tp = j.touches(
        [
            ("c1", 0, "email"),
            ("c1", 1, "search"),
            ("c1", 9, "search"),
            ("c2", 1, "email"),
            ("c3", 4, "display"),
            ("c3", 5, "display"),
        ]
    )
    cv = j.conversions([("c1", 2, 50.0), ("c1", 10, 30.0), ("c2", 3, 20.0), ("c4", 6, 10.0)])
    return tp, cv


ATTRS = pd.DataFrame({"customer_id": ["c1", "c2", "c9"], "tier": ["gold", "silver", "gold"]})


def _expected_history():
    return {
        ("new", "email > search"): (1, 0),
        ("returning", "search"): (1, 0),
        ("new", "email"): (1, 0),
        ("new", "display > display"): (0, 1),
        ("new", "(none)"): (1, 0),
    }


def _check(res):
    seg = res.segments
    assert seg.columns == ("history", "channels", "tier")
    got = {
        (r.history, r.path): (r.total_conversions, r.total_null)
        for r in seg.segment_paths.itertuples()
    }
    assert got == _expected_history()
    ch = {(r.channels, r.path) for r in seg.segment_paths.itertuples()}
    assert ch == {
        ("multichannel", "email > search"),
        ("single-channel", "search"),
        ("single-channel", "email"),
        ("single-channel", "display > display"),
        ("no touch", "(none)"),
    }
    tier = seg.paths_for("tier")
    assert sorted(tier) == ["(no attributes)", "gold", "silver"]
    assert tier["gold"]["total_conversions"].sum() == 2  # both of c1's
    assert tier["(no attributes)"]["path"].tolist() == ["(none)", "display > display"]
    a = seg.accounting["attributes"]
    assert (a["read"], a["unknown_customers"], a["used"]) == (3, 1, 2)  # c9 has no journey
    assert (a["journeys_without_attributes"], a["journeys"]) == (2, 5)
    # segments add up to the whole path table
    total = seg.segment_paths.groupby("path")[["total_conversions", "total_null"]].sum()
    whole = res.paths.set_index("path")[["total_conversions", "total_null"]]
    pd.testing.assert_frame_equal(total.sort_index(), whole.sort_index(), check_dtype=False)
    w = seg.weekly.set_index(["customer_id", "week"])
    # 2024-01-01 is a Monday: days 0-6 are week 0, days 7-13 week 1
    assert w.loc[("c1", 0), ["converted", "email", "search"]].tolist() == [1, 1, 1]
    assert w.loc[("c1", 1), ["converted", "email", "search"]].tolist() == [1, 0, 1]
    assert w.loc[("c3", 0), "display"] == 2
    assert len(seg.weekly) == 8  # 4 customers, each from their first week (0) to the last (1)
    # c2's week 1 has no event: frequency 0, not dropped ... and c4 has no touch at all
    assert w.loc[("c2", 1), ["converted", "email"]].tolist() == [0, 0]


def test_duckdb_segments(j):
    tp, cv = _logs(j)
    res = JourneyBuilder(lookback_days=30).fit(tp, cv, segments=SegmentRequest(ATTRS))
    _check(res)


@pytest.mark.spark
def test_spark_segments_identical(j, spark):
    tp, cv = _logs(j)
    req = SegmentRequest(ATTRS)
    duck = JourneyBuilder(lookback_days=30).fit(tp, cv, segments=req).segments
    res = JourneyBuilder(lookback_days=30, engine="spark", spark_session=spark).fit(
        tp, cv, segments=req
    )
    _check(res)
    pd.testing.assert_frame_equal(res.segments.segment_paths, duck.segment_paths, check_dtype=False)
    pd.testing.assert_frame_equal(res.segments.weekly, duck.weekly, check_dtype=False)


def test_campaign_granularity_counts_channels_not_campaigns(j):
    tp = j.touches(
        [
            ("c1", 0, "email", "a"),
            ("c1", 1, "email", "b"),
            ("c2", 0, "email", "a"),
            ("c2", 1, "search", "a"),
        ]
    )
    cv = j.conversions([("c1", 2, 1.0), ("c2", 2, 1.0)])
    res = JourneyBuilder(granularity="campaign").fit(tp, cv, segments=SegmentRequest())
    ch = dict(
        zip(res.segments.segment_paths["path"], res.segments.segment_paths["channels"], strict=True)
    )
    assert ch == {"email:a > email:b": "single-channel", "email:a > search:a": "multichannel"}


def test_attribute_errors(tmp_path):
    dup = tmp_path / "dup.csv"
    dup.write_text("customer_id,tier\na,x\nb,y\na,z\n")
    with pytest.raises(InputError) as e:
        read_attributes(str(dup))
    assert e.value.row == 4 and e.value.column == "customer_id"
    assert "appears more than once" in str(e.value) and "\n" not in str(e.value)
    many = pd.DataFrame({"customer_id": [f"c{i}" for i in range(30)], "zip": range(30)})
    with pytest.raises(InputError, match="30 distinct values") as e:
        read_attributes(many, max_levels=20)
    assert e.value.column == "zip"
    with pytest.raises(InputError, match="customer_id"):
        read_attributes(pd.DataFrame({"id": ["a"], "tier": ["x"]}))
    with pytest.raises(InputError, match="empty") as e:
        read_attributes(pd.DataFrame({"customer_id": ["a", " "], "tier": ["x", "y"]}))
    assert e.value.row == 3
    with pytest.raises(InputError, match="built-in"):
        read_attributes(pd.DataFrame({"customer_id": ["a"], "history": ["x"]}))


def test_bad_attributes_exit_2(tmp_path, run_cli, j):
    tp, cv = _logs(j)
    tp.to_csv(tmp_path / "tp.csv", index=False)
    cv.to_csv(tmp_path / "cv.csv", index=False)
    (tmp_path / "cust.csv").write_text("customer_id,tier\nc1,x\nc1,y\n")
    (tmp_path / "run.toml").write_text(
        '[run]\nout = "out"\n[inputs]\ntouchpoints = "tp.csv"\nconversions = "cv.csv"\n'
        'customers = "cust.csv"\n[report]\nformats = []\n'
    )
    code, _, err = run_cli("run", "--config", tmp_path / "run.toml")
    assert code == 2
    line = err.strip().splitlines()[-1]
    assert "cust.csv, row 3, column 'customer_id'" in line and "Traceback" not in err


def test_weekly_panel_fills_silent_weeks():
    s = pd.DataFrame(
        {"customer_id": ["a", "b"], "week": [10, 12], "channel": ["x", None], "n": [3, 1]}
    )
    p = weekly_panel(s)
    assert p.values.tolist() == [["a", 0, 0, 3], ["a", 1, 0, 0], ["a", 2, 0, 0], ["b", 2, 1, 0]]
