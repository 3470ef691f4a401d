"""A small world in the media-mix model's own form, with a posterior built around its
truth (no sampling): fast fixtures for the design and value tests.

``y[t, g] = intercept[g] + sum_c beta[g, c] * logistic(adstock(spend / scale), lam) + noise``
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from attribution.mmm import components as cp
from attribution.mmm.panel import make_scaling, read_panel
from attribution.mmm.results import MMMResults
from attribution.mmm.spec import ChannelSpec, MMMSpec

L_MAX = 4


@dataclass(frozen=True)
class ToyWorld:
    spend: np.ndarray  # (T, G, C)
    scale: np.ndarray  # (C,)
    alpha: np.ndarray  # (C,)
    lam: np.ndarray  # (C,)
    beta: np.ndarray  # (G, C) sales units
    intercept: np.ndarray  # (G,)
    noise: np.ndarray  # (G,) sd per geo

    def contributions(self, spend: np.ndarray) -> np.ndarray:
        stack = cp.lag_stack(spend / self.scale, L_MAX)
        w = cp.geometric_weights(self.alpha, L_MAX)
        return cp.logistic_saturation(cp.adstock(stack, w), self.lam) * self.beta[None]

    def expected(self, spend: np.ndarray | None = None) -> np.ndarray:
        s = self.spend if spend is None else spend
        return self.intercept[None] + self.contributions(s).sum(-1)

    def lift(
        self, channel: int, rows: np.ndarray, factor: float = 0.0, geos: np.ndarray | None = None
    ) -> float:
        """True sales over ``rows`` minus the same with the channel's spend times factor."""
        changed = self.spend.copy()
        g = slice(None) if geos is None else geos
        for r in rows:
            changed[r, g, channel] *= factor
        d = self.expected() - self.expected(changed)
        return float(d[rows].sum())


def toy_model(
    n_weeks: int = 80,
    n_geos: int = 1,
    seed: int = 0,
    noise: float = 40.0,
    draws: int = 200,
    jitter: float = 1.0,
) -> tuple[MMMResults, ToyWorld, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    T, G, C = n_weeks, n_geos, 2
    size = np.exp(rng.normal(0, 0.4, G)) if G > 1 else np.ones(1)
    spend = np.empty((T, G, C))
    for c in range(C):
        on = rng.uniform(size=(T, G)) < 0.8
        spend[..., c] = 1000.0 * (c + 1) * size[None] * rng.gamma(3.0, 1 / 3, (T, G)) * on
    world = ToyWorld(
        spend,
        spend.reshape(-1, C).max(0),
        np.array([0.3, 0.5]),
        np.array([2.0, 1.5]),
        np.array([[400.0, 900.0]]) * size[:, None],
        3000.0 * size,
        noise * np.sqrt(size),
    )
    y = world.expected() + rng.normal(0, 1, (T, G)) * world.noise[None]
    dates = np.datetime64("2023-01-02") + 7 * np.arange(T)
    frame = pd.DataFrame(
        {
            "date": np.repeat(dates, G).astype(str),
            "sales": y.reshape(-1),
            "spend_a": spend[..., 0].reshape(-1),
            "spend_b": spend[..., 1].reshape(-1),
        }
    )
    if G > 1:
        frame.insert(1, "geo", np.tile([f"g{i}" for i in range(G)], T))
    spec = MMMSpec(
        channels=(
            ChannelSpec("a", "spend_a", l_max=L_MAX),
            ChannelSpec("b", "spend_b", l_max=L_MAX),
        ),
        geo="geo" if G > 1 else None,
        trend=False,
        fourier_modes=0,
        controls=(),
    )
    panel, _ = read_panel(frame, spec)
    scaling = make_scaling(panel, T)
    if G > 1:
        # the toy's parameters are in whole-geo units on the all-geo-weeks maximum of each
        # channel: equal geo sizes (w = 1) and those media scales keep them meaning that
        media_max = np.abs(panel.model_input[:T]).max(axis=(0, 1))
        scaling = replace(
            scaling,
            geo=(1.0,) * G,
            media=tuple(float(v or 1.0) for v in media_max),
            target=float(np.abs(panel.y[:T]).max() or 1.0),
        )
    s = scaling.target
    D = draws
    j = jitter
    post = {
        "alpha": np.clip(world.alpha + j * 0.05 * rng.standard_normal((D, C)), 0.01, 0.95),
        "lam": world.lam * np.exp(j * 0.1 * rng.standard_normal((D, C))),
        "beta": (world.beta / s)[None] * np.exp(j * 0.25 * rng.standard_normal((D, 1, C))),
        "intercept_geo": (world.intercept / s)[None] + j * 0.002 * rng.standard_normal((D, G)),
        "sigma": np.full(D, float(np.mean(world.noise)) / s),
    }
    res = MMMResults(spec=spec, scaling=scaling, panel=panel, n_train=T, posterior=post)
    return res, world, frame
