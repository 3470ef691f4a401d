"""``attribution demo``: simulate a world with known truth and run the whole pipeline.

The simulated inputs land in ``DIR/inputs/`` (with ``truth.json``), the run
directory is ``DIR`` itself, and ``DIR/run.toml`` is the config that reruns it:
``attribution run --config DIR/run.toml``.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from attribution import rundir as R
from attribution.pipeline.config import config_from_dict
from attribution.pipeline.manifest import exit_status, open_manifest

log = logging.getLogger("attribution")

DEMO_MMM = {"draws": 500, "tune": 500, "chains": 4}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", default="reports/demo", help="run directory (default: %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=7, help="seed of the world and the fits")
    parser.add_argument("--customers", type=int, default=None, help="simulated customers")
    parser.add_argument("--weeks", type=int, default=None, help="simulated weeks")
    parser.add_argument(
        "--format", default="html,pdf", help="report formats (default: %(default)s)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small world and short sampling (a smoke test, not for decisions)",
    )


def demo_config(seed: int, formats: tuple[str, ...], quick: bool) -> dict:
    """The demo's run config (as a dict), paths relative to the run directory."""
    inputs = Path("inputs")
    mmm = {"draws": 200, "tune": 300, "chains": 2} if quick else DEMO_MMM
    return {
        "run": {"name": "demo", "out": ".", "seed": seed},
        "inputs": {
            name: str(inputs / f)
            for name, f in (
                ("touchpoints", "touchpoints.parquet"),
                ("conversions", "conversions.parquet"),
                ("id_map", "id_map.csv"),
                ("media", "media.csv"),
                ("lift_tests", "lift_tests.csv"),
                ("truth", "truth.json"),
            )
        },
        "mta": {"bootstrap": 20 if quick else 100},
        "mmm": mmm,
        # a quick demo's short sampling may not converge: its plan is then shown, marked unsafe
        **({"optimize": {"allow_unconverged": True}} if quick else {}),
        # the simulator's organic activity is engagement, in thousands per week
        "report": {
            "formats": list(formats),
            "channel_units": {"organic_social": "thousand engagements"},
        },
    }


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from attribution.data.simulator import SimulationConfig, simulate
    from attribution.io import write_text
    from attribution.pipeline.runner import run_pipeline

    out = Path(args.out)
    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    sim = SimulationConfig(seed=args.seed)
    if args.quick:
        sim = replace(sim, customers=5_000)
    if args.customers:
        sim = replace(sim, customers=args.customers)
    if args.weeks:
        sim = replace(sim, weeks=args.weeks)
    log.info(
        "demo: simulating %d customers over %d weeks (seed %d)", sim.customers, sim.weeks, args.seed
    )
    simulate(sim).write(out / "inputs")
    raw = demo_config(args.seed, formats, args.quick)
    write_text(out / "run.toml", _to_toml(raw))
    run_pipeline(config_from_dict(raw, base=out, source=str(out / "run.toml")))
    print(f"demo finished: open {out / R.REPORT_HTML}")
    # a demo is not a decision: error-level diagnostics are reported (run.json status,
    # the report's banner, a warning here), and the demo still exits 0
    return exit_status(open_manifest(out), strict=False, log=log)


def _to_toml(d: dict, prefix: str = "") -> str:
    """Minimal TOML writer for the demo's flat two-level config."""
    lines: list[str] = []
    for section, body in d.items():
        lines.append(f"[{prefix}{section}]")
        for k, v in body.items():
            lines.append(f"{k} = {_toml_value(v)}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
