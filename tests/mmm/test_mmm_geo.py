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
from attribution.mmm import MMM, spec_from_dict
from attribution.mmm.geo import geo_weights
from attribution.mmm.io import load, save
from attribution.mmm.panel import Scaling, design, make_scaling, read_panel


def _world(n_geos=6, n_weeks=70, channels=("tv", "search"), seed=3):
    return simulate_geo(GeoConfig(n_geos=n_geos, n_weeks=n_weeks, channels=channels), seed=seed)


def _spec(df, population=True):
    model = {"geo": "geo", "controls": ["price"], "fourier_modes": 1}
    if population:
        model["population"] = "population"
    return spec_from_dict({"model": model}, list(df.columns))


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
    df, truth = _world()
    res = MMM(_spec(df), draws=300, tune=300, chains=2, seed=1).fit(df)
    return res, truth


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
