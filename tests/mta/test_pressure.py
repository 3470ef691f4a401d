"""Contact pressure: known truth from the fatigue world, and the small pure helpers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution.data.simulator.fatigue import (
    FatigueChannel,
    FatigueConfig,
    simulate_fatigue,
    touch_effect,
)
from attribution.errors import UsageError
from attribution.mta.pressure import (
    ContactPressure,
    demean,
    frequency_bins,
    peak_interval,
    raw_peak,
)


@pytest.fixture(scope="module")
def fatigue():
    world = simulate_fatigue(FatigueConfig(customers=2500, weeks=24, seed=2))
    return world, ContactPressure(draws=400, seed=1).fit(world.panel)


def test_recovers_true_saturation_frequency_where_raw_crosstab_does_not(fatigue):
    world, res = fatigue
    for ch, truth in world.truth["peak"].items():
        c = res.get(ch, "week")
        assert c is not None and c.saturated
        # the estimate is the true peak, its interval covers it and is narrow
        assert c.peak == truth, (ch, c.peak, truth)
        assert c.peak_low <= truth <= c.peak_high <= truth + 2
        assert c.beyond == "declines"
        # the raw cross-tab (intent drives both frequency and conversion) puts the peak
        # well beyond the truth and outside the model's interval
        raw = raw_peak(world.panel, ch, c.frequencies[-1])
        assert raw >= truth + 2 and raw > c.peak_high, (ch, raw)


def test_effects_follow_the_true_curve_in_shape(fatigue):
    world, res = fatigue
    for spec in world.config.channels:
        c = res.get(spec.name)
        # below the peak each touch adds response: the estimated effect rises to the peak
        assert np.all(np.diff(c.effect[: spec.peak + 1]) > 0)
        # far beyond the peak the response is lower than at the peak (fatigue)
        assert c.effect[-1] < c.effect[spec.peak] - 0.02
        assert np.all(c.effect_low <= c.effect + 1e-12)
        assert np.all(c.effect <= c.effect_high + 1e-12)


def test_to_frame_columns_and_rows(fatigue):
    _, res = fatigue
    f = res.to_frame()
    assert list(f.columns[:4]) == ["level", "channel", "frequency", "label"]
    email = f[f["channel"] == "email"]
    assert email["label"].iloc[-1].endswith("+")
    assert email["effect"].iloc[0] == 0.0
    assert email["rows"].sum() == 2500 * 24


def test_untargeted_world_has_no_intent_bias():
    # with targeting 0 the raw cross-tab and the model agree on the peak (sanity check that
    # the bias above comes from intent, not from the estimator)
    chans = (FatigueChannel("email", mean=2.0, peak=2, gain=0.5, fatigue=0.3),)
    w = simulate_fatigue(
        FatigueConfig(customers=1500, weeks=20, seed=4, targeting=0.0, channels=chans)
    )
    c = ContactPressure(draws=200).fit(w.panel).get("email")
    assert c.peak == 2
    assert raw_peak(w.panel, "email", c.frequencies[-1]) == 2


def test_touch_effect_by_hand():
    ch = FatigueChannel("x", peak=3, gain=0.2, fatigue=0.5)
    assert touch_effect(np.array([0, 3, 5]), ch).tolist() == pytest.approx([0.0, 0.6, -0.4])


def test_frequency_bins_pool_thin_tail():
    counts = np.array([0] * 100 + [1] * 60 + [2] * 55 + [3] * 10 + [7] * 80)
    # 3 has 10 rows only: bins 0, 1, 2 and "2+" pools 2, 3, 7
    assert frequency_bins(counts, 10, 50) == 2
    assert frequency_bins(counts, 1, 50) == 1
    assert frequency_bins(np.zeros(10, dtype=int), 5, 3) == 0


def test_demean_and_peak_interval_by_hand():
    x = np.array([[1.0, 0.0], [3.0, 2.0], [5.0, 4.0]])
    g = np.array([0, 0, 1])
    assert demean(x, g).tolist() == [[-1.0, -1.0], [1.0, 1.0], [0.0, 0.0]]
    draws = np.array([[0, 1, 3, 2]] + [[0, 1, 3, 2]] * 8 + [[0, 3, 1, 0]] * 2)
    assert peak_interval(draws, 0.8) == (2, 1, 2)


def test_bad_settings_and_missing_channel():
    with pytest.raises(UsageError):
        ContactPressure(ci=1.5)
    panel = pd.DataFrame({"customer_id": ["a"], "week": [0], "converted": [0], "x": [1]})
    with pytest.raises(UsageError, match="no touch counts"):
        ContactPressure(channels=("y",)).fit(panel)


def test_too_few_touches_is_a_finding_not_noise():
    panel = pd.DataFrame(
        {
            "customer_id": np.repeat(["a", "b"], 5),
            "week": np.tile(range(5), 2),
            "converted": [0, 1, 0, 0, 1, 0, 0, 1, 0, 0],
            "x": [0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        }
    )
    res = ContactPressure(min_rows=5).fit(panel)
    assert res.get("x") is None
    assert [f.code for f in res.findings] == ["pressure.too_few"]


def test_journey_level_weighted_rows_equal_expanded_rows():
    rng = np.random.default_rng(0)
    n = 400
    x = rng.poisson(2.0, n)
    y = (rng.random(n) < 0.2 + 0.05 * np.minimum(x, 2)).astype(int)
    other = rng.poisson(1.0, n)
    j = pd.DataFrame({"x": x, "o": other, "converted": y})
    agg = j.groupby(["x", "o", "converted"]).size().rename("weight").reset_index()
    panel = pd.DataFrame({"customer_id": [], "week": [], "converted": [], "x": [], "o": []})
    a = ContactPressure(draws=0, min_rows=20).fit(panel, j).get("x", "journey")
    b = ContactPressure(draws=0, min_rows=20).fit(panel, agg).get("x", "journey")
    assert a.frequencies == b.frequencies
    np.testing.assert_allclose(a.effect, b.effect, atol=1e-8)
    np.testing.assert_allclose(a.rows, b.rows)
