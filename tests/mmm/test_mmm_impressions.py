"""Paid channels modelled on impressions; spend, ROI and response stay in money."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from attribution.errors import InputError, UsageError
from attribution.mmm import MMM, spec_from_dict
from attribution.mmm import components as cp
from attribution.mmm.analysis import response_curves
from attribution.mmm.panel import Panel, Scaling, make_scaling, read_panel, screen
from attribution.mmm.results import MMMResults
from attribution.mmm.spec import ChannelSpec, MMMSpec

N_TRAIN = 96


def simulate(T: int = 104, seed: int = 3, cpm_sd: float = 0.6):
    """Sales respond to impressions of 'tv'; its price per impression varies week to week
    (lognormal, sd ``cpm_sd``), so its spend is a noisy copy of what drives sales."""
    rng = np.random.default_rng(seed)
    dates = np.datetime64("2023-01-02", "D") + 7 * np.arange(T)
    impr = 2e6 * rng.gamma(2.0, 0.5, T) * (rng.uniform(size=T) < 0.8)
    cpm = 0.5 * np.exp(rng.normal(0, cpm_sd, T))  # money per 1000 impressions
    spend_search = 3000.0 * rng.gamma(2.0, 0.5, T) * (rng.uniform(size=T) < 0.8)

    def contrib(x, alpha, lam, beta):
        stack = cp.lag_stack((x / x.max())[:, None, None], 8)
        w = cp.geometric_weights(np.array([alpha]), 8)
        return (cp.logistic_saturation(cp.adstock(stack, w), np.array([lam])) * beta)[:, 0, 0]

    c_tv, c_search = contrib(impr, 0.5, 2.0, 3000.0), contrib(spend_search, 0.3, 2.5, 2000.0)
    price = 10 + rng.normal(0, 0.5, T)
    base = 10000 * (1 + 0.1 * np.arange(T) / T - 0.02 * (price - 10))
    sales = base + c_tv + c_search + rng.normal(0, 300, T)
    df = pd.DataFrame(
        {
            "date": dates.astype(str),
            "sales": sales,
            "spend_tv": impr * cpm / 1000,
            "impressions_tv": impr,
            "spend_search": spend_search,
            "price": price,
        }
    )
    return df, c_tv


def _spec(df, tv_input: str) -> MMMSpec:
    cfg = {
        "model": {"holdout_weeks": 8, "fourier_modes": 0},
        "channels": [{"name": "tv", "input": tv_input}, {"name": "search"}],
    }
    return spec_from_dict(cfg, list(df.columns))


# -- spec and panel -----------------------------------------------------------------------
def test_spec_input_defaults_to_spend():
    conv = spec_from_dict({}, ["date", "sales", "spend_tv", "impressions_tv"])
    assert conv.channel_names == ("tv",)  # impressions_<x> is not a channel of its own
    assert conv.channel("tv").input == "spend"
    assert conv.channel("tv").driver_column == "spend_tv"
    spec = spec_from_dict({"channels": [{"name": "tv", "input": "impressions"}]})
    tv = spec.channel("tv")
    assert (tv.column, tv.impressions, tv.driver_column) == (
        "spend_tv",
        "impressions_tv",
        "impressions_tv",
    )
    assert spec_from_dict(spec.to_dict()) == spec
    custom = ChannelSpec("tv", "spend_tv", input="impressions", impressions="grp_tv")
    assert custom.driver_column == "grp_tv"
    with pytest.raises(UsageError, match="input must be one of"):
        ChannelSpec("tv", "spend_tv", input="clicks")
    with pytest.raises(UsageError, match="paid or offline"):
        ChannelSpec("posts", "activity_posts", kind="activity", input="impressions")
    with pytest.raises(UsageError, match="only used with input"):
        ChannelSpec("tv", "spend_tv", impressions="impressions_tv")


def test_panel_keeps_money_and_drives_with_impressions():
    df, _ = simulate()
    panel, findings = read_panel(df, _spec(df, "impressions"))
    np.testing.assert_array_equal(panel.media[:, 0, 0], df["spend_tv"])
    np.testing.assert_array_equal(panel.driver[:, 0, 0], df["impressions_tv"])
    np.testing.assert_array_equal(panel.model_input[:, 0, 1], df["spend_search"])
    assert panel.control_names == ("price",)  # impressions are never a control
    assert findings == []
    s = make_scaling(panel, N_TRAIN)
    cpi = df["spend_tv"][:N_TRAIN].sum() / df["impressions_tv"][:N_TRAIN].sum()
    assert s.per_money(2) == pytest.approx([1 / cpi, 1.0], rel=1e-12)
    assert s.media[0] == df["impressions_tv"][:N_TRAIN].max()
    assert Scaling.from_dict(s.to_dict()) == s
    # modelled on spend: the impressions column is reported, not used, not a control
    panel_s, found = read_panel(df, _spec(df, "spend"))
    assert panel_s.driver is None and panel_s.control_names == ("price",)
    assert [f.code for f in found] == ["mmm.impressions_unused"]


def test_bad_impressions_are_input_errors():
    df, _ = simulate(20)
    spec = _spec(df, "impressions")
    for bad, reason in ((np.nan, "not_a_number"), (-5.0, "negative")):
        frame = df.copy()
        frame.loc[6, "impressions_tv"] = bad
        with pytest.raises(InputError) as e:
            read_panel(frame, spec)
        assert (e.value.row, e.value.column, e.value.reason) == (8, "impressions_tv", reason)
    with pytest.raises(InputError) as e:
        read_panel(df.drop(columns="impressions_tv"), spec)
    assert e.value.column == "impressions_tv" and e.value.reason == "missing_column"
    # impressions of a channel the model does not have: a warning, not a control
    panel, found = read_panel(df.assign(impressions_radio=1.0), spec)
    assert [f.code for f in found] == ["mmm.impressions_unknown_channel"]
    assert "impressions_radio" in found[0].message and panel.control_names == ("price",)
    # impressions but no spend at all: no cost per impression, no ROI
    panel, _ = read_panel(df.assign(spend_tv=0.0), spec)
    with pytest.raises(InputError) as e:
        screen(panel, spec, 12)
    assert e.value.column == "spend_tv" and e.value.reason == "impressions_without_spend"


def test_loader_checks_impression_columns():
    from attribution.data.validate import validate_frame

    df, _ = simulate(12)
    ok = validate_frame(df, "media", source="m.csv")
    assert ok.frame["impressions_tv"].dtype == np.float64
    with pytest.raises(InputError) as e:
        validate_frame(
            df.rename(columns={"impressions_tv": "impressions_tvv"}), "media", source="m.csv"
        )
    assert e.value.column == "impressions_tvv" and e.value.reason == "impressions_without_spend"
    assert "impressions_tv" in e.value.fix  # did you mean
    bad = df.copy()
    bad.loc[3, "impressions_tv"] = -1.0
    with pytest.raises(InputError) as e:
        validate_frame(bad, "media", source="m.csv")
    assert (e.value.row, e.value.column) == (5, "impressions_tv")


# -- money per money, hand-computed ----------------------------------------------------------
def test_response_and_roi_go_through_the_cost_per_impression():
    """One channel, 10 weeks, l_max 4, alpha 0.5 (normalised weights sum to 1), lam 1,
    beta 0.5, sales scale 100. Impressions 1000 a week at a cost of 0.1 each for the
    first 5 weeks and 0.3 afterwards: 10 impressions per unit of money would be wrong,
    the fitted weeks' cost per impression is (500 + 1500) / 10000 = 0.2."""
    T = 10
    impr = np.full((T, 1, 1), 1000.0)
    money = impr * np.where(np.arange(T) < 5, 0.1, 0.3)[:, None, None]
    spec = MMMSpec(
        channels=(ChannelSpec("tv", "spend_tv", l_max=4, input="impressions"),),
        fourier_modes=0,
        trend=False,
    )
    panel = Panel(
        np.datetime64("2024-01-01", "D") + 7 * np.arange(T),
        ("all",),
        np.full((T, 1), 100.0),
        money,
        np.zeros((T, 1, 0)),
        ("tv",),
        (),
        impr,
    )
    scaling = make_scaling(panel, T)
    assert scaling.per_money(1)[0] == pytest.approx(1 / 0.2)
    assert scaling.media == (1000.0,)
    post = {
        "alpha": np.array([[0.5]]),
        "lam": np.array([[1.0]]),
        "beta": np.array([[[0.5]]]),
        "sigma": np.array([0.1]),
        "intercept_geo": np.array([[0.0]]),
    }
    res = MMMResults(spec=spec, scaling=scaling, panel=panel, n_train=T, posterior=post)
    assert res.current_spend[0] == pytest.approx(200.0)  # money a week
    # 200 a week buys 1000 impressions: scaled 1.0, steady adstock 1.0
    r = res.response(np.array([200.0, 50.0])[:, None], per_channel=True)
    assert r[0, :, 0] == pytest.approx([50 * math.tanh(0.5), 50 * math.tanh(0.125)], rel=1e-12)
    t = res.to_frame()
    w = 0.5 ** np.arange(4) / (0.5 ** np.arange(4)).sum()
    weekly = [50 * math.tanh(w[: min(t_ + 1, 4)].sum() / 2) for t_ in range(T)]
    assert t["spend"].iloc[0] == pytest.approx(2000.0)
    assert t["contribution"].iloc[0] == pytest.approx(sum(weekly), rel=1e-12)
    assert t["roi"].iloc[0] == pytest.approx(sum(weekly) / 2000.0, rel=1e-12)
    # marginal ROI: derivative of the money response at current spend
    h = 1e-4
    d = (50 * math.tanh((1 + h) / 2) - 50 * math.tanh(0.5)) / (200 * h)
    assert t["mroi"].iloc[0] == pytest.approx(d, rel=2e-2)


# -- fits -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fits(settings):
    df, c_tv = simulate()
    out = {k: MMM(_spec(df, k), **settings).fit(df) for k in ("impressions", "spend")}
    return df, c_tv, out


def test_impressions_fit_recovers_the_contribution_better(fits):
    df, c_tv, res = fits
    true_total = c_tv[:N_TRAIN].sum()
    spend = df["spend_tv"][:N_TRAIN].sum()
    imp, spd = res["impressions"].to_frame().iloc[0], res["spend"].to_frame().iloc[0]
    err_imp = abs(imp["contribution"] / true_total - 1)
    err_spd = abs(spd["contribution"] / true_total - 1)
    assert err_imp < 0.15
    assert err_spd > 2 * err_imp and err_spd > 0.25
    assert imp["contribution_low"] <= true_total <= imp["contribution_high"]
    # ROI against money spend, not impressions
    assert imp["spend"] == pytest.approx(spend)
    assert imp["roi"] == pytest.approx(imp["contribution"] / spend, rel=0.02)
    assert imp["roi"] == pytest.approx(true_total / spend, rel=0.15)
    assert res["impressions"].settings["chains"] == 2


def test_optimiser_works_in_money_on_an_impressions_model(fits, tmp_path):
    from attribution.mmm.io import load, save
    from attribution.optimize.adapters import MMMResponse

    df, _, res = fits
    fit = res["impressions"]
    m = MMMResponse(fit, max_draws=50)
    assert m.channels == ("tv", "search")
    assert m.current_spend[0] == pytest.approx(df["spend_tv"][:N_TRAIN].mean())
    r = m.channel_response(np.stack([m.current_spend, 2 * m.current_spend]))
    assert r.shape == (50, 2, 2)
    assert (r[:, 1] > r[:, 0]).all()  # more money, more impressions, more sales
    curves = response_curves(fit, 5)
    tv = curves[curves["channel"] == "tv"]
    assert tv["spend"].iloc[-1] == pytest.approx(2 * df["spend_tv"][:N_TRAIN].mean())
    # a saved model answers the optimiser's questions with the same numbers (the cost
    # per impression travels in the scaling)
    save(fit, tmp_path)
    again = MMMResponse(load(tmp_path), max_draws=50)
    x = np.stack([m.current_spend, 2 * m.current_spend])
    np.testing.assert_allclose(again.response(x), m.response(x), rtol=1e-10)
    # and the loaded model's contributions (rebuilt from the stored impressions) match
    np.testing.assert_allclose(
        load(tmp_path).to_frame()["contribution"], fit.to_frame()["contribution"], rtol=1e-10
    )
