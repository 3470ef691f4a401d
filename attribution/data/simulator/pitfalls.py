"""The weekly mechanics of the pitfalls (:class:`~attribution.data.simulator.config.Pitfalls`).

Pure functions of arrays and a random generator; :mod:`~attribution.data.simulator.world`
applies them when it draws the world's weekly series:

- **latent demand**: ``demand(t) = planned(t) * exp(z(t))`` with ``z`` an AR(1) shock
  (autocorrelation 0.8, stationary sd ``intent_strength``), normalised to mean 1. It
  scales every customer's baseline purchase rate; no control column sees ``z``.
- **demand search**: clicks follow demand and spend = clicks x cost per click, so the
  driver is ``level * demand(t) * cpc(t)`` (cpc lognormal, sd 0.1, mean 1).
- **seasonal budgets**: the driver is multiplied by ``planned(t) ** 1.5`` (normalised),
  the season the planners forecast, not the shocks they cannot see.
- **CRM to past buyers**: the driver follows the mean demand of the previous four weeks
  (more recent buyers, more sends); the targeting itself is set in the channel spec.
- **organic touches**: the driver of ``organic_search`` / ``direct`` is ``demand(t)``.
"""

from __future__ import annotations

import numpy as np

from attribution.data.simulator.config import (
    CRM_CHANNELS,
    DEMAND_SEARCH_CHANNELS,
    ORGANIC_TOUCH_CHANNELS,
    SEASONAL_CHANNELS,
    ChannelSpec,
    Pitfalls,
)

#: random-stream keys of the pitfalls (after the engine's 1..9)
STREAM_INTENT, STREAM_PITFALL, STREAM_QUERY = 10, 11, 12
AR_COEF = 0.8
CPC_SD = 0.1
SEASON_POWER = 1.5
CRM_LAG_WEEKS = 4
QUERY_NOISE = 0.05


def latent_shock(rng: np.random.Generator, weeks: int, strength: float) -> np.ndarray:
    """AR(1) log-demand shock with autocorrelation ``AR_COEF`` and stationary sd ``strength``.

    Example
    -------
    >>> latent_shock(np.random.default_rng(0), 3, 0.0).tolist()
    [0.0, 0.0, 0.0]
    """
    if strength <= 0:
        return np.zeros(weeks)
    eps = rng.standard_normal(weeks) * strength * np.sqrt(1 - AR_COEF**2)
    z = np.empty(weeks)
    z[0] = rng.standard_normal() * strength
    for t in range(1, weeks):
        z[t] = AR_COEF * z[t - 1] + eps[t]
    return z


def demand_index(planned: np.ndarray, shock: np.ndarray) -> np.ndarray:
    """Weekly demand, mean 1: the planned baseline times ``exp(shock)``.

    Example
    -------
    >>> demand_index(np.array([1.0, 1.0]), np.log(np.array([1.0, 3.0]))).tolist()
    [0.5, 1.5]
    """
    planned = np.asarray(planned, dtype=float)
    if not np.any(shock):  # no shock: the planned series itself, bit for bit
        return planned.copy()
    d = planned * np.exp(shock)
    return d / d.mean()


def lagged_mean(series: np.ndarray, lags: int) -> np.ndarray:
    """Mean of the previous ``lags`` values (the first week repeats itself).

    Example
    -------
    >>> lagged_mean(np.array([1.0, 3.0, 5.0]), 2).tolist()
    [1.0, 1.0, 2.0]
    """
    s = np.asarray(series, dtype=float)
    padded = np.concatenate([np.full(lags, s[0]), s])
    csum = np.concatenate([[0.0], np.cumsum(padded)])
    return (csum[lags : lags + s.size] - csum[: s.size]) / lags


def shape_driver(
    p: Pitfalls,
    spec: ChannelSpec,
    driver: np.ndarray,
    demand: np.ndarray,
    planned: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """A channel's weekly driver under the pitfalls (mean kept at the channel's level).

    Parameters
    ----------
    p : the pitfall settings.
    spec : the channel.
    driver : its weekly driver as drawn from its own pattern.
    demand : the latent demand (mean 1); planned : the forecast season (mean 1).
    rng : the channel's own pitfall stream (used only by demand search).
    """
    d = np.asarray(driver, dtype=float)
    level = float(d.mean()) if d.size else 0.0
    if p.demand_search and spec.name in DEMAND_SEARCH_CHANNELS:
        cpc = rng.lognormal(-(CPC_SD**2) / 2, CPC_SD, d.size)
        shaped = demand * cpc
    elif p.seasonal_budgets and spec.name in SEASONAL_CHANNELS:
        shaped = d * planned**SEASON_POWER
    elif p.crm_past_buyers and spec.name in CRM_CHANNELS:
        shaped = d * lagged_mean(demand, CRM_LAG_WEEKS)
    elif p.organic_touches and spec.name in {c.name for c in ORGANIC_TOUCH_CHANNELS}:
        shaped = demand * 1.0
    else:
        return d
    return shaped * (level / shaped.mean()) if shaped.mean() > 0 else d


def query_volume(
    rng: np.random.Generator, demand: np.ndarray, scale: float = 10_000.0
) -> np.ndarray:
    """What a search-trends export would show: demand x 5% lognormal noise, rounded."""
    noise = rng.lognormal(-(QUERY_NOISE**2) / 2, QUERY_NOISE, demand.size)
    return np.round(scale * demand * noise)
