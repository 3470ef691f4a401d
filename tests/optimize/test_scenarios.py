"""Scenario evaluation and the budget sweep."""

from __future__ import annotations

import numpy as np
import pytest

from attribution.errors import InputError
from attribution.optimize import BudgetOptimizer, ChannelBounds, ParametricResponse
from attribution.optimize.horizon import HorizonOutcome
from attribution.optimize.scenarios import budget_sweep, evaluate_plans, read_plans, sweep_budgets

from .conftest import hill_model

CH = ("tv", "search", "social")


def test_read_plans_wide_long_and_weeks(tmp_path) -> None:
    wide = tmp_path / "wide.csv"
    wide.write_text(
        "scenario,period,tv,spend_search,social,weeks\n"
        "shift,w1,10,20,30,1\nshift,w2,11,21,31,2\nflat,q,5,5,5,13\n"
    )
    plans = read_plans(wide, CH)
    assert list(plans) == ["shift", "flat"]
    np.testing.assert_allclose(plans["shift"], [[10, 20, 30], [11, 21, 31], [11, 21, 31]])
    assert plans["flat"].shape == (13, 3)
    long = tmp_path / "long.csv"
    long.write_text(
        "scenario,period,channel,spend\n"
        "a,1,tv,1\na,1,search,2\na,1,social,3\na,2,tv,4\na,2,search,5\n"
        "a,2,social,6\n"
    )
    np.testing.assert_allclose(read_plans(long, CH)["a"], [[1, 2, 3], [4, 5, 6]])


@pytest.mark.parametrize(
    "text,row,column,what",
    [
        ("tv,search\n1,2\n", 1, None, "no spend column for channel(s) ['social']"),
        ("tv,search,social,radio\n1,2,3,4\n", 1, "radio", "unknown column 'radio'"),
        ("tv,search,social\n1,-2,3\n", 2, "search", "negative spend"),
        ("tv,search,social\n1,2,x\n", 2, "social", "'x' is not a number"),
        ("tv,search,social,weeks\n1,2,3,0\n", 2, "weeks", "whole number"),
        ("channel,spend\ntv,1\ntv,2\n", 3, "channel", "appears twice"),
        ("channel,spend\ntv,1\nsearch,2\n", None, "channel", "no spend for ['social']"),
    ],
)
def test_bad_scenario_files(tmp_path, text, row, column, what) -> None:
    p = tmp_path / "s.csv"
    p.write_text(text)
    with pytest.raises(InputError) as info:
        read_plans(p, CH)
    assert (info.value.row, info.value.column) == (row, column)
    assert what in str(info.value)


def test_evaluate_plans_matches_hand_computed_draws() -> None:
    # two draws, one channel, log curve: outcome per week = beta * log(1 + x)
    m = ParametricResponse(
        ("a",),
        np.array([1.0]),
        beta=np.array([[1.0], [3.0]]),
        curve="log",
        params={"k": np.array([1.0])},
    )
    res = evaluate_plans(m, {"up": np.array([[3.0], [3.0]])}, interval=0.5)
    row = res.to_frame().iloc[0]
    draws = np.array([1.0, 3.0]) * 2 * np.log(4.0)
    base = np.array([1.0, 3.0]) * 2 * np.log(2.0)
    assert row.weeks == 2 and row.total_spend == 6.0 and row.current_spend == 2.0
    assert row.expected == pytest.approx(draws.mean())
    assert row.expected_low == pytest.approx(np.quantile(draws, 0.25))
    assert row.expected_high == pytest.approx(np.quantile(draws, 0.75))
    assert row.current_expected == pytest.approx(base.mean())
    assert row.uplift == pytest.approx((draws - base).mean())
    assert row.prob_beats_current == 1.0
    assert row.roi == pytest.approx(draws.mean() / 6.0)


def test_scenario_intervals_and_probability(hill3) -> None:
    plans = {
        "current": np.tile(hill3.current_spend, (13, 1)),
        "cut": np.tile(hill3.current_spend * 0.5, (13, 1)),
        "optimal": np.tile(
            BudgetOptimizer(horizon=13).fit(hill3, 13 * 180.0).recommended_spend / 13, (13, 1)
        ),
    }
    t = evaluate_plans(hill3, plans, margin=0.8).to_frame().set_index("scenario")
    assert (t.expected_low <= t.expected).all() and (t.expected <= t.expected_high).all()
    assert t.loc["current", "uplift"] == pytest.approx(0.0)
    assert t.loc["current", "prob_beats_current"] == 0.0  # ties do not beat
    assert t.loc["cut", "prob_beats_current"] == 0.0  # less spend, less outcome
    assert t.loc["optimal", "uplift"] > 0
    assert t.loc["cut", "profit"] == pytest.approx(
        0.8 * t.loc["cut", "expected"] - t.loc["cut", "total_spend"]
    )


def test_scenarios_with_ramp_carryover(hill3) -> None:
    plan = np.tile(hill3.current_spend * [2.0, 1.0, 1.0], (4, 1))
    ramp = evaluate_plans(hill3, {"p": plan}, carryover="ramp").to_frame().iloc[0]
    steady = evaluate_plans(hill3, {"p": plan}).to_frame().iloc[0]
    # more tv ramps in through adstock, so the first weeks earn less than steady state
    assert ramp.expected < steady.expected
    assert ramp.current_expected == pytest.approx(steady.current_expected)
    ev = HorizonOutcome(hill3, 1, "ramp")
    assert ramp.expected == pytest.approx(ev.path_totals(plan).mean())


@pytest.mark.parametrize("shape", [0.8, 1.0])
def test_budget_sweep_monotone_for_concave_curves(shape: float) -> None:
    m = hill_model(n_draws=60, shape=shape)
    t = budget_sweep(
        m, sweep_budgets(13 * 180.0, 0.25, 2.0, 8), optimizer=BudgetOptimizer(horizon=13)
    ).to_frame()
    assert len(t) == 8
    assert np.all(np.diff(t.expected.to_numpy()) > 0)
    # concave: the marginal return at the optimum falls as the budget grows
    assert np.all(np.diff(t.marginal_roi.to_numpy()) < 0)
    spend = t[[f"spend_{c}" for c in CH]].sum(axis=1).to_numpy()
    np.testing.assert_allclose(spend, t.budget.to_numpy(), rtol=1e-9)


def test_budget_sweep_skips_infeasible_budgets(hill3) -> None:
    res = budget_sweep(
        hill3, [50.0, 500.0], {"tv": ChannelBounds(min=100.0)}, BudgetOptimizer(horizon=1)
    )
    assert res.to_frame().budget.tolist() == [500.0]
    assert res.findings and "budget 50.00 skipped" in res.findings[0].message


def test_budget_sweep_around_one_budget(hill3) -> None:
    t = budget_sweep(hill3, 180.0).to_frame()
    np.testing.assert_allclose(t.budget, np.linspace(90.0, 270.0, 11))
