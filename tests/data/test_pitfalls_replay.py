"""Pitfall settings of the simulator and plan replay against its truth (hand-checked)."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from attribution.data.simulator import SimulationConfig, channel_response, replay, simulate
from attribution.data.simulator.command import add_arguments, pitfalls_from_args
from attribution.data.simulator.config import DEFAULT_CHANNELS, Pitfalls
from attribution.data.simulator.pitfalls import demand_index, lagged_mean, latent_shock
from attribution.data.simulator.truth import optimal_allocation
from attribution.errors import UsageError

REAL = SimulationConfig(seed=4, customers=2500, weeks=52, pitfalls=Pitfalls.realistic(0.3))


@pytest.fixture(scope="module")
def world():
    return simulate(REAL)


def test_default_pitfalls_keep_the_plain_world():
    cfg = SimulationConfig(customers=100, weeks=4)
    assert cfg.channels == DEFAULT_CHANNELS
    off = SimulationConfig(customers=100, weeks=4, pitfalls=Pitfalls(store_touches=False))
    assert "store_visit" not in [c.name for c in off.channels]
    # applying the settings twice changes nothing (replace() reruns __post_init__)
    assert REAL.channels == SimulationConfig(**{**REAL.__dict__}).channels


def test_pure_mechanics_hand_checked():
    assert lagged_mean(np.array([2.0, 4.0, 6.0, 8.0]), 2).tolist() == [2.0, 2.0, 3.0, 5.0]
    assert demand_index(np.array([1.0, 3.0]), np.zeros(2)).tolist() == [1.0, 3.0]
    z = latent_shock(np.random.default_rng(1), 20_000, 0.4)
    assert z.std() == pytest.approx(0.4, rel=0.05)
    assert np.corrcoef(z[1:], z[:-1])[0, 1] == pytest.approx(0.8, abs=0.02)
    with pytest.raises(UsageError):
        Pitfalls(intent_strength=-1.0)


def test_realistic_world_has_each_pitfall(world):
    demand = np.array(world.truth["demand"]["weekly_index"])
    spend = world.media["spend_search_brand"].to_numpy()
    # spend = clicks x CPC follows demand (CPC noise sd 0.1 only)
    assert np.corrcoef(spend, demand)[0, 1] > 0.8
    chans = set(world.touchpoints["channel"])
    assert {"organic_search", "direct", "store_visit"} <= chans
    email = next(c for c in world.config.channels if c.name == "email")
    assert email.targeting == pytest.approx(2.2)
    assert world.query_volume is not None
    q = world.query_volume["query_volume"].to_numpy()
    assert np.corrcoef(q, demand)[0, 1] > 0.9
    # the latent shock is in the baseline: the truth's weekly baseline multiplier is demand
    assert np.allclose(world.truth["baseline"]["weekly_multiplier"], demand)


def test_replay_current_plan_is_exact(world):
    t = world.truth
    cur = replay.current_plan(t)
    assert replay.evaluate_plan(t, cur) == pytest.approx(t["expected"]["sales"], rel=1e-12)
    assert replay.plan_gain(t, cur) == pytest.approx(0.0, abs=1e-6)
    # realised replay with common random numbers reproduces the simulated sales exactly
    assert replay.replay_realised(world, cur) == pytest.approx(t["realised"]["sales"], abs=0.005)


def test_replay_known_gain_of_one_channel(world):
    t = world.truth
    tv = t["channels"]["tv"]
    plan = {"tv": 1.2 * tv["spend"]}
    known = channel_response(tv, 1.2) - channel_response(tv, 1.0)
    assert known > 0
    assert replay.plan_gain(t, plan) == pytest.approx(known, rel=1e-9)
    # brand search has almost no effect: cutting it to zero loses only its own response
    sb = t["channels"]["search_brand"]
    assert replay.plan_gain(t, {"search_brand": 0.0}) == pytest.approx(
        -channel_response(sb, 1.0), rel=1e-9
    )
    # weekly plans from the optimiser scale the simulated totals
    assert replay.plan_from_weekly(t, {"tv": 10.0}, {"tv": 12.0})["tv"] == pytest.approx(
        1.2 * tv["spend"]
    )


def test_best_plan_beats_every_other_plan_under_bounds(world):
    t = world.truth
    cur = replay.current_plan(t)
    budget = sum(cur.values())
    best = replay.best_plan(t)
    assert sum(best.values()) == pytest.approx(budget, rel=1e-6)
    grid = optimal_allocation(t, budget, steps=2000)  # independent greedy solution
    assert replay.evaluate_plan(t, best) >= replay.evaluate_plan(t, grid) - 1e-6 * budget
    assert replay.plan_gain(t, best) > 0
    lo = {n: 0.5 * v for n, v in cur.items()}
    hi = {n: 1.5 * v for n, v in cur.items()}
    bounded = replay.best_plan(t, lower=lo, upper=hi)
    for n, v in bounded.items():
        assert lo[n] - 1e-6 <= v <= hi[n] + 1e-6
    assert bounded["search_brand"] == pytest.approx(lo["search_brand"], rel=1e-4)
    assert 0 < replay.plan_gain(t, bounded) <= replay.plan_gain(t, best) + 1e-6
    rng = np.random.default_rng(0)
    for _ in range(20):  # no random feasible plan beats the bounded optimum
        w = rng.uniform(0.5, 1.5, len(cur))
        plan = {n: cur[n] * f for n, f in zip(cur, w, strict=True)}
        scale = budget / sum(plan.values())
        plan = {n: min(max(v * scale, lo[n]), hi[n]) for n, v in plan.items()}
        if abs(sum(plan.values()) - budget) < 1e-6 * budget:
            assert replay.evaluate_plan(t, plan) <= replay.evaluate_plan(t, bounded) + 1e-6


def test_cli_flags_set_the_pitfalls():
    p = argparse.ArgumentParser()
    add_arguments(p)
    a = p.parse_args(
        ["--out", "x", "--demand-search", "--no-store-touches", "--intent-strength", "0.4"]
    )
    assert pitfalls_from_args(a) == Pitfalls(
        demand_search=True, store_touches=False, intent_strength=0.4
    )
    r = pitfalls_from_args(p.parse_args(["--out", "x", "--realistic", "--no-query-volume"]))
    assert r == Pitfalls(True, True, True, True, True, 0.25, False)


def test_simulate_command_writes_a_realistic_world(tmp_path):
    import json

    from attribution.cli import main

    out = tmp_path / "w"
    args = ["-q", "simulate", "--out", str(out), "--customers", "300", "--weeks", "8"]
    assert main([*args, "--realistic"]) == 0
    truth = json.loads((out / "truth.json").read_text())
    assert truth["pitfalls"]["demand_search"] and truth["pitfalls"]["intent_strength"] == 0.25
    assert (out / "query_volume.csv").is_file()
    assert {"organic_search", "direct"} <= set(truth["channels"])
    assert main([*args, "--intent-strength", "5"]) == 2  # out of range: one line, status 2
