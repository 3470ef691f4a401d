"""``attribution optimize``: recommend a budget reallocation (plan.csv).

Writes ``--out`` (plan.csv: one row per channel plus a ``total`` row) and, next to
it, ``<stem>.json`` (plan-level numbers and findings); with ``--scenarios`` also
``<stem>_scenarios.csv``, with ``--sweep N`` also ``<stem>_sweep.csv``.
Budget, bounds, spends and expected outcomes are totals over the planning horizon
(``--horizon`` weeks; default 1, i.e. a weekly budget; 13 plans a quarter).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from attribution import rundir as R
from attribution.errors import UsageError
from attribution.findings import Finding
from attribution.io import write_csv
from attribution.optimize.adapters import FLIGHTING, load_response_model
from attribution.optimize.allocate import OBJECTIVES, BudgetOptimizer
from attribution.optimize.bounds import DEFAULT_MAX_CHANGE_PCT, read_bounds
from attribution.optimize.caps import apply_caps, binding, caps_findings, file_caps
from attribution.optimize.horizon import CARRYOVER
from attribution.optimize.scenarios import budget_sweep, evaluate_plans, read_plans, sweep_budgets
from attribution.pipeline.lock import RunLock
from attribution.pipeline.manifest import Manifest, decision_blockers, open_manifest, unsafe_reason

log = logging.getLogger("attribution")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the optimize flags."""
    parser.add_argument(
        "--model",
        required=True,
        metavar="DIR",
        help="fitted model: run folder of 'attribution mmm' (mmm/posterior.nc), "
        "a response.json, or a simulator truth.json",
    )
    parser.add_argument(
        "--budget",
        required=True,
        metavar="X",
        help="total budget over the horizon (per week by default), or "
        "'current' (the current spend)",
    )
    parser.add_argument("--out", required=True, metavar="F", help="plan table to write (CSV)")
    parser.add_argument(
        "--bounds", metavar="F", help="CSV: channel, min, max, min_pct, max_pct, locked"
    )
    parser.add_argument(
        "--caps",
        metavar="F",
        help="frequency/spend caps CSV: channel, frequency_cap and/or spend_cap "
        "(weekly), touches_per_week, reached_per_week (see "
        "docs/segments-and-pressure.md)",
    )
    parser.add_argument("--objective", choices=OBJECTIVES, default="sales")
    parser.add_argument(
        "--margin",
        type=float,
        metavar="M",
        help="profit per unit of outcome (needed for --objective profit)",
    )
    parser.add_argument(
        "--risk-quantile",
        type=float,
        metavar="Q",
        help="maximise this lower posterior quantile (e.g. 0.1), not the mean",
    )
    parser.add_argument(
        "--horizon",
        type=int,
        default=1,
        metavar="WEEKS",
        help="planning horizon in weeks (default 1: a weekly budget; 13 plans "
        "a quarter); budget, bounds and outcomes are totals over it",
    )
    parser.add_argument(
        "--max-change-pct",
        type=_max_change,
        default=DEFAULT_MAX_CHANGE_PCT,
        metavar="P",
        help="keep every channel within +-P%% of its current spend unless "
        "--bounds says otherwise for it (default: %(default)s, as "
        "'attribution run'; 'none' lifts the limit)",
    )
    parser.add_argument(
        "--carryover",
        choices=CARRYOVER,
        default="steady",
        help="steady-state carry-over (default) or finite-horizon ramp-in",
    )
    parser.add_argument(
        "--flighting",
        choices=FLIGHTING,
        default=None,
        help="how a weekly spend is laid over the weeks for a fitted MMM: 'historical' "
        "scales each channel's own flighting of the fitted weeks (default, as "
        "'attribution run'); 'flat' spends the same every week (the default with "
        "--carryover ramp, which needs it)",
    )
    parser.add_argument("--interval", type=float, default=0.9, help="interval width (0.9)")
    parser.add_argument(
        "--scenarios",
        metavar="F",
        help="CSV of weekly spend plans to evaluate (scenario, period, channels)",
    )
    parser.add_argument(
        "--sweep",
        type=int,
        default=0,
        metavar="N",
        help="also optimise N budgets from 50%% to 150%% of --budget",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the solver's random starts")
    parser.add_argument(
        "--allow-unconverged",
        action="store_true",
        help="plan even from a model with error-level diagnostics (R-hat, ESS, "
        "divergences); the plan is marked unsafe (plan.json 'safe': false)",
    )
    parser.epilog = (
        "records the optimize stage in run.json beside --out. Exit status: 0 "
        "planned; 3 refused: the model has error-level diagnostics (pass "
        "--allow-unconverged for a plan marked unsafe); 2 bad input or usage; "
        "1 internal error"
    )


def _max_change(text: str) -> float | None:
    """``"50"`` -> 50.0; ``"none"`` -> None (no limit)."""
    if str(text).strip().lower() in ("none", "off", "no"):
        return None
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a percentage or 'none', got '{text}'") from None
    if not v >= 0 or v == float("inf"):
        raise argparse.ArgumentTypeError(f"must be >= 0 (or 'none'), got '{text}'")
    return v


def bounds_statement(max_change_pct: float | None, bounds_file: str | None) -> str:
    """One line saying which limits the plan respected (printed and logged).

    Example
    -------
    >>> bounds_statement(50.0, None)
    'limits: every channel within ±50% of its current spend (change with --max-change-pct)'
    """
    head = (
        "every channel within ±" + f"{max_change_pct:g}% of its current spend"
        if max_change_pct is not None
        else "no limit on any channel's change"
    )
    tail = f"; per-channel bounds from {bounds_file} take precedence" if bounds_file else ""
    return f"limits: {head}{tail} (change with --max-change-pct)"


def _budget(text: str, current_total: float) -> float:
    s = str(text).strip().replace(",", "").replace("_", "")
    if s.lower() == "current":
        return current_total
    try:
        v = float(s)
    except ValueError:
        raise UsageError(f"--budget must be a number or 'current', got '{text}'") from None
    if not v > 0 or v == float("inf"):
        raise UsageError(f"--budget must be a positive number, got '{text}'")
    return v


def run(args: argparse.Namespace) -> int:
    """Run the optimiser and write the plan; returns the exit status."""
    out = Path(args.out)
    if out.exists() and out.is_dir():
        raise UsageError(f"--out {out} is a folder; give a file name such as {out / 'plan.csv'}")
    if args.sweep and args.sweep < 2:
        raise UsageError(f"--sweep needs at least 2 budgets, got {args.sweep}")
    metric = "conversions" if args.objective == "conversions" else "sales"
    opt = BudgetOptimizer(
        objective=args.objective,
        margin=args.margin,
        risk_quantile=args.risk_quantile,
        horizon=args.horizon,
        carryover=args.carryover,
        interval=args.interval,
        seed=args.seed,
        max_change_pct=args.max_change_pct,
    )
    log.info("loading the response model from %s", args.model)
    flighting = args.flighting or ("flat" if args.carryover == "ramp" else "historical")
    model = load_response_model(args.model, metric, flighting)
    m = open_manifest(
        out.parent, config={"command": "optimize", "model": str(args.model)}, seed=args.seed
    )
    m.config.setdefault(R.CONFIG_RUN, {R.CONFIG_INTERVAL: args.interval})
    m.add_findings(getattr(getattr(model, "results", None), "findings", ()), stage="mmm")
    blockers = decision_blockers(m.findings)
    if blockers and not args.allow_unconverged:
        codes = ", ".join(sorted({f.code for f in blockers}))
        m.skip("optimize", f"refused: the model has error-level diagnostics ({codes})")
        m.finish()
        m.write()
        fixes = "; ".join(dict.fromkeys(f.action for f in blockers if f.action))
        log.error(
            "refused: the model in %s has error-level diagnostics (%s), so a plan "
            "from it is not for decisions; fix: %s; or pass --allow-unconverged for a "
            "plan marked unsafe",
            args.model,
            codes,
            fixes or "refit the model",
        )
        return R.EXIT_NOT_FOR_DECISIONS
    with RunLock(out.parent), m.stage("optimize"):
        _plan(args, model, metric, opt, out, m, blockers)
    m.finish()
    m.write()
    return R.EXIT_OK


def _plan(
    args: argparse.Namespace,
    model: object,
    metric: str,
    opt: BudgetOptimizer,
    out: Path,
    m: Manifest,
    blockers: list[Finding],
) -> None:
    current_total = float(sum(model.current_spend)) * args.horizon
    budget = _budget(args.budget, current_total)
    bounds = read_bounds(args.bounds, model.channels) if args.bounds else None
    log.info(
        "optimising a budget of %s over %d weeks (current spend %s) across %d channels",
        f"{budget:,.0f}",
        args.horizon,
        f"{current_total:,.0f}",
        len(model.channels),
    )
    limits = bounds_statement(args.max_change_pct, args.bounds)
    log.info("%s", limits)
    caps = None
    if args.caps:  # weekly caps, as totals over the horizon
        caps = file_caps(args.caps, model.channels, model.current_spend, args.horizon)
        bounds = apply_caps(bounds, caps, model.channels)
    result = opt.fit(model, budget, bounds)
    for p in result.write(out, unsafe_reason(blockers)):
        m.add_output(p)
    m.add_findings(result.findings, stage="optimize")
    if caps is not None:
        caps = binding(caps, result.to_frame(total=False))
        m.add_output(write_csv(out.with_name(R.companion(out.stem, R.CAPS_CSV)), caps))
        _log_findings(tuple(caps_findings(caps)))
        m.add_findings(caps_findings(caps), stage="optimize")
    print(limits)
    log.info("%s", result.summary().splitlines()[1])
    log.info("wrote %s", out)
    if args.scenarios:
        plans = read_plans(args.scenarios, model.channels)
        sc = evaluate_plans(
            model, plans, carryover=args.carryover, interval=args.interval, margin=args.margin
        )
        path = out.with_name(R.companion(out.stem, R.SCENARIOS_CSV))
        m.add_output(write_csv(path, sc.to_frame()))
        log.info("wrote %s (%d scenarios)", path, len(plans))
    if args.sweep:
        sw = budget_sweep(model, sweep_budgets(budget, 0.5, 1.5, args.sweep), bounds, opt)
        path = out.with_name(R.companion(out.stem, R.SWEEP_CSV))
        m.add_output(write_csv(path, sw.to_frame()))
        log.info("wrote %s", path)
        _log_findings(sw.findings)
    _log_findings(result.findings)


def _log_findings(findings: tuple[Finding, ...]) -> None:
    for f in findings:
        text = f"{f.level}: {f.message}" + (f" ({f.action})" if f.action else "")
        (log.warning if f.level != "info" else log.info)("%s", text)
