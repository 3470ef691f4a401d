"""The optimiser against exact optima, bounds, equal marginal returns and the current plan."""

from __future__ import annotations

import numpy as np
import pytest

from attribution.errors import UsageError
from attribution.optimize import BudgetOptimizer, ChannelBounds, ParametricResponse
from attribution.optimize.allocate import aggregate, project_to_budget
from attribution.optimize.horizon import HorizonOutcome

from .conftest import NoGradient, hill_model

CH = ("tv", "search", "social")


def log_model(beta, k, current, n_draws: int = 1, seed: int = 0) -> ParametricResponse:
    """beta * log(1 + x/k); with draws, beta varies but its mean is ``beta``."""
    beta = np.asarray(beta, dtype=float)
    if n_draws > 1:
        rng = np.random.default_rng(seed)
        noise = rng.lognormal(0.0, 0.3, (n_draws, beta.size))
        beta = beta * noise / noise.mean(axis=0)  # exact mean = beta
    return ParametricResponse(
        CH[: len(current)],
        np.asarray(current, dtype=float),
        beta=np.atleast_2d(beta),
        curve="log",
        params={"k": np.asarray(k, dtype=float)},
    )


def log_optimum(beta, k, budget):
    """Equal marginal returns beta_i / (k_i + x_i) = mu, sum x = budget (all interior)."""
    beta, k = np.asarray(beta, float), np.asarray(k, float)
    mu = beta.sum() / (budget + k.sum())
    return beta / mu - k


def test_closed_form_log_optimum_over_draws() -> None:
    beta, k, weekly = [300.0, 200.0, 100.0], [50.0, 20.0, 10.0], 400.0
    m = log_model(beta, k, [200.0, 150.0, 50.0], n_draws=300)
    res = BudgetOptimizer(horizon=13).fit(m, 13 * weekly)
    expect = 13 * log_optimum(beta, k, weekly)  # mu = 600/480 = 1.25 -> (190, 140, 70) a week
    np.testing.assert_allclose(expect / 13, [190.0, 140.0, 70.0])
    np.testing.assert_allclose(res.recommended_spend, expect, rtol=1e-5)
    assert res.status == ("interior",) * 3
    assert res.converged


def test_closed_form_exponential_optimum() -> None:
    beta, lam, budget = np.array([500.0, 300.0, 200.0]), np.array([0.01, 0.03, 0.02]), 200.0
    m = ParametricResponse(
        CH, np.array([100.0, 50.0, 50.0]), beta=beta, curve="exponential", params={"lam": lam}
    )
    # beta*lam*exp(-lam x) = mu  ->  x = log(beta*lam/mu)/lam, sum x = budget
    log_mu = (np.sum(np.log(beta * lam) / lam) - budget) / np.sum(1.0 / lam)
    expect = (np.log(beta * lam) - log_mu) / lam
    assert np.all(expect > 0)
    res = BudgetOptimizer(horizon=1).fit(m, budget)
    np.testing.assert_allclose(res.recommended_spend, expect, rtol=1e-5)


def _brute_force(model, weekly: float, n: int = 201):
    ev = HorizonOutcome(model, 1)
    g = np.linspace(0.0, weekly, n)
    a, b = np.meshgrid(g, g, indexing="ij")
    c = weekly - a - b
    ok = c >= -1e-12
    plans = np.stack([a[ok], b[ok], np.maximum(c[ok], 0.0)], axis=-1)
    vals = ev.totals(plans).mean(axis=0)
    i = int(np.argmax(vals))
    # refine locally around the best grid point
    step = weekly / (n - 1)
    g2 = np.linspace(-step, step, 41)
    a2, b2 = np.meshgrid(plans[i, 0] + g2, plans[i, 1] + g2, indexing="ij")
    c2 = weekly - a2 - b2
    ok2 = (a2 >= 0) & (b2 >= 0) & (c2 >= 0)
    p2 = np.stack([a2[ok2], b2[ok2], c2[ok2]], axis=-1)
    v2 = ev.totals(p2).mean(axis=0)
    return float(max(vals.max(), v2.max()))


@pytest.mark.parametrize("shape,weekly", [(1.0, 180.0), (1.5, 180.0), (2.0, 120.0), (1.5, 60.0)])
def test_within_half_percent_of_brute_force_on_hill_curves(shape: float, weekly: float) -> None:
    m = hill_model(n_draws=100, shape=shape)
    best = _brute_force(m, weekly)
    res = BudgetOptimizer(horizon=1).fit(m, weekly)
    got = res.objective_recommended
    assert got >= best * (1 - 0.005)
    assert got <= best * (1 + 1e-3)  # the grid is (nearly) the true optimum
    assert res.recommended_spend.sum() == pytest.approx(weekly, rel=1e-9)


def test_finite_difference_path_finds_same_optimum() -> None:
    m = hill_model(n_draws=100, shape=1.5)
    a = BudgetOptimizer(horizon=13).fit(m, 13 * 180.0)
    b = BudgetOptimizer(horizon=13).fit(NoGradient(m), 13 * 180.0)
    np.testing.assert_allclose(b.recommended_spend, a.recommended_spend, rtol=2e-3, atol=0.5)
    assert b.objective_recommended == pytest.approx(a.objective_recommended, rel=1e-6)


def test_equal_marginal_roi_at_interior_optimum(hill3) -> None:
    res = BudgetOptimizer(horizon=13).fit(hill3, 13 * 180.0)
    interior = np.array([s == "interior" for s in res.status])
    assert interior.sum() >= 2
    m = res.mroi[interior, 0]
    assert np.ptp(m) / m.mean() < 1e-4


def test_marginal_roi_matches_log_closed_form() -> None:
    beta, k, weekly = [300.0, 200.0, 100.0], [50.0, 20.0, 10.0], 400.0
    res = BudgetOptimizer(horizon=4).fit(log_model(beta, k, [100, 100, 100]), 4 * weekly)
    mu = sum(beta) / (weekly + sum(k))  # d outcome / d spend, same for every channel
    np.testing.assert_allclose(res.mroi[:, 0], mu, rtol=1e-5)


@pytest.mark.parametrize("seed", range(5))
def test_every_bound_respected(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = hill_model(n_draws=50, shape=1.0 + rng.random())
    h, budget = 13, 13 * 180.0
    cur = 13 * m.current_spend
    bounds = {
        "tv": ChannelBounds(
            min=float(rng.uniform(0, 0.3) * budget), max_pct=float(rng.uniform(0, 50))
        ),
        "search": ChannelBounds(
            min_pct=float(-rng.uniform(0, 40)), max=float(rng.uniform(0.3, 0.6) * budget)
        ),
        "social": ChannelBounds(locked=bool(seed % 2)),
    }
    res = BudgetOptimizer(horizon=h).fit(m, budget, bounds)
    r = res.recommended_spend
    tol = 1e-6 * budget
    assert r.sum() == pytest.approx(budget, rel=1e-9)
    assert r[0] >= bounds["tv"].min - tol
    assert r[0] <= cur[0] * (1 + bounds["tv"].max_pct / 100) + tol
    assert r[1] >= cur[1] * (1 + bounds["search"].min_pct / 100) - tol
    assert r[1] <= bounds["search"].max + tol
    if seed % 2:
        assert r[2] == pytest.approx(cur[2])
        assert res.status[2] == "locked"
    assert np.all(r >= res.lower - tol) and np.all(r <= res.upper + tol)


def test_minimum_spend_binds_and_is_reported() -> None:
    # log curves: unconstrained optimum gives social 70/week; force 150/week
    m = log_model([300.0, 200.0, 100.0], [50.0, 20.0, 10.0], [100, 100, 100])
    res = BudgetOptimizer(horizon=1).fit(m, 400.0, {"social": ChannelBounds(min=150.0)})
    assert res.recommended_spend[2] == pytest.approx(150.0, rel=1e-6)
    assert res.status[2] == "at_min"
    # the rest is split optimally: equal marginal returns over the remaining 250
    np.testing.assert_allclose(
        res.recommended_spend[:2], log_optimum([300, 200], [50, 20], 250), rtol=1e-5
    )


@pytest.mark.parametrize("seed", range(6))
def test_never_worse_than_current(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    current = tuple(rng.uniform(5, 150, 3))
    m = hill_model(n_draws=80, seed=seed, shape=float(rng.uniform(0.8, 2.5)), current=current)
    for opt in (
        BudgetOptimizer(horizon=13),
        BudgetOptimizer(horizon=13, risk_quantile=0.1),
        BudgetOptimizer(horizon=13, carryover="ramp"),
    ):
        res = opt.fit(m, 13 * sum(current))
        assert res.objective_recommended >= res.objective_current - 1e-9 * abs(
            res.objective_current
        )
        assert 0.0 <= res.prob_beats_current <= 1.0


def test_current_optimal_plan_is_kept() -> None:
    beta, k = [300.0, 200.0, 100.0], [50.0, 20.0, 10.0]
    m = log_model(beta, k, log_optimum(beta, k, 400.0))
    res = BudgetOptimizer(horizon=1).fit(m, 400.0)
    np.testing.assert_allclose(res.recommended_spend, m.current_spend, rtol=1e-6)
    assert res.objective_recommended >= res.objective_current


def test_probability_beats_poor_current_plan_is_one() -> None:
    # almost everything on the weakest channel: the optimum is clearly better in every draw
    m = log_model([300.0, 200.0, 100.0], [50.0, 20.0, 10.0], [5.0, 5.0, 390.0], n_draws=400)
    res = BudgetOptimizer(horizon=13).fit(m, 13 * 400.0)
    assert res.prob_beats_current > 0.99
    assert res.uplift[1] > 0  # even the low end of the interval is a gain
    frame = res.to_frame()
    assert (
        frame.loc[frame.channel == "total", "prob_beats_current"].item() == res.prob_beats_current
    )


def test_risk_quantile_objective_is_the_quantile() -> None:
    m = hill_model(n_draws=200, shape=1.2)
    res = BudgetOptimizer(horizon=1, risk_quantile=0.1).fit(m, 180.0)
    ev = HorizonOutcome(m, 1)
    v = ev.totals(res.recommended_spend)
    assert res.objective_recommended == pytest.approx(np.quantile(v, 0.1))
    mean_plan = BudgetOptimizer(horizon=1).fit(m, 180.0)
    # each plan is best under its own objective
    assert np.quantile(v, 0.1) >= np.quantile(ev.totals(mean_plan.recommended_spend), 0.1) - 1e-9
    assert mean_plan.objective_recommended >= v.mean() - 1e-9


def test_profit_closed_form_spends_less_than_cap() -> None:
    # margin * beta / (k + x) = 1  ->  x = margin * beta - k
    beta, k, margin = np.array([300.0, 200.0, 100.0]), np.array([50.0, 20.0, 10.0]), 0.5
    m = log_model(beta, k, [10, 10, 10])
    res = BudgetOptimizer(horizon=1, objective="profit", margin=margin).fit(m, 1000.0)
    np.testing.assert_allclose(res.recommended_spend, margin * beta - k, rtol=1e-5)
    assert res.recommended_spend.sum() < 1000.0


def test_ramp_horizon_moves_less_than_steady_state_for_slow_channel() -> None:
    m = hill_model(n_draws=50, shape=1.0)
    steady = BudgetOptimizer(horizon=4).fit(m, 4 * 180.0)
    ramp = BudgetOptimizer(horizon=4, carryover="ramp").fit(m, 4 * 180.0)
    # ramp objective = sum of weekly responses at the adstocked spends
    ev = HorizonOutcome(m, 4, "ramp")
    assert ramp.objective_recommended == pytest.approx(ev.totals(ramp.recommended_spend / 4).mean())
    assert ramp.objective_recommended >= ev.totals(steady.recommended_spend / 4).mean() - 1e-9


def test_infeasible_bounds_name_channels_and_numbers(hill3) -> None:
    opt = BudgetOptimizer(horizon=1)
    with pytest.raises(UsageError, match=r"minimum spends add up to 250.00.*tv 150.00.*budget 200"):
        opt.fit(hill3, 200.0, {"tv": ChannelBounds(min=150.0), "search": ChannelBounds(min=100)})
    with pytest.raises(UsageError, match=r"maximum spends add up to 60.00.*budget 200"):
        opt.fit(hill3, 200.0, {c: ChannelBounds(max=20.0) for c in CH})
    with pytest.raises(UsageError, match=r"locked channels \(tv 100.00, search 50.00\)"):
        opt.fit(
            hill3, 120.0, {"tv": ChannelBounds(locked=True), "search": ChannelBounds(locked=True)}
        )
    with pytest.raises(UsageError, match=r"channel 'tv'.*minimum 200.00 > maximum 110.00"):
        opt.fit(hill3, 500.0, {"tv": ChannelBounds(min=200.0, max_pct=10)})
    with pytest.raises(UsageError, match="unknown channel"):
        opt.fit(hill3, 500.0, {"radio": ChannelBounds(min=1.0)})


def test_bad_settings() -> None:
    with pytest.raises(UsageError, match="margin"):
        BudgetOptimizer(objective="profit")
    with pytest.raises(UsageError, match="objective"):
        BudgetOptimizer(objective="revenue")
    with pytest.raises(UsageError, match="risk quantile"):
        BudgetOptimizer(risk_quantile=1.5)
    with pytest.raises(UsageError, match="horizon"):
        BudgetOptimizer(horizon=0)


def test_result_is_frozen_and_tabular(hill3) -> None:
    res = BudgetOptimizer(horizon=13).fit(hill3, 13 * 180.0)
    with pytest.raises(AttributeError):
        res.budget = 1.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        res.recommended_spend[0] = 1.0
    f = res.to_frame()
    for col in (
        "channel",
        "current_spend",
        "recommended_spend",
        "change_pct",
        "expected_current",
        "expected_recommended",
        "expected_current_low",
        "expected_current_high",
        "expected_recommended_low",
        "expected_recommended_high",
        "mroi",
    ):
        assert col in f.columns
    assert f.channel.tolist() == [*CH, "total"]
    body = f.iloc[:3]
    assert (body.expected_recommended_low <= body.expected_recommended).all()
    assert (body.expected_recommended <= body.expected_recommended_high).all()
    # additive model: channel contributions add up to the plan's total
    assert body.expected_recommended.sum() == pytest.approx(f.expected_recommended.iloc[3])
    np.testing.assert_allclose(
        body.change_pct, 100 * (res.recommended_spend / res.current_spend - 1)
    )
    assert "Probability" in res.summary() and "<table" in res._repr_html_()


def test_helpers() -> None:
    x = project_to_budget(
        np.array([1.0, 2.0, 3.0]), np.array([0.0, 0.0, 0.0]), np.array([10.0, 10.0, 2.0]), 8.0
    )
    np.testing.assert_allclose(x, [2.0, 4.0, 2.0])
    v, g = aggregate(np.array([3.0, 1.0, 2.0]), np.array([[3.0], [1.0], [2.0]]), 0.25)
    assert v == pytest.approx(np.quantile([3.0, 1.0, 2.0], 0.25))
    assert g.tolist() == pytest.approx([1.5])


def test_max_change_pct_applies_to_channels_without_own_pct_bounds() -> None:
    m = log_model([300.0, 200.0, 100.0], [50.0, 20.0, 10.0], [5.0, 5.0, 390.0])
    opt = BudgetOptimizer(max_change_pct=50.0)
    res = opt.fit(m, 400.0, {"tv": ChannelBounds(max_pct=10000.0)})
    r = res.recommended_spend
    assert r[2] == pytest.approx(195.0)  # social can fall by at most 50%
    assert r[1] == pytest.approx(7.5)  # search can rise by at most 50%
    assert r[0] == pytest.approx(400.0 - 195.0 - 7.5)  # tv has its own (loose) cap
    assert res.status == ("interior", "at_max", "at_min")


def test_budget_far_from_current_spend_is_flagged(hill3) -> None:
    res = BudgetOptimizer(horizon=13).fit(hill3, 180.0)  # a weekly figure for a quarter
    codes = [f.code for f in res.findings]
    assert "optimize.budget_scale" in codes
    ok = BudgetOptimizer(horizon=13).fit(hill3, 13 * 180.0)
    assert "optimize.budget_scale" not in [f.code for f in ok.findings]


def test_projection_keeps_zero_channels_at_lower_bound() -> None:
    x = project_to_budget(np.array([0.0, 1.0, 3.0]), np.zeros(3), np.full(3, 10.0), 8.0)
    np.testing.assert_allclose(x, [0.0, 2.0, 6.0])
    # the others cannot take it all: the zero channel moves too
    y = project_to_budget(np.array([0.0, 1.0, 3.0]), np.zeros(3), np.full(3, 3.0), 7.0)
    assert y.sum() == pytest.approx(7.0) and y[0] > 0
