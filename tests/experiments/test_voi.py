"""Preposterior value (EVSI) on conjugate-normal cases with exact answers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from attribution.experiments.voi import (
    best_of_actions,
    effective_sample_size,
    importance_weights,
    normal_loglik,
    preposterior_value,
    simulate_outcomes,
)


def evsi_two_actions(mu0: float, sd0: float, se: float) -> float:
    """Exact EVSI of "act (U = theta) or not (U = 0)" after y ~ N(theta, se)."""
    tau = sd0**2 / np.sqrt(sd0**2 + se**2)  # sd of the posterior mean
    return tau * norm.pdf(mu0 / tau) + mu0 * norm.cdf(mu0 / tau) - max(mu0, 0.0)


def test_weights_hand_computed_and_stable():
    w = importance_weights(np.array([0.0, np.log(3.0)]))
    assert w.tolist() == pytest.approx([0.25, 0.75])
    w = importance_weights(np.array([-1e6, -1e6 + np.log(3.0)]))  # no underflow
    assert w.tolist() == pytest.approx([0.25, 0.75])
    assert float(effective_sample_size(np.array([0.25, 0.75]))) == pytest.approx(1 / 0.625)


def test_normal_loglik_matches_scipy():
    ll = normal_loglik(np.array([0.3, -1.0]), np.array([0.0, 1.0, 2.0]), 0.7)
    assert ll.shape == (2, 3)
    assert ll[1, 2] == pytest.approx(norm.logpdf(-1.0, 2.0, 0.7))


def test_stratified_outcomes_use_each_draw_once():
    rng = np.random.default_rng(1)
    pred = np.arange(50.0) * 100
    y = simulate_outcomes(pred, 1e-9, 50, rng)
    assert sorted(np.round(y).tolist()) == pred.tolist()


@pytest.mark.parametrize(("mu0", "sd0", "se"), [(0.0, 1.0, 1.0), (0.5, 1.0, 0.5), (-1.0, 2.0, 1.5)])
def test_two_action_evsi_matches_closed_form(mu0, sd0, se):
    rng = np.random.default_rng(7)
    D, K = 4000, 1500
    theta = mu0 + sd0 * norm.ppf((np.arange(D) + 0.5) / D)  # exact-quantile draws
    u = np.column_stack([np.zeros(D), theta])
    decide = best_of_actions(u)
    u0 = u[:, int(np.argmax(u.mean(0)))]
    y = simulate_outcomes(theta, se, K, rng)
    v = preposterior_value(y, theta, se, decide, u0)
    exact = evsi_two_actions(mu0, sd0, se)
    assert v.value == pytest.approx(exact, abs=max(3 * v.mc_se, 0.01 * exact))
    assert (v.gains >= -1e-12).all()  # never worse than the decision taken now


def test_quadratic_loss_evsi_is_the_variance_reduction():
    # U(a) = -(a - theta)^2: the best a is the posterior mean; EVSI = sd0^2 - posterior var
    rng = np.random.default_rng(3)
    D, K, sd0, se = 3000, 1000, 2.0, 1.0
    theta = sd0 * norm.ppf((np.arange(D) + 0.5) / D)

    def decide(w):
        return -(((w @ theta) - theta) ** 2)

    u0 = -(((theta.mean()) - theta) ** 2)
    v = preposterior_value(simulate_outcomes(theta, se, K, rng), theta, se, decide, u0)
    exact = sd0**4 / (sd0**2 + se**2)  # 3.2
    assert v.value == pytest.approx(exact, rel=0.04)


def test_no_uncertainty_no_value():
    theta = np.full(100, 2.0)
    u = np.column_stack([np.zeros(100), theta])
    v = preposterior_value(np.array([1.0, 3.0, 2.0]), theta, 1.0, best_of_actions(u), theta)
    assert v.value == 0.0
    assert v.prob_changes_decision == 0.0
