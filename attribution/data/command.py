"""``attribution validate``: check one input file against its contract.

Prints the row accounting (rows read = used + rejected, by reason) and exits 0, or
exits 2 with one line naming the file, row, column, problem and fix.
"""

from __future__ import annotations

import argparse
import json

from attribution.data import load as L
from attribution.data.panel_checks import check_lift_tests_against_panel
from attribution.data.validate import KINDS, PATH_SEP


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the ``validate`` options."""
    parser.add_argument("file", metavar="FILE", help="CSV or Parquet file to check")
    parser.add_argument(
        "--kind", required=True, choices=list(KINDS), help="which input the file is"
    )
    parser.add_argument(
        "--lenient",
        action="store_true",
        help="quarantine bad rows instead of stopping at the first",
    )
    parser.add_argument(
        "--rejected",
        metavar="FILE",
        help="write rejected rows (original columns + _row, _reason) here",
    )
    parser.add_argument("--delimiter", help="CSV delimiter (default: detected; use 'tab' for tab)")
    parser.add_argument(
        "--tz", default="UTC", help="time zone of timestamps without offset (default UTC)"
    )
    parser.add_argument("--sep", default=PATH_SEP, help="path separator (paths; default ' > ')")
    parser.add_argument("--path-col", default="path", help="path column (paths)")
    parser.add_argument(
        "--conv-col", default="total_conversions", help="conversions column (paths)"
    )
    parser.add_argument(
        "--value-col", default="total_conversion_value", help="conversion value column (paths)"
    )
    parser.add_argument("--null-col", default="total_null", help="null-journeys column (paths)")
    parser.add_argument(
        "--panel",
        metavar="FILE",
        help="lift tests: check channels and windows against this media panel",
    )
    parser.add_argument("--json", action="store_true", help="print the accounting as JSON")


def run(args: argparse.Namespace) -> int:
    """Validate the file; print its accounting; return 0 (errors raise ``InputError``)."""
    delim = {"tab": "\t", "\\t": "\t"}.get(args.delimiter, args.delimiter)
    common = {"lenient": args.lenient, "rejected": args.rejected, "delimiter": delim}
    kind = args.kind
    if kind == "touchpoints":
        loaded = L.load_touchpoints(args.file, tz=args.tz, **common)
    elif kind == "conversions":
        loaded = L.load_conversions(args.file, tz=args.tz, **common)
    elif kind == "id-map":
        loaded = L.load_id_map(args.file, **common)
    elif kind == "paths":
        loaded = L.load_paths(
            args.file,
            sep=args.sep,
            path_col=args.path_col,
            conv_col=args.conv_col,
            value_col=args.value_col,
            null_col=args.null_col,
            **common,
        )
    elif kind == "media":
        loaded = L.load_media(args.file, **common)
    else:
        loaded = L.load_lift_tests(args.file, **common)
        if args.panel:
            check_lift_tests_against_panel(loaded, L.load_media(args.panel))
    if args.json:
        print(json.dumps(loaded.accounting.to_dict(), sort_keys=True))
    else:
        print(loaded.summary())
        if args.rejected and loaded.accounting.n_rejected:
            print(f"rejected rows written to {args.rejected}")
    return 0
