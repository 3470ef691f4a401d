"""Section builders: run tables -> view-model sections (wording from :mod:`wording`).

Each builder returns a :class:`Section`; when its inputs are missing the section
still appears, saying plainly which analysis was not run.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attribution.report import charts
from attribution.report import wording as W
from attribution.report.analysis import includes, is_wide, shares
from attribution.report.fmt import Formatter
from attribution.report.rundata import RunData
from attribution.report.sections_experiments import page_one as page_one_tests
from attribution.report.viewmodels import (
    Block,
    Card,
    Cards,
    Chart,
    Flags,
    Missing,
    Paragraph,
    ReportSettings,
    Section,
    Table,
)


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

    def col(self, df: pd.DataFrame, name: str) -> np.ndarray:
        """A numeric column as floats, NaN when the column is absent."""
        if name in df.columns:
            return pd.to_numeric(df[name], errors="coerce").to_numpy(dtype=float)
        return np.full(len(df), np.nan)


MAX_FLAGS = 8


def _f(x: object) -> float:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
    return v


def _with_interval(value: str, interval: str) -> str:
    """``"1.71 (1.20–2.20)"``; just the value when either part is missing."""
    return value if "–" in (value, interval) else f"{value} ({interval})"


def section(sid: str, blocks: list[Block]) -> Section:
    return Section(id=sid, title=W.SECTION_TITLES[sid], blocks=tuple(blocks))


# ------------------------------------------------------------------ executive summary
def _channels_sorted(ctx: Context) -> pd.DataFrame | None:
    ch = ctx.run.get("mmm/channels.csv")
    if ch is None or ch.empty:
        return None
    return ch.sort_values(["contribution", "channel"], ascending=[False, True]).reset_index(
        drop=True)


def _plan_totals(ctx: Context) -> dict[str, float] | None:
    plan = ctx.run.get("plan.csv")
    if plan is None or plan.empty:
        return None
    out = {k: float(np.nansum(ctx.col(plan, k))) for k in
           ("current_spend", "recommended_spend", "expected_current", "expected_recommended")}
    out.update(ctx.run.plan_summary())
    if "gain" not in out:
        out["gain"] = out["expected_recommended"] - out["expected_current"]
    return out


def _moves(ctx: Context) -> str:
    plan = ctx.run.get("plan.csv")
    diff = ctx.col(plan, "recommended_spend") - ctx.col(plan, "current_spend")
    tol = 0.005 * max(float(np.nansum(ctx.col(plan, "current_spend"))), 1.0)
    names = plan["channel"].tolist()
    down = [n for n, d in sorted(zip(names, diff, strict=True), key=lambda t: t[1]) if d < -tol]
    up = [n for n, d in sorted(zip(names, diff, strict=True), key=lambda t: -t[1]) if d > tol]
    if not up and not down:
        return ""
    return W.SUM_PLAN_MOVES.format(down=", ".join(down[:3]) or "—", up=", ".join(up[:3]) or "—")


def summary(ctx: Context) -> Section:
    """The one-page executive summary: headline cards, plain sentences, confidence flags."""
    f = ctx.fmt
    blocks: list[Block] = []
    cards: list[Card] = []
    sentences: list[str] = []
    ch = _channels_sorted(ctx)
    if ch is not None:
        contrib = ctx.col(ch, "contribution")
        lo, hi = ctx.col(ch, "contribution_low"), ctx.col(ch, "contribution_high")
        total = float(np.nansum(contrib))
        second = ""
        if len(ch) > 1:
            second = W.SUM_DRIVERS_SECOND.format(name=ch["channel"][1], value=f.money(contrib[1]),
                                                 iv=f.money_interval(lo[1], hi[1]))
        sentences.append(W.SUM_DRIVERS.format(
            total=f.money(total), top=ch["channel"][0], top_value=f.money(contrib[0]),
            level=ctx.level, top_iv=f.money_interval(lo[0], hi[0]), second=second))
        cards.append(Card(W.CARD_MEDIA, f.money(total), W.CARD_MEDIA_DETAIL.format(
            n=len(ch), share=f.pct(contrib[0] / total if total else math.nan, 0),
            top=ch["channel"][0])))
        if "roi" in ch.columns and np.isfinite(ctx.col(ch, "roi")).any():
            r = ch.assign(_r=ctx.col(ch, "roi")).dropna(subset=["_r"])
            r = r.sort_values(["_r", "channel"], ascending=[False, True]).reset_index(drop=True)
            rv, rl, rh = ctx.col(r, "roi"), ctx.col(r, "roi_low"), ctx.col(r, "roi_high")
            second = W.SUM_ROI_SECOND.format(name=r["channel"][1], roi=f.ratio(rv[1])) \
                if len(r) > 2 else ""
            sentences.append(W.SUM_ROI.format(
                sym=ctx.sym, best=r["channel"][0], best_roi=f.ratio(rv[0]), level=ctx.level,
                best_iv=f.ratio_interval(rl[0], rh[0]), second=second,
                worst=r["channel"].iloc[-1], worst_roi=f.ratio(rv[-1])))
            cards.append(Card(W.CARD_BEST_ROI.format(sym=ctx.sym), f.ratio(rv[0]),
                              W.CARD_BEST_ROI_DETAIL.format(
                                  channel=r["channel"][0], level=ctx.level,
                                  interval=f.ratio_interval(rl[0], rh[0]))))
    else:
        mta = ctx.run.get("mta.csv")
        if mta is not None and not mta.empty:
            model = _preferred_model(mta)
            m = mta[mta["model"] == model]
            sh = shares(ctx.col(m, "conversions"))
            order = np.argsort(-np.nan_to_num(sh), kind="stable")
            names = m["channel"].tolist()
            second = W.SUM_DRIVERS_MTA_SECOND.format(name=names[order[1]], share=f.pct(
                sh[order[1]])) if len(order) > 1 else ""
            sentences.append(W.SUM_DRIVERS_MTA.format(model=model_name(model), top=names[order[0]],
                                                      share=f.pct(sh[order[0]]), second=second))
            cards.append(Card(W.CARD_TOP_PATH, names[order[0]],
                              f"{model_name(model)}: {f.pct(sh[order[0]])}"))
    totals = _plan_totals(ctx)
    if totals is not None:
        gain = totals["gain"]
        iv = f.money_interval(totals.get("gain_low"), totals.get("gain_high"))
        iv = W.NOT_REPORTED if iv == "–" else W.GAIN_INTERVAL.format(level=ctx.level,
                                                                     interval=iv)
        prob = f.pct(totals["prob_better"], 0) if "prob_better" in totals else W.NOT_REPORTED
        moves = _moves(ctx)
        same_budget = abs(totals["recommended_spend"] - totals["current_spend"]) <= \
            0.005 * max(totals["current_spend"], 1.0)
        if not moves and same_budget:
            sentences.append(W.SUM_PLAN_NO_CHANGE)
        elif same_budget:
            sentences.append(W.SUM_PLAN.format(budget=f.money(totals["current_spend"]),
                                               moves=moves, gain=f.signed_money(gain), iv=iv,
                                               prob=prob))
        else:
            sentences.append(W.SUM_PLAN_BUDGET_CHANGE.format(
                current=f.money(totals["current_spend"]),
                recommended=f.money(totals["recommended_spend"]), moves=moves or "—",
                gain=f.signed_money(gain), iv=iv, prob=prob))
        detail = W.CARD_GAIN_DETAIL.format(
            level=ctx.level, interval=f.money_interval(totals.get("gain_low"),
                                                       totals.get("gain_high")), prob=prob) \
            if "gain_low" in totals or "prob_better" in totals else W.CARD_GAIN_NO_IV
        cards.append(Card(W.CARD_GAIN, f.signed_money(gain), detail))
    if cards:
        blocks.append(Cards(tuple(cards)))
    sentences.extend(page_one_tests(ctx))  # the test that would separate each flagged channel
    blocks.extend(Paragraph(s) for s in sentences)
    flags = confidence_flags(ctx)
    if len(flags) > MAX_FLAGS:  # the summary stays on one page
        more = W.FLAGS_MORE.format(n=len(flags) - MAX_FLAGS + 1)
        flags = [*flags[:MAX_FLAGS - 1], ("info", more)]
    blocks.append(Flags(W.FLAGS_TITLE, tuple(flags), W.FLAGS_NONE))
    missing = [W.ANALYSIS_NAMES[k] for k, rel in (("mmm", "mmm/channels.csv"), ("mta", "mta.csv"),
                                                   ("plan", "plan.csv"))
               if ctx.run.get(rel) is None]
    if missing:
        blocks.append(Missing(W.ANALYSES_NOT_RUN.format(items=", ".join(missing))))
    skipped = ctx.run.manifest.get("skipped_stages")
    if isinstance(skipped, dict) and skipped:
        items = "; ".join(W.STAGE_SKIPPED_ITEM.format(stage=k, reason=v)
                          for k, v in sorted(skipped.items()))
        blocks.append(Missing(W.STAGES_SKIPPED.format(items=items)))
    return section("summary", blocks)


_RANK = {"error": 0, "warning": 1}


def merge_messages(messages: list[str]) -> str:
    """One text for several findings of one kind.

    ``"a: too wide"`` and ``"b: too wide"`` become ``"a, b: too wide"``; other
    messages are joined with ``"; "`` (repeats dropped).

    Example
    -------
    >>> merge_messages(["tv: wide", "radio: wide"])
    'tv, radio: wide'
    """
    msgs = [m.strip().rstrip(".") for m in dict.fromkeys(messages)]
    parts = [m.split(": ", 1) for m in msgs]
    if len(msgs) > 1 and all(len(p) == 2 for p in parts) and len({p[1] for p in parts}) == 1:
        return ", ".join(p[0] for p in parts) + ": " + parts[0][1]
    return "; ".join(msgs)


def finding_flags(findings: list[dict[str, str]]) -> list[tuple[str, str]]:
    """Warnings and errors as flags: one per finding code (and action), errors first.

    Each flag reads: a plain sentence on what the finding means (``wording.FINDING_LEADS``),
    the finding's detail, then ``Action: ...``.

    Example
    -------
    >>> finding_flags([{"level": "warning", "code": "x", "message": "a: odd", "action": "look"},
    ...                {"level": "warning", "code": "x", "message": "b: odd", "action": "look"}])
    [('warning', 'a, b: odd. Action: look')]
    """
    groups: dict[tuple[str, str], list[dict[str, str]]] = {}
    for fd in findings:
        if fd.get("level") in _RANK:
            groups.setdefault((fd.get("code", ""), fd.get("action", "")), []).append(fd)
    out: list[tuple[int, str, str]] = []
    for (code, action), fds in groups.items():
        level = min((fd["level"] for fd in fds), key=_RANK.__getitem__)
        msg = merge_messages([fd.get("message", "") for fd in fds])
        msg = msg if msg.endswith((".", "!", "?")) else msg + "."
        lead = W.FINDING_LEADS.get(code, "")
        text = W.FLAG_FINDING.format(lead=W.FLAG_LEAD.format(lead=lead) if lead else "",
                                     message=msg,
                                     action=W.FLAG_ACTION.format(action=action) if action
                                     else "")
        out.append((_RANK[level], level, text))
    return [(level, text) for _, level, text in sorted(out, key=lambda t: t[0])]


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", text) is not None


def confidence_flags(ctx: Context) -> list[tuple[str, str]]:
    """Warnings and errors from the findings, then channels whose intervals are too wide."""
    out = finding_flags(ctx.run.findings)
    ch = _channels_sorted(ctx)
    if ch is not None:
        f = ctx.fmt
        rl, rh = ctx.col(ch, "roi_low"), ctx.col(ch, "roi_high")
        c, cl, chh = (ctx.col(ch, k) for k in ("contribution", "contribution_low",
                                               "contribution_high"))
        flagged = " ".join(t for _, t in out)
        for i, name in enumerate(ch["channel"]):
            if _mentions(flagged, str(name)):  # a finding already speaks about this channel
                continue
            if includes(rl[i], rh[i], 1.0):
                out.append(("warning", W.FLAG_ROI_SPANS_ONE.format(
                    channel=name, iv=f.ratio_interval(rl[i], rh[i]))))
            elif is_wide(c[i], cl[i], chh[i]):
                out.append(("warning", W.FLAG_WIDE.format(
                    channel=name, iv=f.money_interval(cl[i], chh[i]))))
    return out


# ------------------------------------------------------------------ contribution and ROI
def _channel_table(ctx: Context, ch: pd.DataFrame) -> Table:
    f = ctx.fmt
    rows = []
    for _, r in ch.iterrows():
        rows.append((str(r["channel"]), f.money(_f(r.get("spend"))),
                     f.money(_f(r["contribution"])),
                     f.money_interval(_f(r.get("contribution_low")),
                                      _f(r.get("contribution_high"))),
                     f.ratio(_f(r.get("roi"))),
                     f.ratio_interval(_f(r.get("roi_low")), _f(r.get("roi_high"))),
                     _with_interval(f.ratio(_f(r.get("mroi"))),
                                    f.ratio_interval(_f(r.get("mroi_low")),
                                                     _f(r.get("mroi_high"))))))
    iv = W.H_INTERVAL.format(level=ctx.level)
    return Table("channels", W.TABLE_CHANNELS,
                 (W.H_CHANNEL, W.H_SPEND, W.H_CONTRIB, iv, W.H_ROI, iv, W.H_MROI), tuple(rows),
                 (False, True, True, True, True, True, True))


def contribution(ctx: Context) -> Section:
    """Channel contribution: waterfall with intervals and contribution over time."""
    ch = _channels_sorted(ctx)
    if ch is None:
        return section("contribution", [Missing(W.NOT_RUN["mmm"])])
    f = ctx.fmt
    blocks: list[Block] = [Paragraph(W.CONTRIB_INTRO.format(level=ctx.level))]
    blocks.append(Chart("chart-waterfall", W.CHART_WATERFALL.format(currency=ctx.cur),
                        charts.waterfall(
                            ch["channel"].tolist(), ctx.col(ch, "contribution"),
                            ctx.col(ch, "contribution_low"), ctx.col(ch, "contribution_high"),
                            title=W.CHART_WATERFALL.format(currency=ctx.cur),
                            xlabel=W.AXIS_SALES.format(currency=ctx.cur), total_label=W.TOTAL,
                            tick=f.money, salt="waterfall")))
    over = ctx.run.get("mmm/contributions.csv")
    if over is not None and not over.empty:
        wide = over.pivot_table(index="date", columns="channel", values="contribution",
                                aggfunc="sum").sort_index()
        order = [c for c in ch["channel"] if c in wide.columns] + \
            sorted(c for c in wide.columns if c not in set(ch["channel"]))
        dates = pd.to_datetime(pd.Series(wide.index), errors="coerce")
        x = dates.tolist() if dates.notna().all() else list(range(len(wide)))
        blocks.append(Chart("chart-over-time", W.CHART_OVER_TIME.format(currency=ctx.cur),
                            charts.stacked_area(
                                x, {c: wide[c].fillna(0).to_numpy() for c in order},
                                title=W.CHART_OVER_TIME.format(currency=ctx.cur),
                                ylabel=W.AXIS_CONTRIB_TIME.format(currency=ctx.cur),
                                xlabel=W.AXIS_DATE, tick=f.money, salt="overtime")))
    else:
        blocks.append(Missing(W.NOT_RUN["contributions"]))
    return section("contribution", blocks)


def roi(ctx: Context) -> Section:
    """ROI and marginal ROI with intervals, the channel table and response curves."""
    ch = _channels_sorted(ctx)
    if ch is None:
        return section("roi", [Missing(W.NOT_RUN["mmm"])])
    f = ctx.fmt
    blocks: list[Block] = [Paragraph(W.ROI_INTRO.format(sym=ctx.sym, one=f.ratio(1.0)))]
    r = ch.assign(_r=ctx.col(ch, "roi")).sort_values(["_r", "channel"], ascending=[False, True])
    if np.isfinite(ctx.col(r, "roi")).any():
        title = W.CHART_ROI.format(sym=ctx.sym, level=ctx.level)
        blocks.append(Chart("chart-roi", title, charts.interval_dots(
            r["channel"].tolist(), ctx.col(r, "roi"), ctx.col(r, "roi_low"),
            ctx.col(r, "roi_high"), title=title,
            xlabel=W.AXIS_ROI.format(sym=ctx.sym, currency=ctx.cur), est_label=W.LEGEND_ROI,
            extra=ctx.col(r, "mroi") if "mroi" in r.columns else None,
            extra_label=W.LEGEND_MROI, ref=1.0,
            ref_label=W.LEGEND_BREAK_EVEN.format(one=f.ratio(1.0)),
            tick=lambda v: f.number(v, 1), salt="roi")))
    blocks.append(_channel_table(ctx, ch))
    curves = ctx.run.get("mmm/response_curves.csv")
    if curves is not None and not curves.empty:
        plan = ctx.run.get("plan.csv")
        marks: dict[str, tuple[float, float]] = {}
        weekly = plan is not None and "current_weekly_spend" in plan.columns and \
            "recommended_weekly_spend" in plan.columns
        if plan is not None:  # curves are per week where the plan gives weekly spend
            cur_col, rec_col = (("current_weekly_spend", "recommended_weekly_spend") if weekly
                                else ("current_spend", "recommended_spend"))
            for _, p in plan.iterrows():
                marks[str(p["channel"])] = (_f(p[cur_col]), _f(p[rec_col]))
        panels = []
        order = [c for c in ch["channel"] if c in set(curves["channel"])] + sorted(
            set(curves["channel"]) - set(ch["channel"]))
        for name in order:
            c = curves[curves["channel"] == name].sort_values("spend")
            cur_s, rec_s = marks.get(name, (math.nan, math.nan))
            panels.append({"name": name, "spend": ctx.col(c, "spend"),
                           "response": ctx.col(c, "response"),
                           "low": ctx.col(c, "response_low") if "response_low" in c else None,
                           "high": ctx.col(c, "response_high") if "response_high" in c else None,
                           "current": cur_s, "recommended": rec_s})
        title = (W.CHART_CURVES_WEEKLY if weekly else W.CHART_CURVES).format(currency=ctx.cur)
        xlabel = (W.AXIS_WEEKLY_SPEND if weekly else W.AXIS_SPEND).format(currency=ctx.cur)
        ylabel = (W.AXIS_WEEKLY_RESPONSE if weekly else W.AXIS_RESPONSE).format(currency=ctx.cur)
        blocks.append(Chart("chart-curves", title, charts.curve_grid(
            panels, title=title, xlabel=xlabel, ylabel=ylabel, current_label=W.LEGEND_CURRENT,
            recommended_label=W.LEGEND_RECOMMENDED,
            band_label=W.LEGEND_BAND.format(level=ctx.level), tick=f.money, salt="curves")))
    else:
        blocks.append(Missing(W.NOT_RUN["curves"]))
    return section("roi", blocks)


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
