"""Section builders: run tables -> view-model sections (wording from :mod:`wording`).

Each builder returns a :class:`Section`; when its inputs are missing the section
still appears, saying plainly which analysis was not run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from attribution import rundir as R
from attribution.report import charts
from attribution.report import wording as W
from attribution.report.blocks import (
    Block,
    Chart,
    Missing,
    Paragraph,
    ReportSettings,
    Section,
    Table,
)
from attribution.report.fmt import Formatter
from attribution.report.rundata import RunData
from attribution.report.scale import Scale, find_scale


@dataclass(frozen=True)
class Context:
    """What every builder needs: the run, the formatter and the settings."""

    run: RunData
    fmt: Formatter
    settings: ReportSettings

    @property
    def level(self) -> str:
        return self.fmt.pct(self.run.level, 0)

    @property
    def cur(self) -> str:
        return self.fmt.currency

    @property
    def sym(self) -> str:
        return self.fmt.symbol

    @cached_property
    def scale(self) -> Scale:
        """Which weeks the run's numbers cover, total sales and media (page 1)."""
        return find_scale(self.run)

    def name(self, channel_id: object) -> str:
        """A channel's display name (config, readable default)."""
        return self.settings.style.name(channel_id)

    def channel_ids(self) -> list[str]:
        """Every channel id any table of the run names (to show findings by display name)."""
        ids: dict[str, None] = {}
        for rel in (R.MMM_CHANNELS_CSV, R.MTA_CSV, R.COMBINED_CSV, R.PLAN_CSV):
            df = self.run.get(rel)
            if df is not None and "channel" in df.columns:
                ids.update(dict.fromkeys(map(str, df["channel"])))
        return list(ids)

    def col(self, df: pd.DataFrame, name: str) -> np.ndarray:
        """A numeric column as floats, NaN when the column is absent."""
        if name in df.columns:
            return pd.to_numeric(df[name], errors="coerce").to_numpy(dtype=float)
        return np.full(len(df), np.nan)


def _f(x: object) -> float:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
    return v


def _with_interval(value: str, interval: str) -> str:
    """``"1.71 (1.20–2.20)"``; just the value when either part is missing."""
    return value if "–" in (value, interval) else f"{value} ({interval})"


def is_activity(ch: pd.DataFrame) -> np.ndarray:
    """Rows of ``mmm/channels.csv`` that are activity channels (counted in units, no ROI)."""
    if "kind" not in ch.columns:
        return np.zeros(len(ch), dtype=bool)
    return ch["kind"].astype(str).str.lower().eq("activity").to_numpy()


def plan_horizon(ctx: Context) -> float:
    """Weeks the plan's totals cover (``plan.json`` ``horizon_weeks``; 1 = a weekly plan)."""
    h = ctx.run.plan_json.get("horizon_weeks")
    if isinstance(h, int | float) and not isinstance(h, bool) and h > 0:
        return float(h)
    plan = ctx.run.get(R.PLAN_CSV)  # no plan.json: total spend / weekly spend, where written
    if plan is not None and "current_weekly_spend" in plan.columns:
        tot, wk = (
            np.nansum(ctx.col(plan, "current_spend")),
            np.nansum(ctx.col(plan, "current_weekly_spend")),
        )
        if wk > 0 and tot > 0:
            return float(round(tot / wk, 6))
    return 1.0


def section(sid: str, blocks: list[Block]) -> Section:
    return Section(id=sid, title=W.SECTION_TITLES[sid], blocks=tuple(blocks))


# ------------------------------------------------------------------ executive summary
def _channels_sorted(ctx: Context) -> pd.DataFrame | None:
    ch = ctx.run.get(R.MMM_CHANNELS_CSV)
    if ch is None or ch.empty:
        return None
    return ch.sort_values(["contribution", "channel"], ascending=[False, True]).reset_index(
        drop=True
    )


# ------------------------------------------------------------------ contribution and ROI
def spend_cell(ctx: Context, cid: object, value: float, activity: bool) -> str:
    """Money for a paid channel; ``"2,080 posts"`` for an activity channel (never currency)."""
    if activity:
        return W.ACTIVITY_AMOUNT.format(
            amount=ctx.fmt.number(value, 0), unit=ctx.settings.style.unit(cid)
        )
    return ctx.fmt.money(value)


def _channel_table(ctx: Context, ch: pd.DataFrame) -> Table:
    f = ctx.fmt
    act = is_activity(ch)
    rows = []
    for i, (_, r) in enumerate(ch.iterrows()):
        no_roi = act[i]
        rows.append(
            (
                ctx.name(r["channel"]),
                spend_cell(ctx, r["channel"], _f(r.get("spend")), act[i]),
                f.money(_f(r["contribution"])),
                f.money_interval(_f(r.get("contribution_low")), _f(r.get("contribution_high"))),
                W.NO_ROI_ACTIVITY if no_roi else f.ratio(_f(r.get("roi"))),
                "" if no_roi else f.ratio_interval(_f(r.get("roi_low")), _f(r.get("roi_high"))),
                ""
                if no_roi
                else _with_interval(
                    f.ratio(_f(r.get("mroi"))),
                    f.ratio_interval(_f(r.get("mroi_low")), _f(r.get("mroi_high"))),
                ),
            )
        )
    iv = W.H_INTERVAL.format(level=ctx.level)
    period = ctx.scale.report.short() if ctx.scale.report else W.THIS_PERIOD
    note = W.NOTE_ACTIVITY if act.any() else ""
    return Table(
        "channels",
        W.TABLE_CHANNELS.format(period=period),
        (W.H_CHANNEL, W.H_SPEND, W.H_CONTRIB, iv, W.H_ROI, iv, W.H_MROI),
        tuple(rows),
        (False, True, True, True, True, True, True),
        note,
    )


def contribution(ctx: Context) -> Section:
    """Channel contribution: bars with intervals and contribution over time."""
    ch = _channels_sorted(ctx)
    if ch is None:
        return section("contribution", [Missing(W.NOT_RUN["mmm"])])
    f = ctx.fmt
    period = ctx.scale.report.label() if ctx.scale.report else W.THIS_PERIOD
    palette = ctx.settings.style.palette(ch["channel"])  # largest first: strongest colours
    blocks: list[Block] = [Paragraph(W.CONTRIB_INTRO.format(level=ctx.level, period=period))]
    title = W.CHART_CONTRIB.format(currency=ctx.cur, period=period)
    blocks.append(
        Chart(
            "chart-contribution",
            title,
            charts.bars_interval(
                [ctx.name(c) for c in ch["channel"]],
                ctx.col(ch, "contribution"),
                ctx.col(ch, "contribution_low"),
                ctx.col(ch, "contribution_high"),
                title=title,
                xlabel=W.AXIS_SALES.format(currency=ctx.cur),
                tick=f.money_ticks(),
                colours=[palette[str(c)] for c in ch["channel"]],
                salt="contribution",
            ),
        )
    )
    over = ctx.run.get("mmm/contributions.csv")
    if over is not None and not over.empty:
        wide = over.pivot_table(
            index="date", columns="channel", values="contribution", aggfunc="sum"
        ).sort_index()
        order = [c for c in ch["channel"] if c in wide.columns] + sorted(
            c for c in wide.columns if c not in set(ch["channel"])
        )
        dates = pd.to_datetime(pd.Series(wide.index), errors="coerce")
        x = dates.tolist() if dates.notna().all() else list(range(len(wide)))
        neg = [ctx.name(c) for c in order if (wide[c].fillna(0) < 0).any()]
        title = W.CHART_OVER_TIME.format(currency=ctx.cur)
        blocks.append(
            Chart(
                "chart-over-time",
                title,
                charts.stacked_area(
                    x,
                    {ctx.name(c): wide[c].fillna(0).to_numpy() for c in order},
                    title=title,
                    ylabel=W.AXIS_CONTRIB_TIME.format(currency=ctx.cur),
                    xlabel=W.AXIS_DATE,
                    tick=f.money_ticks(),
                    colours=[palette[str(c)] for c in order],
                    salt="overtime",
                ),
            )
        )
        if neg:
            blocks.append(Paragraph(W.NOTE_NEGATIVE_HIDDEN.format(names=", ".join(neg))))
    else:
        blocks.append(Missing(W.NOT_RUN["contributions"]))
    return section("contribution", blocks)


def roi(ctx: Context) -> Section:
    """ROI and marginal ROI with intervals, the channel table and response curves."""
    ch = _channels_sorted(ctx)
    if ch is None:
        return section("roi", [Missing(W.NOT_RUN["mmm"])])
    f = ctx.fmt
    period = ctx.scale.report.label() if ctx.scale.report else W.THIS_PERIOD
    blocks: list[Block] = [
        Paragraph(W.ROI_INTRO.format(sym=ctx.sym, one=f.ratio(1.0), period=period))
    ]
    act = is_activity(ch)
    paid = ch[~act]
    r = paid.assign(_r=ctx.col(paid, "roi")).sort_values(["_r", "channel"], ascending=[False, True])
    # the table first (it splits across pages, a chart does not), then the tallest chart
    blocks.append(_channel_table(ctx, ch))
    curves = ctx.run.get(R.MMM_RESPONSE_CURVES_CSV)
    if curves is not None and not curves.empty:
        blocks.append(_curves(ctx, ch, curves))
    else:
        blocks.append(Missing(W.NOT_RUN["curves"]))
    if np.isfinite(ctx.col(r, "roi")).any():
        title = W.CHART_ROI.format(sym=ctx.sym, level=ctx.level)
        blocks.append(
            Chart(
                "chart-roi",
                title,
                charts.interval_dots(
                    [ctx.name(c) for c in r["channel"]],
                    ctx.col(r, "roi"),
                    ctx.col(r, "roi_low"),
                    ctx.col(r, "roi_high"),
                    title=title,
                    xlabel=W.AXIS_ROI.format(sym=ctx.sym, currency=ctx.cur),
                    est_label=W.LEGEND_ROI,
                    extra=ctx.col(r, "mroi") if "mroi" in r.columns else None,
                    extra_label=W.LEGEND_MROI,
                    ref=1.0,
                    ref_label=W.LEGEND_BREAK_EVEN.format(one=f.ratio(1.0)),
                    tick=f.number_ticks(),
                    salt="roi",
                ),
            )
        )
    return section("roi", blocks)


def _curves(ctx: Context, ch: pd.DataFrame, curves: pd.DataFrame) -> Chart:
    """Response curves; an activity channel's x axis is in its unit, not currency."""
    plan = ctx.run.get(R.PLAN_CSV)
    marks: dict[str, tuple[float, float]] = {}
    weekly = (
        plan is not None
        and "current_weekly_spend" in plan.columns
        and "recommended_weekly_spend" in plan.columns
    )
    if plan is not None:  # curves are per week where the plan gives weekly spend
        cur_col, rec_col = (
            ("current_weekly_spend", "recommended_weekly_spend")
            if weekly
            else ("current_spend", "recommended_spend")
        )
        for _, p in plan.iterrows():
            marks[str(p["channel"])] = (_f(p[cur_col]), _f(p[rec_col]))
    activity = set(ch.loc[is_activity(ch), "channel"].astype(str))
    panels = []
    order = [c for c in ch["channel"] if c in set(curves["channel"])] + sorted(
        set(curves["channel"]) - set(ch["channel"])
    )
    for cid in order:
        c = curves[curves["channel"] == cid].sort_values("spend")
        cur_s, rec_s = marks.get(cid, (math.nan, math.nan))
        panel = {
            "name": ctx.name(cid),
            "spend": ctx.col(c, "spend"),
            "response": ctx.col(c, "response"),
            "low": ctx.col(c, "response_low") if "response_low" in c else None,
            "high": ctx.col(c, "response_high") if "response_high" in c else None,
            "current": cur_s,
            "recommended": rec_s,
        }
        if str(cid) in activity:
            unit = ctx.settings.style.unit(cid)
            panel.update(
                xlabel=(W.AXIS_WEEKLY_ACTIVITY if weekly else W.AXIS_ACTIVITY).format(unit=unit),
                xtick=ctx.fmt.number_ticks(),
            )
        panels.append(panel)
    title = (W.CHART_CURVES_WEEKLY if weekly else W.CHART_CURVES).format(currency=ctx.cur)
    xlabel = (W.AXIS_WEEKLY_SPEND if weekly else W.AXIS_SPEND).format(currency=ctx.cur)
    ylabel = (W.AXIS_WEEKLY_RESPONSE if weekly else W.AXIS_RESPONSE).format(currency=ctx.cur)
    return Chart(
        "chart-curves",
        title,
        charts.curve_grid(
            panels,
            title=title,
            xlabel=xlabel,
            ylabel=ylabel,
            current_label=W.LEGEND_CURRENT,
            recommended_label=W.LEGEND_RECOMMENDED,
            band_label=W.LEGEND_BAND.format(level=ctx.level),
            tick=ctx.fmt.money_ticks(),
            salt="curves",
        ),
    )


def model_name(model: object) -> str:
    """Display name of an attribution model id (``"last_touch"`` -> ``"Last touch"``)."""
    key = str(model)
    return W.MODEL_NAMES.get(key.lower(), key)


def _preferred_model(mta: pd.DataFrame) -> str:
    models = list(dict.fromkeys(mta["model"]))
    for m in ("markov", "shapley"):
        for name in models:
            if str(name).lower().startswith(m):
                return name
    return models[0]
