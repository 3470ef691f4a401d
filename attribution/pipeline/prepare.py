"""Every input read and checked before any expensive step of a run.

Runs first in :func:`attribution.pipeline.runner.run_pipeline`:

1. raw exports become contract inputs in ``<run>/inputs/``: a GA4 BigQuery export
   (``[inputs] ga4``) -> touchpoints + conversions; daily ad-platform exports and a
   daily sales file (``[inputs] ad_spend``, ``sales``) -> the weekly panel;
2. the media panel (by ``[mapping.panel]`` or the MMM config's names) and the lift
   tests are loaded and checked, so a bad lift-test file stops the run here, before
   journeys, path models or bootstrap replicates run;
3. the cross-input checks (:mod:`attribution.data.cross_checks`) compare the journeys'
   channels and dates (one cheap scan) with the panel's and the lift tests'.

Error-level findings stop the run with exit status 2 (the findings are in run.json).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from attribution import rundir as R
from attribution.data import check_lift_tests_against_panel, load_paths, panel_channels
from attribution.data.cross_checks import (
    Side,
    channel_findings,
    date_findings,
    panel_role_findings,
    raise_errors,
    reject_share_error,
)
from attribution.data.readers.adplatforms import build_weekly_panel
from attribution.errors import UsageError
from attribution.findings import Finding
from attribution.journeys.ga4 import ga4_to_logs
from attribution.journeys.profile import profile_touchpoints
from attribution.mmm.mapped import load_lift_mapped, load_model_panel, spec_config
from attribution.pipeline.config import RunConfig

log = logging.getLogger("attribution")
INPUTS_DIR = "inputs"


def prepare_inputs(cfg: RunConfig, m: Any, st: Any) -> RunConfig:
    """Convert raw exports, load panel and lift tests, run the cross-checks.

    Sets ``st.media``, ``st.lift`` and ``st.spec``; returns the config with converted
    inputs in place. Raises ``InputError`` (exit 2) on an error-level finding.
    """
    if cfg.run.reconcile not in ("error", "warn"):
        raise UsageError(f"[run] reconcile must be 'error' or 'warn', got {cfg.run.reconcile!r}")
    if not 0 <= cfg.run.max_reject_share <= 1:
        raise UsageError(
            "[run] max_reject_share must be a share between 0 and 1, got "
            f"{cfg.run.max_reject_share}"
        )
    built = bool(cfg.inputs.ad_spend)
    cfg = convert_exports(cfg, m)
    inp, out, mapping = cfg.inputs, Path(cfg.run.out), cfg.mapping
    lenient, share = cfg.run.lenient, cfg.run.max_reject_share
    found: list[Finding] = []
    panel_side = lift_side = journey_side = None
    if inp.media is not None:
        m.add_input("media", inp.media)
        mp = load_model_panel(
            inp.media,
            spec_config(cfg.mmm.spec),
            mapping,
            lenient=lenient,
            rejected=out / R.REJECTED_MEDIA_CSV if lenient else None,
        )
        acc = mp.media.accounting
        if lenient:
            reject_share_error(str(inp.media), acc.read, acc.n_rejected, share)
        m.add_accounting("media", acc)
        m.add_findings(mp.media.findings, stage="inputs")
        st.media, st.spec = mp.media.frame, mp.spec
        found += panel_role_findings(
            mp.media.frame,
            mp.spec.controls,
            source=str(inp.media),
            sources=mp.mapped.sources if mp.mapped else None,
        )
        d = mp.media.frame["date"]
        panel_side = Side(
            "media panel", frozenset(panel_channels(mp.media.frame)), d.min(), d.max()
        )
        if inp.lift_tests is not None:
            m.add_input("lift_tests", inp.lift_tests)
            lift = load_lift_mapped(  # channels through the map where the panel's went
                inp.lift_tests,
                mapping,
                map_channels=built or mapping.panel is not None,
                lenient=lenient,
                rejected=out / R.REJECTED_LIFT_TESTS_CSV if lenient else None,
            )
            m.add_accounting("lift_tests", lift.accounting)
            m.add_findings(lift.findings, stage="inputs")
            lift_side = Side(
                "lift tests",
                frozenset(map(str, lift.frame["channel"])),
                lift.frame["start"].min(),
                lift.frame["end"].max(),
            )
            found += channel_findings(None, panel_side, lift_side)
            if not any(f.level == "error" for f in found):
                check_lift_tests_against_panel(lift, mp.media)  # row-level: names the row
            st.lift = lift.frame
    if inp.paths is not None:
        paths = load_paths(inp.paths, lenient=True, **path_columns(mapping))
        steps = paths.frame["path"].str.split(" > ").explode()
        journey_side = Side(
            "journeys", frozenset(str(s) for s in steps.dropna().unique() if s != "(none)")
        )
    elif inp.touchpoints is not None:
        prof = profile_touchpoints(inp.touchpoints, mapping.file_columns("touchpoints"))
        if prof is None:
            found.append(
                Finding(
                    "info",
                    "inputs.journeys_not_profiled",
                    f"{inp.touchpoints}: channels and dates of the touchpoints "
                    "could not be read ahead (a table or remote source), so they "
                    "are not compared with the panel before the run",
                    "",
                    "inputs",
                )
            )
        else:
            journey_side = Side("journeys", prof.channels(mapping.channels), prof.first, prof.last)
    found += channel_findings(journey_side, panel_side, None, reconcile=cfg.run.reconcile)
    found += date_findings([s for s in (journey_side, panel_side, lift_side) if s])
    m.add_findings(found, stage="inputs")
    for f in found:
        if f.level != "info":
            log.warning("input %s: %s (%s)", f.level, f.message, f.action)
    if any(f.level == "error" for f in found):
        m.extra["stopped_before"] = "journeys"
        raise_errors(found, file="inputs")
    return cfg


def path_columns(mapping: Any) -> dict[str, str]:
    names = mapping.file_columns("paths")
    keys = {
        "path": "path_col",
        "total_conversions": "conv_col",
        "total_conversion_value": "value_col",
        "total_null": "null_col",
    }
    return {keys[k]: v for k, v in names.items() if k in keys}


def convert_exports(cfg: RunConfig, m: Any) -> RunConfig:
    """GA4 export -> touchpoints/conversions; ad-platform + sales exports -> weekly panel."""
    inp, out = cfg.inputs, Path(cfg.run.out) / INPUTS_DIR
    if inp.ga4 is not None:
        if inp.touchpoints is not None or inp.conversions is not None:
            raise UsageError("[inputs] give either ga4 or touchpoints/conversions, not both")
        m.add_input("ga4", inp.ga4)
        j = cfg.journeys
        if j.engine == "spark":  # the run's engine settings (Spark master, conf)
            from attribution.journeys.spark_engine import SparkRunner

            logs = ga4_to_logs(
                inp.ga4, out, engine="spark", runner=SparkRunner(j.spark_master, j.spark_conf)
            )
        else:
            from attribution.journeys.duckdb_engine import DuckDBRunner

            runner = DuckDBRunner(j.memory_limit, j.threads)
            try:
                logs = ga4_to_logs(inp.ga4, out, runner=runner)
            finally:
                runner.close()
        m.add_accounting("ga4", logs.accounting)
        m.add_findings(logs.findings, stage="inputs")
        inp = replace(
            inp, touchpoints=logs.touchpoints, conversions=logs.conversions, id_map=logs.id_map
        )
    if inp.ad_spend:
        if inp.media is not None:
            raise UsageError("[inputs] give either media (a weekly panel) or ad_spend, not both")
        for i, p in enumerate(inp.ad_spend):
            m.add_input(f"ad_spend_{i + 1}", p)
        if inp.sales is not None:
            m.add_input("sales", inp.sales)
        built = build_weekly_panel(inp.ad_spend, inp.sales, cfg.mapping.channels, out / "media.csv")
        m.add_accounting("ad_spend", built.accounting)
        m.add_findings(built.findings, stage="inputs")
        inp = replace(inp, media=built.path)
        # the built panel is in the contract's names, its channels already mapped
        return replace(cfg, inputs=inp, mapping=replace(cfg.mapping, panel=None))
    return replace(cfg, inputs=inp)
