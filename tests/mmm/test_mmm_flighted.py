"""Plans laid over each channel's own flighting (``[optimize] flighting = "historical"``).

Checked against a second code path: the fitted contributions of a panel whose media
were scaled (``analysis.media_contributions`` over the whole design), and against the
exact flighted sum for the tabulated curves the optimiser reads.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from attribution.errors import UsageError
from attribution.mmm.analysis import media_contributions
from attribution.optimize import BudgetOptimizer
from attribution.optimize.adapters import FlightedMMMResponse, MMMResponse, mmm_response
from attribution.optimize.horizon import HorizonOutcome


def _scaled_panel_contributions(res, mult: np.ndarray) -> np.ndarray:
    """Mean weekly fitted-weeks contributions after multiplying each channel's media."""
    panel = replace(res.panel, media=res.panel.media * mult)
    draws = np.arange(res.n_draws)
    c = media_contributions(replace(res, panel=panel), draws)[:, : res.n_train]
    return c.sum(axis=2).mean(axis=1)  # (D, C)


def test_flighted_response_at_today_is_the_fitted_contribution(fitted):
    got = fitted.flighted_response(np.ones((1, len(fitted.channels))))[:, 0]
    want = _scaled_panel_contributions(fitted, np.ones(len(fitted.channels)))
    np.testing.assert_allclose(got, want, rtol=1e-10)
    table = fitted.to_frame().set_index("channel")["contribution"]
    np.testing.assert_allclose(
        got.mean(0) * fitted.n_train, table[list(fitted.channels)], rtol=1e-8
    )


def test_flighted_response_scales_the_weekly_series(fitted):
    mult = np.array([2.0, 0.0, 0.5])
    got = fitted.flighted_response(mult)
    np.testing.assert_allclose(got, _scaled_panel_contributions(fitted, mult), rtol=1e-10)
    assert np.all(got[:, 1] == 0.0)  # no spend, no contribution
    # saturation: doubling the bursts earns less than twice
    assert np.all(got[:, 0] < 2 * fitted.flighted_response(np.ones(3))[:, 0])


def test_tabulated_curves_match_the_exact_sum(fitted):
    m = FlightedMMMResponse(fitted, max_draws=200)
    rng = np.random.default_rng(0)
    spend = m.current_spend * rng.uniform(0.0, 3.9, size=(7, len(m.channels)))
    exact = fitted.flighted_response(spend / m.current_spend, max_draws=200)
    got = m.channel_response(spend)
    np.testing.assert_allclose(got, exact, rtol=0, atol=2e-4 * np.abs(exact).max())
    # gradient: the interpolant's own slope (consistent with its values for the
    # solver), within 1% of central differences of the exact sum (channels add up)
    h = 1e-4 * m.current_spend
    up = fitted.flighted_response((spend + h) / m.current_spend, max_draws=200)
    dn = fitted.flighted_response((spend - h) / m.current_spend, max_draws=200)
    fd = (up - dn) / (2 * h)
    np.testing.assert_allclose(m.gradient(spend), fd, rtol=0, atol=1e-2 * np.abs(fd).max())
    # beyond 4x today's spend the grid is extended, not extrapolated
    far = m.current_spend * np.array([9.0, 1.0, 1.0])
    np.testing.assert_allclose(
        m.channel_response(far),
        fitted.flighted_response(far / m.current_spend, max_draws=200),
        rtol=1e-3,
    )
    assert m.curves().top >= 9.0


def test_take_keeps_draws_curves_and_identified_shares(fitted):
    res = fitted.with_unidentified((fitted.channels[1],), seed=3)
    m = FlightedMMMResponse(res, max_draws=None)
    keep = np.array([5, 2, 40])
    spend = m.current_spend * 1.3
    full = m.channel_response(spend)
    sub = m.take(keep)
    np.testing.assert_allclose(sub.channel_response(spend), full[keep], rtol=1e-12)
    fresh = FlightedMMMResponse(res.take_draws(keep), max_draws=None)
    np.testing.assert_allclose(fresh.channel_response(spend), full[keep], rtol=1e-12)


def test_historical_plan_differs_from_flat_and_rejects_the_ramp(fitted):
    flat, hist = mmm_response(fitted, "flat"), mmm_response(fitted, "historical")
    assert isinstance(flat, MMMResponse) and not isinstance(flat, FlightedMMMResponse)
    opt = BudgetOptimizer(max_change_pct=50)
    budget = float(flat.current_spend.sum())
    p_hist = opt.fit(hist, budget)
    # the historical plan is optimal for its own curves: no flat plan does better there
    p_flat = opt.fit(flat, budget)
    ev = HorizonOutcome(hist, 1)
    assert (
        ev.totals(p_hist.recommended_spend).mean()
        >= ev.totals(p_flat.recommended_spend).mean() - 1e-9 * budget
    )
    with pytest.raises(UsageError, match="ramp"):
        HorizonOutcome(hist, 4, "ramp")
    with pytest.raises(UsageError, match="flighting"):
        mmm_response(fitted, "weekly")
