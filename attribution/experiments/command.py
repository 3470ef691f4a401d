"""``attribution design-test``: design a lift test on a fitted media-mix model.

Prints the design (noise, minimum detectable lift, chance of detecting the expected
lift, cost, matched geos) and writes into ``--out``: ``test_design.csv`` (the design
in one row), ``power.csv`` (minimum detectable lift and power over durations and
shares) and ``test_plan.csv`` (which geos, which weeks, what spend).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
from pathlib import Path

from attribution import rundir
from attribution.errors import UsageError
from attribution.experiments.design import KINDS, ExperimentDesign, design_test, power_curve
from attribution.experiments.effects import model_facts
from attribution.io import write_csv

log = logging.getLogger("attribution")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the design-test flags."""
    parser.add_argument(
        "--model",
        required=True,
        metavar="DIR",
        help="fitted model: run folder of 'attribution mmm' (mmm/posterior.nc)",
    )
    parser.add_argument("--channel", required=True, help="the channel to test")
    parser.add_argument("--weeks", required=True, type=int, metavar="W", help="test length")
    parser.add_argument(
        "--design",
        choices=KINDS,
        default="holdout",
        help="holdout (a share goes dark), go-dark (the whole market) or "
        "budget-change (spend changes by --change in the share)",
    )
    parser.add_argument(
        "--share",
        type=float,
        default=0.5,
        metavar="H",
        help="share of the market treated, in (0, 1) (default 0.5)",
    )
    parser.add_argument(
        "--change",
        type=float,
        default=0.0,
        metavar="X",
        help="budget-change design: relative change, e.g. 0.5 for +50%%",
    )
    parser.add_argument(
        "--geos", metavar="G1,G2", help="treatment geos (geo panels); default: matched on history"
    )
    parser.add_argument("--alpha", type=float, default=0.05, help="test level (0.05)")
    parser.add_argument(
        "--power", type=float, default=0.8, help="power for the minimum detectable lift (0.8)"
    )
    parser.add_argument(
        "--start",
        metavar="YYYY-MM-DD",
        help="first day of the test (default: the Monday after the data)",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="folder for test_design.csv, power.csv and test_plan.csv (default: print only)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the geo matching")


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--start must be a date YYYY-MM-DD, got '{text}'") from None


def run(args: argparse.Namespace) -> int:
    """Design the test, print it and write its tables; returns the exit status."""
    from attribution.mmm.io import load

    geos = None
    if args.geos is not None:
        geos = tuple(g.strip() for g in str(args.geos).split(",") if g.strip())
        if not geos:
            raise UsageError("--geos is empty; give treatment geos as G1,G2 or leave it out")
    design = ExperimentDesign(
        args.channel,
        args.weeks,
        args.design,
        share=args.share,
        change=args.change,
        geos=geos,
        alpha=args.alpha,
        target_power=args.power,
        start=_date(args.start),
    )
    out = Path(args.out) if args.out else None
    if out is not None and out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; give a folder")
    res = load(args.model)
    facts = model_facts(res)
    result = design_test(facts, design, interval=res.spec.interval, seed=args.seed)
    curve = power_curve(facts, design, seed=args.seed)
    print(result.summary())
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        write_csv(out / rundir.TEST_DESIGN_CSV, result.to_frame())
        write_csv(out / rundir.POWER_CSV, curve)
        write_csv(out / rundir.TEST_PLAN_CSV, result.plan)
        log.info(
            "design-test: wrote %s, %s and %s in %s",
            rundir.TEST_DESIGN_CSV,
            rundir.POWER_CSV,
            rundir.TEST_PLAN_CSV,
            out,
        )
    return 0
