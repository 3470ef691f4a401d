"""Run the whole pipeline for one period into a run directory (DESIGN.md, "Run directory").

Stages run in the data-flow order: journeys -> path attribution -> media-mix
model (priors from the paths, calibrated by lift tests) -> reconciliation (and
truth comparison on simulated worlds) -> budget plan -> reports. Stages whose
inputs are not configured are skipped and recorded as such in ``run.json``;
every stage records its row accounting, findings and timing there.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from attribution import rundir as R
from attribution.errors import UsageError
from attribution.findings import Finding
from attribution.io import safe_child, write_csv, write_table
from attribution.pipeline.config import RunConfig
from attribution.pipeline.lock import RunLock
from attribution.pipeline.manifest import (
    Manifest,
    decision_blockers,
    unsafe_reason,
)
from attribution.pipeline.prepare import path_columns, prepare_inputs
from attribution.pipeline.resume import (
    restore_combine,
    restore_journeys,
    restore_mmm,
    restore_mta,
    restore_plan,
    resume_point,
)
from attribution.pipeline.segments import (
    apply_caps,
    binding,
    caps_findings,
    plan_caps,
    segment_request,
    segments_stage,
)
from attribution.pipeline.state import RunState, Stage
from attribution.pipeline.window import week_mask, window_record
from attribution.pipeline.window_events import report_window, windowed_events

log = logging.getLogger("attribution")


def run_pipeline(cfg: RunConfig, resume: bool = False) -> Path:
    """Run every configured stage; returns the run directory.

    ``run.json`` is written at the start (status ``running``) and after every stage.
    With ``resume``, the stages a previous, unfinished run completed are taken from
    its outputs when the config and inputs are unchanged (else ``UsageError``).

    Example
    -------
    >>> run_pipeline(load_config("run.toml"))      # doctest: +SKIP
    PosixPath('runs/2026-Q3')
    """
    out = Path(cfg.run.out)
    prev = cfg.report.previous
    if prev is not None and Path(prev).resolve() == out.resolve():
        raise UsageError(
            f"[report] previous = '{prev}' is this run's own folder; set it to last "
            "quarter's run folder"
        )
    out.mkdir(parents=True, exist_ok=True)
    with RunLock(out) as lock:
        m = Manifest(run_dir=out, config=cfg.to_dict(), seed=cfg.run.seed)
        if lock.note:
            log.warning("%s", lock.note)
            m.extra[R.NOTES] = [lock.note]
        for name, src in vars(cfg.inputs).items():
            if src is not None:
                m.add_input(name, src)
        m.plan_stages([s.name for s in STAGES])
        st = RunState()
        done = resume_point(m, out, [s.name for s in STAGES]) if resume else set()
        m.write()  # status "running", every stage pending: a killed run says so
        try:
            for s in STAGES:
                if s.name in done and s.restore is not None:
                    s.restore(cfg, m, st)
                    continue
                if s.name == R.STAGE_REPORT:
                    m.extra[R.SKIPPED_STAGES] = st.skipped
                    m.finish()
                if s.name in st.skipped:
                    m.skip(s.name, st.skipped[s.name])
                    continue
                with m.stage(s.name):
                    cfg = s.run(cfg, m, st) or cfg  # the inputs stage may convert exports
                    if s.name in st.skipped:
                        m.skip(s.name, st.skipped[s.name])
        except BaseException as exc:
            m.status = R.STATUS_FAILED
            m.extra[R.ERROR] = f"{type(exc).__name__}: {exc}"
            m.write()
            raise
        m.write()
    log.info("run finished: %s (status %s)", out / R.RUN_JSON, m.status)
    return out


# ----------------------------------------------------------------------------- stages
def _journeys(cfg: RunConfig, m: Manifest, st: RunState) -> None:
    from attribution.data import load_paths
    from attribution.journeys import JourneyBuilder

    inp, out = cfg.inputs, Path(cfg.run.out)
    if inp.paths is not None:
        loaded = load_paths(
            inp.paths,
            lenient=cfg.run.lenient,
            rejected=out / R.REJECTED_PATHS_CSV if cfg.run.lenient else None,
            **path_columns(cfg.mapping),
        )
        m.add_accounting("paths", loaded.accounting)
        st.paths = loaded.frame
    elif inp.touchpoints is not None and inp.conversions is not None:
        j = cfg.journeys
        tp, conv = windowed_events(cfg, m)
        log.info("journeys: building paths with %s", j.engine)
        builder = JourneyBuilder(
            engine=j.engine,
            lookback_days=j.lookback_days,
            inactivity_days=j.inactivity_days,
            collapse_repeats=j.collapse_repeats,
            drop_impressions=j.drop_impressions,
            granularity=j.granularity,
            lenient=cfg.run.lenient,
            memory_limit=j.memory_limit,
            threads=j.threads,
            spark_master=j.spark_master,
            spark_conf=j.spark_conf,
            channel_map=cfg.mapping.channels,
            columns=cfg.mapping.columns,
            max_reject_share=cfg.run.max_reject_share,
        )
        res = builder.fit(
            tp,
            conv,
            inp.id_map,
            journeys_out=out / R.JOURNEYS_PARQUET,
            segments=segment_request(cfg),
        )
        st.segments = res.segments
        m.add_output(out / R.JOURNEYS_PARQUET)
        for name, acc in res.accounting.items():
            m.add_accounting(f"journeys.{name}", acc if isinstance(acc, dict) else {"value": acc})
        if res.rejected is not None and len(res.rejected):
            m.add_output(write_csv(out / R.REJECTED_JOURNEYS_CSV, res.rejected))
        st.paths = res.paths
    else:
        st.skipped["journeys"] = "no touchpoints/conversions or path table configured"
        st.skipped["mta"] = "no journeys"
        return
    m.add_output(write_table(out, R.PATHS_CSV, st.paths))


def _mta(cfg: RunConfig, m: Manifest, st: RunState) -> None:
    from attribution.mta import JourneyTable, PathAttribution, PathTable

    if st.paths is None:
        return
    out = Path(cfg.run.out)
    table = PathTable.from_frame(st.paths, source=R.PATHS_CSV)
    model = PathAttribution(
        models=cfg.mta.models,
        order=cfg.mta.order,
        bootstrap=cfg.mta.bootstrap,
        seed=cfg.run.seed,
        ci=cfg.run.interval,
        half_life=cfg.mta.half_life,
    )
    log.info(
        "mta: %s on %d paths (bootstrap %d)",
        ", ".join(model.models),
        table.n_paths,
        model.bootstrap,
    )
    # time_decay by real time: the journeys this run built carry every touch's age
    built = out / R.JOURNEYS_PARQUET
    journeys = (
        JourneyTable.read(built)
        if "time_decay" in model.models and cfg.inputs.paths is None and built.exists()
        else None
    )
    res = model.fit(journeys if journeys is not None else table)
    m.extra[R.MTA_BASIS] = dict(res.notes)
    st.mta_long = res.to_frame()
    m.add_output(write_table(out, R.MTA_CSV, st.mta_long))
    for name, frame in res.tables.items():
        m.add_output(write_csv(safe_child(out / R.MTA_DIR, f"{name}.csv"), frame))
    if "markov" in model.models:
        jc = res.journey_credit()
        paths = (journeys.paths.to_frame(journeys.sep) if journeys is not None else st.paths)[
            "path"
        ].to_numpy()
        st.journey_credit = jc.assign(path=paths[jc["path_row"].to_numpy()])[
            ["path", "channel", "conversions", "value"]
        ]
        m.add_output(write_csv(out / R.MTA_JOURNEY_CREDIT_CSV, st.journey_credit))
    m.add_findings(res.findings, stage="mta")


def _inputs(cfg: RunConfig, m: Manifest, st: RunState) -> RunConfig:
    """Every input read and checked before any expensive step (raw exports converted, the
    panel and lift tests loaded, cross-input checks); cheap, so rerun on ``--resume``."""
    cfg = prepare_inputs(cfg, m, st)
    if cfg.inputs.media is None:
        st.skipped["mmm"] = "no media panel configured"
        return cfg
    m.extra[R.RUN_WINDOW] = window_record(st.media["date"], *report_window(cfg))
    return cfg


def _journey_signals(cfg: RunConfig, m: Manifest, st: RunState) -> tuple[str, ...]:
    """Add the journeys' weekly demand (unpaid intent touches) and activity counts to the
    panel (attribution.pipeline.activity); returns the activity channels added."""
    from attribution.pipeline.activity import add_journey_signals

    built = Path(cfg.run.out) / R.JOURNEYS_PARQUET
    if (
        cfg.inputs.paths is not None
        or not built.exists()
        or not (cfg.mmm.journey_demand or cfg.mmm.journey_activity)
    ):
        return ()
    sig = add_journey_signals(
        st.media,
        pd.read_parquet(built),
        cfg.mmm.demand_channels,
        activity=cfg.mmm.journey_activity,
        demand=cfg.mmm.journey_demand,
        adjacent_hours=cfg.mmm.adjacent_hours,
    )
    st.media = sig.frame
    m.add_findings(sig.findings, stage="inputs")
    m.extra[R.JOURNEY_SIGNALS] = sig.to_dict()
    return sig.activity_channels


def _mmm(cfg: RunConfig, m: Manifest, st: RunState) -> None:
    from dataclasses import replace

    from attribution.combine.priors import incrementality_ratio, priors_from_mta
    from attribution.mmm import MMM, load_spec, spec_from_dict
    from attribution.mmm.demand import with_demand_controls
    from attribution.mmm.io import write_outputs
    from attribution.mmm.spec import ChannelSpec, needs_value_per_conversion
    from attribution.pipeline.activity import (
        confounding,
        navigational,
    )

    if st.media is None:
        return
    out = Path(cfg.run.out)
    columns = list(st.media.columns)
    signals = _journey_signals(cfg, m, st)  # demand and activity columns from the journeys
    columns = list(st.media.columns)
    if st.spec is None or (signals and cfg.mmm.spec is None and cfg.mapping.panel is None):
        # no spec read with the panel, or an automatic one: read it from the columns again
        spec = (
            load_spec(cfg.mmm.spec, columns)
            if cfg.mmm.spec is not None
            else spec_from_dict({}, columns)
        )
    else:
        spec = st.spec
        known = {c.column for c in spec.channels}
        extra = tuple(
            ChannelSpec(ch, f"activity_{ch}", kind="activity")
            for ch in signals
            if f"activity_{ch}" not in known
        )
        spec = replace(spec, channels=spec.channels + extra) if extra else spec
    spec = with_demand_controls(spec, columns)
    if cfg.mmm.prior_mode is not None:
        spec = replace(spec, prior_mode=cfg.mmm.prior_mode)
    priors = None
    if cfg.mmm.use_mta_priors and st.mta_long is not None:
        ref = st.mta_long[st.mta_long["model"] == "markov"]
        if len(ref):
            credit = dict(zip(ref["channel"], ref["value"], strict=True))
            adjacent = (m.extra.get(R.JOURNEY_SIGNALS) or {}).get(R.JOURNEY_ADJACENT_SHARE)
            if adjacent and cfg.mmm.intent_adjusted_priors:
                from attribution.pipeline.activity import intent_adjusted_credit

                credit, nav = intent_adjusted_credit(credit, adjacent)
                m.add_findings(nav, stage="combine")
            n_weeks = st.media["date"].nunique()
            ratio, per = incrementality_ratio(
                st.lift if cfg.mmm.use_lift_tests else None, credit, n_weeks
            )
            priors, found = priors_from_mta(
                credit, float(st.media["sales"].sum()), spec.channel_names, ratio=ratio
            )
            m.add_findings(found, stage="combine")
            m.extra[R.MTA_PRIORS] = {
                "incrementality_ratio": ratio,
                "per_channel": per,
                **priors.to_dict(),
            }
    lift = st.lift if cfg.mmm.use_lift_tests else None
    if needs_value_per_conversion(spec, lift):  # lift in conversions, no value given
        aov = _average_order_value(cfg, st)
        if aov is not None:
            spec = replace(spec, value_per_conversion=aov[0])
            m.add_findings(
                [
                    Finding(
                        "info",
                        "mmm.lift_value_from_orders",
                        f"lift tests in conversions are valued at the average order"
                        f" value of {aov[1]}: {aov[0]:,.2f} per conversion",
                        "give value_per_conversion in the lift tests or "
                        "[calibration] in the MMM config to use another value",
                        "mmm",
                    )
                ],
                stage="mmm",
            )
    mmm = MMM(
        spec,
        draws=cfg.mmm.draws,
        tune=cfg.mmm.tune,
        chains=cfg.mmm.chains,
        seed=cfg.run.seed,
        backend=cfg.mmm.backend,
        cache_dir=cfg.mmm.cache_dir,
    )
    log.info(
        "mmm: fitting %d channels on %d weeks (%d chains x %d draws)",
        len(spec.channels),
        st.media["date"].nunique(),
        mmm.chains,
        mmm.draws,
    )
    res = mmm.fit(st.media, lift_tests=lift, channel_priors=priors)
    tested = set() if lift is None else set(map(str, lift["channel"]))
    tests, st.confounded, found = confounding(
        st.media,
        {c.name: c.column for c in spec.channels if c.has_spend},
        spec.target,
        tested,
        r2_min=cfg.mmm.demand_r2,
        cap=cfg.optimize.confounded_cap,
        date=spec.date,
    )
    m.add_findings(found, stage="mmm")
    adjacent = (m.extra.get(R.JOURNEY_SIGNALS) or {}).get(R.JOURNEY_ADJACENT_SHARE) or {}
    nav, found = navigational(
        adjacent,
        [c.name for c in spec.channels if c.has_spend and c.name not in st.confounded],
        tested,
        cfg.optimize.confounded_cap,
    )
    st.confounded += nav
    m.add_findings(found, stage="mmm")
    quiet, found = navigational(
        adjacent, [c.name for c in spec.channels if not c.has_spend], tested, None
    )
    m.add_findings(found, stage="mmm")
    m.extra[R.SPEND_FOLLOWS_DEMAND] = {
        "tests": [t.to_dict() for t in tests],
        R.SFD_CAPPED: list(st.confounded),
        "cap": cfg.optimize.confounded_cap,
    }
    if cfg.mmm.partial_identification:  # their effect: anywhere from zero to the association
        res = res.with_unidentified(st.confounded + quiet, seed=cfg.run.seed)
        m.extra[R.UNIDENTIFIED] = list(res.unidentified)
    for p in write_outputs(res, out / R.MMM_DIR):
        m.add_output(p)
    if any(report_window(cfg)):  # the tables summarise the reporting window, not the whole fit
        from attribution.mmm.analysis import channel_table

        dates = pd.Series(res.panel.dates)
        st.mmm_table = channel_table(res, weeks=week_mask(dates, *report_window(cfg)))
        write_csv(out / R.MMM_CHANNELS_CSV, st.mmm_table)
    else:
        st.mmm_table = res.to_frame()
    m.add_findings(res.findings, stage="mmm")
    st.mmm = res


def _average_order_value(cfg: RunConfig, st: RunState) -> tuple[float, str] | None:
    """(value per conversion, its source) from the path table or the conversions log."""
    p = st.paths
    if p is not None and "total_conversion_value" in p.columns:
        n, v = float(p["total_conversions"].sum()), float(p["total_conversion_value"].sum())
        if n > 0 and v > 0:
            return v / n, f"the conversions in the journeys ({R.PATHS_CSV})"
    if cfg.inputs.conversions is not None and Path(cfg.inputs.conversions).is_file():
        from attribution.data import load_conversions

        vals = load_conversions(cfg.inputs.conversions, lenient=True).frame["value"]
        if len(vals) and float(vals.mean()) > 0:
            return float(vals.mean()), f"the conversions log {cfg.inputs.conversions}"
    return None  # the MMM then asks for a value_per_conversion (a clear input error)


def _combine(cfg: RunConfig, m: Manifest, st: RunState) -> None:
    from attribution.combine import calibrate_paths, combine, compare_with_truth, error_summary

    if st.mta_long is None and st.mmm is None:
        st.skipped["combine"] = "neither path attribution nor MMM ran"
        return
    out = Path(cfg.run.out)
    mmm_table = st.mmm_table if st.mmm is not None else None
    res = combine(st.mta_long, mmm_table)
    st.combined = res.to_frame()
    m.add_output(write_table(out, R.COMBINED_CSV, st.combined))
    if st.journey_credit is not None and mmm_table is not None:
        cal = calibrate_paths(st.journey_credit, mmm_table.set_index("channel")["contribution"])
        m.add_output(write_table(out, R.CALIBRATED_PATHS_CSV, cal))
    m.add_findings(res.findings, stage="combine")
    if cfg.inputs.truth is not None and any(report_window(cfg)):
        st.skipped["truth_comparison"] = (
            "the truth describes the whole simulated period, not the reporting window"
        )
    elif cfg.inputs.truth is not None:
        from attribution.data.simulator import load_truth, truth_frame

        truth = truth_frame(load_truth(cfg.inputs.truth)).set_index("channel")
        cmp = compare_with_truth(st.combined, truth)
        m.add_output(write_table(out, R.TRUTH_COMPARISON_CSV, cmp))
        m.extra[R.TRUTH_ERROR_SUMMARY] = error_summary(cmp).to_dict(orient="records")


def _plan_bounds(cfg: RunConfig, st: RunState, model: Any) -> tuple[Any, Any]:
    """The plan's per-channel bounds: the user's, the cap on channels the panel cannot
    separate from demand, and frequency caps as spend caps (pipeline/segments.py); the
    plan and the value of the next test optimise under the same ones."""
    from attribution.optimize import read_bounds
    from attribution.pipeline.activity import cap_bounds

    o = cfg.optimize
    bounds = read_bounds(o.bounds, model.channels) if o.bounds is not None else None
    bounds = cap_bounds(bounds, st.confounded, o.confounded_cap, model.channels)
    caps = plan_caps(cfg, st, tuple(model.channels), np.asarray(model.current_spend))
    if caps is not None:
        bounds = apply_caps(bounds, caps, model.channels)
    return bounds, caps


def _optimize(cfg: RunConfig, m: Manifest, st: RunState) -> None:
    from attribution.optimize import BudgetOptimizer
    from attribution.optimize.adapters import as_response_model
    from attribution.optimize.scenarios import budget_sweep

    if st.mmm is None:
        st.skipped["optimize"] = "no media-mix model"
        return
    out, o = Path(cfg.run.out), cfg.optimize
    blockers = decision_blockers(m.findings)
    if blockers and not o.allow_unconverged:
        st.skipped["optimize"] = (
            "not for decisions: the model has error-level diagnostics ("
            + ", ".join(sorted({f.code for f in blockers}))
            + "); fix them (see the findings), "
            "or set [optimize] allow_unconverged = true (or --allow-unconverged) for a plan "
            "marked unsafe"
        )
        return
    # the paid channels, with their response curves (plans laid over their flighting)
    model = as_response_model(st.mmm, o.flighting)
    budget = float(model.current_spend.sum()) if o.budget is None else o.budget
    if budget <= 0:
        raise UsageError(f"optimize budget must be > 0, got {budget}")
    bounds, caps = _plan_bounds(cfg, st, model)
    opt = BudgetOptimizer(
        objective=o.objective,
        margin=o.margin,
        risk_quantile=o.risk_quantile,
        max_change_pct=o.max_change_pct,
        interval=cfg.run.interval,
        seed=cfg.run.seed,
    )
    plan = opt.fit(model, budget, bounds)
    for p in plan.write(out / R.PLAN_CSV, unsafe_reason(blockers)):
        m.add_output(p)
    if caps is not None:
        caps = binding(caps, plan.to_frame(total=False))
        m.add_output(write_csv(out / R.CAPS_CSV, caps))
        m.add_findings(caps_findings(caps), stage="optimize")
    sweep = budget_sweep(model, budget, bounds=bounds, optimizer=opt)
    m.add_output(write_table(out, R.SWEEP_CSV, sweep.to_frame()))
    m.add_findings(plan.findings, stage="optimize")


def _experiments(cfg: RunConfig, m: Manifest, st: RunState) -> None:
    """The test worth running next: one designed, valued test per paid channel."""
    from attribution.experiments.recommend import next_tests
    from attribution.optimize import BudgetOptimizer
    from attribution.optimize.adapters import as_response_model

    if st.mmm is None:
        st.skipped["experiments"] = "no media-mix model"
        return
    if not cfg.experiments.enabled:
        st.skipped["experiments"] = "switched off ([experiments] enabled = false)"
        return
    out, o = Path(cfg.run.out), cfg.optimize
    model = as_response_model(st.mmm, o.flighting)
    budget = float(model.current_spend.sum()) if o.budget is None else o.budget
    bounds, _ = _plan_bounds(cfg, st, model)
    opt = BudgetOptimizer(
        objective=o.objective,
        margin=o.margin,
        max_change_pct=o.max_change_pct,
        n_starts=3,
        seed=cfg.run.seed,
    )
    flags = (
        {}
        if st.combined is None or "flag" not in st.combined.columns
        else {
            str(r.channel): r.flag != "mmm_uncertain" for r in st.combined.itertuples(index=False)
        }
    )
    plan, found = next_tests(
        st.mmm,
        opt,
        budget,
        bounds=bounds,
        separable=flags,
        n_outcomes=12,
        max_draws=100,
        seed=cfg.run.seed,
        flighting=o.flighting,
    )
    m.add_output(write_csv(out / R.EXPERIMENTS_CSV, plan.to_frame()))
    m.add_findings(found, stage="experiments")


def _report(cfg: RunConfig, m: Manifest, st: RunState) -> None:
    from attribution.report.command import render_reports
    from attribution.report.viewmodels import report_settings

    r = cfg.report
    if not r.formats:
        return
    settings = report_settings(cfg.to_dict().get("report"))  # names, colours, units too
    written = render_reports(
        cfg.run.out, formats=tuple(r.formats), previous=r.previous, settings=settings
    )
    for p in written.values():
        m.add_output(p)


#: the pipeline, in data-flow order; a new stage is one line here
STAGES: tuple[Stage, ...] = (
    Stage("inputs", _inputs),  # cheap: rerun on --resume
    Stage("journeys", _journeys, restore_journeys),
    Stage("mta", _mta, restore_mta),
    Stage("segments", segments_stage),
    Stage("mmm", _mmm, restore_mmm),
    Stage("combine", _combine, restore_combine),
    Stage("optimize", _optimize, restore_plan),
    Stage("experiments", _experiments),
    Stage(R.STAGE_REPORT, _report),
)
