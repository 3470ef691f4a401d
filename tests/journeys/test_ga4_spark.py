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
    s = ga4_to_logs(
        exports["ga4_json"], tmp_path / "s", engine="spark", runner=SparkRunner(session=spark)
    )
    assert s.accounting["events"] == a.accounting["events"]
    d = pd.read_parquet(a.touchpoints).sort_values(["customer_id", "timestamp"])
    k = pd.read_parquet(s.touchpoints).sort_values(["customer_id", "timestamp"])
    assert d["channel"].tolist() == k["channel"].tolist()


def test_spark_reads_epoch_mixed_line_endings_and_maps_channels(tmp_path, spark):
    from attribution.data.channel_map import ChannelMap
    from attribution.journeys import JourneyBuilder

    us = 1_704_103_200_000_000  # 2024-01-01 10:00 UTC
    (tmp_path / "tp.csv").write_bytes(
        b"customer_id,timestamp,channel\n"
        + f"a,{us // 1_000_000},(direct) / (none)\r\na,{us // 1000 + 3_600_000},google / cpc"
        f"\r\nb,{us},facebook / cpc\r\n".encode()
    )
    (tmp_path / "cv.csv").write_text(f"customer_id,timestamp,value\na,{us + 7_200_000_000},5\n")
    got = {}
    for engine in ("duckdb", "spark"):
        b = JourneyBuilder(engine=engine, spark_session=spark, channel_map=ChannelMap())
        res = b.fit(str(tmp_path / "tp.csv"), str(tmp_path / "cv.csv"))
        got[engine] = res.paths.sort_values("path").reset_index(drop=True)
        assert res.accounting["touchpoints"]["rejected"] == {}
    assert got["spark"]["path"].tolist() == ["direct > paid_search", "paid_social"]
    pd.testing.assert_frame_equal(got["duckdb"], got["spark"], check_dtype=False)
