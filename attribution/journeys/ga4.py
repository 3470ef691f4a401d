"""A GA4 BigQuery export (``events_*``) -> touchpoints, conversions and an id-map.

Read by DuckDB or Spark from Parquet or newline-delimited JSON (a file, a folder
or a glob such as ``export/events_*.parquet``), with the export's own schema:
``user_pseudo_id``, ``user_id``, ``event_timestamp`` (microseconds since 1970,
UTC), ``event_name``, ``traffic_source.{source,medium,name}`` (the user's first
visit), ``collected_traffic_source.{manual_source,manual_medium,manual_campaign_name}``
and ``ecommerce.{purchase_revenue,transaction_id}``.

Definition:

* a touch is a ``session_start`` event; its channel is ``source / medium`` from the
  event's collected traffic source, else (for the user's first session) the user's
  first-visit traffic source, else ``(direct) / (none)``; campaign likewise;
* a conversion is a ``purchase`` event: value ``ecommerce.purchase_revenue``, order
  ``ecommerce.transaction_id``;
* customers are ``user_pseudo_id`` (a browser/device); the id-map joins each pseudo
  id to its ``user_id`` when the site knows one (the smallest if it saw several,
  counted), so a customer's devices form one journey;
* every event is counted in the row accounting: touches, conversions, other events,
  events without a timestamp or pseudo id (rejected), and the timestamp unit found.
"""

from __future__ import annotations

import glob as globmod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from attribution.errors import InputError
from attribution.findings import Finding

_FORMATS = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".ndjson": "json",
    ".jsonl": "json",
}
REQUIRED = ("user_pseudo_id", "event_timestamp", "event_name")


@dataclass(frozen=True)
class GA4Logs:
    """The contract inputs written from a GA4 export, with its accounting."""

    touchpoints: Path
    conversions: Path
    id_map: Path | None
    accounting: dict[str, Any] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()


def ga4_files(src: str | Path) -> tuple[list[str], str]:
    """The export's files (a file, a folder of ``events_*`` files or a glob) and format.

    Example
    -------
    >>> ga4_files("export/events_*.parquet")        # doctest: +SKIP
    (['export/events_20240101.parquet', ...], 'parquet')
    """
    p = Path(src)
    if p.is_dir():
        files = sorted(str(f) for f in p.iterdir() if f.suffix.lower() in _FORMATS)
    elif p.is_file():
        files = [str(p)]
    else:
        files = sorted(globmod.glob(str(src)))
    if not files:
        raise InputError(
            "no GA4 export files found",
            fix="give the export's Parquet or "
            "newline-delimited JSON files (a file, folder or glob such as "
            "events_*.parquet)",
            file=str(src),
            reason="missing_file",
        )
    fmts = {_FORMATS.get(Path(f).suffix.lower()) for f in files}
    if None in fmts or len(fmts) > 1:
        raise InputError(
            "GA4 export files must all be Parquet (.parquet) or all "
            "newline-delimited JSON (.json, .ndjson, .jsonl)",
            fix="export the events table in one of these formats",
            file=str(src),
            reason="unreadable",
        )
    return files, fmts.pop() or "parquet"


def _select(cols: set[str], d: str) -> str:
    """The flattening SELECT over the raw view ``ga4_raw`` (absent structs as NULL)."""

    def get(struct: str, fld: str) -> str:
        return f"{struct}.{fld}" if struct in cols else "CAST(NULL AS STRING)"

    uid = "CAST(user_id AS STRING)" if "user_id" in cols else "CAST(NULL AS STRING)"
    rev = (
        f"TRY_CAST({get('ecommerce', 'purchase_revenue')} AS DOUBLE)"
        if "ecommerce" in cols
        else "CAST(NULL AS DOUBLE)"
    )
    return f"""
SELECT CAST(user_pseudo_id AS STRING) AS pid, {uid} AS uid,
       TRY_CAST(event_timestamp AS BIGINT) AS us, CAST(event_name AS STRING) AS ev,
       NULLIF(CAST({get("collected_traffic_source", "manual_source")} AS STRING), '') AS cs,
       NULLIF(CAST({get("collected_traffic_source", "manual_medium")} AS STRING), '') AS cm,
       NULLIF(CAST({get("collected_traffic_source", "manual_campaign_name")} AS STRING), '')
           AS cc,
       NULLIF(CAST({get("traffic_source", "source")} AS STRING), '') AS fs,
       NULLIF(CAST({get("traffic_source", "medium")} AS STRING), '') AS fm,
       NULLIF(CAST({get("traffic_source", "name")} AS STRING), '') AS fc,
       {rev} AS revenue,
       CAST({get("ecommerce", "transaction_id")} AS STRING) AS txn
FROM ga4_raw"""


def _queries(d: Any) -> dict[str, str]:
    ok = "pid IS NOT NULL AND us IS NOT NULL"
    first = "ROW_NUMBER() OVER (PARTITION BY pid ORDER BY us) = 1"
    return {
        "touch": f"""
SELECT pid AS customer_id, {d.from_us("us")} AS timestamp,
       CONCAT(src, ' / ', med) AS channel, camp AS campaign, 'visit' AS interaction
FROM (SELECT pid, us,
             COALESCE(cs, CASE WHEN is_first THEN fs END, '(direct)') AS src,
             COALESCE(cm, CASE WHEN is_first THEN fm END,
                      CASE WHEN cs IS NULL THEN '(none)' ELSE '(not set)' END) AS med,
             COALESCE(cc, CASE WHEN is_first THEN fc END) AS camp
      FROM (SELECT *, {first} AS is_first FROM ga4_ev
            WHERE {ok} AND ev = 'session_start') s) t""",
        "conv": f"""
SELECT pid AS customer_id, {d.from_us("us")} AS timestamp, COALESCE(revenue, 0.0) AS value,
       txn AS order_id
FROM ga4_ev WHERE {ok} AND ev = 'purchase'""",
        "idmap": """
SELECT pid AS id, MIN(uid) AS customer_id, COUNT(DISTINCT uid) AS n_user_ids
FROM ga4_ev WHERE pid IS NOT NULL AND uid IS NOT NULL GROUP BY pid""",
        "counts": """
SELECT CASE WHEN pid IS NULL THEN 'missing_user_pseudo_id'
            WHEN us IS NULL THEN 'missing_event_timestamp'
            WHEN ev = 'session_start' THEN 'touchpoints'
            WHEN ev = 'purchase' THEN 'conversions' ELSE 'other_events' END AS k,
       COUNT(*) AS n, MIN(us) AS lo, MAX(us) AS hi
FROM ga4_ev GROUP BY 1""",
    }


def _raw_view(runner: Any, engine: str, files: list[str], fmt: str) -> list[str]:
    """Register the export as ``ga4_raw``; return its top-level columns."""
    if engine == "spark":
        r = runner.spark.read
        df = r.parquet(*files) if fmt == "parquet" else r.json(files)
        df.createOrReplaceTempView("ga4_raw")
        return list(df.columns)
    lst = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
    scan = (
        f"read_parquet({lst}, union_by_name = true)"
        if fmt == "parquet"
        else f"read_json_auto({lst}, format = 'newline_delimited', union_by_name = true)"
    )
    runner.execute(f"CREATE OR REPLACE TEMP VIEW ga4_raw AS SELECT * FROM {scan}")
    return list(runner.fetch("SELECT * FROM ga4_raw LIMIT 0").columns)


def ga4_to_logs(
    src: str | Path, out_dir: str | Path, *, engine: str = "duckdb", runner: Any = None
) -> GA4Logs:
    """Write touchpoints, conversions and an id-map (Parquet) from a GA4 export.

    Parameters
    ----------
    src : the export (file, folder or glob of Parquet or newline-delimited JSON).
    out_dir : where the three tables are written (``touchpoints.parquet`` ...).
    engine : ``"duckdb"`` or ``"spark"``; ``runner`` an existing engine runner.

    Example
    -------
    >>> logs = ga4_to_logs("export/", "run/inputs")            # doctest: +SKIP
    >>> logs.accounting["events"]["touchpoints"]               # doctest: +SKIP
    """
    files, fmt = ga4_files(src)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    own = runner is None
    if own:
        if engine == "spark":
            from attribution.journeys.spark_engine import SparkRunner

            runner = SparkRunner()
        else:
            from attribution.journeys.duckdb_engine import DuckDBRunner

            runner = DuckDBRunner()
    try:
        cols = set(_raw_view(runner, engine, files, fmt))
        missing = [c for c in REQUIRED if c not in cols]
        if missing:
            raise InputError(
                f"column '{missing[0]}' is missing: this is not a GA4 BigQuery events export",
                fix="export the events_* table (Parquet or newline-delimited JSON) unchanged",
                file=str(src),
                row=1,
                column=missing[0],
                reason="missing_column",
            )
        runner.create_view("ga4_ev", _select(cols, runner.dialect.name))
        q = _queries(runner.dialect)
        counts = runner.fetch(q["counts"])
        ext = "" if engine == "spark" else ".parquet"  # Spark writes a folder of parts
        paths = {k: out / f"{k}{ext}" for k in ("touchpoints", "conversions", "id_map")}
        runner.write_parquet(q["touch"], paths["touchpoints"])
        runner.write_parquet(q["conv"], paths["conversions"])
        idmap = runner.fetch(
            f"SELECT COUNT(*) AS n, SUM(CASE WHEN n_user_ids > 1 THEN 1 "
            f"ELSE 0 END) AS several FROM ({q['idmap']}) x"
        )
        n_map = int(idmap["n"].iloc[0] or 0)
        if n_map:
            runner.write_parquet(f"SELECT id, customer_id FROM ({q['idmap']}) x", paths["id_map"])
    finally:
        if own:
            runner.close()
    by = {str(k): int(n) for k, n in zip(counts["k"], counts["n"], strict=True)}
    lo, hi = counts["lo"].min(), counts["hi"].max()
    unit = epoch_unit(int(hi)) if hi == hi else None
    acc = {
        "source": str(src),
        "files": len(files),
        "format": fmt,
        "read": sum(by.values()),
        "events": by,
        "rejected": {k: v for k, v in by.items() if k.startswith("missing_")},
        "timestamp_unit": unit,
        "id_map_rows": n_map,
        "pseudo_ids_with_several_user_ids": int(idmap["several"].iloc[0] or 0),
    }
    findings = [
        Finding(
            "info",
            "ga4.read",
            f"{src}: {acc['read']} events read = {by.get('touchpoints', 0)} session "
            f"starts (touches) + {by.get('conversions', 0)} purchases + "
            f"{by.get('other_events', 0)} other events + "
            f"{sum(acc['rejected'].values())} rejected; timestamps in {unit}",
            "",
            "inputs",
        )
    ]
    if unit not in (None, "microseconds"):
        findings.append(
            Finding(
                "warning",
                "ga4.timestamp_unit",
                f"{src}: event_timestamp looks like {unit} since 1970, not the "
                "microseconds GA4 writes",
                "check the export",
                "inputs",
            )
        )
    if lo == lo and unit == "microseconds":
        acc["first"], acc["last"] = int(lo), int(hi)
    return GA4Logs(
        paths["touchpoints"],
        paths["conversions"],
        paths["id_map"] if n_map else None,
        acc,
        tuple(findings),
    )


def epoch_unit(value: int) -> str:
    """The unit of a Unix epoch number by its size (dates 1990-2100).

    Example
    -------
    >>> epoch_unit(1_700_000_000), epoch_unit(1_700_000_000_000_000)
    ('seconds', 'microseconds')
    """
    v = abs(int(value))
    for unit, lo in (
        ("nanoseconds", 6.3e17),
        ("microseconds", 6.3e14),
        ("milliseconds", 6.3e11),
        ("seconds", 6.3e8),
    ):
        if v >= lo:
            return unit
    return "unknown"


def ga4_profile(src: str | Path) -> dict[str, Any]:
    """Events, touch channels (raw ``source / medium`` with counts) and date range (DuckDB).

    Example
    -------
    >>> ga4_profile("export/")["raw_channels"]        # doctest: +SKIP
    {'(direct) / (none)': 120, 'google / cpc': 800}
    """
    from attribution.journeys.duckdb_engine import DuckDBRunner

    files, fmt = ga4_files(src)
    runner = DuckDBRunner(threads=1)
    try:
        cols = set(_raw_view(runner, "duckdb", files, fmt))
        missing = [c for c in REQUIRED if c not in cols]
        if missing:
            return {"files": len(files), "columns": sorted(cols), "ga4": False}
        runner.create_view("ga4_ev", _select(cols, "duckdb"))
        q = _queries(runner.dialect)
        counts = runner.fetch(q["counts"])
        chans = runner.fetch(f"SELECT channel, COUNT(*) AS n FROM ({q['touch']}) t GROUP BY 1")
    finally:
        runner.close()
    lo, hi = counts["lo"].min(), counts["hi"].max()
    return {
        "files": len(files),
        "columns": sorted(cols),
        "ga4": True,
        "rows": int(counts["n"].sum()),
        "first": None if lo != lo else pd.Timestamp(int(lo), unit="us"),
        "last": None if hi != hi else pd.Timestamp(int(hi), unit="us"),
        "raw_channels": {str(c): int(n) for c, n in zip(chans["channel"], chans["n"], strict=True)},
    }
