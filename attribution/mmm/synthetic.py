"""Small synthetic weekly panels drawn from the model's own process (known truth).

Used by the tests (parameter recovery) and the scale benchmark; the full
simulated world lives in ``attribution.data.simulator``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from attribution.mmm import components as cp


@dataclass(frozen=True)
class SyntheticTruth:
    """True parameters and per-channel totals of a synthetic panel (sales units)."""

    channels: tuple[str, ...]
    alpha: np.ndarray  # (C,)
    lam: np.ndarray  # (C,)
    beta: np.ndarray  # (G, C) sales units at full saturation
    contribution: np.ndarray  # (T, G, C) weekly contribution
    spend_total: np.ndarray  # (C,)
    spend: np.ndarray  # (T, G, C)
    l_max: int

    @property
    def total(self) -> np.ndarray:
        return self.contribution.sum(axis=(0, 1))

    @property
    def roi(self) -> np.ndarray:
        return self.total / self.spend_total

    def contributions(self, spend: np.ndarray) -> np.ndarray:
        """True weekly contributions ``(T, G, C)`` for another spend history."""
        scale = self.spend.reshape(-1, self.spend.shape[-1]).max(0)
        stack = cp.lag_stack(spend / scale, self.l_max)
        w = cp.geometric_weights(self.alpha, self.l_max)
        return cp.logistic_saturation(cp.adstock(stack, w), self.lam) * self.beta[None]

    def lift(self, channel: int, start: int, end: int) -> float:
        """True incremental sales over weeks ``start..end`` (inclusive) of spending on
        ``channel`` in that window, versus switching it off there (all geos)."""
        off = self.spend.copy()
        off[start : end + 1, :, channel] = 0.0
        diff = self.contribution - self.contributions(off)
        return float(diff[start : end + 1, :, channel].sum())


def simulate_panel(
    n_weeks: int = 104,
    n_channels: int = 3,
    n_geos: int = 1,
    seed: int = 0,
    noise: float = 0.03,
    l_max: int = 8,
    start: str = "2023-01-02",
    zero_channel: bool = False,
    collinear: bool = False,
) -> tuple[pd.DataFrame, SyntheticTruth]:
    """Draw a weekly panel from geometric adstock + logistic saturation + baseline.

    Parameters
    ----------
    n_weeks, n_channels, n_geos : panel size.
    seed : random seed (numpy Generator).
    noise : residual sd relative to the baseline level.
    zero_channel : add a channel ``spend_dead`` that never spends.
    collinear : make the second channel a near copy of the first.

    Returns
    -------
    (panel, truth) with columns date, [geo,] sales, spend_<c>..., price.

    Example
    -------
    >>> df, truth = simulate_panel(52, 2, seed=1)
    >>> list(df.columns)[:3]
    ['date', 'sales', 'spend_ch1']
    """
    rng = np.random.default_rng(seed)
    T, G, C = n_weeks, n_geos, n_channels
    names = tuple(f"ch{i + 1}" for i in range(C))
    alpha = np.linspace(0.2, 0.6, C) if C > 1 else np.array([0.4])
    lam = np.linspace(2.5, 1.5, C) if C > 1 else np.array([2.0])
    base_spend = 1000.0 * (1.0 + np.arange(C))
    geo_size = np.exp(rng.normal(0, 0.3, G)) if G > 1 else np.ones(1)
    spend = np.empty((T, G, C))
    for c in range(C):
        on = rng.uniform(size=(T, G)) < 0.75
        spend[..., c] = base_spend[c] * geo_size[None, :] * rng.gamma(2.0, 0.5, (T, G)) * on
    if collinear and C > 1:
        spend[..., 1] = spend[..., 0] * 1.5 * np.exp(rng.normal(0, 0.01, (T, G)))
    level = 10000.0 * geo_size
    beta = 0.25 * level[:, None] * (1.0 + np.arange(C))[None, :] / C
    if G > 1:
        beta = beta * np.exp(rng.normal(0, 0.15, (G, C)))
    scale = spend.reshape(-1, C).max(0)
    stack = cp.lag_stack(spend / scale, l_max)
    w = cp.geometric_weights(alpha, l_max)
    sat = cp.logistic_saturation(cp.adstock(stack, w), lam)
    contrib = sat * beta[None]
    t = np.arange(T)
    dates = np.datetime64(start, "D") + 7 * t
    doy = (dates - dates.astype("datetime64[Y]")).astype(int)
    season = cp.fourier_features(doy, 1) @ np.array([0.05, 0.03])
    price = 10 + rng.normal(0, 0.5, (T, G))
    baseline = level[None, :] * (1.0 + 0.1 * t[:, None] / T + season[:, None] - 0.02 * (price - 10))
    sales = baseline + contrib.sum(-1) + rng.normal(0, noise, (T, G)) * level[None, :]
    rows = {"date": np.repeat(dates, G).astype(str)}
    if G > 1:
        rows["geo"] = np.tile([f"g{g:02d}" for g in range(G)], T)
    rows["sales"] = sales.reshape(-1)
    for c, n in enumerate(names):
        rows[f"spend_{n}"] = spend[..., c].reshape(-1)
    if zero_channel:
        rows["spend_dead"] = np.zeros(T * G)
    rows["price"] = price.reshape(-1)
    truth = SyntheticTruth(names, alpha, lam, beta, contrib, spend.sum(axis=(0, 1)), spend, l_max)
    return pd.DataFrame(rows), truth
