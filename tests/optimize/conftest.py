"""Shared response models with known optima for the optimiser tests."""

from __future__ import annotations

import numpy as np
import pytest

from attribution.optimize.response import ParametricResponse


def hill_model(
    n_draws: int = 200,
    seed: int = 7,
    shape: float = 1.0,
    current: tuple[float, ...] = (100.0, 50.0, 30.0),
) -> ParametricResponse:
    """Three channels of Hill curves with posterior spread (tv, search, social)."""
    rng = np.random.default_rng(seed)
    n = len(current)
    beta = rng.lognormal(np.log([300.0, 200.0, 150.0][:n]), 0.2, (n_draws, n))
    half = rng.lognormal(np.log([120.0, 40.0, 60.0][:n]), 0.2, (n_draws, n))
    return ParametricResponse(
        ("tv", "search", "social")[:n],
        np.array(current),
        beta=beta,
        curve="hill",
        params={"half": half, "shape": np.full((n_draws, n), shape)},
        decay=np.array([0.6, 0.2, 0.4][:n]),
    )


class NoGradient:
    """Wraps a model, hiding everything but the bare protocol (finite differences path)."""

    def __init__(self, model: ParametricResponse) -> None:
        self.channels = model.channels
        self.current_spend = model.current_spend
        self._m = model

    def response(self, spend: np.ndarray) -> np.ndarray:
        return self._m.response(spend)


@pytest.fixture
def hill3() -> ParametricResponse:
    return hill_model()
