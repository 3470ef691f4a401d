"""``attribution run --config F``: the whole pipeline for one period, as configured."""

from __future__ import annotations

import argparse

from attribution.pipeline.config import load_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="run config (TOML)")
    parser.add_argument("--out", help="run directory (overrides [run] out)")
    parser.add_argument("--seed", type=int, help="random seed (overrides [run] seed)")


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace
    from pathlib import Path

    from attribution.pipeline.runner import run_pipeline

    cfg = load_config(args.config)
    if args.out or args.seed is not None:
        section = cfg.run
        if args.out:
            section = replace(section, out=Path(args.out))
        if args.seed is not None:
            section = replace(section, seed=args.seed)
        cfg = replace(cfg, run=section)
    run_pipeline(cfg)
    return 0
