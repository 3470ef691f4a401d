"""Hand-computed journeys on tiny logs (DuckDB engine)."""

from __future__ import annotations

import pandas as pd
import pytest

from attribution.errors import UsageError
from attribution.journeys import JourneyBuilder, JourneyOptions


def build(tp, cv, idm=None, **settings):
    settings.setdefault("lookback_days", None)
    settings.setdefault("inactivity_days", None)
    return JourneyBuilder(**settings).fit(tp, cv, idm, keep_journeys=True)


def paths(res) -> dict[str, tuple[int, float, int]]:
    p = res.paths
    return {
        r.path: (r.total_conversions, r.total_conversion_value, r.total_null)
        for r in p.itertuples()
    }


def journey_list(res) -> list[tuple[str, int, str, int]]:
    jr = res.journeys
    return list(zip(jr.customer_id, jr.journey_id, jr.path, jr.converted, strict=True))


def test_multiple_conversions_split_journeys_and_open_tail_is_null(j):
    tp = j.touches([("a", 1, "search"), ("a", 3, "email"), ("a", 4, "social"), ("a", 6, "display")])
    cv = j.conversions([("a", 2, 10), ("a", 5, 20)])
    res = build(tp, cv)
    assert journey_list(res) == [
        ("a", 1, "search", 1),
        ("a", 2, "email > social", 1),
        ("a", 3, "display", 0),
    ]
    assert paths(res) == {
        "search": (1, 10.0, 0),
        "email > social": (1, 20.0, 0),
        "display": (0, 0.0, 1),
    }


def test_lookback_cuts_old_touches_into_a_null_journey(j):
    tp = j.touches([("a", 0, "search"), ("a", 10, "display"), ("a", 25, "email")])
    cv = j.conversions([("a", 40, 7)])
    res = build(tp, cv, lookback_days=30)  # day 10 is exactly 30 days before: inside
    assert journey_list(res) == [("a", 1, "search", 0), ("a", 2, "display > email", 1)]
    res = build(tp, cv, lookback_days=29.9)
    assert journey_list(res) == [("a", 1, "search > display", 0), ("a", 2, "email", 1)]
    res = build(tp, cv, lookback_days=10)  # no touch inside: conversion is "(none)"
    assert journey_list(res) == [("a", 1, "search > display > email", 0), ("a", 2, "(none)", 1)]
    assert res.accounting["conversions"]["without_touch"] == 1


def test_inactivity_gap_ends_journey(j):
    tp = j.touches([("a", 0, "search"), ("a", 5, "display"), ("a", 13, "email")])
    cv = j.conversions([("a", 14, 3)])
    # gaps 5 and 8 days: only the 8-day gap is > 7
    res = build(tp, cv, inactivity_days=7)
    assert journey_list(res) == [("a", 1, "search > display", 0), ("a", 2, "email", 1)]
    # a gap of exactly G days does not split
    assert journey_list(build(tp, cv, inactivity_days=8)) == [
        ("a", 1, "search > display > email", 1)
    ]
    # gap between last touch and the conversion also counts
    res = build(tp, j.conversions([("a", 30, 3)]), inactivity_days=7)
    assert journey_list(res) == [
        ("a", 1, "search > display", 0),
        ("a", 2, "email", 0),
        ("a", 3, "(none)", 1),
    ]


def test_id_map_stitches_devices_cookies_and_crm_ids(j):
    tp = j.touches(
        [
            ("cookie1", 1, "display"),
            ("device7", 2, "search"),
            ("cust9", 3, "email"),
            ("stranger", 1, "social"),
        ]
    )
    cv = j.conversions([("crm42", 4, 50)])
    idm = pd.DataFrame(
        {
            "id": ["cookie1", "device7", "crm42"],
            "customer_id": ["cust9", "cust9", "cust9"],
            "id_type": ["cookie", "device", "crm"],
        }
    )
    res = build(tp, cv, idm)
    assert journey_list(res) == [
        ("cust9", 1, "display > search > email", 1),
        ("stranger", 1, "social", 0),
    ]
    assert res.accounting["id_map"] == {"read": 3, "rejected": {}, "used": 3}
    # without the map the same events give three unconnected customers
    assert paths(build(tp, cv))["(none)"] == (1, 50.0, 0)


def test_collapse_repeats_merges_consecutive_equal_steps_only(j):
    tp = j.touches(
        [
            ("a", 1, "search"),
            ("a", 2, "search"),
            ("a", 3, "email"),
            ("a", 4, "search"),
            ("a", 5, "search"),
        ]
    )
    cv = j.conversions([("a", 6, 1)])
    assert list(paths(build(tp, cv))) == ["search > search > email > search > search"]
    res = build(tp, cv, collapse_repeats=True)
    assert list(paths(res)) == ["search > email > search"]
    assert res.journeys.n_touches.tolist() == [3]
    t = res.accounting["touchpoints"]
    assert (t["in_paths"], t["collapsed"], t["used"]) == (3, 2, 5)


def test_collapse_never_merges_across_journeys(j):
    tp = j.touches([("a", 1, "search"), ("a", 3, "search")])
    cv = j.conversions([("a", 2, 1)])
    res = build(tp, cv, collapse_repeats=True)
    assert journey_list(res) == [("a", 1, "search", 1), ("a", 2, "search", 0)]


def test_drop_impressions(j):
    tp = j.touches(
        [
            ("a", 1, "display", None, "impression"),
            ("a", 2, "search", None, "click"),
            ("a", 3, "social", None, "IMPRESSION"),
            ("a", 4, "email", None, None),
        ]
    )
    cv = j.conversions([("a", 5, 2)])
    assert list(paths(build(tp, cv))) == ["display > search > social > email"]
    res = build(tp, cv, drop_impressions=True)
    assert list(paths(res)) == ["search > email"]
    t = res.accounting["touchpoints"]
    assert (t["read"], t["excluded_impressions"], t["used"], t["in_paths"]) == (4, 2, 2, 2)


def test_campaign_granularity_and_separator(j):
    tp = j.touches(
        [("a", 1, "search", "brand"), ("a", 2, "search", None), ("a", 3, "display", "summer")]
    )
    cv = j.conversions([("a", 4, 2)])
    res = build(tp, cv, granularity="campaign", sep="|")
    assert list(paths(res)) == ["search:brand|search|display:summer"]


def test_ties_order_by_channel_then_input_order_and_touch_before_conversion(j):
    tp = pd.DataFrame(
        {
            "customer_id": ["a"] * 4,
            "timestamp": [j.ts(1)] * 4,
            "channel": ["social", "email", "email", "search"],
            "campaign": ["s", "z", "b", "q"],
        }
    )
    cv = j.conversions([("a", 1, 5)])  # same timestamp as the touches: they count before it
    res = build(tp, cv, granularity="campaign")
    assert journey_list(res) == [("a", 1, "email:z > email:b > search:q > social:s", 1)]


def test_open_journeys_and_conversion_without_touch_are_kept(j):
    tp = j.touches([("a", 1, "search"), ("b", 1, "email")])
    cv = j.conversions([("c", 2, 9), ("c", 2, 1)])  # two conversions at the same moment
    res = build(tp, cv)
    assert paths(res) == {"(none)": (2, 10.0, 0), "email": (0, 0.0, 1), "search": (0, 0.0, 1)}
    a = res.accounting
    assert a["conversions"] == {"read": 2, "rejected": {}, "used": 2, "without_touch": 2}
    assert a["journeys"] == {"total": 4, "converting": 2, "null": 2, "distinct_paths": 3}


def test_journey_table_columns_and_timestamps(j):
    tp = j.touches([("a", 1, "search"), ("a", 2, "email")])
    cv = j.conversions([("a", 3, 4.25)])
    jt = build(tp, cv).journeys
    assert jt.columns.tolist() == [
        "customer_id",
        "journey_id",
        "path",
        "n_touches",
        "first_ts",
        "last_ts",
        "converted",
        "value",
        "conversion_ts",
        "step_ages",
    ]
    row = jt.iloc[0]
    assert list(row.step_ages) == [48.0, 24.0]  # hours from each touch to the conversion
    assert str(row.first_ts) == j.ts(1) and str(row.last_ts) == j.ts(2)
    assert str(row.conversion_ts) == j.ts(3) and row.value == 4.25 and row.n_touches == 2


def test_path_table_sorted_by_journeys_then_path(j):
    tp = j.touches([("a", 1, "b"), ("b", 1, "a"), ("c", 1, "c"), ("d", 1, "c")])
    res = build(tp, j.conversions([("a", 2, 1)]))
    assert res.paths.path.tolist() == ["c", "a", "b"]
    assert res.paths.columns.tolist() == [
        "path",
        "total_conversions",
        "total_conversion_value",
        "total_null",
    ]


def test_parquet_and_csv_inputs_match_dataframes(j, tmp_path):
    tp = j.touches([("a", 1, "search"), ("a", 2, "email"), ("b", 1, "social")])
    cv = j.conversions([("a", 3, 4)])
    tp.to_parquet(tmp_path / "tp.parquet")
    tp.to_csv(tmp_path / "tp.csv", index=False)
    cv.to_csv(tmp_path / "cv.csv", index=False)
    a = build(tp, cv).paths
    b = build(str(tmp_path / "tp.parquet"), str(tmp_path / "cv.csv")).paths
    c = build(tmp_path / "tp.csv", tmp_path / "cv.csv").paths
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)


def test_options_reject_bad_settings():
    with pytest.raises(UsageError):
        JourneyOptions(lookback_days=-1)
    with pytest.raises(UsageError):
        JourneyOptions(granularity="creative")
    with pytest.raises(UsageError):
        JourneyBuilder(engine="pandas")


def test_result_summary_and_html(j):
    res = build(j.touches([("a", 1, "search")]), j.conversions([("a", 2, 1)]))
    assert "1 journeys, 1 converting" in res.summary()
    assert "<table" in res._repr_html_()
    assert res.to_frame().equals(res.paths)
