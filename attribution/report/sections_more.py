"""Section builders, continued: path attribution, budget and the comparison with the
previous run (the appendix is in :mod:`attribution.report.sections_appendix`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from attribution import rundir as R
from attribution.report import charts
from attribution.report import wording as W
from attribution.report.analysis import (
    MOVEMENT_KINDS,
    intervals_overlap,
    movement_shares,
    shares,
    split_path,
)
from attribution.report.banner import plan_banner
from attribution.report.blocks import (
    Block,
    Chart,
    Missing,
    Paragraph,
    Section,
    Table,
)
from attribution.report.rundata import RunData, run_name
from attribution.report.scale import find_scale
from attribution.report.sections import (
    Context,
    _f,
    _preferred_model,
    model_name,
    plan_horizon,
    section,
)


def reconciled_column(combined: pd.DataFrame) -> str | None:
    """The column of ``combined.csv`` holding the final reconciled estimate, if any."""
    return R.FINAL_CONTRIBUTION if R.FINAL_CONTRIBUTION in combined.columns else None


def method_shares(ctx: Context) -> tuple[list[str], dict[str, np.ndarray]]:
    """Channels (union, ordered by mean share) and each method's share of credit per channel."""
    per: dict[str, dict[str, float]] = {}
    mta = ctx.run.get(R.MTA_CSV)
    if mta is not None:
        for model in dict.fromkeys(mta["model"]):
            m = mta[mta["model"] == model]
            per[model_name(model)] = dict(
                zip(m["channel"], shares(ctx.col(m, "conversions")), strict=True)
            )
    ch = ctx.run.get(R.MMM_CHANNELS_CSV)
    if ch is not None and not ch.empty:
        per[W.MMM_METHOD] = dict(
            zip(ch["channel"], shares(ctx.col(ch, "contribution")), strict=True)
        )
    comb = ctx.run.get(R.COMBINED_CSV)
    if comb is not None and not comb.empty and (col := reconciled_column(comb)):
        per[W.RECONCILED_METHOD] = dict(
            zip(comb["channel"], shares(ctx.col(comb, col)), strict=True)
        )
    names = sorted({c for d in per.values() for c in d})
    groups = {k: np.array([d.get(c, np.nan) for c in names]) for k, d in per.items()}
    if names:
        mean = np.nanmean(np.vstack(list(groups.values())), axis=0)
        order = sorted(range(len(names)), key=lambda i: (-np.nan_to_num(mean[i]), names[i]))
        names = [names[i] for i in order]
        groups = {k: v[order] for k, v in groups.items()}
    return names, groups


def attribution(ctx: Context) -> Section:
    """Path attribution across methods, reconciled table, top journeys, online/offline."""
    f = ctx.fmt
    blocks: list[Block] = []
    mta = ctx.run.get(R.MTA_CSV)
    names, groups = method_shares(ctx)
    if mta is None:
        blocks.append(Missing(W.NOT_RUN["mta"]))
    show_chart = len(groups) >= 2 or (mta is not None and groups)
    if show_chart:
        blocks.append(Paragraph(W.ATTR_INTRO))
    if mta is not None and not mta.empty:
        models = list(dict.fromkeys(mta["model"]))
        rows = []
        for c in names:
            if c not in set(mta["channel"]):
                continue
            cells = [ctx.name(c)]
            for m in models:
                hit = mta[(mta["model"] == m) & (mta["channel"] == c)]
                cells.append(f.number(_f(hit["conversions"].iloc[0]), 0) if len(hit) else "–")
            rows.append(tuple(cells))
        blocks.append(
            Table(
                "methods",
                W.TABLE_METHODS,
                (W.H_CHANNEL, *map(model_name, models)),
                tuple(rows),
                (False, *([True] * len(models))),
            )
        )
    comb = ctx.run.get(R.COMBINED_CSV)
    if comb is not None and not comb.empty:
        blocks.append(_combined_table(ctx, comb))
    if show_chart:  # after the tables, which split across pages (a chart does not)
        blocks.append(
            Chart(
                "chart-methods",
                W.CHART_METHODS,
                charts.dot_matrix(
                    [ctx.name(c) for c in names],
                    {k: 100 * v for k, v in groups.items()},
                    title=W.CHART_METHODS,
                    xlabel=W.AXIS_SHARE,
                    tick=lambda v: f.number(v, 0),
                    emphasis=(W.MMM_METHOD, W.RECONCILED_METHOD),
                    salt="methods",
                ),
            )
        )
    blocks.extend(_journeys(ctx))
    return section("attribution", blocks)


def _combined_table(ctx: Context, comb: pd.DataFrame) -> Table:
    """The reconciled table: final contribution and ROI with intervals, and how it was reached.

    Uses the reconcile stage's columns (``final_contribution[_low/_high]``,
    ``final_roi[_low/_high]``, ``calibrated_value``, ``flag_text``) when present;
    otherwise shows the first columns of the file as they are.
    """
    f = ctx.fmt
    if "final_contribution" not in comb.columns:
        return _generic_table(ctx, "combined", W.TABLE_COMBINED, comb.iloc[:, :7])
    iv = W.H_INTERVAL.format(level=ctx.level)
    rows = []
    for _, r in comb.iterrows():
        rows.append(
            (
                ctx.name(r["channel"]),
                f.money(_f(r.get("final_contribution"))),
                f.money_interval(
                    _f(r.get("final_contribution_low")), _f(r.get("final_contribution_high"))
                ),
                f.ratio(_f(r.get("final_roi"))),
                f.ratio_interval(_f(r.get("final_roi_low")), _f(r.get("final_roi_high"))),
                f.money(_f(r.get("calibrated_value"))),
                W.BASIS_SHORT.get(
                    str(r.get("flag", "")), str(r.get("flag_text", r.get("flag", "")) or "")
                ),
            )
        )
    period = ctx.scale.report.short() if ctx.scale.report else W.THIS_PERIOD
    return Table(
        "combined",
        W.TABLE_COMBINED_PERIOD.format(period=period),
        (W.H_CHANNEL, W.H_FINAL, iv, W.H_ROI, iv, W.H_CALIBRATED, W.H_BASIS),
        tuple(rows),
        (False, True, True, True, True, True, False),
    )


def _generic_table(ctx: Context, tid: str, caption: str, df: pd.DataFrame) -> Table:
    """Format an open-ended table: shares as %, ROI as ratios, other numbers grouped."""
    f = ctx.fmt
    heads = [str(c) for c in df.columns]
    numeric = [pd.api.types.is_numeric_dtype(df[c]) for c in df.columns]
    rows = []
    for _, r in df.iterrows():
        cells = []
        for c, is_num in zip(df.columns, numeric, strict=True):
            v = r[c]
            if not is_num:
                cells.append(str(v))
            elif "share" in str(c):
                cells.append(f.pct(_f(v)))
            elif "roi" in str(c):
                cells.append(f.ratio(_f(v)))
            else:
                x = _f(v)
                cells.append(f.number(x, 0 if not np.isfinite(x) or abs(x) >= 100 else 2))
        rows.append(tuple(cells))
    return Table(tid, caption, tuple(heads), tuple(rows), tuple(numeric))


def _journeys(ctx: Context) -> list[Block]:
    paths = ctx.run.get(R.PATHS_CSV)
    if paths is None or paths.empty:
        return [Missing(W.NOT_RUN["paths"])]
    f = ctx.fmt
    conv = ctx.col(paths, "total_conversions")
    nulls = np.nan_to_num(ctx.col(paths, "total_null"))
    value = ctx.col(paths, "total_conversion_value")
    sep = (
        (ctx.run.manifest.get("config") or {}).get("sep")
        if isinstance(ctx.run.manifest.get("config"), dict)
        else None
    )
    split = [split_path(str(p), sep) for p in paths["path"]]
    order = sorted(range(len(paths)), key=lambda i: (-np.nan_to_num(conv[i]), paths["path"][i]))
    has_null = "total_null" in paths.columns
    rows = []
    for i in order[: ctx.settings.top_paths]:
        journeys = conv[i] + nulls[i]
        no_touch = [str(c) for c in split[i]] == [W.NO_TOUCH]  # non-buyers without a touch are
        rate = np.nan if no_touch or not has_null or not journeys else conv[i] / journeys
        rows.append(
            (
                W.PATH_ARROW.join(ctx.name(c) for c in split[i]),
                f.number(conv[i], 0),
                f.money(value[i]),
                f.pct(rate),
            )
        )  # unobserved: no conversion rate
    blocks: list[Block] = [
        Table(
            "top-paths",
            W.TABLE_TOP_PATHS,
            (W.H_PATH, W.H_CONVERSIONS, W.H_VALUE, W.H_CONV_RATE),
            tuple(rows),
            (False, True, True, True),
        )
    ]
    offline = ctx.settings.offline
    mv = movement_shares(split, np.nan_to_num(conv) + nulls, np.nan_to_num(conv), offline)
    seen = {c for p in split for c in p}  # only offline channels the journeys hold
    present = sorted(ctx.name(c) for c in seen if c in offline)
    blocks.append(Paragraph(W.O2O_INTRO.format(offline=", ".join(present) or W.NONE_OFFLINE)))
    blocks.append(
        Paragraph(
            W.O2O_SENTENCE.format(
                o2o=f.pct(mv["online_to_offline"][0]),
                o2o_conv=f.pct(mv["online_to_offline"][1]),
                online=f.pct(mv["online_only"][0]),
                offline=f.pct(mv["offline_only"][0]),
            )
        )
    )
    blocks.append(
        Table(
            "movements",
            W.O2O_TITLE,
            (W.H_MOVEMENT, W.H_SHARE_JOURNEYS, W.H_SHARE_CONVERSIONS),
            tuple((W.MOVEMENTS[k], f.pct(mv[k][0]), f.pct(mv[k][1])) for k in MOVEMENT_KINDS),
            (False, True, True),
        )
    )
    return blocks


# ------------------------------------------------------------------ budget
def budget(ctx: Context) -> Section:
    """The reallocation table and chart, and the budget sweep."""
    plan = ctx.run.get(R.PLAN_CSV)
    sweep = ctx.run.get("sweep.csv")
    f = ctx.fmt
    if plan is None or plan.empty:
        blocks: list[Block] = [Missing(W.NOT_RUN["plan"])]
    else:
        note = W.FLIGHTING_NOTE.get(str(ctx.run.plan_json.get(R.PLAN_FLIGHTING)), "")
        blocks = [Paragraph(W.BUDGET_INTRO.format(level=ctx.level) + note)]
        if (banner := plan_banner(ctx.run)) is not None:
            blocks.insert(0, banner)
        h = plan_horizon(ctx)  # plan.csv holds totals over the horizon: shown per week
        cur, rec = ctx.col(plan, "current_spend") / h, ctx.col(plan, "recommended_spend") / h
        with np.errstate(divide="ignore", invalid="ignore"):  # change_pct's unit varies: recompute
            chg = np.where(cur > 0, rec / np.where(cur > 0, cur, 1.0) - 1, np.nan)
        rows = []
        for i, (_, p) in enumerate(plan.iterrows()):
            rows.append(
                (
                    ctx.name(p["channel"]),
                    f.money(cur[i]),
                    f.money(rec[i]),
                    f.pct(chg[i], 0, signed=True),
                    f.money_with_interval(
                        _f(p.get("expected_current")) / h,
                        _f(p.get("expected_current_low")) / h,
                        _f(p.get("expected_current_high")) / h,
                    ),
                    f.money_with_interval(
                        _f(p.get("expected_recommended")) / h,
                        _f(p.get("expected_recommended_low")) / h,
                        _f(p.get("expected_recommended_high")) / h,
                    ),
                )
            )
        t = ctx.run.totals.get(R.PLAN_CSV, {})

        def total_cell(key: str) -> str:
            if isinstance(t.get(key), float):  # the optimiser's own total, with its interval
                return f.money_with_interval(
                    t[key] / h, _f(t.get(f"{key}_low")) / h, _f(t.get(f"{key}_high")) / h
                )
            return f.money(np.nansum(ctx.col(plan, key)) / h)

        tot = [
            f.money(np.nansum(cur)),
            f.money(np.nansum(rec)),
            f.pct(
                np.nansum(rec) / np.nansum(cur) - 1 if np.nansum(cur) else np.nan, 0, signed=True
            ),
            total_cell("expected_current"),
            total_cell("expected_recommended"),
        ]
        rows.append((W.TOTAL, *tot))
        blocks.append(
            Table(
                "plan",
                W.TABLE_PLAN,
                (
                    W.H_CHANNEL,
                    W.H_CURRENT,
                    W.H_RECOMMENDED,
                    W.H_CHANGE,
                    W.H_EXP_CURRENT,
                    W.H_EXP_RECOMMENDED,
                ),
                tuple(rows),
                (False, True, True, True, True, True),
            )
        )
        title = W.CHART_PLAN.format(currency=ctx.cur)
        blocks.append(
            Chart(
                "chart-plan",
                title,
                charts.bars_h(
                    [ctx.name(c) for c in plan["channel"]],
                    cur,
                    title=title,
                    xlabel=W.AXIS_WEEKLY_SPEND.format(currency=ctx.cur),
                    second=rec,
                    names=(W.H_CURRENT, W.H_RECOMMENDED),
                    tick=f.money_ticks(),
                    salt="plan",
                ),
            )
        )
    if sweep is not None and not sweep.empty:
        s = sweep.sort_values("budget")
        h = plan_horizon(ctx)
        marks = []
        if plan is not None and not plan.empty:
            marks.append(
                (float(np.nansum(ctx.col(plan, "current_spend"))) / h, W.LEGEND_CURRENT_BUDGET)
            )
        title = W.CHART_SWEEP.format(currency=ctx.cur)
        has_band = "expected_low" in s.columns and "expected_high" in s.columns
        blocks.append(
            Chart(
                "chart-sweep",
                title,
                charts.line_band(
                    ctx.col(s, "budget") / h,
                    ctx.col(s, "expected") / h,
                    ctx.col(s, "expected_low") / h if has_band else None,
                    ctx.col(s, "expected_high") / h if has_band else None,
                    title=title,
                    xlabel=W.AXIS_BUDGET.format(currency=ctx.cur),
                    ylabel=W.AXIS_EXPECTED.format(currency=ctx.cur),
                    line_label=W.LEGEND_EXPECTED,
                    band_label=W.LEGEND_BAND.format(level=ctx.level),
                    marks=marks,
                    xtick=f.money_ticks(),
                    ytick=f.money_ticks(),
                    salt="sweep",
                ),
            )
        )
    elif plan is not None:
        blocks.append(Missing(W.NOT_RUN["sweep"]))
    return section("budget", blocks)


# ------------------------------------------------------------------ comparison
def _estimates(
    ctx: Context, run: RunData
) -> tuple[str, dict[str, tuple[float, float, float]], dict[str, tuple[float, float, float]]]:
    """(quantity label, channel -> (est, lo, hi), ROI per channel) for one run."""
    ch = run.get(R.MMM_CHANNELS_CSV)
    if ch is not None and not ch.empty:
        est = {
            r["channel"]: (
                _f(r["contribution"]),
                _f(r.get("contribution_low")),
                _f(r.get("contribution_high")),
            )
            for _, r in ch.iterrows()
        }
        roi = (
            {
                r["channel"]: (_f(r.get("roi")), _f(r.get("roi_low")), _f(r.get("roi_high")))
                for _, r in ch.iterrows()
            }
            if "roi" in ch.columns
            else {}
        )
        return W.QUANTITY_CONTRIB, est, roi
    mta = run.get(R.MTA_CSV)
    if mta is not None and not mta.empty:
        model = _preferred_model(mta)
        m = mta[mta["model"] == model]
        est = {
            r["channel"]: (
                _f(r.get("value")),
                _f(r.get("value_ci_low")),
                _f(r.get("value_ci_high")),
            )
            for _, r in m.iterrows()
        }
        return W.QUANTITY_MTA.format(model=model_name(model)), est, {}
    return "", {}, {}


def _compare_table(
    ctx: Context, tid: str, quantity: str, now: dict, before: dict, money: bool
) -> tuple[Table, list[str]]:
    f = ctx.fmt
    fmt_v = f.money if money else f.ratio
    fmt_iv = f.money_interval if money else f.ratio_interval
    names = (
        [c for c in now if c in before]
        + [c for c in now if c not in before]
        + [c for c in before if c not in now]
    )
    rows, beyond = [], []
    for c in names:
        a, b = before.get(c), now.get(c)
        if a is None or b is None:
            rows.append(
                (
                    ctx.name(c),
                    fmt_v(a[0]) if a else "–",
                    fmt_v(b[0]) if b else "–",
                    "–",
                    "–",
                    W.NEW_CHANNEL if a is None else W.GONE_CHANNEL,
                )
            )
            continue
        diff = b[0] - a[0]
        rel = diff / abs(a[0]) if a[0] else np.nan
        out = not intervals_overlap((a[1], a[2]), (b[1], b[2]))
        if out:
            beyond.append(c)
        verdict = (W.YES if out else W.NO) if np.isfinite(diff) else "–"
        rows.append(
            (
                ctx.name(c),
                _with_iv(fmt_v(a[0]), fmt_iv(a[1], a[2])),
                _with_iv(fmt_v(b[0]), fmt_iv(b[1], b[2])),
                f.signed_money(diff) if money else f.number(diff, 2),
                f.pct(rel, 0, signed=True),
                verdict,
            )
        )
    table = Table(
        tid,
        W.TABLE_COMPARE.format(quantity=quantity),
        (W.H_CHANNEL, W.H_PREVIOUS, W.H_NOW, W.H_CHANGE, W.H_CHANGE + " (%)", W.H_BEYOND),
        tuple(rows),
        (False, True, True, True, True, False),
    )
    return table, beyond


def _with_iv(value: str, interval: str) -> str:
    return value if interval == "–" else f"{value} ({interval})"


def comparison(ctx: Context, previous: RunData) -> Section:
    """Quarter-over-quarter: per channel, previous vs this run and whether intervals overlap."""
    p_now, p_before = ctx.scale.report, find_scale(previous).report
    blocks: list[Block] = [
        Paragraph(
            W.COMPARE_INTRO.format(
                previous=run_name(previous),
                level=ctx.level,
                before=p_before.label() if p_before else W.THIS_PERIOD,
                now=p_now.label() if p_now else W.THIS_PERIOD,
            )
        )
    ]
    q_now, now, roi_now = _estimates(ctx, ctx.run)
    q_before, before, roi_before = _estimates(ctx, previous)
    if not now or not before or q_now != q_before:
        blocks.append(Missing(W.NOT_RUN["mmm"] if not now else W.NOT_RUN["previous"]))
        return section("comparison", blocks)
    table, beyond = _compare_table(ctx, "compare-contribution", q_now, now, before, money=True)
    common = [c for c in now if c in before]
    names = (": " + ", ".join(ctx.name(c) for c in beyond)) if beyond else ""
    blocks.append(
        Paragraph(W.COMPARE_SUMMARY.format(n=len(beyond), total=len(common), names=names))
    )
    blocks.append(table)
    if roi_now and roi_before:
        t2, _ = _compare_table(ctx, "compare-roi", W.QUANTITY_ROI, roi_now, roi_before, money=False)
        blocks.append(t2)
    return section("comparison", blocks)
