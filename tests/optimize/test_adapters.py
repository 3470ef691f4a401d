"""The fitted-MMM adapter: only spend channels are optimised, activity stays put."""

from __future__ import annotations

import json

import numpy as np
import pytest

from attribution.optimize import BudgetOptimizer
from attribution.optimize.adapters import MMMResponse, load_response_model
from attribution.optimize.horizon import HorizonOutcome


class FakeMMMResults:
    """Duck-typed stand-in for attribution.mmm.results.MMMResults (no sampling)."""

    channels = ("search", "organic", "tv")
    has_spend = np.array([True, False, True])
    current_spend = np.array([100.0, 7.0, 300.0])

    def __init__(self) -> None:
        self.beta = np.array([[400.0, 50.0, 900.0], [500.0, 60.0, 800.0]])
        self.k = np.array([50.0, 3.0, 400.0])
        self.seen: list[np.ndarray] = []

    def media_params(self):
        return {}

    def response(self, spend, *, per_channel=False, max_draws=None):
        spend = np.asarray(spend, dtype=float)
        self.seen.append(spend[..., 1])
        lead = spend.shape[:-1]
        b = self.beta.reshape(2, *([1] * len(lead)), 3)
        out = b * np.log1p(spend[None] / self.k)
        return out if per_channel else out.sum(-1)


def test_mmm_adapter_restricts_to_spend_channels() -> None:
    fake = FakeMMMResults()
    m = MMMResponse(fake)
    assert m.channels == ("search", "tv")
    np.testing.assert_allclose(m.current_spend, [100.0, 300.0])
    x = np.array([[10.0, 20.0], [30.0, 40.0]])
    got = m.response(x)
    expect = (fake.beta[:, [0, 2]][:, None, :] * np.log1p(x[None] / fake.k[[0, 2]])).sum(-1)
    np.testing.assert_allclose(got, expect)
    assert all(np.all(s == 7.0) for s in fake.seen)  # activity held at its current level
    assert m.ramp_fraction(3) is None  # no adstock information on the fake


def test_mmm_adapter_optimum_is_the_log_closed_form() -> None:
    fake = FakeMMMResults()
    m = MMMResponse(fake)
    res = BudgetOptimizer(horizon=1).fit(m, 1000.0)
    # mean beta: search 450, tv 850; 450/(50+x) = 850/(400+y), x + y = 1000
    mu = (450.0 + 850.0) / (1000.0 + 50.0 + 400.0)
    np.testing.assert_allclose(res.recommended_spend, [450 / mu - 50, 850 / mu - 400], rtol=1e-5)
    ch = HorizonOutcome(m, 1).channel_totals(res.recommended_spend)
    assert ch.shape == (2, 2)
    # the raw results object is wrapped automatically
    direct = BudgetOptimizer().fit(fake, 1000.0)
    assert direct.channels == ("search", "tv")
    np.testing.assert_allclose(direct.recommended_spend, res.recommended_spend)


@pytest.mark.slow
def test_fitted_mmm_end_to_end(tmp_path) -> None:
    """Fit a tiny MMM, save it, optimise it from the run folder through the CLI."""
    pd = pytest.importorskip("pandas")
    from attribution.cli import main
    from attribution.mmm.fit import MMM
    from attribution.mmm.io import save
    from attribution.mmm.spec import spec_from_dict
    from attribution.mmm.synthetic import simulate_panel

    df, _ = simulate_panel(60, 3, seed=1)
    res = MMM(spec_from_dict({}, list(df.columns)), draws=100, tune=100, chains=1, seed=1).fit(df)
    save(res, tmp_path / "run" / "mmm")
    model = load_response_model(tmp_path / "run")
    assert isinstance(model, MMMResponse)
    frac = model.ramp_fraction(30)
    assert frac.shape == (30, 3) and np.all(np.diff(frac, axis=0) >= -1e-12)
    assert frac[-1] == pytest.approx(1.0)
    (tmp_path / "b.csv").write_text("channel,min_pct,max_pct\nch1,-50,50\n")
    out = tmp_path / "run" / "plan.csv"
    # a 100-draw, one-chain fit fails its diagnostics: the optimiser plans only when told,
    # and the plan says it is unsafe (the adapter is what this test checks)
    assert (
        main(
            [
                "-q",
                "optimize",
                "--model",
                str(tmp_path / "run"),
                "--budget",
                "current",
                "--out",
                str(out),
                "--bounds",
                str(tmp_path / "b.csv"),
                "--carryover",
                "ramp",
                "--allow-unconverged",
            ]
        )
        == 0
    )
    pj = json.loads((tmp_path / "run" / "plan.json").read_text())
    assert pj["safe"] is False
    plan = pd.read_csv(out).set_index("channel")
    cur = plan.loc["ch1", "current_spend"]
    assert 0.5 * cur * (1 - 1e-9) <= plan.loc["ch1", "recommended_spend"] <= 1.5 * cur * (1 + 1e-9)
    total = plan.loc["total"]
    assert total.recommended_spend == pytest.approx(total.current_spend)
    assert total.expected_recommended >= total.expected_current - 1e-9


def test_unidentified_channel_plan_intervals_start_at_zero() -> None:
    """A channel the data cannot separate from demand: the plan's intervals (expected
    sales now and recommended, marginal return) start at 0, as in mmm/channels.csv;
    its mean and high end and every other channel are unchanged."""
    fake = FakeMMMResults()
    base = BudgetOptimizer(horizon=1).fit(fake, 1000.0).to_frame().set_index("channel")
    fake.unidentified = ("search", "organic")  # organic: an activity channel, not planned
    m = MMMResponse(fake)
    got = BudgetOptimizer(horizon=1).fit(m, 1000.0).to_frame().set_index("channel")
    assert base.loc["search", "expected_current_low"] > 0  # a posterior quantile before
    for k in ("expected_current", "expected_recommended", "mroi"):
        assert got.loc["search", f"{k}_low"] == 0.0
        assert got.loc["search", k] == pytest.approx(base.loc["search", k], rel=1e-9)
        assert got.loc["search", f"{k}_high"] == pytest.approx(base.loc["search", f"{k}_high"])
        assert got.loc["tv", f"{k}_low"] == pytest.approx(base.loc["tv", f"{k}_low"], rel=1e-9)
