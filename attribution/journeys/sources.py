"""Where event logs come from: local files, object-store URLs and warehouse tables.

One source string names an input, the same on the command line, in the run config
and in Python; pointing a run at a cluster, a bucket or a catalog is configuration,
not code:

==================================  =========================================================
``data/tp.parquet``, ``data/tp/``   a local file, a folder of ``*.parquet`` files, or a glob
``data/tp-*.csv``                   (CSV or Parquet, from the file name)
``s3://bucket/tp/``                 an object-store or HDFS URL, passed to the engine as
``gs://…``, ``abfss://…``,          written (a URL without a file extension is a folder of
``hdfs://…``                        Parquet files); connectors and credentials come from the
                                    engine's configuration
``table:db.touchpoints``            a table of Spark's catalog (Hive metastore, Unity,
                                    Iceberg … configured through ``spark.sql.catalog*``)
``duckdb:warehouse.duckdb:main.tp`` a table in a DuckDB database file (attached read-only)
==================================  =========================================================

Pure string handling: no engine is imported here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from attribution.errors import InputError, UsageError

#: URL schemes passed through to the engines
SCHEMES = (
    "s3",
    "s3a",
    "s3n",
    "gs",
    "gcs",
    "r2",
    "az",
    "azure",
    "abfs",
    "abfss",
    "wasb",
    "wasbs",
    "hdfs",
    "viewfs",
    "http",
    "https",
)
#: schemes DuckDB reads (httpfs: s3/gs/r2/http; azure: az/abfss)
DUCKDB_SCHEMES = ("s3", "s3a", "s3n", "gs", "gcs", "r2", "az", "azure", "abfss", "http", "https")
#: schemes Spark reads through Hadoop file systems
SPARK_SCHEMES = ("s3", "s3a", "s3n", "gs", "abfs", "abfss", "wasb", "wasbs", "hdfs", "viewfs")
TABLE_PREFIX = "table:"
DUCKDB_PREFIX = "duckdb:"

_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://(.*)$")
_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_$-]*$")
_CSV = (".csv", ".csv.gz", ".txt", ".tsv")
_PARQUET = (".parquet", ".pq")


@dataclass(frozen=True)
class ResolvedSource:
    """A source string resolved for one engine.

    Attributes
    ----------
    kind : ``"files"`` (local), ``"url"`` (object store / HDFS) or ``"table"``.
    files : what the engine reads: local files, URLs, or one table reference
        (``table:`` / ``duckdb:`` spec, normalised).
    fmt : ``"parquet"``, ``"csv"`` or ``"table"``.
    display : the source as the user wrote it (for messages).
    """

    kind: str
    files: tuple[str, ...]
    fmt: str
    display: str


def url_scheme(text: str) -> str | None:
    """The lower-case scheme of ``scheme://…`` text, else None.

    Example
    -------
    >>> url_scheme("S3A://bucket/tp/"), url_scheme("data/tp.parquet")
    ('s3a', None)
    """
    m = _URL.match(text.strip())
    return m.group(1).lower() if m else None


def is_source_spec(text: str) -> bool:
    """True for a URL or table source (text that must not be treated as a local path).

    Example
    -------
    >>> is_source_spec("table:db.tp"), is_source_spec("gs://b/tp"), is_source_spec("tp.csv")
    (True, True, False)
    """
    s = text.strip()
    return url_scheme(s) is not None or s.startswith((TABLE_PREFIX, DUCKDB_PREFIX))


def table_parts(name: str, source: str, max_parts: int = 3) -> tuple[str, ...]:
    """Split ``[catalog.][db.]table`` into validated identifier parts.

    Raises
    ------
    UsageError : empty name, too many parts, or characters that need quoting.

    Example
    -------
    >>> table_parts("sales.touchpoints", "table:sales.touchpoints")
    ('sales', 'touchpoints')
    """
    parts = tuple(name.strip().split(".")) if name.strip() else ()
    if not parts or len(parts) > max_parts or not all(_PART.match(p) for p in parts):
        shape = ".".join(["[catalog]", "[db]", "table"][-max_parts:])
        raise UsageError(
            f"source '{source}': '{name}' is not a table name; write {shape} "
            "with letters, digits, '_', '$' or '-' in each part"
        )
    return parts


def parse_duckdb_table(spec: str) -> tuple[str, tuple[str, ...]]:
    """``duckdb:FILE:[schema.]table`` -> (database file, table parts).

    The file may itself contain ``:`` (a URL); the table is after the last one.

    Example
    -------
    >>> parse_duckdb_table("duckdb:wh.duckdb:main.tp")
    ('wh.duckdb', ('main', 'tp'))
    """
    body = spec.strip()[len(DUCKDB_PREFIX) :]
    path, sep, table = body.rpartition(":")
    if not sep or not path or path.endswith(":"):
        raise UsageError(
            f"source '{spec}' is not valid; write duckdb:FILE.duckdb:[schema.]table, "
            "e.g. duckdb:warehouse.duckdb:main.touchpoints"
        )
    return path, table_parts(table, spec, max_parts=2)


def spark_table_name(spec: str) -> str:
    """``table:db.tp`` -> the quoted identifier Spark reads (```db`.`tp```).

    Example
    -------
    >>> spark_table_name("table:sales.touchpoints")
    '`sales`.`touchpoints`'
    """
    name = spec.strip()[len(TABLE_PREFIX) :]
    return ".".join(f"`{p}`" for p in table_parts(name, spec))


def normalize_spec(text: str, base: Path) -> str:
    """A source spec from a config file: relative DuckDB database files resolve against
    ``base`` (the config's folder); URLs and catalog tables are kept as written.

    Example
    -------
    >>> normalize_spec("duckdb:wh.duckdb:tp", Path("/runs"))
    'duckdb:/runs/wh.duckdb:tp'
    """
    s = text.strip()
    if s.startswith(DUCKDB_PREFIX):
        path, parts = parse_duckdb_table(s)
        if url_scheme(path) is None:
            p = Path(path).expanduser()
            path = str(p if p.is_absolute() else base / p)
        return f"{DUCKDB_PREFIX}{path}:{'.'.join(parts)}"
    return s


def file_format(name: str) -> str | None:
    """``"csv"``/``"parquet"`` from a file name or glob, None when it has no known extension."""
    s = name.lower().rstrip("/")
    if s.endswith(_CSV):
        return "csv"
    if s.endswith(_PARQUET) or s.endswith("*"):
        return "parquet"
    return None


def resolve_source(src: str | Path, what: str, engine: str) -> ResolvedSource:
    """Resolve one source string for ``engine`` (``"duckdb"`` or ``"spark"``).

    Parameters
    ----------
    src : a local path/folder/glob, a URL, ``table:NAME`` or ``duckdb:FILE:TABLE``.
    what : the input's name for messages, e.g. ``"touchpoints"``.
    engine : the engine that will read it.

    Returns
    -------
    ResolvedSource

    Raises
    ------
    UsageError : malformed spec, or a source the engine cannot read.
    InputError : a local path that matches no file, or a missing DuckDB database file.

    Example
    -------
    >>> resolve_source("s3://b/tp/", "touchpoints", "spark").files
    ('s3://b/tp/',)
    """
    text = str(src).strip() if isinstance(src, str) else str(src)
    scheme = url_scheme(text) if isinstance(src, str) else None
    if isinstance(src, str) and text.startswith(TABLE_PREFIX):
        if engine != "spark":
            raise UsageError(
                f"{what} source '{text}' is a Spark catalog table; run it with "
                "--engine spark, or with DuckDB name a database file table: "
                "duckdb:FILE.duckdb:[schema.]table"
            )
        spark_table_name(text)  # validates
        return ResolvedSource("table", (text,), "table", text)
    if isinstance(src, str) and text.startswith(DUCKDB_PREFIX):
        if engine != "duckdb":
            raise UsageError(
                f"{what} source '{text}' is a DuckDB database table; run it with "
                "--engine duckdb, or save it as a table of Spark's catalog and "
                "name it table:db.name"
            )
        path, parts = parse_duckdb_table(text)
        if url_scheme(path) is None and not Path(path).expanduser().is_file():
            raise InputError(
                f"no {what} database file found",
                file=path,
                fix="check the path before the table name (duckdb:FILE.duckdb:[schema.]table)",
                reason="missing_file",
            )
        if url_scheme(path) is None:
            path = str(Path(path).expanduser())
        return ResolvedSource("table", (f"{DUCKDB_PREFIX}{path}:{'.'.join(parts)}",), "table", text)
    if scheme is not None:
        return _resolve_url(text, scheme, what, engine)
    return _resolve_local(text, what)


def _resolve_url(text: str, scheme: str, what: str, engine: str) -> ResolvedSource:
    if scheme not in SCHEMES:
        raise UsageError(
            f"{what} source '{text}': unknown URL scheme '{scheme}://'; use a "
            f"local path or one of {', '.join(s + '://' for s in SCHEMES)}"
        )
    readable = DUCKDB_SCHEMES if engine == "duckdb" else SPARK_SCHEMES
    if scheme not in readable:
        other = "spark" if engine == "duckdb" else "duckdb"
        raise UsageError(
            f"{what} source '{text}': {engine} cannot read {scheme}:// URLs; "
            f"use --engine {other} or one of "
            f"{', '.join(s + '://' for s in readable)}"
        )
    fmt = file_format(text)
    if fmt is not None:
        return ResolvedSource("url", (text,), fmt, text)
    # no extension: a folder of Parquet files (like a local folder)
    folder = text if engine == "spark" else text.rstrip("/") + "/*.parquet"
    return ResolvedSource("url", (folder,), "parquet", text)


def _resolve_local(text: str, what: str) -> ResolvedSource:
    import glob

    p = Path(text)
    if p.is_dir():
        files = sorted(str(f) for f in p.glob("*.parquet"))
    elif any(ch in text for ch in "*?["):
        files = sorted(glob.glob(text))
    else:
        files = [text] if p.is_file() else []
    if not files:
        fix = "check the path"
        head = text.split(":", 1)[0]
        if ":" in text and "/" not in head and head.lower() not in ("table", "duckdb"):
            fix += (
                "; a warehouse table is written table:db.name (Spark) or "
                "duckdb:FILE.duckdb:[schema.]table, an object store as s3://bucket/path"
            )
        raise InputError(f"no {what} file found", fix=fix, file=text, reason="missing_file")
    fmt = file_format(files[0])
    if fmt is None:
        if p.is_dir():
            fmt = "parquet"
        else:
            raise UsageError(f"{files[0]}: unknown file type; use a .parquet or .csv file")
    return ResolvedSource("files", tuple(files), fmt, text)


def read_error(source: ResolvedSource, what: str, engine: str, exc: BaseException) -> InputError:
    """Turn an engine's failure to open a URL or table into one clear line.

    Names the source and the engine's own first message line, and says which
    configuration is missing (connector, extension, credentials, catalog).
    """
    lines = [ln.strip().lstrip(":").strip() for ln in str(exc).splitlines()]
    lines = [
        ln
        for ln in lines
        if ln and not ln.startswith(("at ", "An error occurred while calling", "JVM stacktrace"))
    ]
    first = (
        (" ".join(lines[:2]) if lines[0].endswith(":") else lines[0])
        if lines
        else type(exc).__name__
    )
    if engine == "spark":  # org.apache.hadoop.fs.XyzException -> XyzException
        first = re.sub(r"\b(?:[a-z_][\w$]*\.)+([A-Z][\w$]*(?:Exception|Error))", r"\1", first)
    first = first[:300]
    low = str(exc).lower()
    scheme = url_scheme(source.files[0]) if source.kind == "url" else None
    if source.kind == "table" and engine == "spark":
        fix = (
            "check the table name and that Spark sees the catalog: set it with --spark-conf "
            "(e.g. spark.sql.catalogImplementation=hive, "
            "spark.hadoop.hive.metastore.uris=thrift://HOST:9083, spark.sql.catalog.NAME=...) "
            "or in spark-defaults.conf"
        )
    elif source.kind == "table":
        fix = "check the database file and the [schema.]table name (duckdb:FILE:[schema.]table)"
    elif engine == "spark":
        if "no filesystem for scheme" in low or "classnotfound" in low:
            pkg = {
                "s3a": "org.apache.hadoop:hadoop-aws:<hadoop version>",
                "gs": "com.google.cloud.bigdataoss:gcs-connector:<version>",
                "abfss": "org.apache.hadoop:hadoop-azure:<hadoop version>",
            }.get(str(scheme), "the Hadoop connector for this scheme")
            fix = (
                f"Spark has no connector for {scheme}://; add it with --spark-conf "
                f"spark.jars.packages={pkg} (or spark.jars=...) and its credentials with "
                f"--spark-conf spark.hadoop.fs.{scheme}.*=..."
            )
        else:
            fix = (
                "check the URL and the credentials configured for it "
                f"(--spark-conf spark.hadoop.fs.{scheme}.*=... or spark-defaults.conf)"
            )
    else:
        ext = "azure" if scheme in ("az", "azure", "abfss") else "httpfs"
        if "extension" in low:
            fix = (
                f"DuckDB needs its {ext} extension for {scheme}://: install it once with "
                f'duckdb -c "INSTALL {ext}" (or copy it into the extension directory on '
                "offline machines), then configure credentials with a persistent secret "
                "(CREATE PERSISTENT SECRET ...)"
            )
        else:
            fix = (
                "check the URL and the credentials DuckDB uses for it (a persistent secret: "
                "CREATE PERSISTENT SECRET (TYPE s3, PROVIDER credential_chain))"
            )
    return InputError(
        f"cannot read the {what} with {engine} ({first})",
        fix=fix,
        file=source.display,
        reason="unreadable_source",
    )
