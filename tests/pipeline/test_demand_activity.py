"""Demand control, journey activity channels and the spend-follows-demand finding."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution.errors import UsageError
from attribution.mmm.demand import (
    JOURNEY_DEMAND,
    demand_columns,
    demand_test,
    with_demand_controls,
)
from attribution.mmm.spec import ChannelSpec, MMMSpec
from attribution.optimize.bounds import ChannelBounds
from attribution.pipeline.activity import (
    add_journey_signals,
    cap_bounds,
    confounding,
    intent_adjusted_credit,
    navigational,
    touch_times,
    weekly_counts,
)
from attribution.pipeline.config import config_from_dict

N = 104


def _demand(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    z = np.zeros(N)
    for t in range(1, N):
        z[t] = 0.8 * z[t - 1] + rng.normal(0, 0.15)
    season = 1 + 0.2 * np.sin(2 * np.pi * np.arange(N) / 52.18)
    return season * np.exp(z)


def test_fires_on_demand_driven_spend_not_on_random_flighting():
    rng = np.random.default_rng(1)
    d = _demand()
    sales = 1000 * d * rng.lognormal(0, 0.03, N)
    brand = 50 * d * rng.lognormal(0, 0.1, N)  # clicks follow demand, CPC noise 10%
    flights = np.where(rng.random(N) < 0.5, rng.uniform(20, 80, N), 0.0)  # randomised
    t = demand_test("brand", brand, sales, d)
    assert t.follows and t.partial_r2 > 0.7 and t.p_value < 1e-6
    r = demand_test("flights", flights, sales, d)
    assert not r.follows and r.partial_r2 < 0.2
    # without a demand signal, lagged sales alone still reveal it
    assert demand_test("brand", brand, sales, None).follows
    assert not demand_test("flights", flights, sales, None).follows
    # season alone is the model's own baseline: spend planned with the season does not fire
    planned = (
        50 * (1 + 0.2 * np.sin(2 * np.pi * np.arange(N) / 52.18)) ** 1.5 * rng.lognormal(0, 0.3, N)
    )
    assert not demand_test("tv", planned, sales, d).follows


def test_finding_caps_only_untested_channels_and_cap_bounds():
    rng = np.random.default_rng(2)
    d = _demand(3)
    media = pd.DataFrame(
        {
            "date": pd.date_range("2024-01-01", periods=N, freq="7D"),
            "sales": 1000 * d * rng.lognormal(0, 0.03, N),
            "spend_brand": 50 * d * rng.lognormal(0, 0.1, N),
            "spend_tv": np.where(rng.random(N) < 0.5, 60.0, 0.0),
            "query_volume": 1e4 * d,
        }
    )
    chans = {"brand": "spend_brand", "tv": "spend_tv"}
    tests, capped, found = confounding(media, chans, "sales", [], r2_min=0.5, cap=0.1)
    assert capped == ("brand",)
    assert [f.code for f in found] == ["mmm.spend_follows_demand"]
    assert found[0].level == "warning" and "10%" in found[0].message
    assert tests[0].signal == "query_volume"
    _, capped2, found2 = confounding(media, chans, "sales", ["brand"], r2_min=0.5, cap=0.1)
    assert capped2 == () and found2[0].level == "info"
    b = cap_bounds(
        {"brand": ChannelBounds(min_pct=-5.0), "tv": ChannelBounds(max_pct=30.0)},
        capped,
        0.1,
        ["brand", "tv"],
    )
    assert (b["brand"].min_pct, b["brand"].max_pct) == (-5.0, 10.0)
    assert b["tv"].max_pct == 30.0
    with pytest.raises(UsageError):
        config_from_dict({"optimize": {"confounded_cap": -1.0}})


def test_demand_columns_are_controls_even_with_an_explicit_list():
    spec = MMMSpec(channels=(ChannelSpec("tv", "spend_tv"),), controls=("price",))
    cols = ["date", "sales", "spend_tv", "price", "query_volume", "demand_trends", "demand_"]
    assert demand_columns(cols) == ("query_volume", "demand_trends")
    assert with_demand_controls(spec, cols).controls == ("price", "query_volume", "demand_trends")


def test_journey_signals_hand_counted():
    # week 1: 2 organic, 1 store; week 2: 1 direct, 1 store, 1 call; one touch before the panel
    j = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "path": [
                "organic_search > store_visit > organic_search",
                "direct > store_visit",
                "call_centre > search_brand",
                "email",
            ],
            "converted": [1, 0, 1, 0],
            "conversion_ts": pd.to_datetime(["2024-01-05", None, "2024-01-10", None]),
            "last_ts": pd.to_datetime(["2024-01-04", "2024-01-12", "2024-01-09", "2024-01-09"]),
            "step_ages": [[72.0, 48.0, 24.0], [24.0, 0.0], [24.0 * 20, 24.0], [0.0]],
        }
    )
    tt = touch_times(j)
    assert tt["timestamp"].iloc[0] == pd.Timestamp("2024-01-02")
    media = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-01", "2024-01-08"]),
            "sales": [10.0, 12.0],
            "spend_search_brand": [5.0, 6.0],
        }
    )
    counts, outside = weekly_counts(tt, media["date"])
    assert counts["organic_search"].tolist() == [2.0, 0.0]
    assert counts["store_visit"].tolist() == [1.0, 1.0]
    assert outside == 1  # the call-centre touch 20 days before 2024-01-10
    sig = add_journey_signals(media, j, ("organic_search", "direct", "search_brand"))
    f = sig.frame
    # demand = organic + direct (brand search is paid in the panel: its clicks are bought)
    assert f[JOURNEY_DEMAND].tolist() == [2.0, 1.0]
    assert f["activity_email"].tolist() == [0.0, 1.0]
    assert sig.activity_channels == ("email",)
    # store visits: one a week, constant, so not modellable: path credit only, said so
    assert "activity_store_visit" not in f.columns
    assert "activity_search_brand" not in f.columns and "activity_organic_search" not in f
    assert sig.demand_channels == ("organic_search", "direct")
    assert "inputs.demand_paid_excluded" in {x.code for x in sig.findings}
    unpaid = add_journey_signals(
        media.drop(columns="spend_search_brand"), j, ("organic_search", "direct", "search_brand")
    )
    assert unpaid.frame[JOURNEY_DEMAND].tolist() == [2.0, 2.0]
    assert sig.touches_outside == 1 and sig.touches_counted == 7
    codes = {x.code for x in sig.findings}
    assert {
        "inputs.demand_control",
        "inputs.touches_outside_panel",
        "inputs.activity_constant",
        "inputs.activity_channels",
    } <= codes
    # no demand channel in the journeys: a warning, no control
    none = add_journey_signals(media, j, ("query_log",))
    assert JOURNEY_DEMAND not in none.frame.columns
    assert "inputs.no_demand_signal" in {x.code for x in none.findings}


def test_purchase_adjacent_touches_are_not_counted():
    # an in-store purchase logs a store visit 1 hour before it; a browse 3 days before
    j = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "path": ["store_visit", "store_visit > organic_search", "organic_search"],
            "converted": [1, 1, 0],
            "conversion_ts": pd.to_datetime(["2024-01-03", "2024-01-10", None]),
            "last_ts": pd.to_datetime(["2024-01-03", "2024-01-10", "2024-01-02"]),
            "step_ages": [[1.0], [72.0, 2.0], [0.0]],
        }
    )
    media = pd.DataFrame(
        {"date": pd.to_datetime(["2024-01-01", "2024-01-08"]), "sales": [10.0, 12.0]}
    )
    sig = add_journey_signals(media, j, ("organic_search",))
    # store: only the visit 72 h before the second purchase counts (week 1: 2024-01-07)
    assert sig.frame["activity_store_visit"].tolist() == [1.0, 0.0]
    # organic: only the non-purchase journey's touch (week 1)
    assert sig.frame[JOURNEY_DEMAND].tolist() == [1.0, 0.0]
    assert "inputs.purchase_adjacent_touches" in {f.code for f in sig.findings}
    # store: 1 of 2 purchase-journey touches adjacent; organic: its one is (2 h)
    assert sig.adjacent_share == {"organic_search": 1.0, "store_visit": 0.5}
    every = add_journey_signals(media, j, ("organic_search",), adjacent_hours=0.0)
    assert every.frame[JOURNEY_DEMAND].tolist() == [1.0, 1.0]


def test_intent_adjusted_credit():
    credit, found = intent_adjusted_credit(
        {"brand": 500.0, "tv": 100.0, "x": 10.0}, {"brand": 0.72, "tv": 0.05}
    )
    assert credit == {"tv": 95.0, "x": 10.0}
    assert found[0].code == "combine.navigational_no_prior" and "brand" in found[0].message


def test_optimiser_keeps_a_capped_channel_within_the_cap():
    from attribution.optimize import BudgetOptimizer
    from attribution.optimize.response import ParametricResponse

    m = ParametricResponse(
        ("brand", "tv"),
        np.array([5.0, 5.0]),
        beta=np.array([9.0, 1.0]),
        curve="log",
        params={"k": np.array([1.0, 1.0])},
    )
    free = BudgetOptimizer(max_change_pct=50.0).fit(m, budget=10.0)
    assert free.recommended_spend[0] == pytest.approx(7.5)  # +50%: the model loves brand
    bounds = cap_bounds(None, ["brand"], 0.1, ["brand", "tv"])
    capped = BudgetOptimizer(max_change_pct=50.0).fit(m, budget=10.0, bounds=bounds)
    assert capped.recommended_spend.tolist() == pytest.approx([5.5, 4.5])


def test_navigational_paid_channels_are_capped_unless_tested():
    adj = {"brand": 0.72, "store": 0.8, "tv": 0.05}
    names, found = navigational(adj, ["brand", "tv"], [], 0.1)
    assert names == ("brand",) and found[0].code == "mmm.navigational"
    assert "72%" in found[0].message and "10%" in found[0].message
    assert navigational(adj, ["brand", "tv"], ["brand"], 0.1) == ((), ())


def test_navigational_activity_channels_are_flagged_without_a_cap():
    adj = {"store_visit": 0.79, "call_centre": 0.06}
    names, found = navigational(adj, ["store_visit", "call_centre"], [], None)
    assert names == ("store_visit",)
    msg = found[0].message
    assert "79%" in msg and "from zero up" in msg and "at most" not in msg
    assert "holdout" in found[0].action
    assert navigational(adj, ["store_visit"], ["store_visit"], None) == ((), ())
