"""Test design on a fitted model whose truth is known (toy world, posterior at the truth)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from attribution.experiments.design import ExperimentDesign, design_test, power_curve
from attribution.experiments.effects import model_facts
from attribution.experiments.value import DecisionProblem, value_of_test
from attribution.optimize import BudgetOptimizer
from attribution.optimize.adapters import MMMResponse

from .toy import toy_model


@pytest.fixture(scope="module")
def exact():
    """Every draw at the truth: predictions must equal the world's own numbers."""
    res, world, _ = toy_model(jitter=0.0, draws=20, seed=1)
    return model_facts(res), world


def test_predicted_lift_and_cost_equal_the_truth(exact):
    facts, world = exact
    W = 6
    r = design_test(facts, ExperimentDesign("b", W, "go-dark"))
    rows, out_rows = facts.window(W)
    assert len(out_rows) == W + 4  # the carry-over tail of l_max = 4 weeks
    true_in_window = world.lift(1, rows)
    assert r.predicted == pytest.approx(np.full(20, true_in_window), rel=1e-9)
    changed = world.spend.copy()
    changed[rows, :, 1] = 0.0
    lost = float((world.expected() - world.expected(changed))[out_rows].sum())
    assert r.cost["lost_sales"][0] == pytest.approx(lost, rel=1e-9)
    assert r.cost["spend_saved"][0] == pytest.approx(world.spend[rows, :, 1].sum())


def test_budget_change_predicts_the_true_change(exact):
    facts, world = exact
    rows, _ = facts.window(4)
    r = design_test(facts, ExperimentDesign("a", 4, "budget-change", share=0.5, change=0.5))
    assert r.expected_lift[0] == pytest.approx(-world.lift(0, rows, factor=1.5), rel=1e-9)
    assert r.cost["extra_spend"][0] == pytest.approx(0.25 * world.spend[rows, :, 0].sum())


def test_noise_comes_from_the_model_and_scales_with_share(exact):
    facts, world = exact
    sigma = float(world.noise[0])
    W = 8
    dark = design_test(facts, ExperimentDesign("a", W, "go-dark"))
    # sigma^2 per week (the model's noise, at least the residuals'), no forecast spread
    assert dark.se == pytest.approx(np.sqrt(W) * sigma, rel=0.15)
    half = design_test(facts, ExperimentDesign("a", W, "holdout", share=0.5))
    assert half.se == pytest.approx(2 * dark.se, rel=1e-9)  # half the market reads half
    assert half.mde == pytest.approx((1.959964 + 0.841621) * half.se, rel=1e-5)


def test_power_curve_falls_with_length_and_share(exact):
    facts, _ = exact
    pc = power_curve(
        facts, ExperimentDesign("b", 4, "holdout"), durations=(2, 8), shares=(0.2, 0.5)
    )
    assert len(pc) == 4
    a = pc.set_index(["weeks", "share"])["assurance"]
    assert a[(8, 0.5)] > a[(8, 0.2)] and a[(8, 0.5)] > a[(2, 0.5)]


def test_geo_design_matches_and_plans():
    res, world, _ = toy_model(n_geos=6, jitter=0.0, draws=20, seed=2)
    facts = model_facts(res)
    r = design_test(facts, ExperimentDesign("b", 4, "holdout", share=0.3))
    assert r.match is not None and 1 <= len(r.match.treated) < 6
    t = [facts.geos.index(g) for g in r.match.treated]
    spend_g = world.spend[:, :, 1].sum(0)
    assert r.treated_share == pytest.approx(spend_g[t].sum() / spend_g.sum())
    plan = r.plan
    assert len(plan) == 4 * 6 and set(plan["week"]) == {1, 2, 3, 4}
    treat = plan[plan["group"] == "treatment"]
    assert (treat["test_spend"] == 0).all() and (treat["planned_spend"] > 0).all()
    ctrl = plan[plan["group"] == "control"]
    assert (ctrl["test_spend"] == ctrl["planned_spend"]).all()
    # lost sales are those of the treated geos only
    rows, out_rows = facts.window(4)
    changed = world.spend.copy()
    for g in t:
        changed[rows, g, 1] = 0.0
    lost = float((world.expected() - world.expected(changed))[out_rows].sum())
    assert r.cost["lost_sales"][0] == pytest.approx(lost, rel=1e-9)


def test_value_bounded_by_perfect_information():
    res, _, _ = toy_model(draws=20, seed=3, jitter=1.5)
    facts = model_facts(res, max_draws=20)
    opt = BudgetOptimizer(n_starts=2)
    model = MMMResponse(facts.res, max_draws=None)
    budget = float(model.current_spend.sum())
    problem = DecisionProblem(opt, budget, value_weeks=10)
    r = design_test(facts, ExperimentDesign("b", 8, "go-dark"))
    # perfect information: each draw's own best plan (EVPI)
    a0 = opt.fit(model, budget).recommended_spend
    u0 = 10 * model.response(a0)
    best = []
    for d in range(20):
        one = MMMResponse(
            replace(facts.res, posterior={k: v[[d]] for k, v in facts.res.posterior.items()}),
            max_draws=None,
        )
        best.append(10 * one.response(opt.fit(one, budget).recommended_spend)[0])
    evpi = float(np.mean(np.array(best) - u0))
    assert evpi > 0
    sharp = value_of_test(facts, replace(r, se=1e-6 * r.se), problem, n_outcomes=20)
    assert sharp.value == pytest.approx(evpi, rel=1e-3)
    real = value_of_test(facts, r, problem, n_outcomes=20)
    assert 0 <= real.value <= evpi * 1.001
    blind = value_of_test(facts, replace(r, se=1e4 * r.se), problem, n_outcomes=20)
    assert blind.value < 0.01 * evpi
