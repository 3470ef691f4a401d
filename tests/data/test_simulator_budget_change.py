"""The simulator's budget-change lift test: a treated share of customers sees the channel
as if its spend were multiplied by ``1 + spend_change``; the measured lift (changed minus
as-is, full-market terms) goes to ``lift_tests.csv`` with its ``spend_change``, and the
truth holds the exact expected lift."""

from __future__ import annotations

import numpy as np
import pytest

from attribution.data import load_lift_tests
from attribution.data.simulator import LiftTestSpec, SimulationConfig, simulate
from attribution.data.simulator.config import DEFAULT_CHANNELS
from attribution.data.simulator.truth import channel_response
from attribution.errors import UsageError
from attribution.io import write_csv

CHANNELS = tuple(c for c in DEFAULT_CHANNELS if c.name in ("search_generic", "social_paid"))


def _config(test: LiftTestSpec, customers: int = 40_000, seed: int = 3) -> SimulationConfig:
    return SimulationConfig(
        seed=seed, customers=customers, weeks=52, channels=CHANNELS, lift_tests=(test,)
    )


def _pooled(channel: dict) -> dict:
    """The channel without its test: each segment's groups merged, nothing changed."""
    groups = {}
    for g in channel["groups"]:
        s = groups.setdefault(g["segment"], {"segment": g["segment"], "a": g["a"]})
        for k in ("weight_sales", "weight_conversions"):
            s[k] = s.get(k, 0.0) + g[k]
    return {**channel, "groups": list(groups.values())}


def test_true_lift_of_a_whole_period_change_is_the_response_curve_difference():
    # a change over every week is a multiplier on the driver: an independent code path
    w = simulate(_config(LiftTestSpec("social_paid", 0, 52, 0.4, 0.5), customers=3000))
    row = w.truth["lift_tests"][0]
    pooled = _pooled(w.truth["channels"]["social_paid"])
    want = channel_response(pooled, 1.5) - channel_response(pooled, 1.0)
    assert row["spend_change"] == 0.5
    assert row["true_lift"] == pytest.approx(want, rel=1e-12)
    assert 0 < want < 0.5 * channel_response(pooled, 1.0)  # concave: less than +50%


@pytest.mark.parametrize(("change", "sign"), [(1.0, 1.0), (-0.5, -1.0)])
def test_measured_lift_agrees_with_the_exact_truth(tmp_path, change, sign):
    w = simulate(_config(LiftTestSpec("search_generic", 20, 26, 0.5, change)))
    row = w.truth["lift_tests"][0]
    assert sign * row["true_lift"] > 1.2 * row["lift_se"]  # a real effect of this sign
    assert abs(row["lift"] - row["true_lift"]) < 3 * row["lift_se"], row
    # it goes to lift_tests.csv with its spend_change, through the contract's loader
    path = write_csv(tmp_path / "lift_tests.csv", w.lift_tests)
    frame = load_lift_tests(path).frame
    assert frame["spend_change"].tolist() == [change]
    assert frame["lift"].tolist() == [row["lift"]]


def test_budget_change_is_not_a_scaled_holdout():
    up = simulate(_config(LiftTestSpec("search_generic", 20, 26, 0.5, 1.0), customers=3000))
    off = simulate(_config(LiftTestSpec("search_generic", 20, 26, 0.5), customers=3000))
    gain = up.truth["lift_tests"][0]["true_lift"]
    drove = off.truth["lift_tests"][0]["true_lift"]
    # doubling spend gains much less than the sales the spend drove (saturation)
    assert 0 < gain < 0.6 * drove
    assert "spend_change" not in off.lift_tests.columns  # holdout files are unchanged
    # the rest of the world is the same draw: only the tested channel's group changes
    assert np.array_equal(up.media.drop(columns="sales"), off.media.drop(columns="sales"))


@pytest.mark.parametrize("bad", [-1.0, -2.0, 0.0, float("nan")])
def test_bad_spend_change_is_refused(bad):
    with pytest.raises(UsageError, match="spend_change"):
        _config(LiftTestSpec("search_generic", 20, 8, 0.5, bad))
