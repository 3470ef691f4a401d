"""Bootstrap intervals: seeded, covering the estimate, shrinking with more data."""

from __future__ import annotations

import numpy as np
import pytest

from attribution.mta.bootstrap import (
    bootstrap,
    linear_replicator,
    markov_replicator,
    percentile_interval,
    resample,
    table_replicator,
)
from attribution.mta.heuristics import fraction_matrix, step_fractions
from attribution.mta.markov import ChainStructure, fit_markov
from attribution.mta.model import PathAttribution
from attribution.mta.paths import PathTable
from attribution.mta.shapley import shapley_count


def base_table(scale: float = 1.0) -> PathTable:
    paths = [("a", "b"), ("b", "c"), ("a",), ("c",), ("a", "c", "b"), ("b",)]
    conv = np.array([10, 8, 2, 20, 6, 12]) * scale
    nulls = np.array([30, 20, 40, 25, 10, 50]) * scale
    return PathTable.from_paths(paths, conv, conv * 25.0, nulls)


def test_multinomial_keeps_journeys_poisson_has_right_mean() -> None:
    t = base_table()
    total = t.conversions.sum() + t.nulls.sum()
    for c, n, v in resample(t, 30, np.random.default_rng(0), chunk=7):
        np.testing.assert_allclose((c + n).sum(axis=0), total)
        np.testing.assert_allclose(v, c * 25.0)  # value follows conversions
    draws = np.concatenate(
        [c for c, _, _ in resample(t, 4000, np.random.default_rng(1), "poisson")], axis=1
    )
    np.testing.assert_allclose(draws.mean(axis=1), t.conversions, rtol=0.05)


def test_markov_replicator_equals_refit_on_reweighted_table() -> None:
    t = base_table()
    s = ChainStructure.from_table(t, 2)
    c, n, v = next(resample(t, 3, np.random.default_rng(2)))
    got = markov_replicator(s)(c, n, v)
    for j in range(3):
        ref = fit_markov(t.with_weights(c[:, j], v[:, j], n[:, j]), 2).credit
        np.testing.assert_allclose(got[j, :, 0], ref.conversions, rtol=1e-10)
        np.testing.assert_allclose(got[j, :, 1], ref.value, rtol=1e-10)


def test_linear_and_table_replicators_equal_direct_refits() -> None:
    t = base_table()
    c, n, v = next(resample(t, 4, np.random.default_rng(3)))
    lin = linear_replicator(fraction_matrix(t, step_fractions(t, "linear")))(c, n, v)
    ref = table_replicator(t, shapley_count)(c, n, v)
    # linear and count-Shapley differ; each must equal its own direct refit
    for j in range(4):
        w = t.with_weights(c[:, j], v[:, j], n[:, j])
        m = fraction_matrix(w, step_fractions(w, "linear"))
        np.testing.assert_allclose(lin[j, :, 0], m @ w.conversions)
        np.testing.assert_allclose(ref[j, :, 0], shapley_count(w).conversions)


def test_percentile_interval() -> None:
    s = np.random.default_rng(0).normal(size=(20000, 1))
    lo, hi = percentile_interval(s, 0.9)[0]
    assert lo == pytest.approx(-1.645, abs=0.05) and hi == pytest.approx(1.645, abs=0.05)


def test_reproducible_for_a_seed() -> None:
    t = base_table()
    reps = {"markov": markov_replicator(ChainStructure.from_table(t, 1))}
    a = bootstrap(t, reps, replicates=20, seed=5)["markov"]
    b = bootstrap(t, reps, replicates=20, seed=5)["markov"]
    c = bootstrap(t, reps, replicates=20, seed=6)["markov"]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("model", ["linear", "markov", "shapley", "position"])
def test_intervals_cover_estimate_and_shrink_with_more_data(model: str) -> None:
    est = PathAttribution(models=(model,), order=1, bootstrap=200, seed=0)
    small = est.fit(base_table(1.0))[model]
    big = est.fit(base_table(16.0))[model]
    for cr in (small, big):
        lo, hi = cr.conversions_ci[:, 0], cr.conversions_ci[:, 1]
        assert (lo <= cr.conversions + 1e-9).all() and (cr.conversions <= hi + 1e-9).all()
        vlo, vhi = cr.value_ci[:, 0], cr.value_ci[:, 1]
        assert (vlo <= cr.value + 1e-6).all() and (cr.value <= vhi + 1e-6).all()
    # relative width shrinks roughly like 1/sqrt(n): 16x the data -> about 1/4
    rel_small = (small.conversions_ci[:, 1] - small.conversions_ci[:, 0]) / small.conversions
    rel_big = (big.conversions_ci[:, 1] - big.conversions_ci[:, 0]) / big.conversions
    ratio = rel_big / rel_small
    assert (ratio < 0.4).all() and (ratio > 0.15).all()
