"""The reporting window of a run: which weeks its tables summarise.

A quarterly run fits the media-mix model on the whole history but must state every
table over one window (the quarter): contributions, path credit and calibration.
This module parses the window (``[run] window_start`` / ``window_end``), marks the
media weeks inside it, restricts event logs to it (with the journeys' look-back
before its start) and builds the ``run.json`` record of both periods (keys in
:mod:`attribution.rundir`).

Example
-------
>>> check_window("2025-10-01", "2025-12-31")
(datetime.date(2025, 10, 1), datetime.date(2025, 12, 31))
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from attribution import rundir as R
from attribution.errors import UsageError


def _parse(text: str | None, key: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise UsageError(
            f"[run] {key} = '{text}' is not a date; write it as YYYY-MM-DD, e.g. \"2025-10-01\""
        ) from None


def check_window(start: str | None, end: str | None) -> tuple[date | None, date | None]:
    """Parse the window's ends (either may be open); ``UsageError`` when end < start."""
    a, b = _parse(start, "window_start"), _parse(end, "window_end")
    if a is not None and b is not None and b < a:
        raise UsageError(f"[run] window_end {b} is before window_start {a}; swap them")
    return a, b


def week_mask(dates: pd.Series | np.ndarray, start: date | None, end: date | None) -> np.ndarray:
    """Weeks (dated by their first day) that start inside ``[start, end]``.

    Example
    -------
    >>> week_mask(pd.to_datetime(["2025-09-29", "2025-10-06", "2026-01-05"]),
    ...           date(2025, 10, 1), date(2025, 12, 31)).tolist()
    [False, True, False]
    """
    d = pd.to_datetime(pd.Series(np.asarray(dates))).dt.date.to_numpy()
    keep = np.ones(len(d), dtype=bool)
    if start is not None:
        keep &= d >= start
    if end is not None:
        keep &= d <= end
    return keep


def _period(dates: pd.Series) -> dict[str, object]:
    d = pd.to_datetime(dates).drop_duplicates().sort_values()
    return {
        "start": d.iloc[0].date().isoformat(),
        "end": (d.iloc[-1] + pd.Timedelta(days=6)).date().isoformat(),
        "weeks": len(d),
    }


def window_record(
    media_dates: pd.Series, start: date | None, end: date | None
) -> dict[str, object]:
    """The ``run.json`` window record: the media panel's weeks and the reporting weeks.

    Raises ``UsageError`` when no week of the panel falls in the window.
    """
    dates = pd.Series(pd.to_datetime(pd.Series(media_dates)).unique())
    data = _period(dates)
    out = {f"{R.WINDOW_DATA}_{k}": v for k, v in data.items()}
    inside = dates[week_mask(dates, start, end)]
    if inside.empty:
        raise UsageError(
            f"[run] window {start or '…'} to {end or '…'} holds no week of the "
            f"media panel ({data['start']} to {data['end']}); set the window "
            "inside the panel's dates"
        )
    out.update({f"{R.WINDOW_REPORT}_{k}": v for k, v in _period(inside).items()})
    return out


def restrict_events(
    frame: pd.DataFrame, start: date | None, end: date | None, lookback_days: float = 0.0
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Rows whose ``timestamp`` lies in ``[start - lookback_days, end]`` (end's whole day).

    Returns the kept rows and their row accounting (read = used + outside the window).
    """
    ts = pd.to_datetime(frame["timestamp"], utc=True, errors="coerce").dt.tz_localize(None)
    keep = np.ones(len(frame), dtype=bool)
    if start is not None:
        keep &= (ts >= pd.Timestamp(start) - pd.Timedelta(days=float(lookback_days))).to_numpy()
    if end is not None:
        keep &= (ts < pd.Timestamp(end) + pd.Timedelta(days=1)).to_numpy()
    n, k = len(frame), int(keep.sum())
    acc = {
        "source": "reporting window",
        "read": n,
        "used": k,
        "rejected": {"outside_window": n - k} if n > k else {},
        "rejected_total": n - k,
    }
    return frame[keep].reset_index(drop=True), acc
