"""Rule-based attribution: first, last, last non-direct, linear, position-based, time-decay.

Every rule is a *step weighting*: each touch (step) of a path gets a fraction of
the path's conversions, the fractions of a path sum to 1, and a channel's credit
is the sum of its steps' fractions times the path's conversions (and value).
Repeated touches of one channel in a path each count (linear credit on
``a > b > a`` gives ``a`` two thirds). All rules are computed on the flat CSR
arrays of :class:`~attribution.mta.paths.PathTable`, never by looping over paths.

Rules
-----
- ``first``: the first touch gets everything.
- ``last``: the last touch gets everything.
- ``last_non_direct``: the last touch whose channel is not *direct*. "Direct" is
  a configurable set of channel names (default ``{"direct", "(direct)",
  "(none)"}``, matched exactly); a path made only of direct touches credits its
  last (direct) touch, so no conversion is lost.
- ``linear``: every touch gets ``1/len(path)``.
- ``position``: first and last touch get ``first``/``last`` weights (default
  40%/40%), the touches in between share ``middle`` (20%) equally. A 1-touch path
  gives 100% to its touch; a 2-touch path has no middle, so its share is
  split between first and last in proportion to their weights (50/50 by default).
- ``time_decay``: a touch of age ``a`` weighs ``0.5 ** (a / half_life)``, weights
  normalised per journey. With touch times (a per-journey table, see
  :mod:`attribution.mta.journeys_table`, or :func:`time_decay_touches`) the age is
  the time from the touch to the conversion and ``half_life`` a duration such as
  ``"7D"``: touches 7 days and 0 days before a conversion get 1/3 and 2/3. On a
  path table (no timestamps) the age is counted in steps (the last touch has age
  0) and ``half_life`` is a number of steps; results say which one was used.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from attribution.lazy import lazy_module

if TYPE_CHECKING:
    import pandas as pd
    import scipy.sparse as sp
else:  # imported on first use (attribution.lazy)
    pd = lazy_module("pandas")
    sp = lazy_module("scipy.sparse")

from attribution.errors import InputError, UsageError
from attribution.mta.paths import PathTable
from attribution.mta.results import Credit

DEFAULT_DIRECT: frozenset[str] = frozenset({"direct", "(direct)", "(none)"})
HEURISTICS: tuple[str, ...] = (
    "first",
    "last",
    "last_non_direct",
    "linear",
    "position",
    "time_decay",
)


# ------------------------------------------------------------------ pure step weights
def _positions(offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per step: position in its path (0-based), path length, path index."""
    lengths = np.diff(offsets)
    owner = np.repeat(np.arange(len(lengths)), lengths)
    pos = np.arange(offsets[-1]) - offsets[:-1][owner]
    return pos, lengths[owner], owner


def first_touch_fractions(offsets: np.ndarray) -> np.ndarray:
    """1 on each path's first step, 0 elsewhere.

    Example
    -------
    >>> first_touch_fractions(np.array([0, 2, 3])).tolist()
    [1.0, 0.0, 1.0]
    """
    pos, _, _ = _positions(offsets)
    return (pos == 0).astype(float)


def last_touch_fractions(offsets: np.ndarray) -> np.ndarray:
    """1 on each path's last step, 0 elsewhere.

    Example
    -------
    >>> last_touch_fractions(np.array([0, 2, 3])).tolist()
    [0.0, 1.0, 1.0]
    """
    pos, length, _ = _positions(offsets)
    return (pos == length - 1).astype(float)


def last_non_direct_fractions(offsets: np.ndarray, is_direct_step: np.ndarray) -> np.ndarray:
    """1 on each path's last non-direct step (its last step if all are direct).

    Example
    -------
    >>> last_non_direct_fractions(np.array([0, 3]), np.array([False, False, True])).tolist()
    [0.0, 1.0, 0.0]
    """
    n_steps = int(offsets[-1])
    idx = np.where(is_direct_step, -1, np.arange(n_steps))
    best = np.maximum.reduceat(idx, offsets[:-1]) if n_steps else np.zeros(0, dtype=int)
    best = np.where(best < 0, offsets[1:] - 1, best)
    out = np.zeros(n_steps)
    out[best] = 1.0
    return out


def linear_fractions(offsets: np.ndarray) -> np.ndarray:
    """``1/len(path)`` on every step.

    Example
    -------
    >>> linear_fractions(np.array([0, 2, 3])).tolist()
    [0.5, 0.5, 1.0]
    """
    _, length, _ = _positions(offsets)
    return 1.0 / length


def position_fractions(
    offsets: np.ndarray, weights: tuple[float, float, float] = (0.4, 0.2, 0.4)
) -> np.ndarray:
    """Position-based (U-shaped) fractions; see the module docstring for 1- and 2-touch paths.

    Example
    -------
    >>> position_fractions(np.array([0, 1, 3, 7])).round(3).tolist()
    [1.0, 0.5, 0.5, 0.4, 0.1, 0.1, 0.4]
    """
    w_first, w_mid, w_last = (float(w) for w in weights)
    if min(w_first, w_mid, w_last) < 0 or w_first + w_mid + w_last <= 0:
        raise ValueError("position weights must be >= 0 and not all 0")
    total = w_first + w_mid + w_last
    w_first, w_mid, w_last = w_first / total, w_mid / total, w_last / total
    pos, length, _ = _positions(offsets)
    out = np.zeros(len(pos))
    one = length == 1
    out[one] = 1.0
    two = length == 2
    ends = w_first + w_last
    f2, l2 = (w_first / ends, w_last / ends) if ends > 0 else (0.5, 0.5)
    out[two & (pos == 0)] = f2
    out[two & (pos == 1)] = l2
    many = length >= 3
    out[many & (pos == 0)] = w_first
    out[many & (pos == length - 1)] = w_last
    mid = many & (pos > 0) & (pos < length - 1)
    out[mid] = w_mid / (length[mid] - 2)
    return out


def decay_weights(age: np.ndarray, half_life: float) -> np.ndarray:
    """Unnormalised time-decay weights ``0.5 ** (age / half_life)``.

    Example
    -------
    >>> decay_weights(np.array([0.0, 1.0, 2.0]), 1.0).tolist()
    [1.0, 0.5, 0.25]
    """
    if not half_life > 0:
        raise ValueError("half_life must be > 0")
    return np.exp2(-np.asarray(age, dtype=float) / half_life)


def normalise_per_path(weights: np.ndarray, owner: np.ndarray, n_paths: int) -> np.ndarray:
    """Divide step weights by their path's total so each path sums to 1."""
    totals = np.bincount(owner, weights=weights, minlength=n_paths)
    return weights / totals[owner]


def time_decay_fractions(offsets: np.ndarray, half_life: float = 1.0) -> np.ndarray:
    """Position time-decay: the touch ``s`` steps before the end weighs ``0.5**(s/half_life)``.

    Example
    -------
    >>> time_decay_fractions(np.array([0, 2]), 1.0).round(4).tolist()
    [0.3333, 0.6667]
    """
    pos, length, owner = _positions(offsets)
    w = decay_weights(length - 1 - pos, half_life)
    return normalise_per_path(w, owner, len(offsets) - 1)


def age_decay_fractions(ages: np.ndarray, offsets: np.ndarray, half_life: float) -> np.ndarray:
    """Time-decay fractions from real ages: ``0.5 ** (age / half_life)``, normalised per journey.

    ``ages[offsets[i]:offsets[i+1]]`` are journey ``i``'s touch ages, in the unit of
    ``half_life`` (hours in this package).

    Example
    -------
    >>> age_decay_fractions(np.array([168.0, 0.0]), np.array([0, 2]), 168.0).round(4).tolist()
    [0.3333, 0.6667]
    """
    lengths = np.diff(offsets)
    owner = np.repeat(np.arange(len(lengths)), lengths)
    ages = np.asarray(ages, dtype=float)
    youngest = np.zeros(len(lengths))
    filled = lengths > 0
    if filled.any():  # weigh relative to each journey's youngest touch: no underflow
        youngest[filled] = np.minimum.reduceat(ages, offsets[:-1][filled])
    w = decay_weights(ages - youngest[owner], half_life)
    return normalise_per_path(w, owner, len(lengths))


_UNITS_H = {
    "s": 1 / 3600,
    "sec": 1 / 3600,
    "second": 1 / 3600,
    "min": 1 / 60,
    "minute": 1 / 60,
    "h": 1.0,
    "hr": 1.0,
    "hour": 1.0,
    "d": 24.0,
    "day": 24.0,
    "w": 168.0,
    "wk": 168.0,
    "week": 168.0,
}
_HALF_LIFE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*$")


def parse_half_life(value: float | str) -> tuple[str, float]:
    """A half-life setting as ``("hours", h)`` (a duration) or ``("steps", n)`` (a bare number).

    Durations: a number with a unit ``s``, ``min``, ``h``, ``D`` or ``W`` (also spelled
    out: ``36 hours``, ``1.5 days``); a bare number, or the unit ``steps``, counts steps.
    Raises ``UsageError`` for anything else or a half-life that is not > 0.

    Example
    -------
    >>> parse_half_life("7D"), parse_half_life("36h"), parse_half_life(2)
    (('hours', 168.0), ('hours', 36.0), ('steps', 2.0))
    """
    what = (
        "the half-life must be a duration such as 7D, 36h or 90min, or a number of "
        f"steps such as 1; not {value!r}"
    )
    if isinstance(value, bool):
        raise UsageError(what)
    if isinstance(value, int | float):
        kind, amount = "steps", float(value)
    else:
        m = _HALF_LIFE.match(str(value).lower())
        unit = m.group(2) if m else "?"
        if unit not in _UNITS_H and unit[:-1] in (*_UNITS_H, "step") and unit.endswith("s"):
            unit = unit[:-1]  # plural: days, hours, steps
        if not m or (unit not in _UNITS_H and unit not in ("", "step")):
            raise UsageError(what)
        kind = "steps" if unit in ("", "step") else "hours"
        amount = float(m.group(1)) * (1.0 if kind == "steps" else _UNITS_H[unit])
    if not (math.isfinite(amount) and amount > 0):
        raise UsageError(what)
    return kind, amount


def describe_half_life(kind: str, amount: float) -> str:
    """Plain words for a parsed half-life: ``"7 days"``, ``"36 hours"``, ``"1 step"``.

    Example
    -------
    >>> describe_half_life("hours", 168.0), describe_half_life("steps", 1.0)
    ('7 days', '1 step')
    """

    def n(x: float, unit: str) -> str:
        text = f"{x:.4g}"
        return f"{text} {unit}" + ("" if text == "1" else "s")

    if kind == "steps":
        return n(amount, "step")
    if amount >= 24 and amount % 24 == 0:
        return n(amount / 24, "day")
    if amount >= 1:
        return n(amount, "hour")
    return n(amount * 60, "minute")


# ------------------------------------------------------------------ on a PathTable
def step_fractions(
    table: PathTable,
    rule: str,
    *,
    direct: Iterable[str] = DEFAULT_DIRECT,
    position_weights: tuple[float, float, float] = (0.4, 0.2, 0.4),
    half_life: float = 1.0,
) -> np.ndarray:
    """Per-step fractions (summing to 1 per path) of a named rule on a path table."""
    off = table.offsets
    if rule == "first":
        return first_touch_fractions(off)
    if rule == "last":
        return last_touch_fractions(off)
    if rule == "last_non_direct":
        direct_codes = np.array([c in set(direct) for c in table.channels], dtype=bool)
        return last_non_direct_fractions(off, direct_codes[table.steps])
    if rule == "linear":
        return linear_fractions(off)
    if rule == "position":
        return position_fractions(off, position_weights)
    if rule == "time_decay":
        return time_decay_fractions(off, half_life)
    raise ValueError(f"unknown heuristic {rule!r}; choose from {', '.join(HEURISTICS)}")


def fraction_matrix(table: PathTable, fractions: np.ndarray) -> sp.csr_matrix:
    """Sparse (n_channels x n_paths) matrix ``M``: credit = ``M @ conversions``."""
    return sp.csr_matrix(
        (fractions, (table.steps, table.path_index)), shape=(table.n_channels, table.n_paths)
    )


def heuristic_credit(table: PathTable, rule: str, **options: object) -> Credit:
    """Credit of one rule on a path table (conversions and value by the same fractions).

    Example
    -------
    >>> t = PathTable.from_paths([("a", "b")], [2.0], [10.0])
    >>> heuristic_credit(t, "first").conversions.tolist()
    [2.0, 0.0]
    """
    frac = step_fractions(table, rule, **options)  # type: ignore[arg-type]
    m = fraction_matrix(table, frac)
    return Credit(rule, table.channels, m @ table.conversions, m @ table.value)


def time_decay_touches(
    touches: pd.DataFrame,
    *,
    half_life: str | pd.Timedelta = "7D",
    journey_col: str = "journey_id",
    channel_col: str = "channel",
    time_col: str = "timestamp",
    end_col: str = "conversion_timestamp",
    conv_col: str = "conversions",
    value_col: str = "value",
) -> Credit:
    """Time-decay credit from a per-journey touch table with timestamps.

    One row per touch; ``end_col``, ``conv_col`` and ``value_col`` are per journey
    (repeated on its touches, the first row's value is used). A touch ``age``
    before the journey's end weighs ``0.5 ** (age / half_life)``; weights are
    normalised per journey. Touches after the end raise ``InputError``.

    Example
    -------
    >>> df = pd.DataFrame({"journey_id": [1, 1], "channel": ["a", "b"],
    ...     "timestamp": pd.to_datetime(["2026-01-01", "2026-01-08"]),
    ...     "conversion_timestamp": pd.to_datetime(["2026-01-08"] * 2),
    ...     "conversions": [1, 1], "value": [30.0, 30.0]})
    >>> time_decay_touches(df, half_life="7D").conversions.round(4).tolist()
    [0.3333, 0.6667]
    """
    for col in (journey_col, channel_col, time_col, end_col, conv_col):
        if col not in touches.columns:
            raise InputError(
                f"no column '{col}'",
                "add it or name it with the *_col arguments",
                file="touch table",
                column=col,
                reason="missing_column",
            )
    hl = pd.Timedelta(half_life)
    if hl <= pd.Timedelta(0):
        raise ValueError("half_life must be positive")
    t = pd.to_datetime(touches[time_col])
    end = pd.to_datetime(touches[end_col])
    age = ((end - t) / hl).to_numpy(dtype=float)
    bad = ~np.isfinite(age) | (age < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            "touch time missing or after the conversion",
            "drop touches after the conversion",
            file="touch table",
            row=i + 2,
            column=time_col,
            reason="touch_after_conversion",
        )
    journey, jcodes = np.unique(touches[journey_col].astype(str).to_numpy(), return_inverse=True)
    channels, ccodes = np.unique(touches[channel_col].astype(str).to_numpy(), return_inverse=True)
    w = normalise_per_path(decay_weights(age, 1.0), jcodes, len(journey))
    first_row = np.full(len(journey), -1)
    first_row[jcodes[::-1]] = np.arange(len(jcodes))[::-1]
    conv = pd.to_numeric(touches[conv_col]).to_numpy(dtype=float)[first_row]
    val = (
        pd.to_numeric(touches[value_col]).to_numpy(dtype=float)[first_row]
        if value_col in touches.columns
        else np.zeros(len(journey))
    )
    m = sp.csr_matrix((w, (ccodes, jcodes)), shape=(len(channels), len(journey)))
    return Credit("time_decay", tuple(str(c) for c in channels), m @ conv, m @ val)
