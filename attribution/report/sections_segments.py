"""Report section: segments, contact pressure, online <-> offline and frequency caps.

Reads ``mta_by_segment.csv``, ``online_offline.csv``, ``pressure.csv`` and ``caps.csv``
(names from :mod:`attribution.rundir`); all words from :mod:`attribution.report.wording`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from attribution import rundir
from attribution.report import wording as W
from attribution.report.blocks import (
    Block,
    Chart,
    Flags,
    Heading,
    Missing,
    Paragraph,
    Section,
    Table,
)
from attribution.report.charts_pressure import pressure_chart
from attribution.report.sections import Context, model_name

REFERENCE_MODELS = ("markov", "shapley", "linear")


def _seg_name(seg: str) -> str:
    return W.SEGMENT_NAMES.get(seg, seg)


def _share(ctx: Context, r: pd.Series) -> str:
    f = ctx.fmt
    return f"{f.pct(r['share'])} ({f.pct_interval(r['share_low'], r['share_high'])})"


def _pp(ctx: Context, x: float) -> str:
    """A change in a rate, in percentage points: ``+1.2``."""
    return ("+" if x > 0 else "") + ctx.fmt.number(100 * x, 1)


def _reference(frame: pd.DataFrame) -> str:
    models = list(dict.fromkeys(frame["model"]))
    return next((m for m in REFERENCE_MODELS if m in models), models[0])


def _attribution_blocks(ctx: Context) -> list[Block]:
    seg = ctx.run.get(rundir.MTA_BY_SEGMENT_CSV)
    blocks: list[Block] = []
    small = [fd for fd in ctx.run.findings if fd["code"] == "segments.too_small"]
    if seg is not None and len(seg):
        model = _reference(seg)
        f = seg[seg["model"] == model]
        blocks.append(Paragraph(W.SEG_INTRO.format(model=model_name(model), level=ctx.level)))
        # the "(none)" pseudo-channel (conversions without a touch) is no channel to plan
        diff = f[(f["mix_differs"].astype(str).str.lower() == "true") & (f["channel"] != "(none)")]
        rows = []
        for (s, ch), g in diff.groupby(["segment", "channel"], sort=False):
            hi, lo = g.loc[g["share"].idxmax()], g.loc[g["share"].idxmin()]
            rows.append(
                (
                    _seg_name(str(s)),
                    ctx.name(ch),
                    f"{hi['value']}: {_share(ctx, hi)}",
                    f"{lo['value']}: {_share(ctx, lo)}",
                )
            )
        if rows:
            blocks.append(
                Table(
                    "segment-differences",
                    W.SEG_DIFF_TITLE,
                    (W.H_SEGMENT, W.H_CHANNEL, W.H_HIGHER, W.H_LOWER),
                    tuple(rows),
                    (False, False, True, True),
                    W.SEG_DIFF_NOTE,
                )
            )
        else:
            blocks.append(Paragraph(W.SEG_NO_DIFF))
        chans = sorted(f["channel"].astype(str).unique())
        mix = []
        for (s, v), g in f.groupby(["segment", "value"], sort=False):
            by = {str(r["channel"]): _share(ctx, r) for _, r in g.iterrows()}
            mix.append(
                (
                    _seg_name(str(s)),
                    str(v),
                    ctx.fmt.number(g["segment_conversions"].iloc[0], 0),
                    *(by.get(c, "–") for c in chans),
                )
            )
        blocks.append(
            Table(
                "segment-mix",
                W.SEG_MIX_TITLE.format(model=model_name(model)),
                (W.H_SEGMENT, "", W.H_CONVERSIONS_SEG, *(ctx.name(c) for c in chans)),
                tuple(mix),
                (False, False, True, *([True] * len(chans))),
            )
        )
    else:
        blocks.append(Missing(W.SEG_NOT_RUN))
    if small:
        blocks.append(Flags(W.SEG_TOO_SMALL_TITLE, tuple(("info", fd["message"]) for fd in small)))
    return blocks


def _offline_present(ctx: Context, used: list[str] | None) -> list[str]:
    """The offline channels the journeys hold, by display name (the run may classify by a
    longer list, most of whose channels this business never records)."""
    offline = {str(c) for c in (used if used is not None else ctx.settings.offline)}
    seen: set[str] = set()
    for rel in (rundir.MTA_CSV, rundir.MTA_BY_SEGMENT_CSV, rundir.ONLINE_OFFLINE_CSV):
        t = ctx.run.get(rel)
        if t is not None and "channel" in t.columns:
            seen.update(map(str, t["channel"].dropna()))
    return sorted(ctx.name(c) for c in (offline & seen if seen else offline))


def _o2o_blocks(ctx: Context) -> list[Block]:
    o2o = ctx.run.get(rundir.ONLINE_OFFLINE_CSV)
    if o2o is None or o2o.empty:
        return []
    f = ctx.fmt
    used = ctx.run.manifest.get(rundir.OFFLINE_CHANNELS_KEY)  # what the run classified by
    offline = ", ".join(_offline_present(ctx, used if isinstance(used, list) else None))
    blocks: list[Block] = [Paragraph(W.O2O_SEG_INTRO.format(offline=offline, level=ctx.level))]
    tot = o2o[o2o["role"] == "all"]
    rows = []
    for (s, v), g in tot.groupby(["segment", "value"], sort=False):
        cells = []
        for d in ("online_to_offline", "offline_to_online"):
            r = g[g["direction"] == d]
            cells.append(
                "–"
                if r.empty
                else f"{f.pct(r['share'].iloc[0])} "
                f"({f.pct_interval(r['share_low'].iloc[0], r['share_high'].iloc[0])})"
            )
        base = g["base"].iloc[0]
        if not base > 0:
            continue
        rows.append(
            (
                _seg_name(str(s)) if s != "all" else "all journeys",
                "" if v == "all" else str(v),
                f.number(base, 0),
                *cells,
            )
        )
    blocks.append(
        Table(
            "online-offline",
            W.O2O_TABLE,
            (W.H_SEGMENT, "", W.H_CONVERSIONS_SEG, W.H_ONLINE_OFFLINE, W.H_OFFLINE_ONLINE),
            tuple(rows),
            (False, False, True, True, True),
        )
    )
    overall = o2o[(o2o["segment"] == "all") & (o2o["role"] != "all")]
    crow = []
    for d, g in overall.groupby("direction", sort=False):

        def top(role: str, g: pd.DataFrame = g) -> str:
            r = g[g["role"] == role].sort_values("share", ascending=False).head(3)
            return (
                ", ".join(
                    f"{ctx.name(c)} {f.pct(s, 0)}"
                    for c, s in zip(r["channel"], r["share"], strict=True)
                )
                or "–"
            )

        crow.append((W.O2O_DIRECTIONS.get(str(d), str(d)), top("start"), top("close")))
    if crow:
        blocks.append(
            Table(
                "online-offline-channels",
                W.O2O_CHANNELS_TABLE,
                (W.H_DIRECTION, W.H_STARTS, W.H_CLOSES),
                tuple(crow),
            )
        )
    blocks.append(Paragraph(W.O2O_MARKET))
    return blocks


def _pressure_blocks(ctx: Context) -> list[Block]:
    p = ctx.run.get(rundir.PRESSURE_CSV)
    if p is None or p.empty:
        return []
    f = ctx.fmt
    week = p[p["level"] == "week"]
    journey = p[p["level"] == "journey"]
    panels, rows = [], []
    for ch, g in week.groupby("channel", sort=True):
        g = g.sort_values("frequency")
        r = g.iloc[0]
        top = int(g["frequency"].max())
        beyond = str(r["beyond"])
        peak = int(r["peak"])
        panels.append(
            {
                "channel": ctx.name(ch),
                "frequency": g["frequency"].to_numpy(),
                "effect": g["effect"].to_numpy(),
                "low": g["effect_low"].to_numpy(),
                "high": g["effect_high"].to_numpy(),
                "raw": g["raw_change"].to_numpy(),
                "labels": g["label"].astype(str).tolist(),
                "peak": peak if beyond != "not_reached" else None,
            }
        )
        raw_peak = int(g["frequency"].to_numpy()[int(np.nanargmax(g["raw_rate"].to_numpy()))])
        at = g[g["frequency"] == peak].iloc[0]
        jr = journey[journey["channel"] == ch]
        jtxt = (
            "–"
            if jr.empty
            else (
                f"{int(jr['peak'].iloc[0])} ({int(jr['peak_low'].iloc[0])}–"
                f"{int(jr['peak_high'].iloc[0])})"
            )
        )
        sat = (
            "–"
            if beyond == "not_reached"
            else f"{peak} ({int(r['peak_low'])}–{int(r['peak_high'])})"
        )
        rows.append(
            (
                ctx.name(ch),
                sat,
                W.BEYOND.get(beyond, beyond).format(top=top),
                W.PP_INTERVAL.format(
                    est=_pp(ctx, at["effect"]),
                    lo=_pp(ctx, at["effect_low"]),
                    hi=_pp(ctx, at["effect_high"]),
                ),
                str(raw_peak),
                jtxt,
            )
        )
    blocks: list[Block] = [Paragraph(W.PRESSURE_INTRO)]
    if panels:
        blocks.append(
            Table(
                "pressure",
                W.PRESSURE_TABLE,
                (
                    W.H_CHANNEL,
                    W.H_SATURATION,
                    W.H_PAST_PEAK,
                    W.H_AT_PEAK,
                    W.H_RAW_PEAK,
                    W.H_JOURNEY_PEAK,
                ),
                tuple(rows),
                (False, True, False, True, True, True),
                W.PRESSURE_NOTE,
            )
        )
        blocks.append(  # after the table, which can split: no gap before the chart
            Chart(
                "pressure",
                W.PRESSURE_CHART,
                pressure_chart(
                    panels,
                    title=W.PRESSURE_CHART,
                    xlabel=W.PRESSURE_X,
                    ylabel=W.PRESSURE_Y,
                    est_label=W.PRESSURE_EST,
                    raw_label=W.PRESSURE_RAW,
                    peak_label=W.PRESSURE_PEAK,
                    ytick=lambda v: f.pct(v, 0),
                ),
            )
        )
    return blocks


def _caps_blocks(ctx: Context) -> list[Block]:
    caps = ctx.run.get(rundir.CAPS_CSV)
    if caps is None or caps.empty:
        return [Missing(W.CAPS_NOT_RUN)] if ctx.run.get(rundir.PRESSURE_CSV) is not None else []
    f = ctx.fmt
    binds = caps["binds"].astype(str).str.lower() == "true"
    rows = tuple(
        (
            ctx.name(r["channel"]),
            f.number(r["frequency_cap"], 0),
            W.CAP_SOURCES.get(str(r["source"]), str(r["source"])),
            f.money(r["spend_cap"]),
            f.money(r["recommended_spend"]),
            W.YES if b else W.NO,
        )
        for (_, r), b in zip(caps.iterrows(), binds, strict=True)
    )
    names = ", ".join(ctx.name(c) for c in caps.loc[binds, "channel"])
    return [
        Paragraph(W.CAPS_INTRO),
        Paragraph(W.CAPS_BIND.format(channels=names) if names else W.CAPS_NONE_BIND),
        Table(
            "caps",
            W.CAPS_TABLE,
            (W.H_CHANNEL, W.H_FREQ_CAP, W.H_SOURCE, W.H_SPEND_CAP, W.H_CAP_RECOMMENDED, W.H_BINDS),
            rows,
            (False, True, False, True, True, False),
        ),
    ]


def segments(ctx: Context) -> Section | None:
    """Segments, online <-> offline, contact pressure and the caps that reach the plan;
    None for a run without any of their files (runs built from a path table)."""
    names = (
        rundir.MTA_BY_SEGMENT_CSV,
        rundir.ONLINE_OFFLINE_CSV,
        rundir.PRESSURE_CSV,
        rundir.CAPS_CSV,
    )
    if all(ctx.run.get(n) is None for n in names):
        return None
    blocks = _attribution_blocks(ctx)
    for title, more in (
        (W.O2O_SEG_TITLE, _o2o_blocks(ctx)),
        (W.PRESSURE_TITLE, _pressure_blocks(ctx)),
        (W.CAPS_TITLE, _caps_blocks(ctx)),
    ):
        if more:
            blocks += [Heading(title), *more]
    return Section("segments", W.SEG_TITLE, tuple(blocks))
