"""A budget-change test goes back through lift_tests.csv: the lift the design predicts
(and the value of information simulates) is the lift the model's likelihood predicts
for the row written after the test; on the simulator, feeding a measured budget change
back narrows the channel's interval around the truth."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from attribution.data import load_lift_tests
from attribution.data.simulator import simulate
from attribution.data.simulator.config import DEFAULT_CHANNELS, LiftTestSpec, SimulationConfig
from attribution.experiments.design import ExperimentDesign, design_test
from attribution.experiments.effects import model_facts
from attribution.io import write_csv
from attribution.mmm import MMM, spec_from_dict
from attribution.mmm.lift import parse_lift_tests
from attribution.mmm.model import lift_data, lift_effect

from .toy import toy_model


def _model_lift(facts, row: pd.DataFrame) -> np.ndarray:
    """The model likelihood's predicted lift (sales) per draw for a lift_tests.csv row."""
    res = facts.res
    tests, _ = parse_lift_tests(row, res.spec, res.panel, res.n_train)
    ld = lift_data(tests, res.panel, res.scaling, res.layout, res.n_train)
    w = res.scaling.geo_weights(len(res.panel.geos))
    beta = res.posterior["beta"] * w[None, :, None]  # per geo size, as in the fit
    return lift_effect(res.media_params(), beta, ld, res.layout)[:, 0] * res.scaling.target


def _row_over_the_window(facts, result) -> pd.DataFrame:
    """The design's lift_tests.csv row, dated on the window the design was planned on."""
    rows, _ = facts.window(result.design.weeks)
    dates = facts.res.panel.dates
    row = result.lift_row(1000.0, 100.0)
    row["start"] = str(dates[rows[0]])
    row["end"] = str(dates[rows[-1]] + np.timedelta64(6, "D"))
    return row


@pytest.fixture(scope="module")
def geo_facts():
    res, _, _ = toy_model(n_geos=5, draws=40, seed=5)
    # geos of different size: media and effects are per geo size in the model
    sized = replace(res, scaling=replace(res.scaling, geo=(0.5, 1.0, 1.6, 0.8, 1.3)))
    return model_facts(sized)


@pytest.mark.parametrize("change", [0.5, -0.4])
def test_designed_budget_change_predicts_what_its_lift_row_will_be_fitted_with(geo_facts, change):
    r = design_test(geo_facts, ExperimentDesign("b", 6, "budget-change", share=0.4, change=change))
    row = _row_over_the_window(geo_facts, r)
    assert row["spend_change"].tolist() == [change]
    model = _model_lift(geo_facts, row)
    assert r.predicted == pytest.approx(model, rel=1e-10)
    assert np.sign(r.predicted).tolist() == [np.sign(change)] * len(model)
    # not the switch-off lift scaled by the change: saturation makes a rise gain, and a
    # cut lose, less than that share of what the spend drove
    off = design_test(geo_facts, ExperimentDesign("b", 6, "go-dark"))
    assert np.all(np.abs(r.predicted) < 0.99 * abs(change) * off.predicted)


def test_designed_holdout_predicts_what_its_lift_row_will_be_fitted_with(geo_facts):
    r = design_test(geo_facts, ExperimentDesign("a", 4, "holdout", share=0.3))
    row = _row_over_the_window(geo_facts, r)
    assert "spend_change" not in row.columns
    assert r.predicted == pytest.approx(_model_lift(geo_facts, row), rel=1e-10)


def test_design_tells_which_lift_tests_row_to_write(geo_facts):
    r = design_test(geo_facts, ExperimentDesign("b", 6, "budget-change", share=0.4, change=0.5))
    text = r.summary()
    assert "channel,start,end,lift,lift_se,metric,spend_change" in text
    assert f"b,{r.start},{r.end},<lift>,<lift_se>,sales,0.5" in text
    assert f"divided by {r.treated_share:.4g}" in text


@pytest.mark.slow
def test_simulated_budget_change_fed_back_narrows_the_interval_around_the_truth(tmp_path):
    """Social's spend cut by 60% for half the customers over 26 weeks (seed 3, 100k
    customers), its measured lift fed back with its spend_change."""
    chans = tuple(c for c in DEFAULT_CHANNELS if c.name in ("search_generic", "social_paid", "tv"))
    test = LiftTestSpec("social_paid", 48, 26, 0.5, -0.6)
    cfg = SimulationConfig(seed=3, customers=100_000, weeks=78, channels=chans, lift_tests=(test,))
    world = simulate(cfg)
    row = world.truth["lift_tests"][0]
    assert row["true_lift"] < -2 * row["lift_se"]  # a cut loses sales, measurably
    assert abs(row["lift"] - row["true_lift"]) < 3 * row["lift_se"]
    path = write_csv(tmp_path / "lift_tests.csv", world.lift_tests)
    measured = load_lift_tests(path).frame  # the contract's own loader, no other change
    assert measured["spend_change"].tolist() == [-0.6]
    spec = spec_from_dict(
        {"model": {"fourier_modes": 1, "prior_mode": "roi"}}, list(world.media.columns)
    )
    settings = {"draws": 250, "tune": 300, "chains": 2, "seed": 1}
    before = MMM(spec, **settings).fit(world.media).to_frame().set_index("channel")
    after = MMM(spec, **settings).fit(world.media, lift_tests=measured)
    t0, t1 = before.loc["social_paid"], after.to_frame().set_index("channel").loc["social_paid"]
    truth = world.truth["channels"]["social_paid"]["roi"]
    assert t1["roi_high"] - t1["roi_low"] < 0.8 * (t0["roi_high"] - t0["roi_low"])
    assert t1["roi_low"] <= truth <= t1["roi_high"]
    assert abs(t1["roi"] - truth) < abs(t0["roi"] - truth)
