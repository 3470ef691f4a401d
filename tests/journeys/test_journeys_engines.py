"""One definition, two engines: DuckDB and Spark give identical tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution.journeys import JourneyBuilder, JourneyOptions

pytestmark = pytest.mark.spark


def random_world(seed: int, customers: int = 300, touches: int = 3000, convs: int = 400):
    """A messy log: hour-rounded timestamps (many ties), campaigns, impressions, alt ids."""
    rng = np.random.default_rng(seed)
    channels = np.array(["search", "display", "email", "social", "tv_call", "store"])
    cust = rng.integers(0, customers, touches)
    alt = rng.random(touches) < 0.3
    ids = np.where(alt, [f"ck{c}" for c in cust], [f"C{c}" for c in cust])
    t0 = np.datetime64("2024-01-01T00:00:00")
    hours = np.sort(rng.integers(0, 24 * 120, touches))
    tp = pd.DataFrame(
        {
            "customer_id": ids,
            "timestamp": t0 + hours.astype("timedelta64[h]"),
            "channel": channels[rng.integers(0, len(channels), touches)],
            "campaign": np.where(
                rng.random(touches) < 0.2,
                None,
                np.array(["brand", "generic", "promo"])[rng.integers(0, 3, touches)],
            ),
            "interaction": np.array(["impression", "click", "visit"])[rng.integers(0, 3, touches)],
        }
    )
    ccust = rng.integers(0, customers, convs)
    cv = pd.DataFrame(
        {
            "customer_id": [f"C{c}" for c in ccust],
            "timestamp": t0 + rng.integers(0, 24 * 120, convs).astype("timedelta64[h]"),
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


OPTIONS = [
    JourneyOptions(drop_impressions=True, granularity="campaign", sep=" | "),
    JourneyOptions(lookback_days=7, inactivity_days=3, collapse_repeats=True),
]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("world")
    tp, cv, idm = random_world(7)
    tp.to_parquet(d / "tp.parquet")
    cv.to_parquet(d / "cv.parquet")
    idm.to_csv(d / "idm.csv", index=False)
    return str(d / "tp.parquet"), str(d / "cv.parquet"), str(d / "idm.csv")


@pytest.mark.parametrize("opts", OPTIONS, ids=["campaign-noimpr", "short-collapse"])
def test_duckdb_and_spark_identical_paths_and_journeys(spark, world, opts):
    duck = JourneyBuilder(opts).fit(*world, keep_journeys=True)
    sp = JourneyBuilder(opts, engine="spark", spark_session=spark).fit(*world, keep_journeys=True)
    pd.testing.assert_frame_equal(duck.paths, sp.paths)
    pd.testing.assert_frame_equal(duck.journeys, sp.journeys, check_dtype=False)
    a, b = dict(duck.accounting), dict(sp.accounting)
    for k in ("seconds", "engine"):
        a.pop(k), b.pop(k)
    assert a == b
    assert len(duck.paths) > 10 and duck.accounting["journeys"]["converting"] > 100


def test_simulated_world_identical_on_both_engines(spark, tmp_path):
    world = pytest.importorskip("attribution.data.simulator.world")
    from attribution.data.simulator.config import SimulationConfig

    w = world.simulate(SimulationConfig(seed=3, customers=1500, weeks=20))
    w.write(tmp_path)
    files = (
        str(tmp_path / "touchpoints.parquet"),
        str(tmp_path / "conversions.parquet"),
        str(tmp_path / "id_map.csv"),
    )
    opts = JourneyOptions(lookback_days=30, inactivity_days=30, collapse_repeats=True)
    duck = JourneyBuilder(opts).fit(*files)
    sp = JourneyBuilder(opts, engine="spark", spark_session=spark).fit(*files)
    pd.testing.assert_frame_equal(duck.paths, sp.paths)
    acc = duck.accounting
    assert acc["conversions"]["read"] == len(w.conversions) == acc["conversions"]["used"]
    assert acc["touchpoints"]["read"] == len(w.touchpoints)
    assert (
        acc["touchpoints"]["used"]
        == acc["touchpoints"]["in_paths"] + acc["touchpoints"]["collapsed"]
    )
    assert duck.paths.total_conversions.sum() == len(w.conversions)
    assert duck.paths.total_conversion_value.sum() == pytest.approx(w.conversions.value.sum())


def test_spark_strict_error_names_csv_row(spark, tmp_path):
    tp, cv, _ = random_world(1, touches=50, convs=5)
    tp["timestamp"] = tp["timestamp"].astype(str)
    tp.loc[17, "timestamp"] = "not a time"
    tp.to_csv(tmp_path / "tp.csv", index=False)
    from attribution.errors import InputError

    for engine in ("duckdb", "spark"):
        with pytest.raises(InputError) as err:
            JourneyBuilder(engine=engine, spark_session=spark).fit(str(tmp_path / "tp.csv"), cv)
        assert (err.value.row, err.value.reason) == (19, "bad_timestamp")
