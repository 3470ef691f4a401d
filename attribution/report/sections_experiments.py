"""Report section "the test worth running next" (from ``experiments.csv``), and the
page-1 sentence for each channel the data cannot separate."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from attribution import rundir
from attribution.report import wording as W
from attribution.report.blocks import Block, Missing, Paragraph, Section, Table

if TYPE_CHECKING:
    from attribution.report.sections import Context


def _num(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def _yes(x: Any) -> bool:
    return str(x).strip().lower() in ("true", "1", "yes")


def _where(ctx: Context, r: dict[str, Any]) -> str:
    geos = str(r.get("treated_geos") or "").strip()
    if geos and geos.lower() != "nan":
        return W.EXP_WHERE_GEOS.format(geos=", ".join(geos.split()))
    if r.get("design") == "go-dark":
        return W.EXP_WHERE_ALL
    return W.EXP_WHERE_SHARE.format(share=ctx.fmt.pct(_num(r.get("share")), 0))


def sentence(ctx: Context, r: dict[str, Any]) -> str:
    """One plain sentence on a ranked test."""
    f = ctx.fmt
    return (
        f"a {int(_num(r['weeks']))}-week {r['design']} ({_where(ctx, r)}) would detect a lift "
        f"of {f.money(_num(r.get('mde')))} or more, with a "
        f"{f.pct(_num(r.get('assurance')), 0)} chance of detecting the expected one; it "
        f"costs {f.money(_num(r.get('cost')))} and is expected to improve the next "
        f"{int(_num(r.get('value_weeks', 52)))} weeks of budget decisions by "
        f"{f.money(_num(r.get('value')))} (net {f.signed_money(_num(r.get('net_value')))})."
    )


def _rows(ctx: Context) -> list[dict[str, Any]]:
    t = ctx.run.get(rundir.EXPERIMENTS_CSV)
    return [] if t is None or t.empty else t.sort_values("rank").to_dict("records")


def page_one(ctx: Context) -> list[Block]:
    """Page 1: one row per channel flagged as not separable, with the test that would
    separate it, its cost and its value (none when every channel is separable)."""
    rows = [r for r in _rows(ctx) if "separable" in r and not _yes(r["separable"])]
    if not rows:
        return []
    f = ctx.fmt
    body = tuple(
        (
            ctx.name(r["channel"]),
            W.EXP_TEST_CELL.format(
                weeks=int(_num(r["weeks"])), design=r["design"], where=_where(ctx, r)
            ),
            f.money(_num(r.get("cost"))),
            f.money(_num(r.get("value"))),
        )
        for r in rows
    )
    weeks = int(_num(rows[0].get("value_weeks", 52)))
    headers = (*W.EXP_PAGE_ONE_HEADERS[:-1], W.EXP_PAGE_ONE_HEADERS[-1].format(weeks=weeks))
    return [
        Table("not-separable", W.EXP_PAGE_ONE_CAPTION, headers, body, (False, False, True, True))
    ]


def _same_mde(ctx: Context, rows: list[dict[str, Any]]) -> list[str]:
    """One sentence per test design shared by several channels with the same detectable
    lift: it is set by the noise and the design, not by the channel."""
    groups: dict[str, set[str]] = {}
    count: dict[str, int] = {}
    for r in rows:
        test = W.EXP_TEST_CELL.format(
            weeks=int(_num(r["weeks"])), design=r["design"], where=_where(ctx, r)
        )
        groups.setdefault(test, set()).add(ctx.fmt.money(_num(r.get("mde"))))
        count[test] = count.get(test, 0) + 1
    return [
        W.EXP_MDE_SAME.format(mde=next(iter(m)), test=t)
        for t, m in groups.items()
        if count[t] > 1 and len(m) == 1
    ]


def experiments(ctx: Context) -> Section:
    """The ranked tests, the one worth running next, and how the value is computed."""
    rows = _rows(ctx)
    blocks: list[Block] = []
    if not rows:
        blocks.append(Missing(W.EXP_NOT_RUN))
        return Section("experiments", W.SECTION_TITLES["experiments"], tuple(blocks))
    f = ctx.fmt
    top = rows[0]
    if _yes(top.get("worth_running")):
        blocks.append(
            Paragraph(
                W.EXP_BEST.format(
                    sentence=f"{ctx.name(top['channel'])}: {sentence(ctx, top)}",
                    channel=top["channel"],  # the id: what the lift_tests.csv row needs
                    start=top.get("start", ""),
                    end=top.get("end", ""),
                )
            )
        )
    else:
        blocks.append(
            Paragraph(
                W.EXP_NONE.format(
                    channel=ctx.name(top["channel"]),
                    value=f.money(_num(top.get("value"))),
                    cost=f.money(_num(top.get("cost"))),
                )
            )
        )
    body = tuple(
        (
            str(int(_num(r["rank"]))),
            ctx.name(r["channel"]),
            W.EXP_TEST_CELL.format(
                weeks=int(_num(r["weeks"])), design=r["design"], where=_where(ctx, r)
            ),
            f.money(_num(r.get("mde"))),
            f.pct(_num(r.get("assurance")), 0),
            f.money(_num(r.get("value"))),
            f.money(_num(r.get("cost"))),
            f.signed_money(_num(r.get("net_value"))),
            W.EXP_YES if _yes(r.get("separable", True)) else W.EXP_NO,
        )
        for r in rows
    )
    blocks.append(
        Table(
            "experiments",
            W.EXP_TABLE_CAPTION,
            W.EXP_HEADERS,
            body,
            (True, False, False, True, True, True, True, True, False),
        )
    )
    blocks.extend(Paragraph(t) for t in _same_mde(ctx, rows))
    blocks.append(Paragraph(W.EXP_METHOD.format(weeks=int(_num(top.get("value_weeks", 52))))))
    return Section("experiments", W.SECTION_TITLES["experiments"], tuple(blocks))
