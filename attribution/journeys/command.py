"""``attribution journeys``: touchpoints + conversions -> aggregated path table.

Writes the path table to ``--out`` (CSV), its row accounting to
``<out>.accounting.json``, optionally the per-journey table (``--journeys-out``,
CSV or Parquet) and, in lenient mode, the rejected rows (``--rejected``, default
``<out>.rejected.csv``).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from attribution.data.mapping import MappingConfig, load_mapping
from attribution.errors import UsageError
from attribution.io import atomic_path, write_csv, write_json
from attribution.journeys.builder import JourneyBuilder
from attribution.journeys.options import ENGINES, GRANULARITIES, JourneyOptions

log = logging.getLogger("attribution")


def _days(text: str) -> float | None:
    if text.strip().lower() in ("none", "off", "0"):
        return None
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of days") from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f"'{text}' must be a positive number of days")
    return v


def _conf(text: str) -> tuple[str, str]:
    key, eq, value = text.partition("=")
    if not eq or not key.strip():
        raise argparse.ArgumentTypeError(f"'{text}' is not key=value")
    return key.strip(), value.strip()


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Register the options of ``attribution journeys``."""
    p.add_argument(
        "--touchpoints",
        required=True,
        metavar="F",
        help="touchpoints: Parquet/CSV file, folder or glob; s3://, gs://, "
        "abfss://, hdfs:// URL; table:db.name (Spark); duckdb:FILE:[schema.]table",
    )
    p.add_argument(
        "--conversions", required=True, metavar="F", help="conversions (same kinds of source)"
    )
    p.add_argument("--out", required=True, metavar="F", help="path table to write (CSV)")
    p.add_argument(
        "--id-map",
        metavar="F",
        help="id-map: id -> customer_id (stitches ids; same kinds of source)",
    )
    p.add_argument(
        "--lookback-days",
        type=_days,
        default=30.0,
        metavar="D",
        help="touches count for a conversion up to D days before it "
        "(default 30; 'none' = unlimited)",
    )
    p.add_argument(
        "--inactivity-days",
        type=_days,
        default=30.0,
        metavar="G",
        help="a gap of more than G days ends a journey (default 30; 'none' = off)",
    )
    p.add_argument("--engine", choices=ENGINES, default="duckdb", help="default duckdb")
    p.add_argument(
        "--collapse-repeats", action="store_true", help="merge consecutive repeats of the same step"
    )
    p.add_argument(
        "--drop-impressions",
        action="store_true",
        help="ignore touches whose interaction is 'impression'",
    )
    p.add_argument(
        "--granularity",
        choices=GRANULARITIES,
        default="channel",
        help="path steps are channels or channel:campaign",
    )
    p.add_argument(
        "--journeys-out",
        metavar="F",
        help="also write one row per journey (CSV, or Parquet for large data)",
    )
    p.add_argument("--sep", default=" > ", help="path separator (default ' > ')")
    p.add_argument(
        "--lenient",
        action="store_true",
        help="exclude bad rows (counted by reason) instead of stopping",
    )
    p.add_argument(
        "--max-reject-share",
        type=float,
        default=0.5,
        metavar="S",
        help="lenient: stop (exit 2) when an input loses more than this share of "
        "its rows (default 0.5; rejecting everything always stops)",
    )
    p.add_argument(
        "--mapping",
        metavar="F",
        help="a run config or TOML file whose [mapping] names the columns and maps "
        "raw channel values (default: the built-in channel grouping)",
    )
    p.add_argument(
        "--rejected",
        metavar="F",
        help="where lenient mode lists bad rows (default <out>.rejected.csv)",
    )
    p.add_argument("--memory-limit", default="5GB", help="DuckDB memory limit (default 5GB)")
    p.add_argument("--threads", type=int, default=None, help="DuckDB threads")
    p.add_argument(
        "--spark-master", default=None, help="Spark master URL (default $SPARK_MASTER or local[2])"
    )
    p.add_argument(
        "--spark-conf",
        type=_conf,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra Spark setting (repeatable)",
    )


def run(args: argparse.Namespace) -> int:
    """Build the path table; returns the exit status (0)."""
    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".parquet"):
        raise UsageError(f"--out {out}: write the path table as .csv or .parquet")
    lenient = bool(args.lenient or args.rejected)
    options = JourneyOptions(
        lookback_days=args.lookback_days,
        inactivity_days=args.inactivity_days,
        collapse_repeats=args.collapse_repeats,
        drop_impressions=args.drop_impressions,
        granularity=args.granularity,
        sep=args.sep,
        lenient=lenient,
    )
    mapping = load_mapping(args.mapping) if args.mapping else MappingConfig()
    builder = JourneyBuilder(
        options,
        engine=args.engine,
        memory_limit=args.memory_limit,
        threads=args.threads,
        spark_master=args.spark_master,
        spark_conf=dict(args.spark_conf),
        channel_map=mapping.channels,
        columns=mapping.columns,
        max_reject_share=args.max_reject_share,
    )
    res = builder.fit(
        args.touchpoints, args.conversions, args.id_map, journeys_out=args.journeys_out
    )
    if out.suffix.lower() == ".parquet":
        with atomic_path(out) as tmp:
            res.paths.to_parquet(tmp, index=False)
    else:
        write_csv(out, res.paths)
    accounting = dict(res.accounting)
    accounting["options"] = {k: getattr(options, k) for k in options.__dataclass_fields__}
    if lenient and res.rejected is not None and len(res.rejected):
        rej = Path(args.rejected) if args.rejected else out.with_name(out.name + ".rejected.csv")
        write_csv(rej, res.rejected)
        accounting["rejected_file"] = str(rej)
        log.warning("excluded %d bad rows; listed in %s", len(res.rejected), rej)
    write_json(out.with_name(out.name + ".accounting.json"), accounting)
    log.info("wrote %d paths to %s", len(res.paths), out)
    return 0
