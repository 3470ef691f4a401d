"""``attribution mta``: path attribution from an aggregated path table to a long CSV.

Input formats (detected from the columns, or named with ``--format``):

- ``paths`` (this package and ChannelAttribution): ``path`` (channels joined by
  ``" > "``; ChannelAttribution's ``">"`` works too), ``total_conversions``,
  ``total_conversion_value``, ``total_null``. Other names via ``--path-col`` etc.
- ``mam`` (marketing-attribution-models, its "journey" and "grouped_journey"
  formats): ``channels`` (joined by ``" > "``), ``has_transaction`` (true/false
  per row), optional ``occurrences`` (journeys in the row, default 1) and
  ``conversion_value`` (the row's total value). Rows are aggregated per path.

- ``--journeys F`` instead of ``--paths``: the per-journey table of
  ``attribution journeys --journeys-out F`` (CSV or Parquet, with ``step_ages``).
  ``time_decay`` then weighs touches by their real age (``--half-life 7D``, the
  default; ``36h``, ``90min`` ...); every other model runs on its aggregated paths.
  On a path table ``time_decay`` counts steps (``--half-life 1``, the default).

Output: model, channel, conversions, value, ci_low, ci_high, value_ci_low,
value_ci_high, basis (``time_decay``: "touch times, half-life 7 days" or "path
steps, half-life 1 step") (written with ``attribution.io.write_csv``). ``--tables DIR`` also
writes the Markov transition matrix, removal effects and order comparison.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from attribution.lazy import lazy_module

if TYPE_CHECKING:
    import pandas as pd
else:  # imported on first use (attribution.lazy)
    pd = lazy_module("pandas")

from attribution.data import read_table, validate_frame, write_rejected
from attribution.data.clean_paths import NUMBERS, read_clean_paths
from attribution.data.read import RawTable
from attribution.errors import InputError, UsageError
from attribution.io import safe_child, write_columns_csv, write_csv
from attribution.mta.journeys_table import JourneyTable
from attribution.mta.model import DEFAULT_MODELS, MODELS, PathAttribution
from attribution.mta.paths import DEFAULT_SEP, PathTable

log = logging.getLogger("attribution")

MAM_PATH, MAM_FLAG, MAM_COUNT, MAM_VALUE = (
    "channels",
    "has_transaction",
    "occurrences",
    "conversion_value",
)
_TRUE = {"true", "1", "yes", "y", "t", "1.0"}
_FALSE = {"false", "0", "no", "n", "f", "0.0"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the ``mta`` options."""
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--paths", help="path table (CSV or Parquet)")
    src.add_argument(
        "--journeys",
        metavar="F",
        help="per-journey table with touch ages (attribution journeys "
        "--journeys-out F): time_decay uses real time",
    )
    parser.add_argument("--out", required=True, help="output CSV (long: model, channel, ...)")
    parser.add_argument(
        "--models",
        default=",".join(DEFAULT_MODELS),
        help=f"comma-separated, from: {', '.join(MODELS)}",
    )
    parser.add_argument(
        "--order", default="auto", help="Markov order K (1, 2, ...) or 'auto' (holdout log-loss)"
    )
    parser.add_argument("--max-order", type=int, default=4, help="largest order 'auto' tries")
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=0,
        metavar="B",
        help="bootstrap replicates for intervals (0 = none)",
    )
    parser.add_argument("--ci", type=float, default=0.9, help="interval level (default 0.9)")
    parser.add_argument("--seed", type=int, default=0, help="seed (holdout split, bootstrap)")
    parser.add_argument(
        "--format",
        choices=("auto", "paths", "mam"),
        default="auto",
        help="input layout (default: detect from the columns)",
    )
    parser.add_argument(
        "--sep",
        default=None,
        help=f"separator between channels in a path (default {DEFAULT_SEP!r})",
    )
    parser.add_argument("--path-col", default=None, help="path column (default path/channels)")
    parser.add_argument(
        "--conv-col",
        default=None,
        help="conversions column (default total_conversions/has_transaction)",
    )
    parser.add_argument(
        "--value-col",
        default=None,
        help="value column (default total_conversion_value/conversion_value)",
    )
    parser.add_argument("--null-col", default=None, help="non-converting journeys column")
    parser.add_argument(
        "--direct",
        default="direct,(direct),(none)",
        help="channels that last_non_direct skips (comma-separated)",
    )
    parser.add_argument(
        "--position-weights",
        default="0.4,0.2,0.4",
        help="first,middle,last weights of the position model",
    )
    parser.add_argument(
        "--half-life",
        default=None,
        metavar="H",
        help="time_decay half-life: a duration such as 7D, 36h, 90min (needs "
        "--journeys; default 7D there) or a number of steps (default 1 "
        "on --paths)",
    )
    parser.add_argument(
        "--tables",
        default=None,
        metavar="DIR",
        help="also write transition_matrix.csv, removal_effects.csv, ... here",
    )
    parser.add_argument(
        "--lenient",
        action="store_true",
        help="quarantine bad rows to <out>.rejected.csv instead of stopping",
    )


def _floats(text: str, what: str, n: int) -> tuple[float, ...]:
    try:
        vals = tuple(float(x) for x in text.split(","))
    except ValueError:
        raise UsageError(f"--{what} must be {n} comma-separated numbers, not {text!r}") from None
    if len(vals) != n:
        raise UsageError(f"--{what} must be {n} comma-separated numbers, not {text!r}")
    return vals


def settings_from_args(args: argparse.Namespace) -> PathAttribution:
    """Build the estimator from parsed arguments (``UsageError`` on bad values)."""
    models = tuple(m.strip() for m in args.models.split(",") if m.strip())
    order: int | str = args.order
    if order != "auto":
        try:
            order = int(order)
        except ValueError:
            raise UsageError(f"--order must be a whole number or 'auto', not {order!r}") from None
    direct = frozenset(d.strip() for d in args.direct.split(",") if d.strip())
    return PathAttribution(
        models=models,
        order=order,
        max_order=args.max_order,
        bootstrap=args.bootstrap,
        seed=args.seed,
        ci=args.ci,
        direct=direct,
        position_weights=_floats(
            args.position_weights,  # type: ignore[arg-type]
            "position-weights",
            3,
        ),
        half_life=args.half_life,
    )


def detect_format(columns: list[str], args: argparse.Namespace) -> str:
    """'paths' or 'mam' from the columns present (an explicit --format wins)."""
    if args.format != "auto":
        return str(args.format)
    if (args.path_col or "path") in columns:
        return "paths"
    if (args.path_col or MAM_PATH) in columns and (args.conv_col or MAM_FLAG) in columns:
        return "mam"
    return "paths"  # the loader names what is missing


def _rejected_path(out: str) -> Path:
    p = Path(out)
    return p.with_name(p.stem + ".rejected.csv")


def load_table(args: argparse.Namespace) -> PathTable:
    """Read ``--paths`` in its detected format into a ``PathTable``."""
    rename = {
        args.path_col or "path": "path",
        args.conv_col or "total_conversions": "total_conversions",
        args.value_col or "total_conversion_value": "total_conversion_value",
        args.null_col or "total_null": "total_null",
    }
    if args.format in ("auto", "paths"):
        # a provably clean CSV path table needs no frame: Arrow's columns, split once
        clean = read_clean_paths(args.paths, sep=args.sep or DEFAULT_SEP, rename=rename)
        if clean is not None:
            log.info("%s", clean.accounting)
            return PathTable.from_codes(
                clean.names,
                clean.offsets,
                clean.codes,
                *(clean.numbers[c] for c in NUMBERS),
                source=args.paths,
            )
    raw = read_table(args.paths)
    fmt = detect_format([str(c).strip() for c in raw.frame.columns], args)
    rejected = _rejected_path(args.out) if args.lenient else None
    if fmt == "mam":
        return _load_mam(args, raw, rejected)
    loaded = validate_frame(
        raw.frame,
        "paths",
        source=raw.source,
        lenient=args.lenient,
        sep=args.sep or DEFAULT_SEP,
        rename=rename,
        rows=raw.rows,
        bad_lines=raw.bad_lines,
        blank=raw.blank,
    )
    if rejected is not None and len(loaded.rejected_frame):
        write_rejected(rejected, loaded.rejected_frame)
    log.info("%s", loaded.accounting)
    if loaded.frame.empty:
        raise InputError(
            "no usable rows", "check the file and its separator", file=args.paths, reason="empty"
        )
    f = loaded.frame
    return PathTable.from_strings(
        f["path"],
        f["total_conversions"],
        f.get("total_conversion_value"),
        f.get("total_null"),
        sep=DEFAULT_SEP,
        source=args.paths,
        distinct=True,  # validation summed the rows that repeat a path
    )


def _load_mam(args: argparse.Namespace, raw: RawTable, rejected: Path | None) -> PathTable:
    frame = raw.frame.copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    pcol, fcol = args.path_col or MAM_PATH, args.conv_col or MAM_FLAG
    ccol = args.null_col or MAM_COUNT  # occurrences play the role of the journey count
    vcol = args.value_col or MAM_VALUE
    for col in (pcol, fcol):
        if col not in frame.columns:
            raise InputError(
                f"no column '{col}'",
                "name it with --path-col / --conv-col",
                file=args.paths,
                column=col,
                reason="missing_column",
            )
    n = len(frame)
    flag_txt = frame[fcol].astype("string").str.strip().str.lower().fillna("")
    flag = flag_txt.isin(list(_TRUE)).to_numpy()
    bad_flag = ~(flag | flag_txt.isin(list(_FALSE)).to_numpy())
    occ = (
        pd.to_numeric(frame[ccol], errors="coerce").to_numpy(float)
        if ccol in frame.columns
        else np.ones(n)
    )
    val = (
        pd.to_numeric(frame[vcol], errors="coerce").to_numpy(float)
        if vcol in frame.columns
        else np.zeros(n)
    )
    val = np.where(np.isnan(val) & ~flag, 0.0, val)
    bad_num = ~np.isfinite(occ) | (occ < 0) | ~np.isfinite(val) | (val < 0)
    path_txt = frame[pcol].astype("string").fillna("").str.strip()
    bad_path = (path_txt == "").to_numpy()
    reasons = np.select(
        [bad_path, bad_flag, bad_num], ["empty_path", "bad_flag", "bad_number"], default=""
    )
    bad = reasons != ""
    if bad.any() and not args.lenient:
        i = int(np.flatnonzero(bad)[0])
        col = {"empty_path": pcol, "bad_flag": fcol}.get(str(reasons[i]), ccol)
        raise InputError(
            f"bad value ({reasons[i]})",
            f"paths must be non-empty, '{fcol}' true/false, counts and values numbers >= 0",
            file=args.paths,
            row=int(raw.rows[i]),
            column=col,
            reason=str(reasons[i]),
        )
    if bad.any() and rejected is not None:
        rej = frame.loc[bad].assign(_row=raw.rows[bad], _reason=reasons[bad])
        write_rejected(rejected, rej)
    log.info(
        "%s: %d rows read = %d used + %d rejected", args.paths, n, int((~bad).sum()), int(bad.sum())
    )
    ok = ~bad
    agg = pd.DataFrame(
        {
            "path": path_txt[ok].to_numpy(),
            "total_conversions": np.where(flag, occ, 0.0)[ok],
            "total_conversion_value": np.where(flag, val, 0.0)[ok],
            "total_null": np.where(flag, 0.0, occ)[ok],
        }
    )
    if agg.empty:
        raise InputError("no usable rows", "check the file", file=args.paths, reason="empty")
    return PathTable.from_strings(
        agg["path"],
        agg["total_conversions"],
        agg["total_conversion_value"],
        agg["total_null"],
        sep=args.sep or DEFAULT_SEP,
        source=args.paths,
    )


def run(args: argparse.Namespace) -> int:
    """Run path attribution and write the long CSV (and tables)."""
    model = settings_from_args(args)
    table: PathTable | JourneyTable
    if getattr(args, "journeys", None):
        if args.format == "mam" or any(
            (args.path_col, args.conv_col, args.value_col, args.null_col, args.lenient)
        ):
            raise UsageError(
                "--journeys reads the table of 'attribution journeys' as it is; "
                "--format, --*-col and --lenient apply to --paths only"
            )
        table = JourneyTable.read(args.journeys, sep=args.sep or DEFAULT_SEP)
        log.info(
            "mta: %d journeys (%d converting), %d paths, %d channels",
            int(table.paths.conversions.sum() + table.paths.nulls.sum()),
            table.n_converting,
            table.paths.n_paths,
            len(table.channels),
        )
    else:
        if "time_decay" in model.models:
            model.decay_basis(False)  # a duration needs --journeys: say so before reading
        table = load_table(args)
        log.info("mta: %d paths, %d channels", table.n_paths, table.n_channels)
    results = model.fit(table)
    write_columns_csv(args.out, results.to_columns())  # = write_csv(to_frame()), no pandas
    if args.tables:
        for name, frame in results.tables.items():
            write_csv(safe_child(args.tables, f"{name}.csv"), frame)
        if "shapley_ordered" in results.credits:
            write_csv(
                safe_child(args.tables, "shapley_by_position.csv"),
                results["shapley_ordered"].tables["by_position"],
            )
    for f in results.findings:
        (log.info if f.level == "info" else log.warning)("%s", f.message)
    log.info("mta: wrote %s", args.out)
    return 0
