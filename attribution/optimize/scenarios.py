"""What-if scenarios: evaluate user plans and sweep the total budget.

A scenario file is a CSV of weekly spends, one row per week (period), either

- wide: ``scenario, period, <channel>...`` (channel columns may also be named
  ``spend_<channel>``), or
- long: ``scenario, period, channel, spend``.

``scenario`` is optional (one scenario called ``plan``); ``period`` is an optional
label kept in file order; an optional ``weeks`` column repeats a row's weekly
spend for that many weeks (``weeks=13`` = hold it for a quarter). Each scenario
is compared with the current spend held for the same number of weeks.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from attribution.errors import InputError, UsageError
from attribution.findings import Finding
from attribution.optimize.adapters import as_response_model
from attribution.optimize.allocate import BudgetOptimizer
from attribution.optimize.bounds import Bounds, parse_number, read_text_csv
from attribution.optimize.horizon import HorizonOutcome, interval_stats
from attribution.optimize.response import ResponseModel
from attribution.optimize.results import ScenarioResult, SweepResult

log = logging.getLogger("attribution")


def read_plans(path: str | Path, channels: Sequence[str]) -> dict[str, np.ndarray]:
    """Read a scenario CSV into ``{scenario: weekly spend (weeks, n_channels)}``.

    Raises ``InputError`` (file, row, column) for missing channels, unknown
    columns, non-numeric or negative spend.

    Example
    -------
    >>> read_plans("scenarios.csv", ["tv", "search"])   # doctest: +SKIP
    {'plan': array([[1000.,  500.]])}
    """
    name = str(path)
    raw = read_text_csv(path, "scenarios", "--scenarios")
    raw.columns = [str(c).strip() for c in raw.columns]
    if raw.empty:
        raise InputError(
            "no scenario rows",
            "add one row per week of each scenario",
            file=name,
            row=2,
            reason="empty",
        )
    cols = {c.lower(): c for c in raw.columns}
    long = "channel" in cols and "spend" in cols
    scen = (
        raw[cols["scenario"]].str.strip() if "scenario" in cols else pd.Series(["plan"] * len(raw))
    )
    weeks = np.ones(len(raw), dtype=int)
    if "weeks" in cols:
        for i, v in enumerate(raw[cols["weeks"]]):
            w = _num(v, name, i + 2, cols["weeks"])
            if w < 1 or w != int(w):
                raise InputError(
                    f"weeks must be a whole number >= 1, got '{v}'",
                    "write how many weeks the row's weekly spend is held",
                    file=name,
                    row=i + 2,
                    column=cols["weeks"],
                    reason="out_of_range",
                )
            weeks[i] = int(w)
    index = {ch: j for j, ch in enumerate(channels)}
    rows: dict[str, list[np.ndarray]] = {}
    if long:
        period = raw[cols["period"]].astype(str) if "period" in cols else pd.Series([""] * len(raw))
        cells: dict[tuple[str, str], np.ndarray] = {}
        reps: dict[tuple[str, str], int] = {}
        for i, (s, p, ch, v) in enumerate(
            zip(scen, period, raw[cols["channel"]], raw[cols["spend"]], strict=True)
        ):
            ch = ch.strip()
            ch = ch[len("spend_") :] if ch.startswith("spend_") and ch not in index else ch
            if ch not in index:
                raise InputError(
                    f"unknown channel '{ch}'",
                    f"use one of {list(channels)}",
                    file=name,
                    row=i + 2,
                    column=cols["channel"],
                    reason="unknown_channel",
                )
            key = (s, p)
            vec = cells.setdefault(key, np.full(len(channels), np.nan))
            if not np.isnan(vec[index[ch]]):
                raise InputError(
                    f"channel '{ch}' appears twice in scenario '{s}' period '{p}'",
                    "give one spend per channel and period",
                    file=name,
                    row=i + 2,
                    column=cols["channel"],
                    reason="duplicate",
                )
            vec[index[ch]] = _spend(v, name, i + 2, cols["spend"])
            reps[key] = int(weeks[i])
        for (s, p), vec in cells.items():
            if np.isnan(vec).any():
                miss = [c for c, x in zip(channels, vec, strict=True) if np.isnan(x)]
                raise InputError(
                    f"scenario '{s}' period '{p}' has no spend for {miss}",
                    "give a spend (0 if none) for every channel",
                    file=name,
                    column=cols["channel"],
                    reason="missing_channel",
                )
            rows.setdefault(s, []).extend([vec] * reps[(s, p)])
    else:
        mapping: dict[int, str] = {}
        for c in raw.columns:
            key = c.lower()
            if key in ("scenario", "period", "weeks"):
                continue
            ch = c[len("spend_") :] if c.startswith("spend_") and c not in index else c
            if ch not in index:
                raise InputError(
                    f"unknown column '{c}'",
                    f"name one column per channel: {list(channels)}",
                    file=name,
                    row=1,
                    column=c,
                    reason="unknown_column",
                )
            mapping[index[ch]] = c
        missing = [ch for j, ch in enumerate(channels) if j not in mapping]
        if missing:
            raise InputError(
                f"no spend column for channel(s) {missing}",
                "add one column per channel (0 if no spend)",
                file=name,
                row=1,
                reason="missing_column",
            )
        for i in range(len(raw)):
            vec = np.array(
                [
                    _spend(raw.iloc[i][mapping[j]], name, i + 2, mapping[j])
                    for j in range(len(channels))
                ]
            )
            rows.setdefault(str(scen.iloc[i]) or "plan", []).extend([vec] * int(weeks[i]))
    return {s: np.vstack(v) for s, v in rows.items()}


def _num(text: object, file: str, row: int, column: str) -> float:
    v = parse_number(text, file, row, column)
    if v is None:
        raise InputError(
            "empty cell",
            "write a number such as 1500",
            file=file,
            row=row,
            column=column,
            reason="not_a_number",
        )
    return v


def _spend(text: object, file: str, row: int, column: str) -> float:
    v = _num(text, file, row, column)
    if v < 0:
        raise InputError(
            f"negative spend {v}",
            "spend is an amount >= 0",
            file=file,
            row=row,
            column=column,
            reason="negative",
        )
    return v


def evaluate_plans(
    model: ResponseModel,
    plans: Mapping[str, np.ndarray],
    *,
    carryover: str = "steady",
    interval: float = 0.9,
    margin: float | None = None,
) -> ScenarioResult:
    """Expected outcome (with intervals) of each plan, and its chance to beat the current plan.

    Parameters: model; plans ``{name: weekly spend (weeks, n_channels)}`` (a 1-D plan
    is one week); carryover ``"steady"`` or ``"ramp"``; interval width; margin
    (adds profit columns).
    Returns: :class:`ScenarioResult`.

    Example
    -------
    >>> from attribution.optimize.response import ParametricResponse
    >>> m = ParametricResponse(("a",), np.array([1.0]), beta=np.array([[1.0], [2.0]]),
    ...                        curve="log", params={"k": np.array([1.0])})
    >>> evaluate_plans(m, {"double": np.array([[2.0]])}).to_frame()["prob_beats_current"].item()
    1.0
    """
    model = as_response_model(model)
    n = len(model.channels)
    ev = HorizonOutcome(model, 1, carryover)
    cur = np.asarray(model.current_spend, dtype=float)
    records = []
    for name, plan in plans.items():
        path = np.atleast_2d(np.asarray(plan, dtype=float))
        if path.shape[1] != n:
            raise UsageError(f"scenario '{name}' has {path.shape[1]} channels, expected {n}")
        if np.any(path < 0) or not np.all(np.isfinite(path)):
            raise UsageError(f"scenario '{name}' has negative or non-finite spend")
        tot = ev.path_totals(path)
        base = ev.path_totals(np.repeat(cur[None, :], path.shape[0], axis=0))
        e, u = interval_stats(tot, interval), interval_stats(tot - base, interval)
        spend = float(path.sum())
        rec = {
            "scenario": name,
            "weeks": int(path.shape[0]),
            "total_spend": spend,
            "current_spend": float(cur.sum() * path.shape[0]),
            "expected": e[0],
            "expected_low": e[1],
            "expected_high": e[2],
            "current_expected": float(base.mean()),
            "uplift": u[0],
            "uplift_low": u[1],
            "uplift_high": u[2],
            "prob_beats_current": float(np.mean(tot > base)),
            "roi": e[0] / spend if spend > 0 else np.nan,
        }
        if margin is not None:
            p = interval_stats(margin * tot - spend, interval)
            rec.update(profit=p[0], profit_low=p[1], profit_high=p[2])
        records.append(rec)
    findings: tuple[Finding, ...] = ()
    if carryover == "steady":
        findings = (
            Finding(
                "info",
                "optimize.scenario_steady_state",
                "scenarios were scored week by week at steady-state carry-over "
                "(no ramp-in of spend changes)",
                "",
                "optimize",
            ),
        )
    return ScenarioResult(
        table=pd.DataFrame.from_records(records),
        interval=interval,
        carryover=carryover,
        findings=findings,
    )


def sweep_budgets(center: float, low: float = 0.5, high: float = 1.5, n: int = 11) -> np.ndarray:
    """Evenly spaced budgets from ``low * center`` to ``high * center``.

    Example
    -------
    >>> sweep_budgets(100.0, 0.5, 1.5, 3).tolist()
    [50.0, 100.0, 150.0]
    """
    if n < 2 or not 0 <= low < high:
        raise UsageError(f"a budget sweep needs n >= 2 and 0 <= low < high, got {n}, {low}, {high}")
    return np.linspace(low * center, high * center, n)


def budget_sweep(
    model: ResponseModel,
    budgets: Sequence[float] | np.ndarray | float,
    bounds: Bounds | None = None,
    optimizer: BudgetOptimizer | None = None,
) -> SweepResult:
    """Optimise the plan at each total budget: the expected-outcome-versus-budget curve.

    ``budgets`` is a list of total budgets, or one budget: then 11 budgets from 50% to
    150% of it. Budgets that the bounds make infeasible are skipped with a warning
    finding. Each solve starts (also) from the previous budget's optimum.

    Example
    -------
    >>> from attribution.optimize.response import ParametricResponse
    >>> m = ParametricResponse(("a", "b"), np.array([1.0, 1.0]), beta=np.array([1.0, 2.0]),
    ...                        curve="log", params={"k": np.array([1.0, 1.0])})
    >>> t = budget_sweep(m, [1.0, 2.0], optimizer=BudgetOptimizer(horizon=1)).to_frame()
    >>> bool(t["expected"].is_monotonic_increasing)
    True
    """
    opt = optimizer or BudgetOptimizer()
    model = as_response_model(model)
    if np.ndim(budgets) == 0:
        budgets = sweep_budgets(float(budgets))  # type: ignore[arg-type]
    if opt.objective == "profit":  # a sweep shows the outcome of spending each budget
        opt = replace(opt, objective="sales", margin=opt.margin)
    channels = tuple(model.channels)
    records, findings = [], []
    prev: np.ndarray | None = None
    for b in sorted(float(x) for x in np.atleast_1d(budgets)):
        try:
            res = opt.fit(model, b, bounds, start=prev)
        except UsageError as exc:
            findings.append(
                Finding(
                    "warning",
                    "optimize.sweep_infeasible",
                    f"budget {b:,.2f} skipped: {exc}",
                    "",
                    "optimize",
                )
            )
            continue
        prev = res.recommended_spend / res.horizon
        free = np.array([s == "interior" for s in res.status])
        rec = {
            "budget": b,
            "expected": res.total_recommended[0],
            "expected_low": res.total_recommended[1],
            "expected_high": res.total_recommended[2],
            "marginal_roi": float(res.mroi[free, 0].mean()) if free.any() else np.nan,
        }
        rec.update({f"spend_{c}": v for c, v in zip(channels, res.recommended_spend, strict=True)})
        records.append(rec)
        log.info("budget sweep: %s -> expected %s", f"{b:,.0f}", f"{rec['expected']:,.0f}")
    return SweepResult(
        table=pd.DataFrame.from_records(records),
        objective=opt.objective,
        horizon=int(opt.horizon),
        interval=opt.interval,
        findings=tuple(findings),
    )
