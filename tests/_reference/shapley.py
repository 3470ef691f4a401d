"""Brute-force Shapley values and random path tables (test references)."""

from __future__ import annotations

import itertools
from math import factorial

import numpy as np

from attribution.mta.paths import PathTable


def random_table(
    n_channels: int, n_paths: int, seed: int, names: list[str] | None = None, max_len: int = 5
) -> PathTable:
    """Random path table: paths of 1..max_len touches, conversions, value and nulls."""
    rng = np.random.default_rng(seed)
    names = names or [f"ch{i:02d}" for i in range(n_channels)]
    paths = [tuple(rng.choice(names, size=rng.integers(1, max_len + 1))) for _ in range(n_paths)]
    conv = rng.integers(0, 20, n_paths).astype(float)
    value = np.round(conv * rng.uniform(5, 50, n_paths), 2)
    nulls = rng.integers(0, 60, n_paths).astype(float)
    return PathTable.from_paths(paths, conv, value, nulls)


def brute_force_shapley(players: list[str], v) -> dict[str, float]:
    """Shapley value by enumerating every coalition of the other players."""
    n = len(players)
    phi = {}
    for i in players:
        others = [p for p in players if p != i]
        total = 0.0
        for size in range(n):
            weight = factorial(size) * factorial(n - size - 1) / factorial(n)
            for coalition in itertools.combinations(others, size):
                s = frozenset(coalition)
                total += weight * (v(s | {i}) - v(s))
        phi[i] = total
    return phi
