"""Per-channel spend bounds: absolute, relative to current spend, locked; feasibility.

All amounts are totals over the planning horizon (the same unit as the budget).
A bounds file is a CSV with a ``channel`` column and any of ``min``, ``max``
(absolute), ``min_pct``, ``max_pct`` (percent change from current spend, e.g.
-20 and 30 keep a channel between 80% and 130% of its current spend) and
``locked`` (true/false: keep the current spend). Empty cells mean "no bound".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from attribution.errors import InputError, UsageError

BOUND_COLUMNS = ("min", "max", "min_pct", "max_pct", "locked")
#: default limit on each channel's change (percent of its current spend), shared by
#: ``attribution optimize --max-change-pct`` and ``[optimize] max_change_pct`` of a run
DEFAULT_MAX_CHANGE_PCT = 50.0
_TRUE = {"true", "yes", "1", "y", "t", "locked"}
_FALSE = {"false", "no", "0", "n", "f", ""}


@dataclass(frozen=True)
class ChannelBounds:
    """Bounds of one channel; None means unbounded on that side.

    Example
    -------
    >>> ChannelBounds(min=100.0, max_pct=20.0).locked
    False
    """

    min: float | None = None
    max: float | None = None
    min_pct: float | None = None
    max_pct: float | None = None
    locked: bool = False


Bounds = Mapping[str, ChannelBounds]


def resolve_bounds(
    bounds: Bounds | None,
    channels: Sequence[str],
    current: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turn per-channel bounds into arrays ``(lower, upper, locked)``.

    Parameters: bounds by channel (missing channels are free: 0 .. inf); channels;
    current spend over the horizon ``(n_channels,)``.
    Returns: lower and upper spend over the horizon, locked mask.
    Raises ``UsageError`` naming the channel when its bounds contradict each other.

    Example
    -------
    >>> lo, hi, lk = resolve_bounds({"a": ChannelBounds(min_pct=-10, max=150)}, ["a"],
    ...                             np.array([100.0]))
    >>> lo.tolist(), hi.tolist(), lk.tolist()
    ([90.0], [150.0], [False])
    """
    bounds = dict(bounds or {})
    unknown = sorted(set(bounds) - set(channels))
    if unknown:
        raise UsageError(
            f"bounds given for unknown channel(s) {unknown}; "
            f"the model's channels are {list(channels)}"
        )
    n = len(channels)
    lo = np.zeros(n)
    hi = np.full(n, np.inf)
    locked = np.zeros(n, dtype=bool)
    for i, ch in enumerate(channels):
        b = bounds.get(ch)
        if b is None:
            continue
        c = float(current[i])
        if b.locked:
            lo[i] = hi[i] = c
            locked[i] = True
            continue
        if b.min is not None:
            lo[i] = max(lo[i], b.min)
        if b.min_pct is not None:
            lo[i] = max(lo[i], c * (1.0 + b.min_pct / 100.0))
        if b.max is not None:
            hi[i] = min(hi[i], b.max)
        if b.max_pct is not None:
            hi[i] = min(hi[i], c * (1.0 + b.max_pct / 100.0))
        if lo[i] > hi[i] * (1 + 1e-12) + 1e-12:
            raise UsageError(
                f"channel '{ch}': its bounds contradict each other: minimum {lo[i]:,.2f} > "
                f"maximum {hi[i]:,.2f} (current spend {c:,.2f}); widen min/max or min_pct/max_pct"
            )
        hi[i] = max(hi[i], lo[i])
    return lo, hi, locked


def check_feasible(
    channels: Sequence[str],
    lower: np.ndarray,
    upper: np.ndarray,
    locked: np.ndarray,
    budget: float,
    spend_all: bool,
) -> None:
    """Raise a one-line ``UsageError`` when no plan can meet the budget and bounds.

    ``spend_all`` True means the plan must spend exactly the budget; False means at
    most the budget (profit objective).

    Example
    -------
    >>> check_feasible(["a"], np.array([5.0]), np.array([9.0]), np.array([False]), 10.0, True)
    Traceback (most recent call last):
    ...
    attribution.errors.UsageError: infeasible bounds: the maximum spends add up to 9.00 ...
    """
    tol = 1e-9 * max(1.0, abs(budget))
    if not np.isfinite(budget) or budget < 0:
        raise UsageError(f"the budget must be a non-negative number, got {budget}")
    if np.any(locked) and lower[locked].sum() > budget + tol:
        parts = ", ".join(
            f"{c} {v:,.2f}" for c, v, k in zip(channels, lower, locked, strict=True) if k
        )
        raise UsageError(
            f"infeasible bounds: the locked channels ({parts}) need {lower[locked].sum():,.2f}, "
            f"more than the budget {budget:,.2f}; unlock channels or raise the budget"
        )
    if lower.sum() > budget + tol:
        parts = ", ".join(
            f"{c} {v:,.2f}{' (locked)' if k else ''}"
            for c, v, k in zip(channels, lower, locked, strict=True)
            if v > 0
        )
        raise UsageError(
            f"infeasible bounds: the minimum spends add up to {lower.sum():,.2f} ({parts}), "
            f"more than the budget {budget:,.2f}; lower the minimums or raise the budget"
        )
    if spend_all and upper.sum() < budget - tol:
        parts = ", ".join(f"{c} {v:,.2f}" for c, v in zip(channels, upper, strict=True))
        raise UsageError(
            f"infeasible bounds: the maximum spends add up to {upper.sum():,.2f} ({parts}), "
            f"less than the budget {budget:,.2f}; raise the maximums or lower the budget"
        )


def read_bounds(
    path: str | Path, channels: Sequence[str] | None = None
) -> dict[str, ChannelBounds]:
    """Read a bounds CSV (see module docstring) into ``{channel: ChannelBounds}``.

    Raises ``InputError`` with file, row and column for unreadable cells, unknown
    or duplicate channels and ``min > max`` within a row.

    Example
    -------
    >>> read_bounds("bounds.csv", ["tv", "search"])   # doctest: +SKIP
    {'tv': ChannelBounds(min=1000.0, max=None, min_pct=None, max_pct=None, locked=False)}
    """
    name = str(path)
    frame = read_text_csv(path, "bounds", "--bounds")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if "channel" not in frame.columns:
        raise InputError(
            "missing required column 'channel'",
            "add a header row: channel,min,max,min_pct,max_pct,locked",
            file=name,
            row=1,
            reason="missing_column",
        )
    extra = [c for c in frame.columns if c not in ("channel", *BOUND_COLUMNS)]
    if extra:
        raise InputError(
            f"unknown column(s) {extra}",
            f"use only channel and {', '.join(BOUND_COLUMNS)}",
            file=name,
            row=1,
            column=extra[0],
            reason="unknown_column",
        )
    out: dict[str, ChannelBounds] = {}
    for idx, rec in enumerate(frame.to_dict("records")):
        row = idx + 2
        ch = str(rec["channel"]).strip()
        if ch.lower().startswith("spend_") and channels is not None and ch not in channels:
            ch = ch[len("spend_") :]
        if not ch:
            raise InputError(
                "empty channel name",
                "name the channel in every row",
                file=name,
                row=row,
                column="channel",
                reason="empty",
            )
        if channels is not None and ch not in channels:
            raise InputError(
                f"unknown channel '{ch}'",
                f"use one of {list(channels)}",
                file=name,
                row=row,
                column="channel",
                reason="unknown_channel",
            )
        if ch in out:
            raise InputError(
                f"channel '{ch}' appears twice",
                "give one row per channel",
                file=name,
                row=row,
                column="channel",
                reason="duplicate",
            )
        vals: dict[str, float | None] = {}
        for col in ("min", "max", "min_pct", "max_pct"):
            vals[col] = parse_number(rec.get(col, ""), name, row, col, percent=col.endswith("_pct"))
        for col in ("min", "max"):
            v = vals[col]
            if v is not None and v < 0:
                raise InputError(
                    f"negative spend bound {v}",
                    "bounds are spends (>= 0)",
                    file=name,
                    row=row,
                    column=col,
                    reason="negative",
                )
        for col in ("min_pct", "max_pct"):
            v = vals[col]
            if v is not None and v < -100:
                raise InputError(
                    f"{col} {v} is below -100%",
                    "write percent changes from current spend, e.g. -20 or 30",
                    file=name,
                    row=row,
                    column=col,
                    reason="out_of_range",
                )
        if vals["min"] is not None and vals["max"] is not None and vals["min"] > vals["max"]:
            raise InputError(
                f"min {vals['min']} is larger than max {vals['max']}",
                "swap the values or correct one of them",
                file=name,
                row=row,
                column="min",
                reason="min_gt_max",
            )
        if (
            vals["min_pct"] is not None
            and vals["max_pct"] is not None
            and vals["min_pct"] > vals["max_pct"]
        ):
            raise InputError(
                f"min_pct {vals['min_pct']} is larger than max_pct {vals['max_pct']}",
                "swap the values or correct one of them",
                file=name,
                row=row,
                column="min_pct",
                reason="min_gt_max",
            )
        lk = str(rec.get("locked", "")).strip().lower()
        if lk not in _TRUE | _FALSE:
            raise InputError(
                f"'{rec.get('locked')}' is not true or false",
                "write true or false (or leave empty)",
                file=name,
                row=row,
                column="locked",
                reason="not_boolean",
            )
        out[ch] = ChannelBounds(
            min=vals["min"],
            max=vals["max"],
            min_pct=vals["min_pct"],
            max_pct=vals["max_pct"],
            locked=lk in _TRUE,
        )
    return out


def read_text_csv(path: str | Path, what: str, flag: str) -> pd.DataFrame:
    """A small user CSV (bounds, caps, scenarios) with every cell as text.

    A missing or unreadable file raises ``InputError`` naming the file and how to fix it
    (``what``: the kind of file; ``flag``: the option that names it).
    """
    name = str(path)
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise InputError(
            "file not found", f"check the path given to {flag}", file=name, reason="missing_file"
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(
            f"not a readable CSV ({str(exc).splitlines()[0]})",
            f"save the {what} as a comma-separated UTF-8 file",
            file=name,
            reason="unreadable",
        ) from None


def parse_number(
    text: object, file: str, row: int, column: str, *, percent: bool = False
) -> float | None:
    """A CSV cell as a finite number (thousands commas allowed); empty -> None.

    With ``percent``, a trailing ``%`` is allowed. Anything else raises
    ``InputError`` naming the file, row and column.
    """
    s = str(text).strip().replace(",", "")
    if s == "":
        return None
    if percent and s.endswith("%"):
        s = s[:-1]
    try:
        v = float(s)
    except ValueError:
        raise InputError(
            f"'{text}' is not a number",
            "write plain numbers such as 1500 or -20",
            file=file,
            row=row,
            column=column,
            reason="not_a_number",
        ) from None
    if not np.isfinite(v):
        raise InputError(
            f"'{text}' is not a finite number",
            "write plain numbers",
            file=file,
            row=row,
            column=column,
            reason="not_a_number",
        )
    return v
