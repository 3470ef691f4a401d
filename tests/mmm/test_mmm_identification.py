"""Partial identification: a channel the panel cannot separate from demand keeps a
Uniform(0, 1) share of its fitted effect per draw; the rest is baseline."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from attribution.mmm.analysis import (
    UNIDENTIFIED_PREFIX,
    baseline_parts,
    decomposition,
    fit_metrics,
    media_contributions,
    response_curves,
)
from attribution.mmm.diagnostics import model_findings
from attribution.mmm.identification import identified_share
from attribution.mmm.io import load, save
from attribution.optimize import BudgetOptimizer


def test_identified_share_is_one_for_identified_channels_and_uniform_otherwise():
    s = identified_share(20_000, ["tv", "brand", "email"], ["brand"], seed=3)
    assert s.shape == (20_000, 3)
    assert np.all(s[:, [0, 2]] == 1.0)
    u = s[:, 1]
    assert u.min() >= 0.0 and u.max() <= 1.0
    # Uniform(0, 1): mean 1/2, quartiles 1/4 and 3/4 (sd of the mean ~0.002)
    assert u.mean() == pytest.approx(0.5, abs=0.01)
    assert np.quantile(u, [0.25, 0.75]) == pytest.approx([0.25, 0.75], abs=0.01)


def test_identified_share_is_seeded_and_independent_of_the_order_given():
    a = identified_share(50, ["a", "b", "c"], ["c", "a"], seed=5)
    b = identified_share(50, ["a", "b", "c"], ["a", "c"], seed=5)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, identified_share(50, ["a", "b", "c"], ["a", "c"], seed=6))
    with pytest.raises(ValueError, match="not in the model"):
        identified_share(5, ["a"], ["zz"], seed=1)


@pytest.fixture(scope="module")
def adjusted(fitted):
    return fitted.with_unidentified([fitted.channels[1]], seed=9)


def test_unidentified_channel_keeps_its_share_and_the_others_are_untouched(fitted, adjusted):
    ix = np.arange(fitted.n_draws)
    raw = media_contributions(fitted, ix)
    adj = media_contributions(adjusted, ix)
    u = adjusted.identified_share()[:, 1]
    np.testing.assert_allclose(adj[..., 1], raw[..., 1] * u[:, None, None], rtol=1e-12)
    np.testing.assert_array_equal(adj[..., [0, 2]], raw[..., [0, 2]])
    # the optimiser's response is scaled the same way, per draw
    r0 = fitted.response(fitted.current_spend, per_channel=True)
    r1 = adjusted.response(fitted.current_spend, per_channel=True)
    np.testing.assert_allclose(r1[:, 1], r0[:, 1] * u, rtol=1e-12)
    np.testing.assert_allclose(r1[:, [0, 2]], r0[:, [0, 2]], rtol=1e-12)


def test_the_rest_moves_to_the_baseline_so_fitted_sales_do_not_change(fitted, adjusted):
    ix = np.arange(fitted.n_draws)
    name = f"{UNIDENTIFIED_PREFIX}{fitted.channels[1]}"
    parts = baseline_parts(adjusted, ix)
    raw = media_contributions(fitted, ix)[..., 1]
    np.testing.assert_allclose(
        parts[name] + media_contributions(adjusted, ix)[..., 1], raw, rtol=1e-10
    )
    d0, d1 = decomposition(fitted), decomposition(adjusted)
    np.testing.assert_allclose(d1["predicted"], d0["predicted"], rtol=1e-10)
    assert name in d1.columns and name not in d0.columns


def test_intervals_start_at_zero_and_keep_the_high_end_below_the_association(fitted, adjusted):
    ch = fitted.channels[1]
    t0 = fitted.to_frame().set_index("channel")
    t1 = adjusted.to_frame().set_index("channel")
    # the identification region: from no effect at all up to (nearly) the association
    for col in ("contribution_low", "share_low", "roi_low", "mroi_low"):
        assert t1.loc[ch, col] == 0.0 and t0.loc[ch, col] > 0.0
    assert 0.7 * t0.loc[ch, "contribution_high"] < t1.loc[ch, "contribution_high"]
    assert t1.loc[ch, "contribution_high"] < t0.loc[ch, "contribution_high"]
    # the mean is the association times the mean share (1/2 in expectation)
    u = adjusted.identified_share()[:, 1].mean()
    assert t1.loc[ch, "contribution"] == pytest.approx(u * t0.loc[ch, "contribution"], rel=0.05)
    # identified channels keep their intervals exactly
    others = [c for c in fitted.channels if c != ch]
    np.testing.assert_allclose(
        t1.loc[others, "contribution_low"], t0.loc[others, "contribution_low"], rtol=1e-12
    )


def test_saved_and_loaded_model_keeps_the_unidentified_channels(adjusted, tmp_path):
    save(adjusted, tmp_path / "mmm")
    back = load(tmp_path / "mmm")
    assert back.unidentified == adjusted.unidentified
    assert back.identification_seed == 9
    np.testing.assert_allclose(
        back.to_frame()["contribution"], adjusted.to_frame()["contribution"], rtol=1e-9
    )


def test_media_credited_with_more_than_all_sales_is_an_error(fitted):
    """The media share of fitted sales is the posterior-mean media contribution over the
    fitted weeks divided by their sales; above 100% the baseline is negative and the
    channel numbers come from the priors: an error that gates decisions."""
    ix = np.arange(fitted.n_draws)
    n = fitted.n_train
    media = media_contributions(fitted, ix)[:, :n].sum(axis=(1, 2, 3)).mean()
    share = media / fitted.panel.y[:n].sum()
    assert fit_metrics(fitted)["media_share"] == pytest.approx(share, rel=1e-9)
    assert "mmm.media_exceeds_sales" not in {f.code for f in model_findings(fitted)}
    k = 1.2 / share  # every channel's effect scaled so media come to 120% of sales
    inflated = replace(fitted, posterior={**fitted.posterior, "beta": fitted.posterior["beta"] * k})
    assert fit_metrics(inflated)["media_share"] == pytest.approx(1.2, rel=1e-9)
    found = [f for f in model_findings(inflated) if f.code == "mmm.media_exceeds_sales"]
    assert len(found) == 1 and found[0].level == "error" and "120%" in found[0].message


def test_plan_intervals_agree_with_the_response_curves(adjusted):
    """The plan's expected sales at current spend (one week, steady state) is the response
    curve at the current spend: same mean, same high end, and a low end of 0 for the
    unidentified channel (not the 5% quantile of its uniform share)."""
    ch = adjusted.channels[1]
    plan = BudgetOptimizer(horizon=1).fit(adjusted, float(adjusted.current_spend.sum()))
    p = plan.to_frame().set_index("channel")
    rc = response_curves(adjusted, points=3)  # 0, 1x, 2x the current spend
    at = rc.groupby("channel").nth(1).set_index("channel")
    assert p.loc[ch, "expected_current_low"] == 0.0 == at.loc[ch, "response_low"]
    assert p.loc[ch, "mroi_low"] == 0.0
    for c in adjusted.channels:
        assert p.loc[c, "expected_current"] == pytest.approx(at.loc[c, "response"], rel=1e-6)
        hi = p.loc[c, "expected_current_high"]
        assert hi == pytest.approx(at.loc[c, "response_high"], rel=1e-6)
    other = adjusted.channels[0]
    assert p.loc[other, "expected_current_low"] > 0.0
