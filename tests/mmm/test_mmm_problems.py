"""Problem panels give clear findings, not crashes; geo models pool across geos."""

from __future__ import annotations

import numpy as np
import pytest

from attribution.mmm import MMM, spec_from_dict
from attribution.mmm.synthetic import simulate_panel

SMALL = {"draws": 200, "tune": 300, "chains": 2, "seed": 5}


def test_zero_spend_constant_control_and_collinear_channels_give_findings():
    df, _ = simulate_panel(60, 3, seed=2, zero_channel=True, collinear=True)
    df["flat"] = 1.0
    df["activity_posts"] = np.random.default_rng(0).poisson(5.0, len(df)).astype(float)
    spec = spec_from_dict({"model": {"fourier_modes": 0}}, list(df.columns))
    res = MMM(spec, **SMALL).fit(df)
    codes = {f.code for f in res.findings}
    assert {"mmm.channel_no_spend", "mmm.control_constant", "mmm.collinear"} <= codes
    assert res.channels == ("ch1", "ch2", "ch3", "posts")
    posts = res.to_frame().iloc[3]
    assert posts["kind"] == "activity" and np.isnan(posts["roi"]) and np.isnan(posts["mroi"])
    assert posts["contribution_low"] >= 0
    coll = next(f for f in res.findings if f.code == "mmm.collinear")
    assert "ch1" in coll.message and "ch2" in coll.message and coll.level == "warning"
    assert np.isfinite(res.to_frame()["contribution"]).all()


@pytest.mark.slow
def test_geo_model_partial_pooling():
    df, truth = simulate_panel(70, 2, n_geos=4, seed=4)
    spec = spec_from_dict({"model": {"geo": "geo", "fourier_modes": 1}}, list(df.columns))
    res = MMM(spec, **SMALL).fit(df)
    assert res.posterior["beta"].shape == (400, 4, 2)
    assert res.panel.geos == ("g00", "g01", "g02", "g03")
    t = res.to_frame()
    assert t["contribution"].sum() == pytest.approx(truth.total.sum(), rel=0.25)
    np.testing.assert_allclose(t["spend"], truth.spend_total)
    # national response splits spend over geos by their historical shares
    r = res.response(res.current_spend, per_channel=True)
    assert r.shape == (400, 2) and (r > 0).all()
    # steady state at current spend is close to the average weekly contribution
    assert r.mean(0).sum() == pytest.approx(t["contribution"].sum() / 70, rel=0.35)
