"""Fixtures for journey tests: tiny hand-made logs and one SparkSession per test run."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

T0 = dt.datetime(2024, 1, 1)


def ts(day: float, hour: float = 0.0) -> str:
    """Timestamp text ``day`` days (+ hours) after 2024-01-01."""
    return (T0 + dt.timedelta(days=day, hours=hour)).strftime("%Y-%m-%d %H:%M:%S")


def touches(rows: list[tuple]) -> pd.DataFrame:
    """Touchpoints from (customer, day, channel[, campaign[, interaction]]) tuples."""
    out = {"customer_id": [], "timestamp": [], "channel": [], "campaign": [], "interaction": []}
    for r in rows:
        out["customer_id"].append(r[0])
        out["timestamp"].append(ts(r[1]))
        out["channel"].append(r[2])
        out["campaign"].append(r[3] if len(r) > 3 else None)
        out["interaction"].append(r[4] if len(r) > 4 else "click")
    return pd.DataFrame(out)


def conversions(rows: list[tuple]) -> pd.DataFrame:
    """Conversions from (customer, day, value[, order_id]) tuples."""
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "timestamp": [ts(r[1]) for r in rows],
            "value": [float(r[2]) for r in rows],
            "order_id": [r[3] if len(r) > 3 else f"o{i}" for i, r in enumerate(rows)],
        }
    )


@pytest.fixture(scope="session")
def spark():
    """One local SparkSession for the whole test session (skipped without pyspark/Java)."""
    pytest.importorskip("pyspark")
    from attribution.journeys.spark_engine import spark_session

    # tiny data: a fast-starting JVM and no code generation beat the defaults by ~3x
    session = spark_session(
        "local[2]",
        {
            "spark.sql.shuffle.partitions": "2",
            "spark.default.parallelism": "2",
            "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
            "spark.sql.codegen.wholeStage": "false",
            "spark.sql.adaptive.enabled": "false",
        },
    )
    yield session
    session.stop()


@pytest.fixture
def j():
    """The log-building helpers above (test modules cannot import conftest)."""
    import types

    return types.SimpleNamespace(ts=ts, touches=touches, conversions=conversions)
