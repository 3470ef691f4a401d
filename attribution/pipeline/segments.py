"""The segments stage of a run, and the frequency caps it hands the budget plan.

Runs after path attribution when the journeys were built from touchpoints (the engine
returned :class:`~attribution.journeys.segments.SegmentData`): attribution per segment
(``mta_by_segment.csv``), online <-> offline journeys (``online_offline.csv``), contact
pressure (``pressure.csv``); the optimise stage then turns frequency caps into spend caps
(``caps.csv``). See docs/segments-and-pressure.md.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from attribution import rundir
from attribution.findings import Finding
from attribution.io import write_csv
from attribution.journeys.options import CAMPAIGN_JOIN, JourneyOptions
from attribution.journeys.segments import CHANNELS, SegmentData, SegmentRequest
from attribution.mta.heuristics import parse_half_life
from attribution.mta.model import PathAttribution
from attribution.mta.online_offline import OFFLINE_DEFAULT, online_offline_by_segment
from attribution.mta.pressure import ContactPressure
from attribution.mta.segments import SegmentAttribution
from attribution.optimize.caps import (
    apply_caps,
    binding,
    caps_findings,
    caps_from_pressure,
    read_caps,
    resolve_caps,
    touch_rates,
)
from attribution.pipeline.config import RunConfig
from attribution.pipeline.manifest import Manifest

log = logging.getLogger("attribution")
JOURNEY_DRAWS = 200  # coefficient draws of the journey-level model (rows x draws in memory)


def segment_request(cfg: RunConfig) -> SegmentRequest | None:
    """What the journey engine computes for this stage (None when segments are off)."""
    s = cfg.segments
    if not s.enabled:
        return None
    return SegmentRequest(
        attributes=cfg.inputs.customers, max_levels=s.max_levels, weekly=s.pressure
    )


def _models(cfg: RunConfig) -> tuple[tuple[str, ...], list[Finding]]:
    models, found = tuple(cfg.mta.models), []
    hl = cfg.mta.half_life
    if "time_decay" in models and hl is not None and parse_half_life(hl)[0] == "hours":
        models = tuple(m for m in models if m != "time_decay")
        found.append(
            Finding(
                "info",
                "segments.no_time_decay",
                "time_decay with a half-life in time is not run per segment "
                "(segment path tables carry no touch times)",
                "read time_decay for the whole run in mta.csv",
                "segments",
            )
        )
    return models, found


def journey_counts(seg: pd.DataFrame, columns: list[str], sep: str) -> pd.DataFrame:
    """Journey-level rows from the segment path table: touch counts per channel, the
    segment covariates, converted (0/1) and a ``weight`` (number of journeys)."""
    counts = []
    for p in seg["path"].astype(str):
        steps = (
            []
            if p == "(none)"
            else [s.strip().split(CAMPAIGN_JOIN, 1)[0] for s in p.split(sep) if s.strip()]
        )
        counts.append(Counter(steps))
    chans = sorted({c for cnt in counts for c in cnt})
    base = pd.DataFrame({c: [cnt.get(c, 0) for cnt in counts] for c in chans})
    for c in columns:
        base[c] = seg[c].astype(str).to_numpy()
    conv = base.assign(converted=1, weight=seg["total_conversions"].to_numpy())
    null = base.assign(converted=0, weight=seg["total_null"].to_numpy())
    out = pd.concat([conv, null], ignore_index=True)
    return out[out["weight"] > 0].reset_index(drop=True)


def segments_stage(cfg: RunConfig, m: Manifest, st: Any) -> None:
    """Attribution by segment, online/offline shares and contact pressure."""
    data: SegmentData | None = getattr(st, "segments", None)
    if data is None:
        st.skipped["segments"] = (
            "segments are turned off"
            if not cfg.segments.enabled
            else "no journeys built from touchpoints"
        )
        return
    s, out, level = cfg.segments, Path(cfg.run.out), cfg.run.interval
    if data.accounting.get("attributes"):
        a = data.accounting["attributes"]
        m.add_accounting("segments.attributes", a)
        if a.get("unknown_customers"):
            m.add_findings(
                [
                    Finding(
                        "info",
                        "segments.unknown_customers",
                        f"{a['unknown_customers']} of {a['read']} customers in the attributes "
                        "table have no journey: excluded",
                        "check that both use the same customer ids",
                        "segments",
                    )
                ]
            )
        if a.get("journeys_without_attributes"):
            m.add_findings(
                [
                    Finding(
                        "warning",
                        "segments.missing_attributes",
                        f"{a['journeys_without_attributes']} of {a['journeys']} journeys belong to "
                        "customers without attributes: they form the segment '(no attributes)'",
                        "add those customers to the attributes table",
                        "segments",
                    )
                ]
            )
    m.add_output(write_csv(out / rundir.SEGMENT_PATHS_CSV, data.segment_paths))
    segs = {c: data.paths_for(c) for c in data.columns}
    credit_segs = {
        c: {v: p for v, p in vals.items() if not (c == CHANNELS and v == "no touch")}
        for c, vals in segs.items()
    }
    models, found = _models(cfg)
    model = PathAttribution(
        models=models,
        order=cfg.mta.order,
        bootstrap=cfg.mta.bootstrap,
        seed=cfg.run.seed,
        ci=level,
        half_life=cfg.mta.half_life if "time_decay" in models else None,
    )
    log.info(
        "segments: attribution for %d segment values", sum(len(v) for v in credit_segs.values())
    )
    res = SegmentAttribution(model, min_conversions=s.min_conversions).fit(credit_segs)
    m.add_output(write_csv(out / rundir.MTA_BY_SEGMENT_CSV, res.to_frame()))
    m.add_findings([*found, *res.findings], stage="segments")
    offline = tuple(s.offline_channels) if s.offline_channels is not None else OFFLINE_DEFAULT
    m.extra[rundir.OFFLINE_CHANNELS_KEY] = sorted(offline)
    if st.paths is not None:
        o2o = online_offline_by_segment(st.paths, segs, offline=offline, ci=level, sep=cfg_sep(cfg))
        m.add_output(write_csv(out / rundir.ONLINE_OFFLINE_CSV, o2o))
    if s.pressure and data.weekly is not None and len(data.weekly):
        covs = [c for c in data.columns if c != CHANNELS]
        journeys = journey_counts(data.segment_paths, covs, cfg_sep(cfg))
        log.info("segments: contact pressure on %d customer-weeks", len(data.weekly))
        pressure = ContactPressure(
            max_frequency=s.max_frequency,
            ci=level,
            seed=cfg.run.seed,
            covariates=tuple(covs),
            draws=1000,
        ).fit(data.weekly, None)
        pj = ContactPressure(
            max_frequency=s.max_frequency,
            ci=level,
            seed=cfg.run.seed,
            covariates=tuple(covs),
            draws=JOURNEY_DRAWS,
        ).fit(data.weekly.iloc[:0], journeys)
        frame = pd.concat([pressure.to_frame(), pj.to_frame()], ignore_index=True)
        m.add_output(write_csv(out / rundir.PRESSURE_CSV, frame))
        m.add_findings(
            [*pressure.findings, *pj.findings, *_pressure_findings(frame)], stage="segments"
        )
        st.pressure = frame
    st.weekly = data.weekly


def cfg_sep(cfg: RunConfig) -> str:
    """The path separator of the journeys the run builds (the engine's default)."""
    return JourneyOptions().sep


def _pressure_findings(frame: pd.DataFrame) -> list[Finding]:
    out = []
    week = frame[frame["level"] == "week"]
    for ch, g in week.groupby("channel", sort=True):
        r = g.iloc[0]
        if r["beyond"] == "not_reached":
            continue
        what = "reduces response" if r["beyond"] == "declines" else "adds nothing"
        out.append(
            Finding(
                "info",
                "pressure.saturation",
                f"{ch}: beyond {int(r['peak'])} touches per customer per week "
                f"(interval {int(r['peak_low'])}-{int(r['peak_high'])}) an extra "
                f"touch {what}",
                "cap the contact frequency of this channel",
                "segments",
            )
        )
    return out


def plan_caps(
    cfg: RunConfig, st: Any, channels: tuple[str, ...], current: np.ndarray
) -> pd.DataFrame | None:
    """Spend caps for the optimiser: derived from pressure and/or read from the caps file."""
    caps = []
    pressure = getattr(st, "pressure", None)
    if cfg.segments.caps_from_pressure and pressure is not None:
        caps.extend(c for c in caps_from_pressure(pressure) if c.channel in channels)
    if cfg.segments.caps is not None:
        caps.extend(read_caps(cfg.segments.caps, channels))
    if not caps:
        return None
    weekly = getattr(st, "weekly", None)
    rates = (
        touch_rates(weekly, channels)
        if weekly is not None
        else pd.DataFrame(columns=["channel", "touches_per_week", "reached_per_week"])
    )
    return resolve_caps(caps, rates, dict(zip(channels, map(float, current), strict=True)))


__all__ = [
    "apply_caps",
    "binding",
    "caps_findings",
    "plan_caps",
    "segment_request",
    "segments_stage",
]
