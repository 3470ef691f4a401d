"""The simulated world: reproducibility, truth consistent with its data, contracts, CLI."""

from __future__ import annotations

import argparse
import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from attribution.data.simulator import (
    LiftTestSpec,
    SimulationConfig,
    expected_sales,
    load_truth,
    optimal_allocation,
    simulate,
)
from attribution.data.simulator import command as sim_command
from attribution.errors import InputError, UsageError

SMALL = SimulationConfig(seed=5, customers=4000, weeks=52, chunk_size=1500)


@pytest.fixture(scope="module")
def world():
    return simulate(SMALL)


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_reproducible_bytes_and_seed_matters(world, tmp_path):
    again = simulate(SMALL)
    pd.testing.assert_frame_equal(world.touchpoints, again.touchpoints)
    pd.testing.assert_frame_equal(world.conversions, again.conversions)
    assert world.truth == again.truth
    world.write(tmp_path / "a")
    again.write(tmp_path / "b")
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    other = simulate(replace(SMALL, seed=6))
    assert not world.conversions["value"].equals(other.conversions["value"])
    assert world.truth["realised"]["sales"] != other.truth["realised"]["sales"]


def test_channels_and_files(world, tmp_path):
    ch = world.truth["channels"]
    assert len(ch) >= 8
    assert {
        "search_generic",
        "search_brand",
        "display",
        "social_paid",
        "email",
        "direct_mail",
        "call_centre",
        "store_visit",
        "tv",
        "organic_social",
    } <= set(ch)
    in_touches = set(world.touchpoints["channel"].unique())
    assert "tv" not in in_touches and "organic_social" not in in_touches
    assert {"call_centre", "store_visit", "search_brand"} <= in_touches
    paths = world.write(tmp_path, fmt="csv")
    names = {p.name for p in paths}
    assert {
        "touchpoints.csv",
        "conversions.csv",
        "id_map.csv",
        "media.csv",
        "lift_tests.csv",
        "truth.json",
    } <= names
    media = pd.read_csv(tmp_path / "media.csv")
    assert {"spend_tv", "activity_organic_social", "price", "promo", "holiday"} <= set(media)
    truth = load_truth(tmp_path / "truth.json")
    assert expected_sales(truth, {}) == pytest.approx(world.truth["expected"]["sales"])


def test_panel_is_aggregated_from_the_events(world):
    conv = world.conversions
    week = (conv["timestamp"] - pd.Timestamp(SMALL.start)).dt.days // 7
    sales = conv.groupby(week)["value"].sum().reindex(range(SMALL.weeks), fill_value=0)
    np.testing.assert_allclose(world.media["sales"].to_numpy(), sales.to_numpy(), atol=0.006)
    assert (world.media["date"].dt.day_of_week == 0).all()
    tp = world.touchpoints
    tweek = ((tp["timestamp"] - pd.Timestamp(SMALL.start)).dt.days // 7).clip(upper=51)
    cost = tp.groupby(["channel", tweek])["cost"].sum()
    for name in ("search_generic", "display", "direct_mail"):
        spend = world.media[f"spend_{name}"].to_numpy()
        weekly = cost[name].reindex(range(SMALL.weeks), fill_value=0.0).to_numpy()
        has = weekly > 0
        np.testing.assert_allclose(weekly[has], spend[has], rtol=1e-3, atol=0.05)
    assert world.truth["channels"]["tv"]["spend"] == pytest.approx(world.media["spend_tv"].sum())


def test_expected_sales_add_up_and_match_realised(world):
    t = world.truth
    parts = t["baseline"]["expected_sales"] + sum(
        c["incremental"]["expected_sales"] for c in t["channels"].values()
    )
    assert parts == pytest.approx(t["expected"]["sales"], rel=1e-12)
    weekly = np.array(t["baseline"]["weekly_expected_sales"]) + sum(
        np.array(c["incremental"]["weekly_expected_sales"]) for c in t["channels"].values()
    )
    assert weekly.sum() == pytest.approx(t["expected"]["sales"], rel=1e-9)
    # realised sales: sum of Poisson purchases x lognormal values, ~2% relative noise here
    assert t["realised"]["sales"] == pytest.approx(t["expected"]["sales"], rel=0.06)
    for name in ("tv", "social_paid", "search_generic"):
        inc = t["channels"][name]["incremental"]
        assert inc["realised_sales"] == pytest.approx(inc["expected_sales"], rel=0.2)


def test_realised_truth_equals_rerun_without_the_channel(world):
    """Common random numbers: removing a channel changes exactly its realised increment."""
    for name in ("social_paid", "tv"):
        without = simulate(SMALL.with_multiplier(name, 0.0))
        inc = world.truth["channels"][name]["incremental"]
        assert len(world.conversions) - len(without.conversions) == inc["realised_conversions"]
        lost = world.conversions["value"].sum() - without.conversions["value"].sum()
        assert lost == pytest.approx(inc["realised_sales"], abs=1e-6)
        assert inc["realised_conversions"] > 0


def test_zero_spend_channel_changes_nothing():
    cfg = replace(SMALL, customers=2000, lift_tests=(LiftTestSpec("social_paid", 10, 6, 0.3),))
    zero = simulate(cfg.with_multiplier("display", 0.0))
    gone = simulate(replace(cfg, channels=tuple(c for c in cfg.channels if c.name != "display")))
    inc = zero.truth["channels"]["display"]["incremental"]
    assert inc["expected_sales"] == 0 and inc["realised_sales"] == 0
    assert "display" not in set(zero.touchpoints["channel"])
    pd.testing.assert_frame_equal(zero.conversions, gone.conversions)
    assert zero.truth["expected"]["sales"] == pytest.approx(gone.truth["expected"]["sales"])
    keep = zero.touchpoints[["customer_id", "timestamp", "channel"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        keep, gone.touchpoints[["customer_id", "timestamp", "channel"]].reset_index(drop=True)
    )


def _stitched(world) -> pd.DataFrame:
    tp = world.touchpoints
    mapping = dict(zip(world.id_map["id"], world.id_map["customer_id"], strict=True))
    return tp.assign(customer_id=tp["customer_id"].map(lambda c: mapping.get(c, c)))


def test_selection_bias_brand_search(world):
    t = world.truth
    brand = t["channels"]["search_brand"]["incremental"]
    assert brand["share_of_expected_sales"] < 0.01
    assert t["channels"]["social_paid"]["incremental"]["share_of_expected_sales"] > 0.05
    tp = _stitched(world)
    buyers = set(world.conversions["customer_id"])
    brand_users = set(tp.loc[tp["channel"] == "search_brand", "customer_id"])
    share_buyers = len(buyers & brand_users) / len(buyers)
    all_customers = {f"C{i:07d}" for i in range(1, SMALL.customers + 1)}
    share_others = len(brand_users & (all_customers - buyers)) / len(all_customers - buyers)
    assert share_buyers > 0.3
    assert share_buyers > 2 * share_others  # seen mostly by people who buy anyway


def test_id_map_stitches_every_alternative_id(world):
    ids = world.id_map
    assert ids["id"].is_unique
    assert set(ids["id_type"]) == {"cookie", "device", "loyalty_card"}
    tp = world.touchpoints["customer_id"]
    alt = tp[~tp.str.startswith("C")]
    assert 0.1 < len(alt) / len(tp) < 0.4
    assert set(alt) <= set(ids["id"])
    assert ids["customer_id"].str.fullmatch(r"C\d{7}").all()


def test_lift_tests_consistent_with_truth():
    w = simulate(replace(SMALL, customers=30000, weeks=52, chunk_size=10000))
    rows = w.truth["lift_tests"]
    assert [r["channel"] for r in rows] == ["search_generic", "display", "social_paid"]
    for r in rows:
        assert 0 < r["true_lift"] <= r["true_contribution"]
        assert abs(r["lift"] - r["true_lift"]) < 3 * r["lift_se"], r
    assert list(w.lift_tests.columns) == ["channel", "start", "end", "lift", "lift_se", "metric"]


def test_response_curves(world):
    for name, ch in world.truth["channels"].items():
        r = ch["response"]
        one = r["multiplier"].index(1.0)
        assert r["expected_sales"][one] == pytest.approx(ch["incremental"]["expected_sales"])
        assert r["expected_sales"][0] == 0.0
        y = np.array(r["expected_sales"])
        if ch["params"]["beta"] > 0 and ch["driver"] != "none":  # "none": on/off only
            assert (np.diff(y) > 0).all(), name
            assert (np.diff(y, 2) < 1e-9).all(), name  # diminishing returns
        if ch["driver"] == "spend":
            assert ch["roi"] == pytest.approx(ch["incremental"]["expected_sales"] / ch["spend"])
            assert 0 < ch["mroi"] < ch["roi"] or ch["params"]["beta"] == 0


def test_true_optimum_improves_on_current_split(world):
    t = world.truth
    current = {
        n: c["spend"] for n, c in t["channels"].items() if c["driver"] == "spend" and c["spend"] > 0
    }
    plan = optimal_allocation(t, sum(current.values()))
    assert sum(plan.values()) == pytest.approx(sum(current.values()))
    gain = expected_sales(t, plan) - expected_sales(t, current)
    assert gain > 0
    assert plan["search_brand"] < 0.2 * current["search_brand"]


def test_outputs_satisfy_contracts(world):
    validate = pytest.importorskip("attribution.data.validate")
    for frame, kind in (
        (world.touchpoints, "touchpoints"),
        (world.conversions, "conversions"),
        (world.id_map, "id-map"),
        (world.media, "media"),
        (world.lift_tests, "lift-tests"),
    ):
        loaded = validate.validate_frame(frame, kind, source=kind)
        assert len(loaded.frame) == len(frame), kind


def test_command_writes_world_and_rejects_bad_usage(tmp_path):
    parser = argparse.ArgumentParser()
    sim_command.add_arguments(parser)
    args = parser.parse_args(
        ["--out", str(tmp_path / "w"), "--customers", "300", "--weeks", "12", "--seed", "3"]
    )
    assert sim_command.run(args) == 0
    truth = load_truth(tmp_path / "w" / "truth.json")
    assert truth["customers"] == 300 and truth["weeks"] == 12 and truth["seed"] == 3
    assert (tmp_path / "w" / "touchpoints.parquet").exists()
    with pytest.raises(UsageError):
        sim_command.run(parser.parse_args(["--out", str(tmp_path), "--start", "2024-01-02"]))
    with pytest.raises(SystemExit):
        parser.parse_args(["--out", str(tmp_path), "--customers", "0"])
    with pytest.raises(InputError):
        load_truth(tmp_path / "missing.json")


def test_truth_frame_and_repr(world):
    frame = world.to_frame()
    assert len(frame) == len(world.truth["channels"])
    row = frame.set_index("channel").loc["tv"]
    assert (
        row["incremental_sales"] == world.truth["channels"]["tv"]["incremental"]["expected_sales"]
    )
    assert "customers=4000" in repr(world)
    assert "<table" in world._repr_html_()


def test_shipped_sample_is_reproducible():
    root = Path(__file__).resolve().parents[2] / "data" / "sample"
    truth = load_truth(root / "truth.json")
    assert expected_sales(truth, {}) == pytest.approx(truth["expected"]["sales"])
    w = simulate(
        SimulationConfig(seed=truth["seed"], customers=truth["customers"], weeks=truth["weeks"])
    )
    media = pd.read_csv(root / "media.csv")
    np.testing.assert_allclose(media["sales"], w.media["sales"], atol=0.006)
    assert w.truth["realised"] == truth["realised"]
    assert len(pd.read_parquet(root / "touchpoints.parquet")) == len(w.touchpoints)
