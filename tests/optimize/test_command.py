"""The ``attribution optimize`` command and the adapter to the simulated world's truth."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from attribution.cli import main
from attribution.data.simulator import truth as truth_mod
from attribution.optimize import BudgetOptimizer
from attribution.optimize.adapters import TruthResponse, load_response_model

from .conftest import hill_model


def small_truth(weeks: int = 20, seed: int = 3) -> dict:
    """A hand-built world in the format of the simulator's truth.json."""
    rng = np.random.default_rng(seed)
    chans = {}
    for name, spend, beta, half, decay in [
        ("tv", 40000.0, 30.0, 2500.0, 0.7),
        ("search", 20000.0, 20.0, 600.0, 0.2),
        ("social", 10000.0, 12.0, 900.0, 0.4),
    ]:
        pattern = rng.uniform(0.5, 1.5, weeks)
        chans[name] = {
            "driver": "spend",
            "spend": spend,
            "weekly_driver": (spend * pattern / pattern.sum()).tolist(),
            "params": {
                "beta": beta,
                "max_exposures": 2.0,
                "half_level": half,
                "carryover_weights": truth_mod.carryover_weights(decay, 1.0, 6).tolist(),
            },
            "groups": [
                {"a": 0.5, "weight_sales": 60.0, "weight_conversions": 1.0},
                {"a": 1.5, "weight_sales": 30.0, "weight_conversions": 0.5, "off_weeks": [3, 4]},
            ],
        }
    chans["organic"] = {
        "driver": "activity",
        "spend": 0.0,
        "weekly_driver": [1.0] * weeks,
        "params": {
            "beta": 1.0,
            "max_exposures": 1.0,
            "half_level": 1.0,
            "carryover_weights": [1.0],
        },
        "groups": [{"a": 1.0, "weight_sales": 5.0, "weight_conversions": 0.1}],
    }
    return {"channels": chans, "baseline": {"expected_sales": 1e6}}


def test_truth_adapter_matches_expected_sales() -> None:
    truth = small_truth()
    m = TruthResponse(truth)
    assert m.channels == ("tv", "search", "social")
    weekly = np.array([1500.0, 1200.0, 300.0])
    totals = {c: s * 20 for c, s in zip(m.channels, weekly, strict=True)}
    zero = {c: 0.0 for c in m.channels}
    inc = truth_mod.expected_sales(truth, totals) - truth_mod.expected_sales(truth, zero)
    assert 20 * m.response(weekly)[0] == pytest.approx(inc, rel=1e-10)
    np.testing.assert_allclose(m.current_spend, [2000.0, 1000.0, 500.0])


def test_optimiser_within_half_percent_of_true_optimum() -> None:
    truth = small_truth()
    m = TruthResponse(truth)
    budget = 70000.0
    res = BudgetOptimizer(horizon=20, n_starts=3).fit(m, budget)
    best = truth_mod.optimal_allocation(truth, budget, list(m.channels))
    zero = {c: 0.0 for c in m.channels}
    base = truth_mod.expected_sales(truth, zero)
    true_best = truth_mod.expected_sales(truth, best) - base
    ours = (
        truth_mod.expected_sales(truth, dict(zip(m.channels, res.recommended_spend, strict=True)))
        - base
    )
    assert ours >= true_best * (1 - 0.005)
    current = (
        truth_mod.expected_sales(truth, {c: truth["channels"][c]["spend"] for c in m.channels})
        - base
    )
    assert ours >= current


def _model_file(tmp_path) -> str:
    path = tmp_path / "response.json"
    hill_model(n_draws=100).save(path)
    return str(path)


def test_cli_writes_plan_scenarios_and_sweep(tmp_path) -> None:
    model = _model_file(tmp_path)
    (tmp_path / "bounds.csv").write_text("channel,min,max_pct,locked\ntv,500,,\nsocial,,,true\n")
    (tmp_path / "sc.csv").write_text(
        "scenario,tv,search,social,weeks\nsame,100,50,30,13\nmore_search,80,70,30,13\n"
    )
    out = tmp_path / "run" / "plan.csv"
    code = main(
        [
            "-q",
            "optimize",
            "--model",
            model,
            "--budget",
            "2,340",
            "--horizon",
            "13",
            "--out",
            str(out),
            "--max-change-pct",
            "none",
            "--bounds",
            str(tmp_path / "bounds.csv"),
            "--scenarios",
            str(tmp_path / "sc.csv"),
            "--sweep",
            "3",
        ]
    )
    assert code == 0
    plan = pd.read_csv(out)
    assert plan.channel.tolist() == ["tv", "search", "social", "total"]
    assert plan.recommended_spend.iloc[:3].sum() == pytest.approx(2340.0)
    assert plan.recommended_spend.iloc[0] >= 500.0 - 1e-6
    assert plan.recommended_spend.iloc[2] == pytest.approx(390.0)
    assert 0.0 <= plan.prob_beats_current.iloc[3] <= 1.0
    meta = json.loads((tmp_path / "run" / "plan.json").read_text())
    assert meta["budget"] == 2340.0 and meta["horizon_weeks"] == 13
    sc = pd.read_csv(tmp_path / "run" / "plan_scenarios.csv")
    assert sc.scenario.tolist() == ["same", "more_search"]
    assert sc.uplift.iloc[0] == pytest.approx(0.0, abs=1e-9)
    sw = pd.read_csv(tmp_path / "run" / "plan_sweep.csv")
    assert sw.budget.tolist() == pytest.approx([1170.0, 2340.0, 3510.0])


def test_cli_truth_model_and_current_budget(tmp_path) -> None:
    (tmp_path / "truth.json").write_text(json.dumps(small_truth()))
    out = tmp_path / "plan.csv"
    assert (
        main(
            [
                "-q",
                "optimize",
                "--model",
                str(tmp_path),
                "--budget",
                "current",
                "--horizon",
                "20",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    plan = pd.read_csv(out)
    assert plan.recommended_spend.iloc[3] == pytest.approx(70000.0)
    assert plan.expected_recommended.iloc[3] >= plan.expected_current.iloc[3]


@pytest.mark.parametrize(
    "extra,needle",
    [
        (
            ["--budget", "100", "--bounds", "B", "--max-change-pct", "none"],
            "minimum spends add up to 500.00",
        ),
        (["--budget", "abc"], "--budget must be a number"),
        (["--budget", "100", "--objective", "profit"], "needs a positive --margin"),
        (
            ["--budget", "100", "--bounds", "BAD"],
            "row 2, column 'channel': unknown channel 'radio'",
        ),
        (["--budget", "100", "--carryover", "ramp", "--model", "NOPE"], "model not found"),
    ],
)
def test_cli_errors_exit_2_with_one_line(tmp_path, capsys, extra, needle) -> None:
    model = _model_file(tmp_path)
    (tmp_path / "b.csv").write_text("channel,min\ntv,500\n")
    (tmp_path / "bad.csv").write_text("channel,min\nradio,5\n")
    subs = {
        "B": str(tmp_path / "b.csv"),
        "BAD": str(tmp_path / "bad.csv"),
        "NOPE": str(tmp_path / "missing"),
    }
    args = ["-q", "optimize", "--model", model, "--out", str(tmp_path / "p.csv")]
    args += [subs.get(a, a) for a in extra]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "p.csv").exists()


def test_load_response_model_rejects_unknown(tmp_path) -> None:
    from attribution.errors import UsageError

    (tmp_path / "x.json").write_text('{"a": 1}')
    with pytest.raises(UsageError, match="neither"):
        load_response_model(tmp_path / "x.json")
    with pytest.raises(UsageError, match="no fitted model"):
        load_response_model(tmp_path)


def test_simulated_world_true_optimum_within_half_percent() -> None:
    """The simulator's world: the optimiser's plan vs the truth's own optimal allocation."""
    from attribution.data.simulator.config import SimulationConfig
    from attribution.data.simulator.world import simulate

    truth = simulate(SimulationConfig(customers=2000, weeks=52, seed=1)).truth
    m = TruthResponse(truth)
    budget = 52 * float(m.current_spend.sum())
    res = BudgetOptimizer(horizon=52, n_starts=2).fit(m, budget)
    zero = {c: 0.0 for c in m.channels}
    base = truth_mod.expected_sales(truth, zero)
    best = (
        truth_mod.expected_sales(
            truth, truth_mod.optimal_allocation(truth, budget, list(m.channels))
        )
        - base
    )
    ours = (
        truth_mod.expected_sales(truth, dict(zip(m.channels, res.recommended_spend, strict=True)))
        - base
    )
    current = (
        truth_mod.expected_sales(truth, {c: truth["channels"][c]["spend"] for c in m.channels})
        - base
    )
    assert ours >= best * (1 - 0.005)
    assert ours > current * 1.01  # the world's current plan is not optimal: a real gain
    assert res.prob_beats_current == 1.0  # one "draw": the truth


def test_cli_default_bounds_are_those_of_run_and_stated(tmp_path, capsys) -> None:
    """Without --max-change-pct every channel stays within ±50% (as `attribution run`), and
    the output says so; 'none' lifts the limit and says that instead."""
    (tmp_path / "truth.json").write_text(json.dumps(small_truth()))
    out = tmp_path / "plan.csv"
    assert (
        main(
            [
                "-q",
                "optimize",
                "--model",
                str(tmp_path),
                "--budget",
                "current",
                "--horizon",
                "20",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert "every channel within ±50% of its current spend" in capsys.readouterr().out
    plan = pd.read_csv(out).iloc[:3]
    ratio = plan.recommended_spend / plan.current_spend
    assert ratio.between(0.5 - 1e-6, 1.5 + 1e-6).all()
    assert (
        main(
            [
                "-q",
                "optimize",
                "--model",
                str(tmp_path),
                "--budget",
                "current",
                "--horizon",
                "20",
                "--out",
                str(out),
                "--max-change-pct",
                "none",
            ]
        )
        == 0
    )
    assert "no limit on any channel's change" in capsys.readouterr().out
    free = pd.read_csv(out).iloc[:3]
    assert (free.recommended_spend / free.current_spend).sub(1).abs().max() > 0.5
