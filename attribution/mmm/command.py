"""``attribution mmm``: fit the media-mix model and write ``<out>/mmm/`` and ``<out>/run.json``.

Writes posterior.nc, spec.json, channels.csv (the contract), contributions.csv,
decomposition.csv, response_curves.csv and diagnostics.json (findings + numbers).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from attribution import rundir as R
from attribution.data import check_lift_tests_against_panel
from attribution.data.cross_checks import panel_role_findings, raise_errors
from attribution.data.mapping import load_mapping
from attribution.errors import InputError, UsageError
from attribution.mmm.fit import MMM, SAMPLERS
from attribution.mmm.io import write_outputs
from attribution.mmm.mapped import load_lift_mapped, load_model_panel, spec_config
from attribution.mmm.spec import MMMSpec
from attribution.pipeline.lock import RunLock
from attribution.pipeline.manifest import Manifest, exit_status
from attribution.pipeline.window import window_record

log = logging.getLogger("attribution")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Register the ``mmm`` flags."""
    p.add_argument("--media", required=True, help="weekly media panel (CSV or Parquet)")
    p.add_argument("--config", help="model config (TOML); default: the panel convention")
    p.add_argument(
        "--mapping",
        help="a run config or TOML file whose [mapping] names the "
        "panel's columns and channels (see 'attribution init')",
    )
    p.add_argument("--out", required=True, help="run directory; results go to OUT/mmm/")
    p.add_argument("--lift-tests", help="lift tests to calibrate with (CSV)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--draws", type=int, default=1000, help="draws per chain (default 1000)")
    p.add_argument("--tune", type=int, default=1000, help="tuning steps per chain (default 1000)")
    p.add_argument("--chains", type=int, default=4, help="chains (default 4)")
    p.add_argument("--sampler", choices=SAMPLERS, default="nutpie", help="default nutpie")
    p.add_argument(
        "--backend",
        choices=("auto", "numba", "jax"),
        default="auto",
        help="nutpie compiler (default auto)",
    )
    p.add_argument(
        "--cache-dir",
        help="compiled models kept across processes (jax backend); default "
        "$ATTRIBUTION_CACHE_DIR or ~/.cache/attribution",
    )
    p.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="exit with status 3 when error-level diagnostics (R-hat, ESS, "
        "divergences) make the fit not for decisions (default: --strict)",
    )
    p.epilog = (
        "writes OUT/run.json (status, stages, findings) beside OUT/mmm/. Exit status: 0 "
        "fitted; 3 fitted but not for decisions (error-level diagnostics; --no-strict "
        "exits 0); 2 bad input or usage; 1 internal error"
    )


def run(args: argparse.Namespace) -> int:
    """Fit and write the model folder and its ``run.json``; returns the exit status."""
    if min(args.draws, args.chains) < 1 or args.tune < 0:
        raise UsageError("--draws and --chains must be >= 1, --tune >= 0")
    run_dir = Path(args.out)
    with RunLock(run_dir):
        m = Manifest(
            run_dir=run_dir,
            config={
                "command": "mmm",
                **{
                    k: str(v) if isinstance(v, Path) else v
                    for k, v in vars(args).items()
                    if k
                    in (
                        "media",
                        "config",
                        "lift_tests",
                        "draws",
                        "tune",
                        "chains",
                        "sampler",
                        "backend",
                    )
                },
            },
            seed=args.seed,
        )
        for name in ("media", "config", "lift_tests"):
            if getattr(args, name):
                m.add_input(name, getattr(args, name))
        m.plan_stages(["inputs", "mmm"])
        try:
            with m.stage("inputs"):
                frame, spec, lift = _inputs(args, m)
            with m.stage("mmm"):
                _fit(args, m, frame, spec, lift)
            m.finish()
        except BaseException as exc:
            m.status = R.STATUS_FAILED
            m.extra[R.ERROR] = f"{type(exc).__name__}: {exc}"
            m.write()
            raise
        m.write()
    return exit_status(m, args.strict, log)


def _inputs(args: argparse.Namespace, m: Manifest) -> tuple[pd.DataFrame, MMMSpec, Any]:
    # the same loaders (and checks) as every other command: encodings, NaN/inf, extremes,
    # weekly gaps, with findings for zero-spend, constant and collinear columns
    # the config's and the mapping's column names are read first, then the panel is checked
    mapping = load_mapping(args.mapping) if getattr(args, "mapping", None) else None
    mp = load_model_panel(args.media, spec_config(args.config), mapping)
    media, spec = mp.media, mp.spec
    frame = media.frame
    m.add_accounting("media", media.accounting)
    m.config[R.CONFIG_RUN] = {R.CONFIG_INTERVAL: spec.interval}  # the report's interval level
    roles = panel_role_findings(
        frame,
        spec.controls,
        source=str(args.media),
        sources=mp.mapped.sources if mp.mapped else None,
    )
    raise_errors(roles)
    lift, findings = None, [*media.findings, *roles]
    if args.lift_tests:
        loaded = load_lift_mapped(args.lift_tests, mapping)
        check_lift_tests_against_panel(loaded, media)
        m.add_accounting("lift_tests", loaded.accounting)
        lift = loaded.frame
        findings += loaded.findings
    for f in findings:
        log.warning("input %s: %s (%s)", f.level, f.message, f.action)
    m.add_findings(findings, stage="inputs")
    m.extra[R.RUN_WINDOW] = window_record(frame["date"], None, None)
    return frame, spec, lift


def _fit(
    args: argparse.Namespace, m: Manifest, frame: pd.DataFrame, spec: MMMSpec, lift: Any
) -> None:
    out = Path(args.out) / R.MMM_DIR
    log.info(
        "mmm: fitting %d channels (%s) on %d rows",
        len(spec.channels),
        ", ".join(spec.channel_names),
        len(frame),
    )
    model = MMM(
        spec,
        draws=args.draws,
        tune=args.tune,
        chains=args.chains,
        sampler=args.sampler,
        seed=args.seed,
        backend=args.backend,
        cache_dir=getattr(args, "cache_dir", None),
        progress=not getattr(args, "quiet", False),
    )
    try:
        res = model.fit(frame, lift_tests=lift)
    except InputError as exc:
        if exc.file == "media panel":
            raise InputError(
                exc.what, exc.fix, args.media, exc.row, exc.column, exc.reason
            ) from None
        if exc.file == "lift tests":
            raise InputError(
                exc.what, exc.fix, args.lift_tests, exc.row, exc.column, exc.reason
            ) from None
        raise
    log.info("mmm: writing %s", out)
    for p in write_outputs(res, out):
        m.add_output(p)
    m.add_findings(res.findings, stage="mmm")
    for f in res.findings:
        log.warning("mmm %s: %s (%s)", f.level, f.message, f.action)
    log.info("%s", res.summary())
