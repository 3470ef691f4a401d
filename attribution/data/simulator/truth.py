"""The simulated world's known truth: pure functions that turn ``truth.json`` into numbers.

The world's expected outcome is additive (see :mod:`attribution.data.simulator.world`)::

    E[sales] = baseline + sum_c R_c(m_c)

    R_c(m) = beta_c * sum_groups W_g * sum_t (1 - exp(-a_g * H_g(t; m)))
    H_g(t; m) = sum_l w_l * on_g(t - l) * F_c(m * d_c(t - l))
    F_c(x) = max_exposures_c * (1 - exp(-x / half_level_c))          (exposures per customer-week)
    w_l = 1 - exp(-decay_c**l / saturation_c)                          (carry-over weights)

where ``d_c(t)`` is the channel's weekly driver (total spend, or activity), ``m`` a
multiplier on it, ``a_g`` the exposure targeting of a customer group, ``on_g`` its
exposure mask (0 for a lift-test holdout during the test; for a budget-change test the
treated group's driver is ``driver_factor * d_c(t)`` in its ``changed_weeks``), and
``W_g`` the group's sum of (mean order value x susceptibility) -- or of susceptibility
alone for conversions. Everything needed is stored in ``truth.json``, so the true
response of total sales to any spend vector, and hence the true optimal allocation,
follow from these functions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from attribution.errors import InputError

Truth = dict[str, Any]


def exposure_curve(level: np.ndarray, max_exposures: float, half_level: float) -> np.ndarray:
    """Expected exposures per customer-week for a driver level (diminishing returns).

    Parameters
    ----------
    level : driver (spend or activity) per week, any shape, >= 0.
    max_exposures : exposures per customer-week reached at infinite level.
    half_level : scale; at ``level == half_level`` the curve reaches 63% of its max;
        0 means a constant intensity ``max_exposures`` wherever ``level > 0``.

    Returns
    -------
    Array of the same shape.

    Example
    -------
    >>> float(exposure_curve(np.array(0.0), 2.0, 1.0))
    0.0
    """
    level = np.asarray(level, dtype=float)
    if half_level <= 0:  # constant-intensity channel: on whenever the driver is positive
        return np.where(level > 0, max_exposures, 0.0)
    return max_exposures * -np.expm1(-level / half_level)


def carryover_weights(decay: float, saturation: float, max_lag: int) -> np.ndarray:
    """Weights ``w_l = 1 - exp(-decay**l / saturation)`` for lags 0..max_lag.

    With Poisson exposures ``x`` of mean ``mu`` and an individual effect
    ``1 - exp(-adstock(x) / saturation)`` (geometric adstock), the expected effect is
    exactly ``1 - exp(-sum_l w_l * mu(t - l))``.

    Example
    -------
    >>> carryover_weights(0.5, 1.0, 1).round(4).tolist()
    [0.6321, 0.3935]
    """
    lags = np.arange(max_lag + 1)
    return -np.expm1(-(decay**lags) / saturation)


def carryover(series: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Causal convolution along the last axis: ``out[t] = sum_l weights[l] * series[t - l]``.

    Example
    -------
    >>> carryover(np.array([1.0, 0.0, 0.0]), np.array([1.0, 0.5])).tolist()
    [1.0, 0.5, 0.0]
    """
    series = np.asarray(series, dtype=float)
    t = series.shape[-1]
    out = np.zeros_like(series)
    for lag, w in enumerate(weights[:t]):
        out[..., lag:] += w * series[..., : t - lag]
    return out


def adstock(counts: np.ndarray, decay: float) -> np.ndarray:
    """Geometric adstock along the last axis: ``A[t] = x[t] + decay * A[t-1]``.

    Example
    -------
    >>> adstock(np.array([1.0, 0.0, 2.0]), 0.5).tolist()
    [1.0, 0.5, 2.25]
    """
    counts = np.asarray(counts, dtype=float)
    return lfilter([1.0], [1.0, -decay], counts, axis=-1)


def group_load(channel: Mapping[str, Any], multiplier: float | np.ndarray = 1.0) -> np.ndarray:
    """Carried-over exposure load ``a_g * H_g(t; m)``: shape (groups, weeks), or
    (multipliers, groups, weeks) when ``multiplier`` is an array."""
    p = channel["params"]
    m = np.asarray(multiplier, dtype=float)
    driver = np.asarray(channel["weekly_driver"], dtype=float)
    weights = np.asarray(p["carryover_weights"], dtype=float)
    groups = channel["groups"]
    scale = np.ones((len(groups), driver.size))  # the group's factor on the driver
    for i, g in enumerate(groups):
        scale[i, list(g.get("off_weeks", []))] = 0.0
        scale[i, list(g.get("changed_weeks", []))] = float(g.get("driver_factor", 1.0))
    a = np.array([g["a"] for g in groups], dtype=float)[:, None]
    if np.all((scale == 0.0) | (scale == 1.0)):  # on/off only: one exposure curve
        mu = exposure_curve(m[..., None] * driver, p["max_exposures"], p["half_level"])
        return a * carryover(scale * mu[..., None, :], weights)
    level = m[..., None, None] * scale * driver
    return a * carryover(exposure_curve(level, p["max_exposures"], p["half_level"]), weights)


def channel_response(
    channel: Mapping[str, Any],
    multiplier: float | np.ndarray = 1.0,
    metric: str = "sales",
    weekly: bool = False,
) -> Any:
    """Expected incremental sales (or conversions) of one channel at a driver multiplier.

    Parameters
    ----------
    channel : one entry of ``truth["channels"]``.
    multiplier : factor on the channel's weekly driver (spend or activity); 1 = as simulated.
        An array gives one result per multiplier.
    metric : ``"sales"`` or ``"conversions"``.
    weekly : return the weekly series instead of the total.

    Returns
    -------
    A float (scalar multiplier, total), else an array (``(..., weeks)`` when weekly).

    Example
    -------
    >>> truth = load_truth("data/sample/truth.json")             # doctest: +SKIP
    >>> channel_response(truth["channels"]["display"], 0.0)       # doctest: +SKIP
    0.0
    """
    key = "weight_sales" if metric == "sales" else "weight_conversions"
    w = np.array([g[key] for g in channel["groups"]], dtype=float)[:, None]
    load = group_load(channel, multiplier)
    per_week = channel["params"]["beta"] * (w * -np.expm1(-load)).sum(-2)
    if weekly:
        return per_week
    total = per_week.sum(-1)
    return float(total) if np.ndim(total) == 0 else total


def expected_sales(truth: Mapping[str, Any], spend_by_channel: Mapping[str, float]) -> float:
    """Expected total sales over the period for a spend vector (totals per channel).

    Each channel's weekly spend pattern is scaled to the given total; channels not named
    keep their simulated spend; channels without spend always act as simulated. Raises
    ``KeyError`` for unknown channels and ``ValueError`` for negative spend or spend on
    a channel that had none in the simulation.

    Parameters
    ----------
    truth : the dict from :func:`load_truth`.
    spend_by_channel : channel -> total spend over the period.

    Returns
    -------
    Expected total sales (baseline + every channel's incremental sales).

    Example
    -------
    >>> truth = load_truth("data/sample/truth.json")              # doctest: +SKIP
    >>> expected_sales(truth, {"tv": 0.0}) < truth["expected"]["sales"]   # doctest: +SKIP
    True
    """
    channels = truth["channels"]
    unknown = sorted(set(spend_by_channel) - set(channels))
    if unknown:
        raise KeyError(f"unknown channels {unknown}; known: {sorted(channels)}")
    total = float(truth["baseline"]["expected_sales"])
    for name, ch in channels.items():
        total += channel_response(ch, _multiplier(ch, spend_by_channel.get(name)))
    return total


def _multiplier(channel: Mapping[str, Any], spend: float | None) -> float:
    if spend is None or channel["driver"] != "spend":
        return 1.0
    if spend < 0:
        raise ValueError("spend must be >= 0")
    current = float(channel["spend"])
    if current <= 0:
        if spend > 0:
            raise ValueError(
                "a channel without simulated spend cannot be given spend "
                "(its weekly pattern is unknown)"
            )
        return 0.0
    return spend / current


def marginal_roi(channel: Mapping[str, Any], rel_step: float = 1e-4) -> float | None:
    """d(expected incremental sales)/d(spend) at the simulated spend, or None without spend."""
    spend = float(channel.get("spend") or 0.0)
    if channel["driver"] != "spend" or spend <= 0:
        return None
    up = channel_response(channel, 1 + rel_step)
    down = channel_response(channel, 1 - rel_step)
    return (up - down) / (2 * rel_step * spend)


def optimal_allocation(
    truth: Mapping[str, Any], budget: float, channels: list[str] | None = None, steps: int = 2000
) -> dict[str, float]:
    """True optimal split of ``budget`` over spend channels (maximises expected sales).

    The budget is cut into ``steps`` equal increments; as every response is concave in
    spend, giving each increment to the channel with the largest marginal gain is
    optimal on that grid (accuracy ``budget / steps`` per channel).

    Parameters
    ----------
    truth : the dict from :func:`load_truth`.
    budget : total spend to allocate.
    channels : channels that may receive spend (default: every channel with spend).
    steps : number of budget increments.

    Returns
    -------
    channel -> spend, summing to ``budget``.

    Example
    -------
    >>> truth = load_truth("data/sample/truth.json")              # doctest: +SKIP
    >>> plan = optimal_allocation(truth, 1e6)                     # doctest: +SKIP
    """
    names = channels or [
        n for n, c in truth["channels"].items() if c["driver"] == "spend" and float(c["spend"]) > 0
    ]
    if budget <= 0 or not names:
        return dict.fromkeys(names, 0.0)
    grid = np.linspace(0.0, budget, steps + 1)
    gains = []
    for n in names:
        ch = truth["channels"][n]
        curve = np.concatenate(
            [
                channel_response(ch, grid[i : i + 200] / float(ch["spend"]))
                for i in range(0, grid.size, 200)
            ]
        )
        gains.append(np.diff(curve))
    gains_all = np.concatenate(gains)
    owner = np.repeat(np.arange(len(names)), steps)
    best = np.argsort(-gains_all, kind="stable")[:steps]
    counts = np.bincount(owner[best], minlength=len(names))
    return {n: float(c) * budget / steps for n, c in zip(names, counts, strict=True)}


def truth_frame(truth: Mapping[str, Any]) -> pd.DataFrame:
    """One row per channel: spend, true incremental sales/conversions, ROI, marginal ROI.

    Example
    -------
    >>> truth_frame(load_truth("data/sample/truth.json")).columns[:3].tolist()  # doctest: +SKIP
    ['channel', 'kind', 'in_journeys']
    """
    rows = []
    for name, ch in truth["channels"].items():
        inc = ch["incremental"]
        rows.append(
            {
                "channel": name,
                "kind": ch["kind"],
                "in_journeys": ch["in_journeys"],
                "spend": ch["spend"],
                "incremental_sales": inc["expected_sales"],
                "incremental_conversions": inc["expected_conversions"],
                "realised_incremental_sales": inc["realised_sales"],
                "share_of_sales": inc.get("share_of_expected_sales"),
                "roi": ch.get("roi"),
                "mroi": ch.get("mroi"),
            }
        )
    return pd.DataFrame(rows)


def load_truth(path: str | Path) -> Truth:
    """Read ``truth.json`` written by the simulator.

    Raises ``InputError`` when the file is missing or not a simulator truth file.

    Example
    -------
    >>> truth = load_truth("data/sample/truth.json")              # doctest: +SKIP
    >>> sorted(truth)[:2]                                         # doctest: +SKIP
    ['baseline', 'channels']
    """
    path = Path(path)
    try:
        truth = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            "file not found",
            "pass the truth.json written by 'attribution simulate'",
            file=str(path),
            reason="missing",
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            f"not valid JSON ({exc})",
            "pass the truth.json written by 'attribution simulate'",
            file=str(path),
            reason="format",
        ) from None
    if not isinstance(truth, dict) or "channels" not in truth or "baseline" not in truth:
        raise InputError(
            "not a simulator truth file (no 'channels'/'baseline')",
            "pass the truth.json written by 'attribution simulate'",
            file=str(path),
            reason="format",
        )
    return truth
