"""The report's appendix: every finding, the row accounting of each input, the truth
comparison of simulated worlds and the run's versions and checksums."""

from __future__ import annotations

import numpy as np
import pandas as pd

from attribution import rundir as R
from attribution.report import wording as W
from attribution.report.blocks import (
    Block,
    Heading,
    Missing,
    Paragraph,
    Section,
    Table,
)
from attribution.report.sections import (
    Context,
    _f,
    model_name,
    section,
)
from attribution.report.summary import merge_messages


# ------------------------------------------------------------------ appendix
def _count(d: dict, keys: tuple[str, ...]) -> float:
    for k in keys:
        v = d.get(k)
        if isinstance(v, int | float) and not isinstance(v, bool):
            return float(v)
    return np.nan


def _reasons(d: dict) -> dict[str, float]:
    v = d.get(R.ACC_REJECTED)
    if isinstance(v, dict):
        return {str(r): float(n) for r, n in v.items() if isinstance(n, int | float)}
    return {}


def accounting_rows(
    manifest: dict,
) -> tuple[list[tuple[str, float, float, float]], list[tuple[str, str, float]]]:
    """Row accounting from ``run.json``: (input, read, used, rejected) and (input, reason, rows)."""
    acc = manifest.get(R.ROW_ACCOUNTING) or {}
    main, reasons = [], []
    if not isinstance(acc, dict):
        return main, reasons
    for name in sorted(acc):
        d = acc[name]
        if not isinstance(d, dict) or R.ACC_READ not in d:
            continue  # not a row count (e.g. the engine used, a timing)
        rs = _reasons(d)
        read = _count(d, (R.ACC_READ,))
        used = _count(d, (R.ACC_USED,))
        rej = _count(d, (R.ACC_REJECTED_TOTAL,))
        if not np.isfinite(rej):
            rej = sum(rs.values()) if rs else (read - used if np.isfinite(read + used) else np.nan)
        main.append((str(name), read, used, rej))
        reasons.extend((str(name), r, n) for r, n in sorted(rs.items()))
    return main, reasons


def appendix(ctx: Context) -> Section:
    """Findings, row accounting, truth comparison, method notes and run details."""
    f = ctx.fmt
    run = ctx.run
    blocks: list[Block] = []
    rank = {"error": 0, "warning": 1, "info": 2}
    fds = sorted(run.findings, key=lambda d: rank.get(d["level"], 3))  # worst first, stable
    if fds:  # one row per (level, stage, code, action); same-kind messages merged
        groups: dict[tuple[str, str, str, str], list[str]] = {}
        for d in fds:
            groups.setdefault((d["level"], d["stage"], d["code"], d["action"]), []).append(
                d["message"]
            )
        ids = ctx.channel_ids()
        rows = tuple(
            (
                lvl,
                # the code names its stage ("mmm.rhat"); a stage it does not name is added
                code if code.startswith(f"{stage}.") else f"{code} ({stage})",
                ctx.settings.style.rename_in(merge_messages(msgs), ids),
                ctx.settings.style.rename_in(action, ids),  # channels by display name here too
            )
            for (lvl, stage, code, action), msgs in groups.items()
        )
        blocks.append(
            Table(
                "findings",
                W.APPX_FINDINGS,
                (W.H_LEVEL, W.H_CODE, W.H_MESSAGE, W.H_ACTION),
                rows,
            )
        )
    else:
        blocks.append(Missing(W.NOT_RUN["findings"]))
    main, reasons = accounting_rows(run.manifest)
    if main:
        blocks.append(
            Table(
                "accounting",
                W.APPX_DATA,
                (W.H_INPUT, W.H_READ, W.H_USED, W.H_REJECTED),
                tuple((n, f.number(a), f.number(b), f.number(c)) for n, a, b, c in main),
                (False, True, True, True),
            )
        )
        if reasons:
            blocks.append(
                Table(
                    "rejected",
                    W.APPX_REJECTED,
                    (W.H_INPUT, W.H_REASON, W.H_ROWS),
                    tuple((n, r, f.number(k)) for n, r, k in reasons),
                    (False, False, True),
                )
            )
        else:
            blocks.append(Paragraph(W.NO_REJECTED))
    else:
        blocks.append(Missing(W.NOT_RUN["accounting"]))
    truth = run.get(R.TRUTH_COMPARISON_CSV)
    if truth is not None and not truth.empty:
        blocks.extend(_truth_tables(ctx, truth))
    blocks.append(Heading(W.APPX_NOTES))
    blocks.extend(Paragraph(t) for t in W.METHOD_NOTES)
    basis = (run.manifest.get("mta_basis") or {}).get("time_decay")
    if basis:
        blocks.append(Paragraph(W.TIME_DECAY_BASIS.format(basis=basis)))
    blocks.append(Table("run", W.APPX_RUN, (W.H_ITEM, W.H_DETAIL), tuple(_run_rows(ctx))))
    return section("appendix", blocks)


def truth_errors(truth: pd.DataFrame) -> pd.DataFrame:
    """Relative errors per row (recomputed where missing) with quantity/method defaults."""
    t = truth.copy()
    for col, default in (("quantity", ""), ("method", "")):
        if col not in t.columns:
            t[col] = default
    est, tru = t["estimate"].to_numpy(float), t["truth"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        fallback = np.where(tru != 0, est / tru - 1, np.nan)
    rel = t["rel_error"].to_numpy(float) if "rel_error" in t.columns else fallback
    t["rel_error"] = np.where(np.isfinite(rel), rel, fallback)
    return t


def _quantity(q: object) -> str:
    return W.QUANTITY_NAMES.get(str(q), str(q))


def _method(m: object) -> str:
    key = str(m)
    if key.startswith("path_"):
        return W.TRUTH_PATH_METHOD.format(model=model_name(key[len("path_") :]))
    return W.TRUTH_METHODS.get(key, key)


def _truth_value(ctx: Context, quantity: str, x: float) -> str:
    if quantity == "incremental_sales":
        return ctx.fmt.money(x)
    return ctx.fmt.ratio(x) if quantity == "roi" else ctx.fmt.number(x, 2)


def _truth_tables(ctx: Context, truth: pd.DataFrame) -> list[Block]:
    """Median absolute error per method (one column pair per quantity), then the final
    estimate per channel against the truth (one row per channel)."""
    f = ctx.fmt
    t = truth_errors(truth)
    t["abs_err"] = t["rel_error"].abs()
    quantities = sorted(dict.fromkeys(map(str, t["quantity"])))
    summ = t.groupby(["method", "quantity"], sort=True)["abs_err"].agg(["median", "count"])
    first = summ.xs(quantities[0], level="quantity")["median"]
    methods = sorted(dict.fromkeys(map(str, t["method"])), key=lambda m: (first.get(m, np.inf), m))

    def cell(m: str, q: str) -> str:
        if (m, q) not in summ.index:
            return "–"
        r = summ.loc[(m, q)]
        return f"{f.pct(r['median'], 1)} ({f.number(r['count'])})"

    out: list[Block] = [
        Table(
            "truth-summary",
            W.APPX_TRUTH,
            (W.H_METHOD, *(W.H_TRUTH_MEDIAN.format(quantity=_quantity(q)) for q in quantities)),
            tuple((_method(m), *(cell(m, q) for q in quantities)) for m in methods),
            (False, *([True] * len(quantities))),
        )
    ]
    key = next((m for m in ("final", "reconciled", "mmm") if m in methods), methods[0])
    d = t[t["method"] == key]
    qs = [q for q in quantities if q in set(d["quantity"])]
    rows = []
    for ch, g in d.groupby("channel", sort=False):
        by = {str(r["quantity"]): r for _, r in g.iterrows()}
        row = [ctx.name(ch)]
        for q in qs:
            r = by.get(q)
            row += (
                ["–"] * 3
                if r is None
                else [
                    _truth_value(ctx, q, _f(r["estimate"])),
                    _truth_value(ctx, q, _f(r["truth"])),
                    f.pct(_f(r["rel_error"]), 1, signed=True),
                ]
            )
        rows.append(tuple(row))
    out.append(
        Table(
            "truth",
            W.APPX_TRUTH_DETAIL.format(method=_method(key).lower()),
            (
                W.H_CHANNEL,
                *(
                    h.format(quantity=_quantity(q))
                    for q in qs
                    for h in (W.H_TRUTH_EST, W.H_TRUTH_TRUE, W.H_TRUTH_ERR)
                ),
            ),
            tuple(rows),
            (False, *([True] * 3 * len(qs))),
        )
    )
    return out


def _run_rows(ctx: Context) -> list[tuple[str, str]]:
    m = ctx.run.manifest
    rows = []
    if m.get("seed") is not None:
        rows.append((W.RUN_SEED, str(m["seed"])))
    if m.get("status"):
        rows.append((W.RUN_STATUS, str(m["status"])))
    for name, d in sorted((m.get("inputs") or {}).items()):
        if not isinstance(d, dict):
            continue
        if d.get("sha256"):
            rows.append((W.RUN_INPUT.format(name=name), str(d["sha256"])[:16] + "…"))
        elif d.get("files"):  # a folder or glob: each file's checksum is in run.json
            rows.append(
                (W.RUN_INPUT.format(name=name), W.RUN_INPUT_FILES.format(n=len(d["files"])))
            )
        else:
            rows.append((W.RUN_INPUT.format(name=name), W.RUN_INPUT_REMOTE))
    versions = sorted((m.get("versions") or {}).items())
    if versions:  # one row: the list matters to an auditor, not to the page count
        rows.append((W.RUN_VERSIONS, ", ".join(f"{k} {v}" for k, v in versions)))
    times = [(k, t) for k, t in (m.get("timings_s") or {}).items() if isinstance(t, int | float)]
    if times:
        rows.append((W.RUN_TIMINGS, ", ".join(f"{k} {ctx.fmt.number(t, 1)} s" for k, t in times)))
    return rows
