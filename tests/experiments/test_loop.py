"""Closing the loop on the simulator: run the recommended test in the simulated world,
feed its measured lift back through lift_tests.csv, refit.

The tested channel's interval must narrow, its error against the truth must fall, and
the plan's true gain (replayed on the simulator's true response) must not fall.
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


def _true_gain(res, truth, opt) -> float:
    model = MMMResponse(res)
    plan = opt.fit(model, float(model.current_spend.sum()))
    t = TruthResponse(truth)
    spend = np.array(t.current_spend, dtype=float)
    for c, s in zip(model.channels, plan.recommended_spend, strict=True):
        spend[t.channels.index(c)] = s
    return float(t.response(spend)[0] - t.response(t.current_spend)[0])


@pytest.mark.slow
def test_recommended_test_closes_the_loop(tmp_path):
    chans = tuple(c for c in DEFAULT_CHANNELS if c.name in ("search_generic", "social_paid", "tv"))
    cfg = SimulationConfig(seed=3, customers=20_000, weeks=78, channels=chans, lift_tests=())
    before_world = simulate(cfg)
    spec = spec_from_dict({"model": {"fourier_modes": 1}}, list(before_world.media.columns))
    before = MMM(spec, **SETTINGS).fit(before_world.media)

    facts = model_facts(before)
    opt = BudgetOptimizer(n_starts=3, max_change_pct=50)
    plan = rank_tests(facts, DecisionProblem(opt, float(before.current_spend.sum())), n_outcomes=12)
    top = plan.rows.iloc[0]
    design = next(d for d in plan.designs if d.design.channel == top["channel"])
    ch = design.design.channel
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
    truth0 = before_world.truth["channels"][ch]["roi"]
    truth1 = after_world.truth["channels"][ch]["roi"]
    assert t1["roi_high"] - t1["roi_low"] < 0.8 * (t0["roi_high"] - t0["roi_low"])
    assert abs(t1["roi"] - truth1) < abs(t0["roi"] - truth0)
    assert (
        _true_gain(after, before_world.truth, opt)
        >= _true_gain(before, before_world.truth, opt) - 1e-6
    )
