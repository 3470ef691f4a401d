"""What a fitted media-mix model says about a test window: predicted lift per draw,
residuals, forecast draws and spend. Computed from the stored posterior, like
:mod:`attribution.mmm.analysis`, so a loaded model gives the same numbers.

The test is planned on a representative window: the last ``weeks`` fitted weeks that
still leave the carry-over tail (``l_max`` weeks) inside the fitted data, a replay of
the recent media pattern.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from attribution.mmm import components as cp
from attribution.mmm.analysis import baseline_parts, media_contributions, thin_draws
from attribution.mmm.model import media_effect
from attribution.mmm.results import MMMResults


@dataclass(frozen=True)
class ModelFacts:
    """Arrays a test design needs from a fitted model (thinned draws).

    Attributes
    ----------
    res : the model restricted to the thinned draws.
    draws : indices of the thinned draws in the full posterior.
    sales : ``(T, G)`` weekly sales of the fitted weeks.
    residuals : ``(T, G)`` sales minus the posterior-mean prediction.
    mu : ``(D, T, G)`` predicted weekly sales per draw.
    noise_factor : ``E[sigma^2] / mean(residual^2)`` (>= 1): the model's own noise
        variance over the in-sample residual variance, which a fit shrinks by the
        parameters it estimates.
    """

    res: MMMResults
    draws: np.ndarray
    sales: np.ndarray
    residuals: np.ndarray
    mu: np.ndarray
    noise_factor: float

    @property
    def n_train(self) -> int:
        return self.res.n_train

    @property
    def geos(self) -> tuple[str, ...]:
        return tuple(self.res.panel.geos)

    @property
    def l_max(self) -> int:
        return int(self.res.layout.l_max)

    def window(self, weeks: int) -> tuple[np.ndarray, np.ndarray]:
        """(test-window rows, outcome rows incl. the carry-over tail) in the fitted weeks."""
        n = self.n_train
        tail = max(0, min(self.l_max, n - weeks))
        start = n - weeks - tail
        rows = np.arange(start, start + weeks)
        return rows, np.arange(start, start + weeks + tail)

    def channel_index(self, channel: str) -> int:
        return list(self.res.channels).index(channel)

    def weekly_spend(self, channel: str, weeks: int) -> np.ndarray:
        """The channel's spend per geo in each week of the representative window ``(W, G)``."""
        rows, _ = self.window(weeks)
        return self.res.panel.media[rows, :, self.channel_index(channel)]


def model_facts(res: MMMResults, max_draws: int = 200) -> ModelFacts:
    """Collect residuals, forecasts and noise of a fitted model (``max_draws`` draws).

    Example
    -------
    >>> facts = model_facts(load("runs/q3"))         # doctest: +SKIP
    """
    idx = thin_draws(res.n_draws, max_draws)
    sub = replace(res, posterior={k: v[idx] for k, v in res.posterior.items()}, idata=None)
    ix = np.arange(len(idx))
    n = res.n_train
    mu = media_contributions(sub, ix).sum(-1)
    for v in baseline_parts(sub, ix).values():
        mu = mu + v
    mu = mu[:, :n]
    sales = np.asarray(res.panel.y[:n], dtype=float)
    resid = sales - mu.mean(0)
    sig2 = float(np.mean(sub.posterior["sigma"] ** 2)) * sub.scaling.target**2
    ms = float(np.mean(resid**2))
    factor = max(1.0, sig2 / ms) if ms > 0 else 1.0
    return ModelFacts(sub, idx, sales, resid, mu, factor)


def window_effect(facts: ModelFacts, channel: str, weeks: int, factor: float = 0.0) -> np.ndarray:
    """Predicted change in sales per draw, outcome week and geo ``(D, W', G)`` when the
    channel's media is multiplied by ``factor`` (0: switched off) in every geo over the
    representative window: factual minus changed, so switching off gives a positive
    lift. ``W'`` counts the window and its carry-over tail (:meth:`ModelFacts.window`).
    """
    res = facts.res
    c = facts.channel_index(channel)
    rows, out_rows = facts.window(weeks)
    media = res.panel.model_input / np.asarray(res.scaling.media)
    L = facts.l_max
    changed = media.copy()
    changed[rows, :, c] *= factor
    params: dict[str, Any] = res.media_params()
    f = media_effect(params, cp.lag_stack(media, L)[:, out_rows], res.layout)
    g = media_effect(params, cp.lag_stack(changed, L)[:, out_rows], res.layout)
    beta = res.channel_effects()[:, None, :, c]  # (D, 1, G): causal effects
    return (f[..., c] - g[..., c]) * beta * res.scaling.target


def forecast_variance(facts: ModelFacts, contrast: np.ndarray, weeks: int) -> float:
    """Posterior variance of the model's forecast of ``sum_window contrast @ sales``."""
    rows, _ = facts.window(weeks)
    s = facts.mu[:, rows] @ np.asarray(contrast, dtype=float)  # (D, W)
    return float(np.var(s.sum(1), ddof=1)) if s.shape[0] > 1 else 0.0
