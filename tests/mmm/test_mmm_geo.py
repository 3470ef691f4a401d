"""Geo models: geos of different size on one scale, noise per geo, hierarchical effects.

Checked against the geo simulator's exact truth (populations 12x apart, noise
proportional to size) and hand-computed scalings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution.data.simulator.geo import GeoConfig, simulate_geo
from attribution.errors import InputError, UsageError
from attribution.mmm import MMM, MMMSpec, spec_from_dict
from attribution.mmm.analysis import baseline_parts
from attribution.mmm.geo import geo_weights, time_basis
from attribution.mmm.io import load, save
from attribution.mmm.panel import Scaling, design, make_scaling, read_panel


def _world(n_geos=6, n_weeks=70, channels=("tv", "search"), seed=3, shock=0.0):
    cfg = GeoConfig(n_geos=n_geos, n_weeks=n_weeks, channels=channels, time_shock=shock)
    return simulate_geo(cfg, seed=seed)


def _spec(df, population=True, **extra):
    model = {"geo": "geo", "controls": ["price"], **extra}
    if population:
        model["population"] = "population"
    return spec_from_dict({"model": model}, list(df.columns))


def test_time_basis_interpolates_between_knots_by_hand():
    # knots on weeks 0, 2, 4: week 1 is half of knots 0 and 1, week 3 half of 1 and 2
    np.testing.assert_allclose(
        time_basis(5, 3, 5),
        [[1, 0, 0], [0.5, 0.5, 0], [0, 1, 0], [0, 0.5, 0.5], [0, 0, 1]],
    )
    # knots on weeks 0 and 3 (4 fitted weeks); the two holdout weeks keep the last knot
    np.testing.assert_allclose(
        time_basis(6, 2, 4),
        [[1, 0], [2 / 3, 1 / 3], [1 / 3, 2 / 3], [0, 1], [0, 1], [0, 1]],
    )
    # knots on weeks 0, 4.5, 9 (10 weeks): week 6 is 1.5 from 4.5 and 3 from 9
    w = time_basis(10, 3, 10)
    np.testing.assert_allclose(w[6], [0, 2 / 3, 1 / 3])
    np.testing.assert_allclose(w.sum(1), 1.0)
    np.testing.assert_array_equal(time_basis(7, 7, 7), np.eye(7))  # one knot per week
    for k in (1, 8):
        with pytest.raises(ValueError, match="n_knots"):
            time_basis(7, k, 7)


def test_time_effect_is_on_by_default_in_geo_models_only():
    df, _ = _world()
    spec = _spec(df)
    assert spec.time_effect(6) and spec.n_knots(6, 70) == 70
    assert not spec.uses_trend(6) and spec.seasonal_modes(6) == 0
    # national models keep trend and two Fourier modes (the numbers they had before)
    assert not spec.time_effect(1) and spec.uses_trend(1) and spec.seasonal_modes(1) == 2
    # a geo config that asks for trend or seasonality keeps them, without knots
    old = _spec(df, fourier_modes=1)
    assert not old.time_effect(6) and old.uses_trend(6) and old.seasonal_modes(6) == 1
    assert _spec(df, time_knots=20).n_knots(6, 70) == 20
    assert not _spec(df, time_knots=0).time_effect(6)
    with pytest.raises(UsageError, match="more than the 70 fitted weeks"):
        _spec(df, time_knots=71).n_knots(6, 70)
    for bad in (1, -2, 2.5, True):
        with pytest.raises(UsageError, match="time_knots must be 0"):
            _spec(df, time_knots=bad)
    with pytest.raises(UsageError, match="already follows the trend"):
        _spec(df, time_knots=20, trend=True)
    assert "time_knots" in MMMSpec.__dataclass_fields__


def test_simulated_geo_world_sizes_and_noise():
    df, truth = _world()
    pop = df.groupby("geo")["population"].first()
    assert pop.max() / pop.min() == pytest.approx(12.0, rel=1e-5)
    np.testing.assert_allclose(truth.noise_sd / truth.population, 0.02)
    # spend and contribution scale with size: per head they are of one order
    per_head = truth.contribution.sum(axis=(0, 2)) / truth.population
    assert per_head.max() / per_head.min() < 3


def test_geo_weights_from_population_or_mean_sales():
    np.testing.assert_allclose(
        geo_weights(np.ones((3, 2)), ("a", "b"), np.array([1.0, 3.0])), [0.5, 1.5]
    )
    y = np.array([[2.0, 6.0], [4.0, 12.0]])  # geo means 3 and 9
    np.testing.assert_allclose(geo_weights(y, ("a", "b"), None), [0.5, 1.5])
    with pytest.raises(InputError, match="geo 'b' has no sales"):
        geo_weights(np.array([[1.0, 0.0]]), ("a", "b"), None)


def test_scaling_divides_sales_and_media_by_geo_size():
    df, truth = _world()
    spec = _spec(df)
    panel, _ = read_panel(df, spec)
    np.testing.assert_allclose(panel.population, truth.population)
    assert "population" not in panel.control_names
    s = make_scaling(panel, panel.n_weeks)
    w = truth.population / truth.population.mean()
    np.testing.assert_allclose(s.geo, w)
    d = design(panel, s, spec)
    # scaled sales times size and target scale give the sales back; max per-size sales is 1
    np.testing.assert_allclose(d.y * s.target * w, panel.y)
    assert d.y.max() == pytest.approx(1.0)
    # lag 0 of the stack is spend per size over the channel scale (typical geo max = 1)
    np.testing.assert_allclose(d.stack[0] * np.array(s.media) * w[:, None], panel.media)
    np.testing.assert_allclose(d.stack[0].max(axis=0).mean(axis=0), 1.0)
    assert Scaling.from_dict(s.to_dict()) == s


def test_population_errors_name_row_and_column():
    df, _ = _world()
    bad = df.copy()
    bad.loc[7, "population"] = bad.loc[7, "population"] + 1.0
    with pytest.raises(InputError) as e:
        read_panel(bad, _spec(df))
    assert e.value.row == 9 and e.value.column == "population"
    assert "changes between weeks" in str(e.value)
    neg = df.copy()
    neg.loc[3, "population"] = -5
    with pytest.raises(InputError, match="not a number > 0"):
        read_panel(neg, _spec(df))
    with pytest.raises(UsageError, match="needs a geo column"):
        spec_from_dict({"model": {"population": "population"}}, ["date", "sales", "spend_tv"])


@pytest.fixture(scope="module")
def geo_fit():
    # a shared weekly shock (sd 15% of the baseline per head) that no trend or yearly
    # seasonality can follow; the default geo model has a weekly time effect for it
    df, truth = _world(shock=0.15)
    res = MMM(_spec(df), draws=300, tune=300, chains=2, seed=1).fit(df)
    return res, truth


def test_geo_time_effect_recovers_the_shared_weekly_shock(geo_fit):
    res, truth = geo_fit
    assert res.posterior["time_knots"].shape[1:] == (70,)
    # the time effect per head (sales units / population) against the world's shared
    # weekly movement per head: the shock plus trend and seasonality of the mean base
    ix = np.arange(res.n_draws)
    part = baseline_parts(res, ix)["time"].mean(0)  # (T, G) sales units
    per_head = part / truth.population[None, :]
    np.testing.assert_allclose(per_head, np.repeat(per_head[:, :1], 6, 1), rtol=1e-9)  # shared
    T = len(truth.time_shock)
    t = np.arange(T)
    dates = np.datetime64("2023-01-02") + 7 * t
    doy = (dates - dates.astype("datetime64[Y]")).astype(int)
    season = 0.08 * np.sin(2 * np.pi * doy / 365.25) + 0.04 * np.cos(2 * np.pi * doy / 365.25)
    base = truth.baseline_per_head.mean() * (0.1 * t / T + season)
    true = truth.time_shock + base
    est, true = per_head[:, 0] - per_head[:, 0].mean(), true - true.mean()
    assert np.corrcoef(est, true)[0, 1] > 0.95
    # within a quarter of the shock's sd, week by week on average
    assert np.sqrt(np.mean((est - true) ** 2)) < 0.25 * truth.time_shock.std()


def test_geo_fit_recovers_truth_with_noise_per_geo(geo_fit):
    res, truth = geo_fit
    G, C = len(truth.geos), len(truth.channels)
    p = res.posterior
    assert p["sigma"].shape[1:] == (G,) and p["beta"].shape[1:] == (G, C)
    assert p["gamma_control_geo"].shape[1:] == (G, 1)
    t = res.to_frame()
    # total media within 10% of the truth; each channel's truth inside its 90% interval
    assert t["contribution"].sum() == pytest.approx(truth.total.sum(), rel=0.10)
    inside = (t["contribution_low"] <= truth.total) & (truth.total <= t["contribution_high"])
    assert inside.all(), pd.DataFrame({"est": t["contribution"], "truth": truth.total})
    # noise per geo in sales units follows the size (truth: proportional, 12x apart)
    sd = p["sigma"].mean(0) * res.scaling.target * np.asarray(res.scaling.geo)
    np.testing.assert_allclose(sd / truth.noise_sd, 1.0, rtol=0.35)
    # the price effect per head varies by geo and is negative everywhere
    assert (p["gamma_control_geo"].mean(0) < 0).all()


def test_geo_response_is_in_sales_units(geo_fit):
    res, truth = geo_fit
    # steady state at the average weekly spend: the same order as the average weekly
    # contribution (adstock and saturation make them differ, not the geo scale)
    r = res.response(res.current_spend, per_channel=True).mean(0)
    weekly = truth.total / truth.spend.shape[0]
    np.testing.assert_allclose(r / weekly, 1.0, rtol=0.5)


def test_geo_model_saves_and_loads_with_its_geo_sizes(geo_fit, tmp_path):
    res, _ = geo_fit
    back = load(save(res, tmp_path / "mmm"))
    assert back.scaling.geo == res.scaling.geo
    pd.testing.assert_frame_equal(back.to_frame(), res.to_frame())
