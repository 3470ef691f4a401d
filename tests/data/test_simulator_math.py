"""Pure functions of the simulator, checked on hand-computed cases and exact solutions."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy import stats

from attribution.data.simulator import engine, output, series
from attribution.data.simulator.truth import (
    adstock,
    carryover,
    carryover_weights,
    channel_response,
    expected_sales,
    exposure_curve,
    optimal_allocation,
)


def test_exposure_curve_hand_values():
    got = exposure_curve(np.array([0.0, 1.0, 2.0]), 2.0, 1.0)
    np.testing.assert_allclose(got, [0.0, 2 * (1 - np.exp(-1)), 2 * (1 - np.exp(-2))])
    np.testing.assert_allclose(exposure_curve(np.array([5.0, 0.0]), 0.3, 0.0), [0.3, 0.0])


def test_carryover_weights_and_convolution_hand_values():
    w = carryover_weights(0.5, 2.0, 2)
    np.testing.assert_allclose(w, [1 - np.exp(-0.5), 1 - np.exp(-0.25), 1 - np.exp(-0.125)])
    np.testing.assert_allclose(
        carryover(np.array([2.0, 0.0, 1.0, 0.0]), np.array([1.0, 0.5])), [2.0, 1.0, 1.0, 0.5]
    )
    np.testing.assert_allclose(
        adstock(np.array([[1.0, 0.0, 2.0, 0.0]]), 0.5), [[1.0, 0.5, 2.25, 1.125]]
    )


def test_expected_effect_formula_matches_monte_carlo():
    """E[1 - exp(-adstock(x)/k)] for Poisson x equals 1 - exp(-carryover(mu, w)) exactly."""
    rng = np.random.default_rng(3)
    mu = np.array([0.5, 0.0, 1.2, 0.3, 0.0, 0.8])
    decay, k = 0.6, 1.5
    x = rng.poisson(mu, size=(400_000, mu.size))
    mc = (-np.expm1(-adstock(x, decay) / k)).mean(0)
    exact = -np.expm1(-carryover(mu, carryover_weights(decay, k, mu.size - 1)))
    np.testing.assert_allclose(mc, exact, atol=2e-3)
    naive = -np.expm1(-carryover(mu, decay ** np.arange(mu.size)) / k)  # Jensen: wrong
    assert np.abs(naive - exact).max() > 0.02


def test_poisson_inverse_matches_scipy_and_is_monotone():
    rng = np.random.default_rng(0)
    u = rng.random(5000)
    rate = rng.gamma(1.0, 1.5, 5000)
    np.testing.assert_array_equal(
        engine.poisson_inverse(u, rate), stats.poisson.ppf(u, rate).astype(int)
    )
    lower = engine.poisson_inverse(u, rate * 0.7)
    assert (lower <= engine.poisson_inverse(u, rate)).all()
    assert engine.poisson_inverse(np.array([0.3]), np.array([0.0]))[0] == 0


def test_hash_uniform_deterministic_and_uniform():
    keys = np.arange(200_000, dtype=np.uint64)
    u = engine.hash_uniform(keys, 7, 3)
    np.testing.assert_array_equal(u, engine.hash_uniform(keys, 7, 3))
    assert not np.array_equal(u, engine.hash_uniform(keys, 8, 3))
    assert stats.kstest(u, "uniform").pvalue > 0.001
    assert ((u >= 0) & (u < 1)).all()


def test_segment_targeting_mean_one_and_slope():
    a = engine.segment_targeting(1.6, 5)
    assert a.mean() == pytest.approx(1.0)
    np.testing.assert_allclose(a[1:] / a[:-1], np.exp(1.6))


def test_ids_format_and_scramble_is_bijective():
    assert output.format_ids("C", np.array([1, 23]), 7).to_pylist() == ["C0000001", "C0000023"]
    assert output.format_ids("ck_", np.array([255]), 4, 16).to_pylist() == ["ck_00ff"]
    s = output.scramble(np.arange(100_000), 12345)
    assert np.unique(s).size == 100_000


def test_calendar():
    assert series.easter(2025) == dt.date(2025, 4, 20)
    weeks = series.week_starts(dt.date(2024, 1, 1), 52)
    flags = series.holiday_flags(weeks)
    holiday_weeks = [w for w, f in zip(weeks, flags, strict=True) if f]
    assert holiday_weeks == [
        dt.date(2024, 1, 1),
        dt.date(2024, 3, 25),
        dt.date(2024, 11, 25),
        dt.date(2024, 12, 23),
    ]


def _toy_truth() -> dict:
    """Two channels with one group each and no carry-over: R(m) = beta*W*T*(1-exp(-a*F(m*d)))."""

    def ch(beta: float, half: float) -> dict:
        return {
            "driver": "spend",
            "spend": 400.0,
            "weekly_driver": [100.0] * 4,
            "params": {
                "beta": beta,
                "max_exposures": 1.0,
                "half_level": half,
                "carryover_weights": [1.0],
            },
            "groups": [
                {"a": 1.0, "weight_sales": 10.0, "weight_conversions": 1.0, "off_weeks": []}
            ],
        }

    return {
        "baseline": {"expected_sales": 50.0},
        "channels": {"a": ch(2.0, 100.0), "b": ch(1.0, 300.0)},
    }


def test_channel_response_and_expected_sales_closed_form():
    truth = _toy_truth()
    a = truth["channels"]["a"]
    # weekly exposure load F(100) = 1 - exp(-1); per week 1 - exp(-F); 4 weeks
    want = 2.0 * 10.0 * 4 * (1 - np.exp(-(1 - np.exp(-1.0))))
    assert channel_response(a) == pytest.approx(want)
    assert channel_response(a, 0.0) == 0.0
    total = expected_sales(truth, {})
    assert total == pytest.approx(50 + want + channel_response(truth["channels"]["b"]))
    assert expected_sales(truth, {"a": 0.0}) == pytest.approx(total - want)
    with pytest.raises(KeyError):
        expected_sales(truth, {"nope": 1.0})
    with pytest.raises(ValueError):
        expected_sales(truth, {"a": -1.0})
    truth["channels"]["b"]["spend"] = 0.0
    with pytest.raises(ValueError):
        expected_sales(truth, {"b": 10.0})


def test_optimal_allocation_beats_grid_search():
    truth = _toy_truth()
    budget = 800.0
    plan = optimal_allocation(truth, budget)
    assert sum(plan.values()) == pytest.approx(budget)
    best = max(
        expected_sales(truth, {"a": s, "b": budget - s}) for s in np.linspace(0, budget, 801)
    )
    assert expected_sales(truth, plan) >= best - 1e-3
