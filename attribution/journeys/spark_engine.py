"""Spark engine (``--engine spark``): local mode or any cluster through configuration.

Only this module imports pyspark (an optional extra). The master comes from the
``master`` argument, else the ``SPARK_MASTER`` environment variable, else
``spark.master`` in ``spark-defaults.conf``, else ``local[2]``; any Spark setting can
be passed as ``conf`` or set in ``spark-defaults.conf`` (``$SPARK_CONF_DIR``).
Warehouse, Derby and Java temporary directories point at a temporary directory, never
the working directory, unless ``spark-defaults.conf`` sets them.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from attribution.errors import UsageError
from attribution.journeys.definition import SPARK, Dialect
from attribution.journeys.sources import spark_table_name

INSTALL_HINT = "pyspark is not installed; install it with: pip install 'attribution[spark]'"

_SESSION_TMP: tempfile.TemporaryDirectory[str] | None = None


def spark_session(master: str | None = None, conf: Mapping[str, str] | None = None) -> Any:
    """Get (or create) the SparkSession used for journeys.

    Parameters
    ----------
    master : Spark master URL (default ``$SPARK_MASTER``, else ``spark.master`` of the
        site's ``spark-defaults.conf``, else ``local[2]``).
    conf : extra Spark settings (``key -> value``), applied on creation.

    Example
    -------
    >>> spark = spark_session("local[2]", {"spark.sql.shuffle.partitions": "4"})  # doctest: +SKIP
    """
    global _SESSION_TMP
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # optional extra
        raise UsageError(INSTALL_HINT) from exc
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if _SESSION_TMP is None:
        _SESSION_TMP = tempfile.TemporaryDirectory(prefix="attribution-spark-")
    tmp = _SESSION_TMP.name
    settings = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "8",
        "spark.sql.warehouse.dir": str(Path(tmp) / "warehouse"),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={tmp} -Djava.io.tmpdir={tmp}",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
    }
    site = spark_defaults()
    master = master or os.environ.get("SPARK_MASTER") or site.get("spark.master") or "local[2]"
    if master.startswith("local"):  # on a cluster, executors keep their own scratch dirs
        settings["spark.local.dir"] = str(Path(tmp) / "local")
    for key in site:  # the site's spark-defaults.conf wins over our defaults
        settings.pop(key, None)
    conf = dict(conf or {})
    extra = conf.pop("spark.driver.extraJavaOptions", "")
    if extra:  # added to ours (or to the site's), not replacing them
        key = "spark.driver.extraJavaOptions"
        settings[key] = f"{settings.get(key, site.get(key, ''))} {extra}".strip()
    settings.update(conf)
    builder = SparkSession.builder.master(master)
    builder = builder.appName("attribution-journeys")
    for k, v in settings.items():
        builder = builder.config(k, v)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def spark_defaults() -> dict[str, str]:
    """Settings of the site's ``spark-defaults.conf`` (``$SPARK_CONF_DIR``, else
    ``$SPARK_HOME/conf``); Spark applies them itself, this only lets them win over
    the defaults set here.

    Example
    -------
    >>> isinstance(spark_defaults(), dict)
    True
    """
    conf_dir = os.environ.get("SPARK_CONF_DIR")
    if not conf_dir and os.environ.get("SPARK_HOME"):
        conf_dir = str(Path(os.environ["SPARK_HOME"]) / "conf")
    path = Path(conf_dir) / "spark-defaults.conf" if conf_dir else None
    if path is None or not path.is_file():
        return {}
    out = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "!")):  # Java properties: key [ =:] value
            key, *value = re.split(r"\s*[=:\s]\s*", line, maxsplit=1)
            out[key] = value[0] if value else ""
    return out


class SparkRunner:
    """Executes the journey SQL with Spark SQL.

    Parameters
    ----------
    master : Spark master URL (see :func:`spark_session`).
    conf : extra Spark settings.
    session : an existing SparkSession to use instead.
    """

    dialect: Dialect = SPARK

    def __init__(
        self, master: str | None = None, conf: Mapping[str, str] | None = None, session: Any = None
    ) -> None:
        self.spark = session if session is not None else spark_session(master, conf)
        self._cached: list[Any] = []
        self._csv_views: set[str] = set()

    def _read(self, files: Sequence[str], fmt: str) -> Any:
        if fmt == "table":  # a catalog table: table:[catalog.][db.]name
            return self.spark.table(spark_table_name(files[0]))
        r = self.spark.read
        if fmt == "csv":
            return r.option("header", True).option("inferSchema", False).csv(list(files))
        return r.parquet(*files)

    def columns(self, files: Sequence[str], fmt: str) -> list[str]:
        """Column names of the first file."""
        return list(self._read([files[0]], fmt).columns)

    def create_raw(
        self, view: str, files: Sequence[str], fmt: str, select: dict[str, str | None]
    ) -> None:
        """Create ``view`` with the given ``{raw name: source column or None}`` mapping."""
        from pyspark.sql import functions as F

        cols = [
            F.col(f"`{src}`").alias(dst) if src else F.lit(None).cast("string").alias(dst)
            for dst, src in select.items()
        ]
        parts = []
        for i, f in enumerate(files):
            df = self._read([f], fmt)
            row = (
                F.col("_metadata.row_index")
                if fmt == "parquet"
                else F.monotonically_increasing_id()
            )  # increasing in scan order
            parts.append(
                df.select(
                    *cols, F.lit(i).cast("bigint").alias("_fidx"), row.cast("bigint").alias("_row")
                )
            )
        out = parts[0]
        for p in parts[1:]:
            out = out.unionAll(p)
        out.createOrReplaceTempView(view)
        if fmt != "parquet":  # CSV and tables: rows are counted in scan order
            self._csv_views.add(view)

    def execute(self, sql: str) -> None:
        """Run a statement."""
        self.spark.sql(sql)

    def create_view(self, name: str, select: str) -> None:
        """Create (or replace) a temporary view."""
        self.spark.sql(select).createOrReplaceTempView(name)

    def materialize(self, name: str, select: str) -> None:
        """Compute ``select`` once (cached) and register it as ``name``."""
        df = self.spark.sql(select).persist()
        self._cached.append(df)
        df.createOrReplaceTempView(name)

    def fetch(self, sql: str) -> pd.DataFrame:
        """Run a query and return its (small) result as a DataFrame."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return self.spark.sql(sql).toPandas()

    def exact_row(self, view: str, fidx: int, row: int) -> int:
        """Spreadsheet row number (header = 1) of a raw row."""
        if view not in self._csv_views:
            return int(row) + 2
        n = self.spark.sql(
            f"SELECT COUNT(*) AS n FROM {view} WHERE _fidx = {int(fidx)} AND _row < {int(row)}"
        ).collect()[0][0]
        return int(n) + 2

    def write_parquet(self, sql: str, path: Path) -> None:
        """Write a query result as a Parquet dataset (a folder of part files)."""
        self.spark.sql(sql).write.mode("overwrite").parquet(str(path))

    def close(self) -> None:
        """Unpersist cached results (the session stays for reuse)."""
        for df in self._cached:
            df.unpersist()
        self._cached.clear()
