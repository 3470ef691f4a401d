"""Geo mode of the simulator: a regional weekly media panel with known truth.

Geos differ in size (populations ``size_ratio`` apart, 12x by default) and everything
scales with size: spend, baseline sales, the channel effects and the noise (its
standard deviation is proportional to the geo's population). Per head, each geo
responds to its media through geometric adstock and logistic saturation
``s(u) = (1 - exp(-u)) / (1 + exp(-u))`` of ``u = x / k`` (the model's default curve
family, so that the geo structure is what a fit is tested on; with the world
simulator's ``1 - exp(-u)`` instead, a 6-geo, 70-week world came out 16% low on one
channel, a curve mismatch, not a geo one)::

    sales[t, g] = pop[g] * (base[g] * (1 + trend t + season[t]) + price effect[g]
                            + shock[t]
                            + sum_c beta[g, c] * s(adstock_c(spend / pop)[t, g] / k_c))
                  + pop[g] * noise * eps[t, g]

``shock[t]`` is a weekly shock shared by all geos (per head; sd ``time_shock *
base_per_head``, zero by default: the worlds without it are drawn unchanged), the kind
of week-to-week movement (weather, news, competitors) that neither a trend nor a
yearly seasonality follows.

``beta[g, c] = beta[c] * exp(0.2 z[g, c])``: channel effects vary by geo around a
national effect; the price control's effect varies by geo too. The truth (every
channel's contribution per week and geo) is exact, not estimated.

Example
-------
>>> frame, truth = simulate_geo(GeoConfig(n_geos=4, n_weeks=20), seed=1)
>>> sorted(frame.columns)[:3]
['date', 'geo', 'population']
>>> round(float(truth.population.max() / truth.population.min()), 1)
12.0
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from attribution.data.contracts import SPEND_PREFIX

# channel -> (weekly spend per head, true effect per head at full saturation,
#             adstock retention, saturation scale k per head, share of weeks on air);
# k is about the mean adstocked spend per head: the curve bends over the observed
# range (which a model must find) without being flat there
GEO_CHANNELS: dict[str, tuple[float, float, float, float, float]] = {
    "tv": (0.030, 0.060, 0.6, 0.020, 0.6),
    "search": (0.020, 0.050, 0.1, 0.017, 0.85),
    "social": (0.015, 0.030, 0.3, 0.013, 0.9),
    "display": (0.010, 0.015, 0.3, 0.008, 0.8),
    "radio": (0.008, 0.020, 0.4, 0.006, 0.7),
}


@dataclass(frozen=True)
class GeoConfig:
    """Size of the geo world and its noise.

    ``channels`` names a subset of :data:`GEO_CHANNELS` (in that order).
    """

    n_geos: int = 40
    n_weeks: int = 156
    channels: tuple[str, ...] = tuple(GEO_CHANNELS)
    size_ratio: float = 12.0  # largest / smallest population
    smallest: float = 100_000.0
    base_per_head: float = 0.5  # baseline weekly sales per head
    noise: float = 0.02  # noise sd per head (proportional to geo size)
    geo_effect_sd: float = 0.2  # spread of log channel effects across geos
    l_max: int = 8
    start: str = "2023-01-02"
    time_shock: float = 0.0  # sd of the shared weekly shock, relative to base_per_head

    def __post_init__(self) -> None:
        unknown = set(self.channels) - set(GEO_CHANNELS)
        if unknown or not self.channels:
            raise ValueError(
                f"channels must be among {list(GEO_CHANNELS)}, got {list(self.channels)}"
            )
        if self.time_shock < 0:
            raise ValueError("time_shock must be >= 0")
        if self.n_geos < 2 or self.n_weeks < self.l_max or self.size_ratio < 1:
            raise ValueError("a geo world needs >= 2 geos, n_weeks >= l_max, size_ratio >= 1")


@dataclass(frozen=True)
class GeoTruth:
    """The simulated geo world's truth (sales units)."""

    channels: tuple[str, ...]
    geos: tuple[str, ...]
    population: np.ndarray  # (G,)
    spend: np.ndarray  # (T, G, C)
    contribution: np.ndarray  # (T, G, C) true weekly contribution per geo and channel
    beta: np.ndarray  # (G, C) effect per head at full saturation
    alpha: np.ndarray  # (C,)
    k: np.ndarray  # (C,)
    noise_sd: np.ndarray  # (G,) weekly noise sd in sales units
    time_shock: np.ndarray  # (T,) shared weekly shock per head (zeros without one)
    baseline_per_head: np.ndarray  # (G,) base[g], before trend and seasonality
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> np.ndarray:
        """True contribution per channel over all weeks and geos ``(C,)``."""
        return self.contribution.sum(axis=(0, 1))

    @property
    def roi(self) -> np.ndarray:
        return self.total / self.spend.sum(axis=(0, 1))

    def frame(self) -> pd.DataFrame:
        """channel, spend, contribution, roi (the truth of ``mmm/channels.csv``)."""
        return pd.DataFrame(
            {
                "channel": list(self.channels),
                "spend": self.spend.sum(axis=(0, 1)),
                "contribution": self.total,
                "roi": self.roi,
            }
        )


def _geometric(x: np.ndarray, alpha: np.ndarray, l_max: int) -> np.ndarray:
    """Normalised geometric adstock over the week axis of ``x`` ``(T, G, C)``."""
    w = alpha[None, :] ** np.arange(l_max)[:, None]  # (L, C)
    w = w / w.sum(0)
    out = np.zeros_like(x)
    for lag in range(l_max):
        out[lag:] += w[lag] * x[: len(x) - lag]
    return out


def simulate_geo(config: GeoConfig | None = None, seed: int = 0) -> tuple[pd.DataFrame, GeoTruth]:
    """Draw a geo panel: columns date, geo, population, sales, spend_<channel>..., price.

    Parameters
    ----------
    config : the world's size and noise (default :class:`GeoConfig`).
    seed : random seed (numpy Generator); the same seed gives the same panel.

    Returns
    -------
    (panel frame, truth).
    """
    cfg = config or GeoConfig()
    rng = np.random.default_rng(seed)
    T, G, C = cfg.n_weeks, cfg.n_geos, len(cfg.channels)
    par = np.array([GEO_CHANNELS[c] for c in cfg.channels])  # (C, 5)
    per_head, eff, alpha, k, on_share = (par[:, i] for i in range(5))
    # populations exactly size_ratio apart, log-evenly spread, in random geo order
    pop = np.round(cfg.smallest * cfg.size_ratio ** rng.permutation(np.linspace(0.0, 1.0, G)))
    geos = tuple(f"geo{g:02d}" for g in range(G))
    t = np.arange(T)
    dates = np.datetime64(cfg.start, "D") + 7 * t
    doy = (dates - dates.astype("datetime64[Y]")).astype(int)
    season = 0.08 * np.sin(2 * np.pi * doy / 365.25) + 0.04 * np.cos(2 * np.pi * doy / 365.25)
    # spend per head: national flights (on / off weeks) times geo-week variation
    flights = rng.uniform(size=(T, C)) < on_share[None, :]
    level = np.exp(rng.normal(0.0, 0.25, (G, C)))  # some geos spend more per head
    pc = per_head * level[None] * rng.gamma(2.0, 0.5, (T, G, C)) * flights[:, None, :]
    spend = pc * pop[None, :, None]
    beta = eff[None, :] * np.exp(rng.normal(0.0, cfg.geo_effect_sd, (G, C)))
    e = np.exp(-_geometric(pc, alpha, cfg.l_max) / k)
    sat = (1.0 - e) / (1.0 + e)
    contrib = sat * beta[None] * pop[None, :, None]  # (T, G, C)
    base = cfg.base_per_head * np.exp(rng.normal(0.0, 0.1, G))
    price = 10.0 + rng.normal(0.0, 0.5, (T, G))
    price_effect = -0.01 * np.exp(rng.normal(0.0, 0.3, G))  # per head per unit of price
    baseline = pop[None, :] * (
        base[None, :] * (1.0 + 0.1 * t[:, None] / T + season[:, None])
        + price_effect[None, :] * (price - 10.0)
    )
    noise_sd = cfg.noise * pop
    sales = baseline + contrib.sum(-1) + noise_sd[None, :] * rng.standard_normal((T, G))
    shock = np.zeros(T)
    if cfg.time_shock > 0:  # drawn last, so the rest of the world is the same without it
        shock = cfg.time_shock * cfg.base_per_head * rng.standard_normal(T)
        sales = sales + shock[:, None] * pop[None, :]
    rows: dict[str, np.ndarray] = {
        "date": np.repeat(dates.astype(str), G),
        "geo": np.tile(np.array(geos), T),
        "population": np.tile(pop, T),
        "sales": sales.reshape(-1),
    }
    for c, name in enumerate(cfg.channels):
        rows[SPEND_PREFIX + name] = spend[..., c].reshape(-1)
    rows["price"] = price.reshape(-1)
    truth = GeoTruth(
        cfg.channels,
        geos,
        pop,
        spend,
        contrib,
        beta,
        alpha,
        k,
        noise_sd,
        shock,
        base,
        {"baseline_total": float(baseline.sum())},
    )
    return pd.DataFrame(rows), truth
