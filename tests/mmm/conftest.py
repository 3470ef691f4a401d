"""Shared small fits for the MMM tests (one compile each; sampling kept small)."""

from __future__ import annotations

import pytest

from attribution.mmm import MMM, spec_from_dict
from attribution.mmm.synthetic import simulate_panel

SETTINGS = {"draws": 300, "tune": 300, "chains": 2, "seed": 11}
CONFIG = {"model": {"holdout_weeks": 8, "fourier_modes": 1}}


@pytest.fixture(scope="session")
def settings():
    return dict(SETTINGS)


@pytest.fixture(scope="session")
def world():
    """104 weeks (96 fitted + 8 holdout), 3 channels, known truth."""
    return simulate_panel(104, 3, seed=7)


@pytest.fixture(scope="session")
def spec(world):
    df, _ = world
    return spec_from_dict(CONFIG, list(df.columns))


@pytest.fixture(scope="session")
def fitted(world, spec):
    df, _ = world
    return MMM(spec, **SETTINGS).fit(df)
