"""Sources beyond local files: object-store URLs, warehouse tables, the run config.

A table in a DuckDB database file and a table of Spark's catalog give the same path
table as the Parquet files they were loaded from; URLs reach the engine untouched;
a missing connector or a bad source string is one clear line (exit status 2).
"""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from attribution.cli import main
from attribution.errors import InputError, UsageError
from attribution.journeys import JourneyBuilder, JourneyOptions
from attribution.journeys.sources import (
    is_source_spec,
    normalize_spec,
    parse_duckdb_table,
    resolve_source,
    spark_table_name,
    url_scheme,
)
from attribution.pipeline.config import config_from_dict

ROOT = Path(__file__).resolve().parents[2]
OPTS = JourneyOptions(lookback_days=10, inactivity_days=5, collapse_repeats=True)


def small_world(seed: int = 11, customers: int = 200, touches: int = 2500, convs: int = 300):
    """Touchpoints and conversions with many ties, impressions and campaigns."""
    rng = np.random.default_rng(seed)
    t0 = np.datetime64("2024-01-01T00:00:00")
    ch = np.array(["search", "display", "email", "social", "call_centre"])
    tp = pd.DataFrame(
        {
            "customer_id": [f"C{c}" for c in rng.integers(0, customers, touches)],
            "timestamp": t0 + rng.integers(0, 24 * 90, touches).astype("timedelta64[h]"),
            "channel": ch[rng.integers(0, len(ch), touches)],
            "interaction": np.array(["impression", "click"])[rng.integers(0, 2, touches)],
        }
    )
    cv = pd.DataFrame(
        {
            "customer_id": [f"C{c}" for c in rng.integers(0, customers, convs)],
            "timestamp": t0 + rng.integers(0, 24 * 90, convs).astype("timedelta64[h]"),
            "value": np.round(rng.gamma(2.0, 30.0, convs), 2),
            "order_id": [f"o{i}" for i in range(convs)],
        }
    )
    return tp, cv


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The world as Parquet files, and its path table built from them by DuckDB."""
    d = tmp_path_factory.mktemp("sources")
    tp, cv = small_world()
    tp.to_parquet(d / "tp.parquet")
    cv.to_parquet(d / "cv.parquet")
    ref = JourneyBuilder(OPTS).fit(str(d / "tp.parquet"), str(d / "cv.parquet"))
    assert ref.accounting["journeys"]["converting"] > 100 and len(ref.paths) > 50
    return d, ref


def same_accounting(a, b) -> None:
    x, y = dict(a.accounting), dict(b.accounting)
    for k in ("seconds", "engine"):
        x.pop(k), y.pop(k)
    assert x == y


# -- source strings ---------------------------------------------------------------------
def test_source_strings_are_recognised():
    assert url_scheme("S3A://bucket/tp/") == "s3a" and url_scheme("data/tp.parquet") is None
    assert is_source_spec("table:db.tp") and is_source_spec("duckdb:wh.duckdb:tp")
    assert is_source_spec("abfss://c@acct.dfs.core.windows.net/tp/")
    assert not is_source_spec("data/tp.parquet") and not is_source_spec("C:tp.csv")
    assert spark_table_name("table:cat.sales.tp") == "`cat`.`sales`.`tp`"
    assert parse_duckdb_table("duckdb:s3://b/wh.duckdb:main.tp") == (
        "s3://b/wh.duckdb",
        ("main", "tp"),
    )
    assert normalize_spec("duckdb:wh/w.duckdb:tp", Path("/cfg")) == "duckdb:/cfg/wh/w.duckdb:tp"
    assert normalize_spec("duckdb:/abs/w.duckdb:s.tp", Path("/cfg")) == "duckdb:/abs/w.duckdb:s.tp"
    assert normalize_spec(" gs://b/tp/ ", Path("/cfg")) == "gs://b/tp/"


@pytest.mark.parametrize(
    "url, engine, files, fmt",
    [
        ("s3://bucket/tp/", "spark", ("s3://bucket/tp/",), "parquet"),
        ("s3://bucket/tp/", "duckdb", ("s3://bucket/tp/*.parquet",), "parquet"),
        ("gs://bucket/logs/tp-*.csv", "duckdb", ("gs://bucket/logs/tp-*.csv",), "csv"),
        ("hdfs://nn:8020/warehouse/tp", "spark", ("hdfs://nn:8020/warehouse/tp",), "parquet"),
        (
            "abfss://c@a.dfs.core.windows.net/tp.parquet",
            "spark",
            ("abfss://c@a.dfs.core.windows.net/tp.parquet",),
            "parquet",
        ),
    ],
)
def test_urls_resolve_to_what_the_engine_reads(url, engine, files, fmt):
    r = resolve_source(url, "touchpoints", engine)
    assert (r.kind, r.files, r.fmt, r.display) == ("url", files, fmt, url)


@pytest.mark.parametrize(
    "src, engine, needle",
    [
        ("table:", "spark", "is not a table name"),
        ("table:a.b.c.d", "spark", "is not a table name"),
        ("table:db.tp;drop table x", "spark", "is not a table name"),
        ("table:db.tp", "duckdb", "--engine spark"),
        ("duckdb:wh.duckdb:tp", "spark", "--engine duckdb"),
        ("duckdb:wh.duckdb", "duckdb", "duckdb:FILE.duckdb:[schema.]table"),
        ("duckdb:wh.duckdb:a.b.c", "duckdb", "is not a table name"),
        ("hdfs://nn/tp", "duckdb", "duckdb cannot read hdfs://"),
        ("ftp://host/tp.parquet", "spark", "unknown URL scheme 'ftp://'"),
    ],
)
def test_bad_source_strings_are_one_clear_usage_line(src, engine, needle):
    with pytest.raises(UsageError) as e:
        resolve_source(src, "touchpoints", engine)
    msg = str(e.value)
    assert needle in msg and "\n" not in msg


def test_missing_local_source_hints_at_the_table_syntax(tmp_path):
    with pytest.raises(InputError) as e:
        resolve_source("tabel:db.tp", "touchpoints", "duckdb")
    assert e.value.reason == "missing_file" and "table:db.name" in str(e.value)
    with pytest.raises(InputError, match="no touchpoints database file found"):
        resolve_source(f"duckdb:{tmp_path / 'nope.duckdb'}:tp", "touchpoints", "duckdb")


# -- DuckDB database tables ---------------------------------------------------------------
def test_duckdb_database_tables_give_the_parquet_path_table(world, tmp_path):
    import duckdb

    d, ref = world
    db = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE tp AS SELECT * FROM read_parquet('{d / 'tp.parquet'}')")
    con.execute("CREATE SCHEMA sales")
    con.execute(f"CREATE TABLE sales.cv AS SELECT * FROM read_parquet('{d / 'cv.parquet'}')")
    con.close()
    res = JourneyBuilder(OPTS).fit(f"duckdb:{db}:tp", f"duckdb:{db}:sales.cv")
    pd.testing.assert_frame_equal(res.paths, ref.paths)
    same_accounting(res, ref)


def test_bad_row_in_a_duckdb_table_names_the_table_and_row(world, tmp_path):
    import duckdb

    d, _ = world
    db = tmp_path / "bad.duckdb"
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE tp AS SELECT * FROM read_parquet('{d / 'tp.parquet'}')")
    con.execute(f"CREATE TABLE cv AS SELECT * FROM read_parquet('{d / 'cv.parquet'}')")
    con.execute("UPDATE cv SET value = -5 WHERE order_id = 'o6'")  # 7th row -> row 8
    con.close()
    with pytest.raises(InputError) as e:
        JourneyBuilder(OPTS).fit(f"duckdb:{db}:tp", f"duckdb:{db}:cv")
    assert e.value.file == f"duckdb:{db}:cv" and e.value.row == 8
    assert e.value.column == "value"


# -- object stores: passed through, clear error without the connector ----------------------
def test_urls_reach_duckdb_untouched(world, monkeypatch):
    from attribution.journeys.duckdb_engine import DuckDBRunner

    seen = []

    def columns(self, files, fmt):
        seen.append((list(files), fmt))
        raise RuntimeError("IO Error: Extension 'httpfs' not found\n  more detail")

    monkeypatch.setattr(DuckDBRunner, "columns", columns)
    d, _ = world
    with pytest.raises(InputError) as e:
        JourneyBuilder(OPTS).fit("s3://bucket/events/tp.parquet", str(d / "cv.parquet"))
    assert seen == [(["s3://bucket/events/tp.parquet"], "parquet")]
    msg = str(e.value)
    assert e.value.file == "s3://bucket/events/tp.parquet" and "\n" not in msg
    assert "INSTALL httpfs" in msg and "Extension 'httpfs' not found" in msg


def test_urls_reach_spark_untouched(world, monkeypatch):
    from attribution.journeys.spark_engine import SparkRunner

    seen = []

    def columns(self, files, fmt):
        seen.append((list(files), fmt))
        raise RuntimeError(
            "An error occurred while calling o42.parquet.\n: "
            "org.apache.hadoop.fs.UnsupportedFileSystemException: "
            'No FileSystem for scheme "s3a"\n\tat org.apache.hadoop.fs.X'
        )

    monkeypatch.setattr(SparkRunner, "columns", columns)
    d, _ = world
    url = "s3a://bucket/events/touchpoints/"
    with pytest.raises(InputError) as e:  # a stand-in session: no JVM is started
        JourneyBuilder(OPTS, engine="spark", spark_session=object()).fit(url, str(d / "cv.parquet"))
    assert seen == [([url], "parquet")]
    msg = str(e.value)
    assert e.value.file == url and "\n" not in msg
    assert 'UnsupportedFileSystemException: No FileSystem for scheme "s3a"' in msg
    assert "hadoop-aws" in msg and "spark.hadoop.fs.s3a" in msg


def test_object_store_without_extension_is_exit_2_one_line(world, tmp_path, capsys):
    d, _ = world
    rc = main(
        [
            "journeys",
            "--touchpoints",
            "s3://attribution-test-bucket/tp/",
            "--conversions",
            str(d / "cv.parquet"),
            "--out",
            str(tmp_path / "p.csv"),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("error: s3://attribution-test-bucket/tp/: cannot read the touchpoints")
    assert not (tmp_path / "p.csv").exists()


def test_bad_source_on_the_command_line_is_exit_2(world, tmp_path, capsys):
    d, _ = world
    rc = main(
        [
            "journeys",
            "--touchpoints",
            "table:sales.tp",
            "--conversions",
            str(d / "cv.parquet"),
            "--out",
            str(tmp_path / "p.csv"),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and "--engine spark" in err


# -- the run config -------------------------------------------------------------------------
def test_run_config_keeps_source_strings_and_resolves_paths():
    cfg = config_from_dict(
        {
            "inputs": {
                "touchpoints": "s3a://bucket/events/tp/",
                "conversions": "duckdb:wh/w.duckdb:sales.cv",
                "id_map": "data/id_map.csv",
                "media": "data/media.csv",
            }
        },
        base=Path("/runs/q3"),
    )
    inp = cfg.inputs
    assert inp.touchpoints == "s3a://bucket/events/tp/"
    assert inp.conversions == "duckdb:/runs/q3/wh/w.duckdb:sales.cv"
    assert inp.id_map == Path("/runs/q3/data/id_map.csv")
    assert inp.media == Path("/runs/q3/data/media.csv")
    assert cfg.to_dict()["inputs"]["touchpoints"] == "s3a://bucket/events/tp/"
    tbl = config_from_dict({"inputs": {"touchpoints": "table:db.tp"}}).inputs.touchpoints
    assert tbl == "table:db.tp"
    with pytest.raises(UsageError, match=r"'inputs.conversions'.*duckdb:FILE"):
        config_from_dict({"inputs": {"conversions": "duckdb:w.duckdb"}})


def test_site_spark_defaults_are_read_so_they_win(tmp_path, monkeypatch):
    from attribution.journeys.spark_engine import spark_defaults

    (tmp_path / "spark-defaults.conf").write_text(
        "# site settings\nspark.sql.warehouse.dir   /data/warehouse\nspark.master=yarn\n"
        "spark.hadoop.fs.s3a.endpoint: http://minio:9000\n\n"
    )
    monkeypatch.setenv("SPARK_CONF_DIR", str(tmp_path))
    assert spark_defaults() == {
        "spark.sql.warehouse.dir": "/data/warehouse",
        "spark.master": "yarn",
        "spark.hadoop.fs.s3a.endpoint": "http://minio:9000",
    }
    monkeypatch.setenv("SPARK_CONF_DIR", str(tmp_path / "none"))
    assert spark_defaults() == {}


def test_session_settings_leave_the_sites_own_to_spark(tmp_path, monkeypatch):
    """No JVM: a stand-in builder records what spark_session asks for."""
    pyspark_sql = pytest.importorskip("pyspark.sql")
    from attribution.journeys.spark_engine import spark_session

    class Builder:
        def __init__(self):
            self.master_url, self.conf = None, {}

        def master(self, url):
            self.master_url = url
            return self

        def appName(self, name):
            return self

        def config(self, k, v):
            self.conf[k] = v
            return self

        def getOrCreate(self):
            return types.SimpleNamespace(
                sparkContext=types.SimpleNamespace(setLogLevel=lambda level: None)
            )

    fake = Builder()
    monkeypatch.setattr(pyspark_sql.SparkSession, "builder", fake)
    (tmp_path / "spark-defaults.conf").write_text(
        "spark.master yarn\nspark.sql.warehouse.dir /data/warehouse\n"
    )
    monkeypatch.setenv("SPARK_CONF_DIR", str(tmp_path))
    monkeypatch.delenv("SPARK_MASTER", raising=False)
    spark_session(
        None, {"spark.driver.extraJavaOptions": "-Dx=1", "spark.sql.shuffle.partitions": "400"}
    )
    assert fake.master_url == "yarn" and "spark.sql.warehouse.dir" not in fake.conf
    assert fake.conf["spark.sql.shuffle.partitions"] == "400"
    assert fake.conf["spark.driver.extraJavaOptions"].endswith(" -Dx=1")
    assert "-Dderby.system.home=" in fake.conf["spark.driver.extraJavaOptions"]
    monkeypatch.setenv("SPARK_MASTER", "spark://head:7077")
    spark_session("local[3]")
    assert fake.master_url == "local[3]"


# -- Spark catalog tables ---------------------------------------------------------------------
@pytest.mark.spark
def test_spark_catalog_tables_give_the_parquet_path_table(spark, world):
    d, ref = world
    spark.sql("CREATE DATABASE IF NOT EXISTS attr_src")
    for name, f in (("tp", "tp.parquet"), ("cv", "cv.parquet")):
        spark.read.parquet(str(d / f)).write.mode("overwrite").saveAsTable(f"attr_src.{name}")
    res = JourneyBuilder(OPTS, engine="spark", spark_session=spark).fit(
        "table:attr_src.tp", "table:spark_catalog.attr_src.cv"
    )
    pd.testing.assert_frame_equal(res.paths, ref.paths)
    same_accounting(res, ref)


@pytest.mark.spark
def test_spark_missing_connector_and_table_are_clear_errors(spark, world):
    d, _ = world
    b = JourneyBuilder(OPTS, engine="spark", spark_session=spark)
    with pytest.raises(InputError) as e:
        b.fit("gs://attribution-test-bucket/tp/", str(d / "cv.parquet"))
    msg = str(e.value)
    assert "\n" not in msg and "gs://" in msg and "gcs-connector" in msg
    assert "No FileSystem for scheme" in msg or "ClassNotFound" in msg
    with pytest.raises(InputError) as e:
        b.fit("table:attr_nowhere.tp", str(d / "cv.parquet"))
    assert "TABLE_OR_VIEW_NOT_FOUND" in str(e.value) and "spark.sql.catalog" in str(e.value)


_WRITER = """
import sys
from attribution.journeys.spark_engine import spark_session
spark = spark_session("local[1]", {"spark.sql.catalogImplementation": "hive"})
spark.sql("CREATE DATABASE IF NOT EXISTS mkt")
for name, f in (("touchpoints", sys.argv[1]), ("conversions", sys.argv[2])):
    spark.read.parquet(f).write.saveAsTable("mkt." + name)
spark.stop()
"""


@pytest.mark.spark
@pytest.mark.slow
def test_warehouse_table_read_by_the_command_through_configuration_only(world, tmp_path):
    """A Hive warehouse in a local folder: one Spark process saves the tables (its
    warehouse and metastore set in spark-defaults.conf), the unchanged command reads them
    with the same settings given as --spark-conf."""
    d, ref = world
    wh, meta = tmp_path / "warehouse", tmp_path / "metastore_db"
    settings = {
        "spark.sql.warehouse.dir": str(wh),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={meta};create=true"
        ),
    }
    conf_dir = tmp_path / "conf"
    conf_dir.mkdir()
    (conf_dir / "spark-defaults.conf").write_text(
        "".join(f"{k} {v}\n" for k, v in settings.items())
    )
    env = {**os.environ, "SPARK_CONF_DIR": str(conf_dir), "PYTHONPATH": str(ROOT)}
    fast = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
    subprocess.run(
        [sys.executable, "-c", _WRITER, str(d / "tp.parquet"), str(d / "cv.parquet")],
        check=True,
        env={**env, "JDK_JAVA_OPTIONS": fast},
        cwd=tmp_path,
        timeout=300,
        capture_output=True,
    )
    assert (wh / "mkt.db" / "touchpoints").is_dir()
    out = tmp_path / "paths.csv"
    cmd = [
        sys.executable,
        "-m",
        "attribution",
        "journeys",
        "--engine",
        "spark",
        "--touchpoints",
        "table:mkt.touchpoints",
        "--conversions",
        "table:mkt.conversions",
        "--out",
        str(out),
        "--lookback-days",
        "10",
        "--inactivity-days",
        "5",
        "--collapse-repeats",
        "--spark-master",
        "local[1]",
        "--spark-conf",
        "spark.sql.catalogImplementation=hive",
        "--spark-conf",
        "spark.sql.shuffle.partitions=2",
        *[a for k, v in settings.items() for a in ("--spark-conf", f"{k}={v}")],
    ]
    env.pop("SPARK_CONF_DIR")
    r = subprocess.run(
        cmd,
        env={**env, "JDK_JAVA_OPTIONS": fast},
        cwd=tmp_path,
        timeout=300,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    got = pd.read_csv(out, keep_default_na=False)
    want = ref.paths.copy()
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
