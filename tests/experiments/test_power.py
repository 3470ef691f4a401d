"""Power math on hand-computed cases, and geo matching on exact synthetic controls."""

from __future__ import annotations

import numpy as np
import pytest

from attribution.experiments.matching import (
    match_geos,
    stratified_groups,
    synthetic_control_weights,
)
from attribution.experiments.power import (
    ar1_sum_factor,
    mde,
    power,
    serial_correlation,
    window_se,
    z_crit,
)


def test_hand_computed_power_and_mde():
    assert z_crit(0.05) == pytest.approx(1.959964, abs=1e-6)
    assert mde(1.0, 0.05, 0.8) == pytest.approx(1.959964 + 0.841621, abs=1e-5)
    assert power(0.0, 1.0, 0.05) == pytest.approx(0.05)
    assert power(2.801585, 1.0, 0.05) == pytest.approx(0.8, abs=1e-4)
    # two tails: a large negative effect is detected as well
    assert power(-4.0, 1.0, 0.05) == pytest.approx(power(4.0, 1.0, 0.05))


def test_power_matches_simulated_z_tests():
    rng = np.random.default_rng(0)
    effect, se = 2.0, 1.0
    est = effect + se * rng.standard_normal(200_000)
    rate = np.mean(np.abs(est / se) > z_crit(0.05))
    assert rate == pytest.approx(power(effect, se), abs=0.004)


def test_ar1_factor_matches_simulated_sums():
    rng = np.random.default_rng(1)
    rho, W, n = 0.6, 6, 60_000
    e = rng.standard_normal((n, W + 50))
    x = np.zeros_like(e)
    for t in range(1, e.shape[1]):
        x[:, t] = rho * x[:, t - 1] + e[:, t]
    x = x[:, 50:]
    ratio = x.sum(1).var() / (W * x.var())
    assert ratio == pytest.approx(ar1_sum_factor(rho, W), rel=0.03)
    assert ar1_sum_factor(0.5, 2) == pytest.approx(1.5)


def test_serial_correlation_only_when_ljung_box_rejects():
    rng = np.random.default_rng(2)
    assert serial_correlation(rng.standard_normal(300))[0] == 0.0
    e = rng.standard_normal(400)
    x = np.zeros(400)
    for t in range(1, 400):
        x[t] = 0.7 * x[t - 1] + e[t]
    rho, p = serial_correlation(x)
    assert p < 0.05 and rho == pytest.approx(0.7, abs=0.1)


def test_window_se_adds_forecast_variance():
    white = np.random.default_rng(4).standard_normal(500)
    assert window_se(white, 4, forecast_var=5.0, noise_var=1.0) == pytest.approx(3.0)


def test_synthetic_control_recovers_exact_weights():
    rng = np.random.default_rng(5)
    controls = rng.gamma(5.0, 100.0, (60, 4))
    treated = controls @ np.array([0.5, 0.0, 1.2, 0.3])
    w = synthetic_control_weights(treated, controls)
    assert w == pytest.approx([0.5, 0.0, 1.2, 0.3], abs=1e-8)


def test_stratified_groups_take_one_geo_per_stratum():
    size = np.array([10.0, 9.0, 5.0, 4.0, 1.0, 0.9])
    for g in stratified_groups(size, 0.5, 10, np.random.default_rng(0)):
        assert len(g) == 3
        # one of each size pair
        assert sorted(i // 2 for i in g) == [0, 1, 2]


def test_match_picks_the_group_with_an_exact_control():
    rng = np.random.default_rng(6)
    T = 80
    base = rng.gamma(5.0, 100.0, (T, 3))
    # g3 is an exact mix of g0..g2; g4 is noise; spend concentrated so g3 can be chosen
    sales = np.column_stack([base, base @ np.array([0.4, 0.4, 0.2]), rng.gamma(5.0, 100.0, T)])
    geos = ("g0", "g1", "g2", "g3", "g4")
    m = match_geos(geos, sales, np.zeros_like(sales), np.ones(5), 0.2, treated=("g3",))
    assert m.treated == ("g3",)
    assert m.fit_r2 == pytest.approx(1.0, abs=1e-9)
    assert dict(zip(m.controls, m.weights, strict=True))["g4"] == pytest.approx(0.0, abs=1e-9)
    assert m.spend_share == pytest.approx(0.2)
