"""The GA4 reader on Spark (local mode) gives what DuckDB gives."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    from attribution.data.simulator.exports import write_exports

    return write_exports(tmp_path_factory.mktemp("exports"), customers=300, weeks=8)


def test_ga4_export_spark_matches_duckdb(exports, tmp_path, spark):
    from attribution.journeys.ga4 import ga4_to_logs
    from attribution.journeys.spark_engine import SparkRunner

    a = ga4_to_logs(exports["ga4"], tmp_path / "d")
    s = ga4_to_logs(exports["ga4_json"], tmp_path / "s", engine="spark",
                    runner=SparkRunner(session=spark))
    assert s.accounting["events"] == a.accounting["events"]
    d = pd.read_parquet(a.touchpoints).sort_values(["customer_id", "timestamp"])
    k = pd.read_parquet(s.touchpoints).sort_values(["customer_id", "timestamp"])
    assert d["channel"].tolist() == k["channel"].tolist()
