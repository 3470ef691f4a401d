"""The executive summary (page 1): scale, headline numbers, one recommendation, flags.

Page 1 states the data window and the generation date; total sales, the baseline
and media's share; the plan's gain per week, quarter and year with the budget over
the same periods. Every money figure names its period. The headline ranks only
channels whose interval supports a ranking (the one rule,
:func:`attribution.combine.uncertainty.too_uncertain`); otherwise it says that no
channel can be ranked yet, and which test would decide.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from attribution import rundir as R
from attribution.combine.uncertainty import too_uncertain
from attribution.report import wording as W
from attribution.report.analysis import includes, shares
from attribution.report.blocks import (
    Block,
    Card,
    Cards,
    Flags,
    Missing,
    Paragraph,
    Section,
    Table,
)
from attribution.report.scale import WEEKS_PER_QUARTER, WEEKS_PER_YEAR, day, plan_scale
from attribution.report.sections import (
    Context,
    _channels_sorted,
    _preferred_model,
    is_activity,
    model_name,
    plan_horizon,
    section,
)
from attribution.report.sections_experiments import page_one as page_one_tests

MAX_FLAGS = 4


# ------------------------------------------------------------------ plan
def _plan_totals(ctx: Context) -> dict[str, float] | None:
    plan = ctx.run.get(R.PLAN_CSV)
    if plan is None or plan.empty:
        return None
    out = {
        k: float(np.nansum(ctx.col(plan, k)))
        for k in ("current_spend", "recommended_spend", "expected_current", "expected_recommended")
    }
    out.update(ctx.run.plan_summary())
    if R.PLAN_GAIN not in out:
        out[R.PLAN_GAIN] = out["expected_recommended"] - out["expected_current"]
    return out


def _moves(ctx: Context) -> str:
    plan = ctx.run.get(R.PLAN_CSV)
    diff = ctx.col(plan, "recommended_spend") - ctx.col(plan, "current_spend")
    tol = 0.005 * max(float(np.nansum(ctx.col(plan, "current_spend"))), 1.0)
    names = [ctx.name(c) for c in plan["channel"]]
    down = [n for n, d in sorted(zip(names, diff, strict=True), key=lambda t: t[1]) if d < -tol]
    up = [n for n, d in sorted(zip(names, diff, strict=True), key=lambda t: -t[1]) if d > tol]
    if not up and not down:
        return ""
    return W.SUM_PLAN_MOVES.format(down=", ".join(down[:3]) or "—", up=", ".join(up[:3]) or "—")


def _plan_blocks(ctx: Context) -> tuple[list[str], list[Card], list[Block]]:
    """The recommendation sentence, the gain card and the per week/quarter/year table."""
    totals = _plan_totals(ctx)
    if totals is None:
        return [], [], []
    f = ctx.fmt
    horizon = plan_horizon(ctx)
    ps = plan_scale(
        totals["recommended_spend"],
        totals["gain"],
        totals.get("gain_low", np.nan),
        totals.get("gain_high", np.nan),
        horizon,
    )
    cur_week = totals["current_spend"] / horizon
    _, g_year, lo_year, hi_year = ps.per(WEEKS_PER_YEAR)
    has_iv = np.isfinite(lo_year) and np.isfinite(hi_year)
    iv = (
        W.GAIN_INTERVAL.format(level=ctx.level, interval=f.money_interval(lo_year, hi_year))
        if has_iv
        else W.NOT_REPORTED
    )
    p_key = R.PLAN_PROB_BEATS_CURRENT
    prob = f.pct(totals[p_key], 0) if p_key in totals else W.NOT_REPORTED
    moves = _moves(ctx)
    same = abs(ps.budget_week - cur_week) <= 0.005 * max(cur_week, 1.0)
    gain_week, gain_year = f.signed_money(ps.gain_week), f.signed_money(g_year)
    if not moves and same:
        sentence = W.SUM_PLAN_NO_CHANGE
    elif same:
        sentence = W.SUM_PLAN.format(
            budget=f.money(cur_week),
            moves=moves,
            gain_week=gain_week,
            gain_year=gain_year,
            iv=iv,
            prob=prob,
        )
    else:
        sentence = W.SUM_PLAN_BUDGET_CHANGE.format(
            current=f.money(cur_week),
            recommended=f.money(ps.budget_week),
            moves=moves or "—",
            gain_week=gain_week,
            gain_year=gain_year,
            iv=iv,
            prob=prob,
        )
    if sentence is not W.SUM_PLAN_NO_CHANGE and has_iv and lo_year < 0:
        sentence += W.SUM_PLAN_MAY_LOSE
    quarter = f.signed_money(ps.per(WEEKS_PER_QUARTER)[1])
    detail = (
        W.CARD_GAIN_DETAIL.format(
            week=gain_week,
            quarter=quarter,
            level=ctx.level,
            interval=f.money_interval(lo_year, hi_year),
            prob=prob,
        )
        if has_iv or R.PLAN_PROB_BEATS_CURRENT in totals
        else W.CARD_GAIN_NO_IV.format(week=gain_week, quarter=quarter)
    )
    card = Card(W.CARD_GAIN, gain_year, detail)
    rows = []
    per = [ps.per(w) for w in (1, WEEKS_PER_QUARTER, WEEKS_PER_YEAR)]
    rows.append((W.ROW_BUDGET, *(f.money(p[0]) for p in per)))
    rows.append((W.ROW_GAIN, *(f.signed_money(p[1]) for p in per)))
    if has_iv:
        rows.append(
            (W.ROW_GAIN_IV.format(level=ctx.level), *(f.money_interval(p[2], p[3]) for p in per))
        )
    table = Table(
        "plan-scale",
        W.TABLE_PLAN_SCALE,
        (W.H_PLAN_ITEM, W.H_PER_WEEK, W.H_PER_QUARTER, W.H_PER_YEAR),
        tuple(rows),
        (False, True, True, True),
    )
    return [sentence], [card], [table]


# ------------------------------------------------------------------ headline
def _test_for(ctx: Context, cid: object) -> str:
    return W.TEST_GEO_LIFT.format(channel=ctx.name(cid))


def _media_blocks(ctx: Context, ch: pd.DataFrame) -> tuple[list[str], list[Card]]:
    f, sc = ctx.fmt, ctx.scale
    period = sc.report.label() if sc.report else W.THIS_PERIOD
    short = sc.report.short() if sc.report else W.THIS_PERIOD
    contrib = ctx.col(ch, "contribution")
    lo, hi = ctx.col(ch, "contribution_low"), ctx.col(ch, "contribution_high")
    sentences: list[str] = []
    cards: list[Card] = []
    if np.isfinite(sc.sales) and sc.sales > 0:
        cards.append(
            Card(
                W.CARD_SALES.format(period=short),
                f.money(sc.sales),
                W.CARD_SALES_DETAIL.format(
                    baseline=f.money(sc.baseline),
                    media=f.money(sc.media),
                    share=f.pct(sc.media_share, 0),
                ),
            )
        )
        sentences.append(
            W.SUM_SALES.format(
                period=period,
                sales=f.money(sc.sales),
                baseline=f.money(sc.baseline),
                media=f.money(sc.media),
                share=f.pct(sc.media_share, 0),
            )
        )
    else:
        cards.append(
            Card(
                W.CARD_MEDIA.format(period=short),
                f.money(sc.media),
                W.CARD_MEDIA_DETAIL.format(n=len(ch)),
            )
        )
        sentences.append(W.SUM_MEDIA_ONLY.format(period=period, media=f.money(sc.media)))
    ranked = [i for i in np.flatnonzero(~too_uncertain(contrib, lo, hi))]
    if ranked:
        top = ranked[0]
        second = ""
        if len(ranked) > 1:
            j = ranked[1]
            second = W.SUM_DRIVERS_SECOND.format(
                name=ctx.name(ch["channel"][j]),
                value=f.money(contrib[j]),
                iv=f.money_interval(lo[j], hi[j]),
            )
        sentences.append(
            W.SUM_DRIVERS.format(
                top=ctx.name(ch["channel"][top]),
                top_value=f.money(contrib[top]),
                level=ctx.level,
                top_iv=f.money_interval(lo[top], hi[top]),
                second=second,
            )
        )
    else:
        sentences.append(W.SUM_DRIVERS_NONE)
    roi_s, roi_c = _roi_headline(ctx, ch, short)
    return sentences + roi_s, cards + roi_c


def _roi_headline(ctx: Context, ch: pd.DataFrame, short: str) -> tuple[list[str], list[Card]]:
    """Best return per unit of currency, among channels whose interval supports a ranking."""
    f = ctx.fmt
    paid = ch[~is_activity(ch)].assign(_r=ctx.col(ch[~is_activity(ch)], "roi"))
    paid = paid[np.isfinite(paid["_r"].to_numpy(float))]
    if paid.empty:
        return [], []
    r = paid.sort_values(["_r", "channel"], ascending=[False, True]).reset_index(drop=True)
    rv, rl, rh = ctx.col(r, "roi"), ctx.col(r, "roi_low"), ctx.col(r, "roi_high")
    unsure = too_uncertain(rv, rl, rh)
    ok = np.flatnonzero(~unsure)
    shaky = np.flatnonzero(unsure)
    sentences: list[str] = []
    if len(ok) == 0:
        test = W.TEST_GEO_LIFT_CAP.format(channel=ctx.name(r["channel"][0]))
        sentences.append(W.SUM_ROI_NONE.format(sym=ctx.sym, test=test))
        card = Card(
            W.CARD_NO_RANK.format(sym=ctx.sym),
            W.CARD_NO_RANK_VALUE,
            W.CARD_NO_RANK_DETAIL.format(test=_test_for(ctx, r["channel"][0])),
        )
        return sentences, [card]
    b = ok[0]
    second = (
        W.SUM_ROI_SECOND.format(name=ctx.name(r["channel"][ok[1]]), roi=f.ratio(rv[ok[1]]))
        if len(ok) > 2
        else ""
    )
    worst = (
        W.SUM_ROI_WORST.format(name=ctx.name(r["channel"][ok[-1]]), roi=f.ratio(rv[ok[-1]]))
        if len(ok) > 1
        else ""
    )
    sentences.append(
        W.SUM_ROI.format(
            sym=ctx.sym,
            period=short,
            best=ctx.name(r["channel"][b]),
            best_roi=f.ratio(rv[b]),
            level=ctx.level,
            best_iv=f.ratio_interval(rl[b], rh[b]),
            second=second,
            worst=worst,
        )
    )
    if len(shaky):
        top = r["channel"][shaky[0]]
        sentences.append(
            W.SUM_ROI_UNRANKED.format(
                names=", ".join(ctx.name(r["channel"][i]) for i in shaky),
                test=_test_for(ctx, top),
                top=ctx.name(top),
            )
        )
    card = Card(
        W.CARD_BEST_ROI.format(sym=ctx.sym),
        f.ratio(rv[b]),
        W.CARD_BEST_ROI_DETAIL.format(
            channel=ctx.name(r["channel"][b]),
            level=ctx.level,
            interval=f.ratio_interval(rl[b], rh[b]),
        ),
    )
    return sentences, [card]


def _paths_headline(ctx: Context) -> tuple[list[str], list[Card]]:
    f = ctx.fmt
    mta = ctx.run.get(R.MTA_CSV)
    if mta is None or mta.empty:
        return [], []
    model = _preferred_model(mta)
    m = mta[mta["model"] == model]
    sh = shares(ctx.col(m, "conversions"))
    order = np.argsort(-np.nan_to_num(sh), kind="stable")
    names = [ctx.name(c) for c in m["channel"]]
    second = (
        W.SUM_DRIVERS_MTA_SECOND.format(name=names[order[1]], share=f.pct(sh[order[1]]))
        if len(order) > 1
        else ""
    )
    sentence = W.SUM_DRIVERS_MTA.format(
        model=model_name(model), top=names[order[0]], share=f.pct(sh[order[0]]), second=second
    )
    return [sentence], [
        Card(W.CARD_TOP_PATH, names[order[0]], f"{model_name(model)}: {f.pct(sh[order[0]])}")
    ]


def summary(ctx: Context) -> Section:
    """The one-page executive summary: scale, headline cards, plain sentences, flags."""
    sc = ctx.scale
    blocks: list[Block] = []
    today = day(ctx.settings.today)
    if sc.windowed:
        blocks.append(
            Paragraph(
                W.SCALE_LINE_WINDOW.format(
                    report=sc.report.label(), data=sc.data.label(), generated=today
                )
            )
        )
    elif sc.data is None:  # (otherwise the subtitle states the data window and the date)
        blocks.append(Paragraph(W.SCALE_LINE_NO_DATES.format(generated=today)))
    ch = _channels_sorted(ctx)
    sentences, cards = _media_blocks(ctx, ch) if ch is not None else _paths_headline(ctx)
    plan_s, plan_c, plan_t = _plan_blocks(ctx)
    cards += plan_c
    if cards:
        blocks.append(Cards(tuple(cards)))
    blocks.extend(Paragraph(s) for s in sentences + plan_s)
    blocks.extend(plan_t)
    # the test that would separate each channel the data cannot separate
    blocks.extend(page_one_tests(ctx))
    flags = confidence_flags(ctx)
    if len(flags) > MAX_FLAGS:  # the summary stays on one page
        more = W.FLAGS_MORE.format(n=len(flags) - MAX_FLAGS + 1)
        flags = [*flags[: MAX_FLAGS - 1], ("info", more)]
    blocks.append(Flags(W.FLAGS_TITLE, tuple(flags), W.FLAGS_NONE))
    missing = [
        W.ANALYSIS_NAMES[k]
        for k, rel in (("mmm", R.MMM_CHANNELS_CSV), ("mta", R.MTA_CSV), ("plan", R.PLAN_CSV))
        if ctx.run.get(rel) is None
    ]
    if missing:
        blocks.append(Missing(W.ANALYSES_NOT_RUN.format(items=", ".join(missing))))
    skipped = ctx.run.manifest.get("skipped_stages")
    if isinstance(skipped, dict) and skipped:
        items = "; ".join(
            W.STAGE_SKIPPED_ITEM.format(stage=k, reason=v) for k, v in sorted(skipped.items())
        )
        blocks.append(Missing(W.STAGES_SKIPPED.format(items=items)))
    return section("summary", blocks)


# ------------------------------------------------------------------ flags
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


#: stages whose findings speak of the numbers themselves: shown first among equal levels
_NUMBER_STAGES = ("mmm.", "combine.", "optimize.", "experiments.")


def finding_flags(findings: list[dict[str, str]]) -> list[tuple[str, str]]:
    """Warnings and errors as flags: one per finding code, errors first and, among equal
    levels, the findings about the numbers (model, reconciliation, plan) before those
    about the inputs and path attribution.

    Each flag reads: a plain sentence on what the finding means (``wording.FINDING_LEADS``),
    the finding's detail, then ``Action: ...`` (the different actions of one code joined).
    For codes whose detail only restates the lead (``wording.LEAD_SAYS_IT_ALL``), the
    detail is reduced to the names it concerns.

    Example
    -------
    >>> finding_flags([{"level": "warning", "code": "x", "message": "a: odd", "action": "look"},
    ...                {"level": "warning", "code": "x", "message": "b: odd", "action": "look"}])
    [('warning', 'a, b: odd. Action: look.')]
    """
    groups: dict[str, list[dict[str, str]]] = {}
    for fd in findings:
        if fd.get("level") in _RANK:
            groups.setdefault(fd.get("code", ""), []).append(fd)
    out: list[tuple[int, int, str, str]] = []
    for code, fds in groups.items():
        level = min((fd["level"] for fd in fds), key=_RANK.__getitem__)
        lead = W.FINDING_LEADS.get(code, "")
        if lead and code in W.LEAD_SAYS_IT_ALL:
            names = [fd.get("message", "").split(": ", 1)[0] for fd in fds]
            if all(": " in fd.get("message", "") for fd in fds):
                msg = W.FLAG_CONCERNS.format(names=", ".join(dict.fromkeys(names)))
            else:
                msg = merge_messages([fd.get("message", "") for fd in fds])
        else:
            msg = merge_messages([fd.get("message", "") for fd in fds])
        msg = msg if msg.endswith((".", "!", "?")) else msg + "."
        acts = [a.strip().rstrip(".") for a in dict.fromkeys(fd.get("action", "") for fd in fds)]
        act = "; ".join(a for a in acts if a)
        text = W.FLAG_FINDING.format(
            lead=W.FLAG_LEAD.format(lead=lead) if lead else "",
            message=msg,
            action=W.FLAG_ACTION.format(action=act) if act else "",
        )
        numbers = 0 if code.startswith(_NUMBER_STAGES) else 1
        out.append((_RANK[level], numbers, level, text))
    return [(level, text) for _, _, level, text in sorted(out, key=lambda t: t[:2])]


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", text) is not None


def confidence_flags(ctx: Context) -> list[tuple[str, str]]:
    """Warnings and errors from the findings (channel ids shown by display name), then
    channels whose intervals are too uncertain (the one rule) or span break-even."""
    ids = ctx.channel_ids()
    out = [
        (lvl, ctx.settings.style.rename_in(t, ids)) for lvl, t in finding_flags(ctx.run.findings)
    ]
    ch = _channels_sorted(ctx)
    if ch is not None:
        f = ctx.fmt
        rl, rh = ctx.col(ch, "roi_low"), ctx.col(ch, "roi_high")
        c, cl, chh = (
            ctx.col(ch, k) for k in ("contribution", "contribution_low", "contribution_high")
        )
        wide = too_uncertain(c, cl, chh)
        act = is_activity(ch)
        # a channel the MMM/combine findings already name gets no second, interval flag
        flagged = ctx.settings.style.rename_in(
            " ".join(
                fd.get("message", "")
                for fd in ctx.run.findings
                if fd.get("level") in _RANK and fd.get("code", "").startswith(("mmm.", "combine."))
            ),
            ids,
        )
        for i, cid in enumerate(ch["channel"]):
            name = ctx.name(cid)
            if _mentions(flagged, name):  # a finding already speaks about this channel
                continue
            if not act[i] and includes(rl[i], rh[i], 1.0):
                out.append(
                    (
                        "warning",
                        W.FLAG_ROI_SPANS_ONE.format(
                            channel=name, iv=f.ratio_interval(rl[i], rh[i])
                        ),
                    )
                )
            elif wide[i] and np.isfinite(c[i]):
                out.append(
                    (
                        "warning",
                        W.FLAG_WIDE.format(channel=name, iv=f.money_interval(cl[i], chh[i])),
                    )
                )
    return out
