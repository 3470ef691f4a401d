"""Attribution per segment and online <-> offline shares, on hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from attribution.mta import PathAttribution
from attribution.mta.online_offline import classify, online_offline, online_offline_by_segment
from attribution.mta.segments import SegmentAttribution, mix_differs


def _paths(rows):
    return pd.DataFrame(
        rows, columns=["path", "total_conversions", "total_conversion_value", "total_null"]
    )


SEGS = {
    "history": {
        "new": _paths([("search > email", 60, 600.0, 40), ("email", 20, 200.0, 80)]),
        "returning": _paths([("search", 70, 700.0, 30), ("email > search", 30, 300.0, 20)]),
        "vip": _paths([("email", 5, 50.0, 5)]),
    }
}


def test_per_segment_credit_by_hand():
    res = SegmentAttribution(
        PathAttribution(models=("first", "last"), bootstrap=200, seed=3), min_conversions=10
    ).fit(SEGS)
    f = res.to_frame().set_index(["value", "model", "channel"])
    # last touch: new -> email 80, search 0; returning -> search 100
    assert f.loc[("new", "last", "email"), "conversions"] == pytest.approx(80)
    assert f.loc[("new", "first", "search"), "conversions"] == pytest.approx(60)
    assert f.loc[("returning", "last", "search"), "share"] == pytest.approx(1.0)
    assert f.loc[("new", "last", "email"), "segment_conversions"] == 80
    assert f.loc[("new", "last", "email"), "segment_journeys"] == 200
    # bootstrap intervals exist and contain the estimate
    row = f.loc[("new", "first", "search")]
    assert row["ci_low"] < 60 < row["ci_high"]
    assert row["share_low"] == pytest.approx(row["ci_low"] / 80)
    # email's last-touch share: 100% among new, 0% among returning: the mix differs
    assert bool(f.loc[("new", "last", "email"), "mix_differs"])
    # too small: named in a finding, not estimated
    assert "vip" not in f.index.get_level_values(0)
    assert res.too_small == (("history", "vip", 5),)
    assert res.findings[0].code == "segments.too_small" and "vip" in res.findings[0].message


def test_mix_differs_needs_non_overlapping_intervals():
    f = pd.DataFrame(
        {
            "segment": "s",
            "value": ["a", "b", "c"],
            "model": "m",
            "channel": "x",
            "share": [0.5, 0.45, 0.3],
            "share_low": [0.4, 0.35, 0.25],
            "share_high": [0.6, 0.55, 0.45],
        }
    )
    assert mix_differs(f).tolist() == [False, False, False]  # 0.40 < 0.45: overlap
    f.loc[2, "share_high"] = 0.39
    assert mix_differs(f).tolist() == [True, False, True]


def test_classify():
    assert classify(["search", "store_visit"]) == "online_to_offline"
    assert classify(["store_visit", "email", "search"]) == "offline_to_online"
    assert classify(["tv", "store_visit"]) is None  # all offline
    assert classify(["email"]) is None
    assert classify(["search:brand", "Store Visit"]) == "online_to_offline"


def _wilson(k, n, z):
    p = k / n
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return c - h, c + h


def test_online_offline_shares_with_wilson_intervals():
    p = pd.DataFrame(
        {
            "path": [
                "search > store_visit",
                "email > search > call_centre",
                "store_visit > email",
                "email",
                "(none)",
                "search > email",
            ],
            "total_conversions": [30, 10, 20, 35, 7, 5],
            "total_null": [100, 10, 5, 50, 0, 1],
        }
    )
    f = online_offline(p, ci=0.95)
    a = f[f["role"] == "all"].set_index("direction")
    base = 30 + 10 + 20 + 35 + 5  # converting journeys with a touch
    assert a.loc["online_to_offline", "journeys"] == 40
    assert a.loc["online_to_offline", "base"] == base
    assert a.loc["online_to_offline", "share"] == pytest.approx(0.4)
    lo, hi = _wilson(40, base, 1.959963984540054)
    assert a.loc["online_to_offline", "share_low"] == pytest.approx(lo, abs=1e-9)
    assert a.loc["online_to_offline", "share_high"] == pytest.approx(hi, abs=1e-9)
    assert a.loc["offline_to_online", "share"] == pytest.approx(0.2)
    start = f[(f["direction"] == "online_to_offline") & (f["role"] == "start")]
    assert dict(zip(start["channel"], start["journeys"], strict=True)) == {
        "search": 30,
        "email": 10,
    }
    close = f[(f["direction"] == "online_to_offline") & (f["role"] == "close")]
    assert dict(zip(close["channel"], close["share"], strict=True)) == pytest.approx(
        {"store_visit": 0.75, "call_centre": 0.25}
    )


def test_online_offline_by_segment_and_custom_offline():
    seg = {
        "tier": {
            "a": pd.DataFrame({"path": ["web > shop"], "total_conversions": [4], "total_null": [0]})
        }
    }
    overall = seg["tier"]["a"]
    f = online_offline_by_segment(overall, seg, offline=("shop",))
    a = f[(f["role"] == "all") & (f["direction"] == "online_to_offline")]
    assert a["segment"].tolist() == ["all", "tier"]
    assert a["share"].tolist() == [1.0, 1.0]
    assert np.all(a["share_low"] < 1.0)
