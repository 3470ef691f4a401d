"""``step_ages`` of the per-journey table: hours from each path step's touch to the journey's
end, one per step; identical on both engines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution.journeys import JourneyBuilder, JourneyOptions
from attribution.journeys.builder import JOURNEY_COLUMNS


def ages_of(res, customer: str) -> list[list[float]]:
    jt = res.journeys
    return [list(map(float, a)) for a in jt.loc[jt.customer_id == customer, "step_ages"]]


def test_ages_by_hand(j):
    tp = j.touches(
        [
            ("a", 0, "email"),
            ("a", 7, "search"),  # converts on day 7
            ("b", 1, "social"),
            ("b", 2.5, "email"),  # never converts
            ("c", 0, "email"),
            ("c", 40, "search"),
        ]
    )  # day 0 outside lookback
    cv = j.conversions([("a", 7, 30), ("c", 41, 5), ("d", 3, 1)])
    res = JourneyBuilder(lookback_days=30).fit(tp, cv, keep_journeys=True)
    assert res.journeys.columns.tolist() == JOURNEY_COLUMNS
    assert ages_of(res, "a") == [[168.0, 0.0]]  # conversion at the touch: age 0
    assert ages_of(res, "b") == [[36.0, 0.0]]  # null journey: from its last touch
    assert ages_of(res, "c") == [[0.0], [24.0]]  # cut by lookback: two journeys
    assert ages_of(res, "d") == [[]]  # (none): no touch, no age


def test_ages_follow_path_order_and_hours(j):
    tp = j.touches([("a", 0, "x"), ("a", 0, "y"), ("a", 1, "x")])
    tp.loc[2, "timestamp"] = j.ts(1, hour=6)
    cv = j.conversions([("a", 2, 1)])
    res = JourneyBuilder().fit(tp, cv, keep_journeys=True)
    row = res.journeys.iloc[0]
    assert row.path == "x > y > x"  # ties: channel order
    assert list(row.step_ages) == [48.0, 48.0, 18.0]


def test_collapsed_step_carries_its_latest_touch(j):
    tp = j.touches(
        [
            ("a", 0, "email"),
            ("a", 2, "email"),
            ("a", 3, "search"),
            ("a", 4, "email"),
            ("a", 5, "email"),
            ("a", 6, "email"),
        ]
    )
    cv = j.conversions([("a", 8, 10)])
    res = JourneyBuilder(collapse_repeats=True).fit(tp, cv, keep_journeys=True)
    row = res.journeys.iloc[0]
    assert row.path == "email > search > email"
    assert list(row.step_ages) == [6 * 24.0, 5 * 24.0, 2 * 24.0]
    plain = JourneyBuilder().fit(tp, cv, keep_journeys=True).journeys.iloc[0]
    assert list(plain.step_ages) == [192.0, 144.0, 120.0, 96.0, 72.0, 48.0]


def test_csv_and_parquet_outputs(j, tmp_path):
    from attribution.mta import JourneyTable

    tp = j.touches([("a", 0, "email"), ("a", 7, "search"), ("b", 1, "social")])
    cv = j.conversions([("a", 7, 30)])
    JourneyBuilder().fit(tp, cv, journeys_out=tmp_path / "j.csv")
    JourneyBuilder().fit(tp, cv, journeys_out=tmp_path / "j.parquet")
    text = pd.read_csv(tmp_path / "j.csv")
    assert text["step_ages"].tolist() == ["168.0;0.0", "0.0"]
    pq = pd.read_parquet(tmp_path / "j.parquet")
    assert [list(a) for a in pq["step_ages"]] == [[168.0, 0.0], [0.0]]
    a, b = JourneyTable.read(tmp_path / "j.csv"), JourneyTable.read(tmp_path / "j.parquet")
    np.testing.assert_array_equal(a.ages, b.ages)
    assert a.ages.tolist() == [168.0, 0.0]


def small_world(seed: int, customers: int = 200, touches: int = 1500, convs: int = 250):
    """Minute-resolution times with many ties, repeats, an id-map and impressions."""
    rng = np.random.default_rng(seed)
    channels = np.array(["search", "display", "email", "social"])
    cust = rng.integers(0, customers, touches)
    ids = np.where(rng.random(touches) < 0.3, [f"ck{c}" for c in cust], [f"C{c}" for c in cust])
    t0 = np.datetime64("2024-01-01T00:00:00")
    minutes = rng.integers(0, 60 * 24 * 60, touches) // 30 * 30
    tp = pd.DataFrame(
        {
            "customer_id": ids,
            "timestamp": t0 + minutes.astype("timedelta64[m]"),
            "channel": channels[rng.integers(0, 4, touches)],
            "interaction": np.array(["impression", "click"])[rng.integers(0, 2, touches)],
        }
    )
    cv = pd.DataFrame(
        {
            "customer_id": [f"C{c}" for c in rng.integers(0, customers, convs)],
            "timestamp": t0 + rng.integers(0, 60 * 24 * 60, convs).astype("timedelta64[m]"),
            "value": np.round(rng.gamma(2.0, 30.0, convs), 2),
            "order_id": [f"o{i}" for i in range(convs)],
        }
    )
    idm = pd.DataFrame(
        {
            "id": [f"ck{c}" for c in range(customers)],
            "customer_id": [f"C{c}" for c in range(customers)],
        }
    )
    return tp, cv, idm


def _check_against_timestamps(jt: pd.DataFrame, collapsed: bool) -> None:
    """Independent truth from the table's own timestamp columns."""
    hours = pd.Timedelta(hours=1)
    for r in jt.itertuples(index=False):
        ages = np.asarray(r.step_ages, dtype=float)
        if r.n_touches == 0:
            assert len(ages) == 0
            continue
        assert len(ages) == r.path.count(" > ") + 1 == (r.n_touches if not collapsed else len(ages))
        end = r.conversion_ts if r.converted else r.last_ts
        assert (np.diff(ages) <= 0).all() and ages.min() >= 0
        assert ages[-1] == pytest.approx((end - r.last_ts) / hours)
        if not collapsed:
            assert ages[0] == pytest.approx((end - r.first_ts) / hours)


@pytest.mark.spark
@pytest.mark.parametrize("collapse", [False, True], ids=["plain", "collapse"])
def test_engines_agree_on_step_ages(spark, tmp_path, collapse):
    from attribution.mta import JourneyTable

    tp, cv, idm = small_world(11)
    opts = JourneyOptions(lookback_days=10, inactivity_days=5, collapse_repeats=collapse)
    duck = JourneyBuilder(opts).fit(
        tp, cv, idm, keep_journeys=True, journeys_out=tmp_path / "d.parquet"
    )
    sp = JourneyBuilder(opts, engine="spark", spark_session=spark).fit(
        tp, cv, idm, keep_journeys=True, journeys_out=tmp_path / "s.parquet"
    )
    a, b = duck.journeys, sp.journeys
    assert len(a) == len(b) > 100
    for x, y in zip(a["step_ages"], b["step_ages"], strict=True):
        np.testing.assert_array_equal(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    _check_against_timestamps(a, collapse)
    # the written Parquet (DuckDB: one file, Spark: a folder of parts) reads the same
    ja, jb = JourneyTable.read(tmp_path / "d.parquet"), JourneyTable.read(tmp_path / "s.parquet")
    order_a, order_b = (
        np.argsort(ja.path_row, kind="stable"),
        np.argsort(jb.path_row, kind="stable"),
    )
    assert (
        ja.paths.to_frame()
        .sort_values("path")
        .reset_index(drop=True)
        .equals(jb.paths.to_frame().sort_values("path").reset_index(drop=True))
    )
    np.testing.assert_allclose(
        ja.time_decay(24.0).conversions, jb.time_decay(24.0).conversions, rtol=1e-12
    )
    assert len(order_a) == len(order_b)
