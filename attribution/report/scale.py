"""The scale of a run's numbers: which weeks they cover, total sales, baseline and media.

Every money figure in the report must say which period it covers. This module
finds the periods and the totals, from (first found wins):

- ``run.json`` key ``window`` (written by the pipeline, names in
  :mod:`attribution.rundir`): the weeks the media-mix model learned from and the
  reporting window the tables summarise;
- ``mmm/decomposition.csv`` (the fitted weeks, their sales);
- ``mmm/contributions.csv`` (its dates).

Weeks are dated by their first day; a period ends six days after its last week.

Example
-------
>>> p = Period(date(2024, 1, 1), date(2024, 3, 31), 13)
>>> p.label()
'1 Jan 2024 – 31 Mar 2024 (13 weeks)'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from attribution import rundir as R
from attribution.report import wording as W
from attribution.report.rundata import RunData

WEEKS_PER_QUARTER = 13
WEEKS_PER_YEAR = 52


def day(d: date) -> str:
    """``date(2024, 1, 1)`` -> ``"1 Jan 2024"``."""
    return f"{d.day} {d:%b %Y}"


@dataclass(frozen=True)
class Period:
    """A run of whole weeks: first day, last day (inclusive), number of weeks."""

    start: date
    end: date
    weeks: int

    def label(self) -> str:
        """``"1 Jan 2024 – 28 Dec 2025 (104 weeks)"``."""
        return W.PERIOD.format(start=day(self.start), end=day(self.end), weeks=W.weeks(self.weeks))

    def short(self) -> str:
        """``"104 weeks to 28 Dec 2025"``."""
        return W.PERIOD_SHORT.format(weeks=W.weeks(self.weeks), end=day(self.end))


@dataclass(frozen=True)
class Scale:
    """What the report's totals cover.

    ``data``: the weeks the media-mix model learned from; ``report``: the weeks its
    tables summarise (the same unless the run has a reporting window); ``sales``,
    ``media``, ``baseline`` are totals over ``report`` (NaN when not available).
    """

    data: Period | None
    report: Period | None
    sales: float = float("nan")
    media: float = float("nan")

    @property
    def baseline(self) -> float:
        """Sales not credited to media (what would have happened without it)."""
        return self.sales - self.media

    @property
    def media_share(self) -> float:
        return self.media / self.sales if self.sales and np.isfinite(self.sales) else float("nan")

    @property
    def windowed(self) -> bool:
        """Whether the report covers fewer weeks than the model learned from."""
        return self.data is not None and self.report is not None and self.report != self.data


def _date(v: Any) -> date | None:
    try:
        ts = pd.Timestamp(v)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(ts) else ts.date()


def _period_from_key(d: dict, prefix: str) -> Period | None:
    start, end = _date(d.get(f"{prefix}_start")), _date(d.get(f"{prefix}_end"))
    weeks = d.get(f"{prefix}_weeks")
    if start is None or end is None or not isinstance(weeks, int):
        return None
    return Period(start, end, weeks)


def period_of_weeks(dates: Any) -> Period | None:
    """The period spanned by week-start dates (ends six days after the last week)."""
    ts = pd.to_datetime(pd.Series(list(dates)), errors="coerce").dropna().drop_duplicates()
    if ts.empty:
        return None
    return Period(ts.min().date(), (ts.max() + pd.Timedelta(days=6)).date(), len(ts))


def _fitted_weeks(run: RunData) -> pd.DataFrame | None:
    dec = run.get(R.MMM_DECOMPOSITION_CSV)
    if dec is None or dec.empty:
        return None
    if "fitted" in dec.columns:
        dec = dec[dec["fitted"].astype(str).str.lower().isin(["true", "1"])]
    return dec


def find_scale(run: RunData) -> Scale:
    """The periods and totals of a run (see the module docstring for the sources)."""
    win = run.manifest.get(R.RUN_WINDOW)
    data = report = None
    if isinstance(win, dict):
        data = _period_from_key(win, R.WINDOW_DATA)
        report = _period_from_key(win, R.WINDOW_REPORT)
    dec = _fitted_weeks(run)
    if data is None and dec is not None:
        data = period_of_weeks(dec["date"])
    if data is None:
        over = run.get(R.MMM_CONTRIBUTIONS_CSV)
        if over is not None and not over.empty:
            data = period_of_weeks(over["date"])
    report = report or data
    sales = float("nan")
    if dec is not None and report is not None and "sales" in dec.columns:
        d = pd.to_datetime(dec["date"], errors="coerce").dt.date
        inside = (d >= report.start) & (d <= report.end)
        sales = float(pd.to_numeric(dec.loc[inside, "sales"], errors="coerce").sum())
    ch = run.get(R.MMM_CHANNELS_CSV)
    media = (
        float(np.nansum(ch["contribution"].to_numpy(float)))
        if ch is not None and len(ch)
        else float("nan")
    )
    return Scale(data=data, report=report, sales=sales, media=media)


@dataclass(frozen=True)
class PlanScale:
    """A plan's budget and gain per week, quarter and year.

    The optimiser's weekly gain is a mean week (of the fitted weeks' flighting scaled
    by the plan, or of a steady state with flat flighting), so a quarter is 13 weeks of
    it and a year 52 (the interval scales the same way: the draws are multiplied by one
    constant).
    """

    budget_week: float
    gain_week: float
    gain_low_week: float = float("nan")
    gain_high_week: float = float("nan")

    def per(self, weeks: int) -> tuple[float, float, float, float]:
        """(budget, gain, gain_low, gain_high) over ``weeks`` weeks."""
        return (
            self.budget_week * weeks,
            self.gain_week * weeks,
            self.gain_low_week * weeks,
            self.gain_high_week * weeks,
        )


def plan_scale(budget: float, gain: float, low: float, high: float, horizon: float) -> PlanScale:
    """Per-week figures from totals over a ``horizon``-week plan.

    Example
    -------
    >>> plan_scale(13_000, 1_300, 0, 2_600, 13).per(52)
    (52000.0, 5200.0, 0.0, 10400.0)
    """
    h = float(horizon) if horizon and horizon > 0 else 1.0
    return PlanScale(budget / h, gain / h, low / h, high / h)
