"""Frequency caps -> spend caps -> bounds of the plan; which caps bind."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution.errors import InputError
from attribution.optimize import BudgetOptimizer, ChannelBounds, ParametricResponse
from attribution.optimize.caps import (
    Cap,
    apply_caps,
    binding,
    caps_from_pressure,
    read_caps,
    resolve_caps,
    spend_cap,
    touch_rates,
)


def test_spend_cap_by_hand():
    # 1000/week buys 4000 touches on 1000 customers: 4 a week each; a cap of 3 -> 750
    assert spend_cap(3.0, 1000.0, 4000.0, 1000.0) == pytest.approx(750.0)
    assert np.isnan(spend_cap(3.0, 1000.0, 0.0, 0.0))


def test_caps_from_pressure_use_upper_end_and_skip_unsaturated():
    p = pd.DataFrame(
        {
            "level": ["week", "week", "week", "journey"],
            "channel": ["email", "email", "tv", "display"],
            "peak": [2, 2, 5, 3],
            "peak_low": [2, 2, 5, 3],
            "peak_high": [3, 3, 5, 4],
            "beyond": ["declines", "declines", "not_reached", "declines"],
        }
    )
    assert caps_from_pressure(p) == [Cap("email", 3.0, None, "pressure")]


def test_resolve_apply_and_bind():
    weekly = pd.DataFrame(
        {
            "customer_id": ["a", "b", "a", "b"],
            "week": [0, 0, 1, 1],
            "email": [4, 4, 6, 2],
            "social": [1, 0, 0, 0],
        }
    )
    rates = touch_rates(weekly, ["email", "social"])
    # email: 16 touches / 2 weeks = 8 a week, reached 2 a week: frequency 4
    caps = resolve_caps(
        [Cap("email", 2.0, None, "pressure"), Cap("social", None, 50.0)],
        rates,
        {"email": 100.0, "social": 80.0},
    )
    c = caps.set_index("channel")
    assert c.loc["email", "spend_cap"] == pytest.approx(100.0 * 2 / 4)
    assert c.loc["email", "touches_per_spend"] == pytest.approx(8 / 100)
    assert c.loc["social", "spend_cap"] == 50.0
    # user caps replace derived ones for the same channel
    both = resolve_caps(
        [Cap("email", 2.0, None, "pressure"), Cap("email", 3.0, None, "user")],
        rates,
        {"email": 100.0},
    )
    assert both["source"].tolist() == ["user"] and both["spend_cap"].iloc[0] == 75.0
    b = apply_caps({"email": ChannelBounds(max=40.0)}, caps, ["email", "social"])
    assert b["email"].max == 40.0 and b["social"].max == 50.0
    plan = pd.DataFrame({"channel": ["email", "social"], "recommended_spend": [50.0, 20.0]})
    assert binding(caps, plan)["binds"].tolist() == [True, False]


def test_cap_binds_in_the_optimiser():
    # channel a returns twice as much as b: without a cap the plan moves money to a
    model = ParametricResponse(
        ("a", "b"),
        np.array([50.0, 50.0]),
        beta=np.array([200.0, 100.0]),
        curve="exponential",
        params={"lam": np.array([0.01, 0.01])},
    )
    caps = pd.DataFrame(
        {
            "channel": ["a"],
            "frequency_cap": [2.0],
            "source": ["user"],
            "touches_per_week": [np.nan],
            "reached_per_week": [np.nan],
            "weekly_spend": [50.0],
            "touches_per_spend": [np.nan],
            "spend_cap": [60.0],
        }
    )
    free = BudgetOptimizer(max_change_pct=1000).fit(model, 100.0)
    assert free.to_frame(total=False).set_index("channel").loc["a", "recommended_spend"] > 60
    plan = BudgetOptimizer(max_change_pct=1000).fit(
        model, 100.0, apply_caps(None, caps, model.channels)
    )
    rec = plan.to_frame(total=False).set_index("channel")["recommended_spend"]
    assert rec["a"] == pytest.approx(60.0, rel=1e-4)
    assert binding(caps, plan.to_frame(total=False))["binds"].tolist() == [True]


def test_read_caps_errors(tmp_path):
    f = tmp_path / "caps.csv"
    f.write_text("channel,frequency_cap\nemail,3\nemail,4\n")
    with pytest.raises(InputError, match="twice") as e:
        read_caps(f, ["email"])
    assert e.value.row == 3
    f.write_text("channel,frequency_cap\nemail,x\n")
    with pytest.raises(InputError, match="not a number"):
        read_caps(f, ["email"])
    f.write_text("channel,frequency_cap\nfax,3\n")
    with pytest.raises(InputError, match="unknown channel"):
        read_caps(f, ["email"])
    f.write_text("channel,frequency_cap,spend_cap\nemail,,\n")
    with pytest.raises(InputError, match="neither"):
        read_caps(f, ["email"])
    f.write_text("channel,frequency_cap,spend_cap\nemail,3,\nsocial,,100\n")
    assert read_caps(f, ["email", "social"]) == [
        Cap("email", 3.0, None),
        Cap("social", None, 100.0),
    ]


def test_cli_caps_file_binds(tmp_path, run_cli):
    from attribution.optimize.response import ParametricResponse as PR

    rng = np.random.default_rng(7)
    beta = rng.lognormal(np.log([300.0, 200.0, 150.0]), 0.2, (50, 3))
    half = rng.lognormal(np.log([120.0, 40.0, 60.0]), 0.2, (50, 3))
    PR(
        ("tv", "search", "social"),
        np.array([100.0, 50.0, 30.0]),
        beta=beta,
        curve="hill",
        params={"half": half, "shape": np.ones((50, 3))},
    ).save(tmp_path / "m.json")
    # search: 50/week buys 400 touches on 100 customers (4 each); a cap of 2 -> 25/week
    (tmp_path / "caps.csv").write_text(
        "channel,frequency_cap,spend_cap,touches_per_week,reached_per_week\n"
        "search,2,,400,100\nsocial,,1000,,\n"
    )
    code, _, err = run_cli(
        "-q",
        "optimize",
        "--model",
        tmp_path / "m.json",
        "--budget",
        "180",
        "--out",
        tmp_path / "plan.csv",
        "--caps",
        tmp_path / "caps.csv",
        "--max-change-pct",
        "500",
    )
    assert code == 0, err
    caps = pd.read_csv(tmp_path / "plan_caps.csv").set_index("channel")
    assert caps.loc["search", "spend_cap"] == pytest.approx(25.0)
    plan = pd.read_csv(tmp_path / "plan.csv").set_index("channel")
    assert plan.loc["search", "recommended_spend"] <= 25.0 + 1e-6
    assert bool(caps.loc["search", "binds"]) and not bool(caps.loc["social", "binds"])
    (tmp_path / "bad.csv").write_text("channel,frequency_cap\nfax,2\n")
    code, _, err = run_cli(
        "optimize",
        "--model",
        tmp_path / "m.json",
        "--budget",
        "180",
        "--out",
        tmp_path / "p2.csv",
        "--caps",
        tmp_path / "bad.csv",
    )
    assert code == 2 and "unknown channel 'fax'" in err and "Traceback" not in err
