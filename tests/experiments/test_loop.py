"""Closing the loop on the simulator: run the recommended test in the simulated world,
feed its measured lift back through lift_tests.csv, refit.

The world: three channels (search_generic, social_paid, tv; seed 3; 100k customers, 78
weeks). The analyst's prior misjudges paid social: an ROI prior of 1.0 (sd 0.7), where
its true ROI is about 6 and its marginal ROI the highest of the three (3.4, against 2.4
for search and 0.6 for TV), so the truly best plan within +-50% raises social to its
limit. Before the test the model half believes the prior and the plan raises social by
only about a tenth (and keeps more TV); the recommended test is a holdout on social; after
it, the plan raises social to the limit.

The tested channel's interval must narrow, its error against the truth must fall, and
the plan's true gain (replayed on the simulator's true response) must rise by more than
a fifth of the best gain the bounds allow.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from attribution.data import load_lift_tests
from attribution.data.simulator import simulate
from attribution.data.simulator.config import DEFAULT_CHANNELS, LiftTestSpec, SimulationConfig
from attribution.experiments import DecisionProblem, model_facts, rank_tests
from attribution.io import write_csv
from attribution.mmm import MMM, spec_from_dict
from attribution.optimize import BudgetOptimizer
from attribution.optimize.adapters import MMMResponse, TruthResponse

SETTINGS = {"draws": 250, "tune": 300, "chains": 2, "seed": 1}
CONFIG = {
    "model": {"fourier_modes": 1, "prior_mode": "roi"},
    "channels": [
        {"name": "search_generic"},
        {"name": "social_paid", "roi_prior": [1.0, 0.7]},  # the misjudged channel
        {"name": "tv"},
    ],
}


def _plan(res, opt) -> dict[str, float]:
    """The model's recommended weekly spend per channel, for today's total budget."""
    model = MMMResponse(res)
    plan = opt.fit(model, float(model.current_spend.sum()))
    return dict(zip(model.channels, plan.recommended_spend, strict=True))


def _true_gain(spend: dict[str, float], truth) -> float:
    """The plan's true weekly gain over today's spend, on the simulator's true response."""
    t = TruthResponse(truth)
    s = np.array(t.current_spend, dtype=float)
    for c, v in spend.items():
        s[t.channels.index(c)] = v
    return float(t.response(s)[0] - t.response(t.current_spend)[0])


@pytest.mark.slow
def test_recommended_test_closes_the_loop(tmp_path):
    chans = tuple(c for c in DEFAULT_CHANNELS if c.name in ("search_generic", "social_paid", "tv"))
    cfg = SimulationConfig(seed=3, customers=100_000, weeks=78, channels=chans, lift_tests=())
    before_world = simulate(cfg)
    truth = before_world.truth
    spec = spec_from_dict(CONFIG, list(before_world.media.columns))
    before = MMM(spec, **SETTINGS).fit(before_world.media)

    facts = model_facts(before)
    opt = BudgetOptimizer(n_starts=3, max_change_pct=50)
    plan = rank_tests(facts, DecisionProblem(opt, float(before.current_spend.sum())), n_outcomes=12)
    top = plan.rows.iloc[0]
    design = next(d for d in plan.designs if d.design.channel == top["channel"])
    ch = design.design.channel
    # the misjudged channel ranks first. Its value is close to its cost (jax backend:
    # value 25,015 +- 8,595 Monte Carlo se against a cost of 25,322; numba: 34,898 +-
    # 9,238 against 31,997), so whether it clears the cost is within the ranking's own
    # Monte Carlo error: the test asserts that much and no more
    assert ch == "social_paid"
    assert top["net_value"] > -2 * top["value_mc_se"]
    rows, _ = facts.window(design.design.weeks)

    # the test, run in the simulated world (an audience holdout over the planned weeks)
    test = LiftTestSpec(ch, int(rows[0]), design.design.weeks, design.design.share)
    after_world = simulate(replace(cfg, lift_tests=(test,)))
    path = write_csv(tmp_path / "lift_tests.csv", after_world.lift_tests)
    measured = load_lift_tests(path).frame  # the contract's own loader, no other change
    assert list(measured["channel"]) == [ch]
    after = MMM(spec, **SETTINGS).fit(after_world.media, lift_tests=measured)

    t0 = before.to_frame().set_index("channel").loc[ch]
    t1 = after.to_frame().set_index("channel").loc[ch]
    truth0 = truth["channels"][ch]["roi"]
    truth1 = after_world.truth["channels"][ch]["roi"]
    assert t1["roi_high"] - t1["roi_low"] < 0.8 * (t0["roi_high"] - t0["roi_low"])
    assert abs(t1["roi"] - truth1) < 0.5 * abs(t0["roi"] - truth0)

    # the plan before the test falls well short of the best plan on social; after it,
    # the plan is much closer
    today = MMMResponse(before)
    current = dict(zip(today.channels, today.current_spend, strict=True))
    best = _plan_on_truth(truth, opt)
    assert best[ch] > 1.3 * current[ch]
    p0, p1 = _plan(before, opt), _plan(after, opt)
    assert best[ch] - p0[ch] > 0.2 * current[ch]
    assert abs(p1[ch] - best[ch]) < 0.5 * abs(p0[ch] - best[ch])
    g0, g1, g_best = _true_gain(p0, truth), _true_gain(p1, truth), _true_gain(best, truth)
    print(f"true gain: before {g0:.1f}, after {g1:.1f}, best within bounds {g_best:.1f}")
    assert g1 - g0 > 0.2 * g_best


def _plan_on_truth(truth, opt) -> dict[str, float]:
    """The truly best weekly plan within the same bounds (the optimiser on the truth)."""
    t = TruthResponse(truth)
    plan = opt.fit(t, float(np.sum(t.current_spend)))
    return dict(zip(t.channels, plan.recommended_spend, strict=True))
