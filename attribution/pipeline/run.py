"""``attribution run --config F``: the whole pipeline for one period, as configured.

Exit status: 0 finished (``status`` ok in run.json); 3 finished with error-level
diagnostics (``status`` not_for_decisions; only with ``--strict``, the default;
``--no-strict`` exits 0); 2 bad input or usage (also: another run holds the
directory's lock, or ``--resume`` cannot resume); 1 internal error.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import replace
from pathlib import Path

from attribution.pipeline.config import load_config
from attribution.pipeline.manifest import exit_status, open_manifest
from attribution.pipeline.runner import run_pipeline

log = logging.getLogger("attribution")

EPILOG = (
    "exit status: 0 finished; 3 finished but not for decisions (error-level diagnostics "
    "such as R-hat, ESS or divergences; only with --strict, the default); 2 bad input or "
    "usage (also a directory locked by another run); 1 internal error"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.add_argument("--config", required=True, help="run config (TOML)")
    parser.add_argument("--out", help="run directory (overrides [run] out)")
    parser.add_argument("--seed", type=int, help="random seed (overrides [run] seed)")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue an unfinished run in the same directory from its last "
        "completed stage (the config and inputs must be unchanged)",
    )
    parser.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="exit with status 3 when error-level diagnostics make the run "
        "not for decisions (default: --strict; --no-strict exits 0)",
    )
    parser.add_argument(
        "--allow-unconverged",
        action="store_true",
        help="make a budget plan even from a model with error-level "
        "diagnostics (the plan is marked unsafe)",
    )


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args.config)
    if args.out or args.seed is not None:
        section = cfg.run
        if args.out:
            section = replace(section, out=Path(args.out))
        if args.seed is not None:
            section = replace(section, seed=args.seed)
        cfg = replace(cfg, run=section)
    if args.allow_unconverged:
        cfg = replace(cfg, optimize=replace(cfg.optimize, allow_unconverged=True))
    out = run_pipeline(cfg, resume=args.resume)
    return exit_status(open_manifest(out), args.strict, log)
