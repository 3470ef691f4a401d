"""``attribution simulate``: write a simulated world with known truth.

Example::

    attribution simulate --out data/world --seed 7 --customers 50000 --weeks 104
    attribution simulate --out data/real --realistic --no-query-volume
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import replace
from pathlib import Path

from attribution.data.simulator.config import Pitfalls
from attribution.errors import UsageError

log = logging.getLogger("attribution")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the ``simulate`` options."""
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--customers",
        type=_positive_int,
        default=50_000,
        help="number of customers (default 50000)",
    )
    parser.add_argument(
        "--weeks", type=_positive_int, default=104, help="number of weeks (default 104)"
    )
    parser.add_argument(
        "--start",
        default="2024-01-01",
        help="first Monday of the period, YYYY-MM-DD (default 2024-01-01)",
    )
    parser.add_argument(
        "--format",
        choices=("parquet", "csv"),
        default="parquet",
        help="format of the event logs (default parquet)",
    )
    pit = parser.add_argument_group(
        "pitfalls",
        "what makes the world look like a real advertiser's data (each off or on; "
        "--realistic switches all on)",
    )
    pit.add_argument(
        "--realistic",
        action="store_true",
        help="every pitfall on, latent intent strength 0.25 unless given",
    )
    for flag, text in (
        ("demand-search", "paid brand search bought on demand (spend = clicks x CPC)"),
        ("seasonal-budgets", "TV, social and display budgets planned with the season"),
        ("crm-past-buyers", "e-mail sent to past buyers"),
        ("organic-touches", "unpaid organic_search and direct touches in the logs"),
        ("store-touches", "offline store_visit touches in the logs (default on)"),
        ("query-volume", "write query_volume.csv, a search-trends-like demand series"),
    ):
        pit.add_argument(
            f"--{flag}", action=argparse.BooleanOptionalAction, default=None, help=text
        )
    pit.add_argument(
        "--intent-strength",
        type=float,
        default=None,
        help="sd of the latent weekly demand shock no control sees (0..2; "
        "default 0, or 0.25 with --realistic)",
    )


def pitfalls_from_args(args: argparse.Namespace) -> Pitfalls:
    """The :class:`Pitfalls` of the command line (``--realistic`` then single flags)."""
    base = Pitfalls.realistic() if getattr(args, "realistic", False) else Pitfalls()
    changes = {}
    for name in (
        "demand_search",
        "seasonal_budgets",
        "crm_past_buyers",
        "organic_touches",
        "store_touches",
        "query_volume",
        "intent_strength",
    ):
        value = getattr(args, name, None)
        if value is not None:
            changes[name] = value
    return replace(base, **changes)


def run(args: argparse.Namespace) -> int:
    """Simulate and write the world; returns the exit status."""
    import datetime as dt

    from attribution.data.simulator.config import SimulationConfig
    from attribution.data.simulator.world import simulate

    try:
        start = dt.date.fromisoformat(args.start)
    except ValueError:
        raise UsageError(f"--start '{args.start}' is not a date such as 2024-01-01") from None
    if args.weeks < 2:
        raise UsageError("--weeks must be at least 2")
    end = start + dt.timedelta(weeks=args.weeks)
    if end > dt.date.today():  # the loaders refuse future dates (attribution.data.validate)
        raise UsageError(
            f"--start {start} with --weeks {args.weeks} runs until {end}, after "
            "today; the inputs would hold future dates, which the loaders refuse "
            "(choose an earlier --start or fewer --weeks)"
        )
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a directory")
    config = SimulationConfig(
        seed=args.seed,
        customers=args.customers,
        weeks=args.weeks,
        start=start,
        pitfalls=pitfalls_from_args(args),
    )
    log.info(
        "simulating %d customers x %d weeks (seed %d)", config.customers, config.weeks, config.seed
    )
    began = time.perf_counter()
    world = simulate(config)
    log.info("simulated in %.1f s; writing %s", time.perf_counter() - began, out)
    paths = world.write(out, fmt=args.format)
    log.info("wrote %s", ", ".join(p.name for p in paths))
    log.info("%s", world.summary())
    return 0
