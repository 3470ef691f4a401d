"""Pure functions, spec, priors and panel checks (no sampling; fast)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytensor.tensor as pt
import pytest

from attribution.errors import InputError, UsageError
from attribution.mmm import components as cp
from attribution.mmm.model import Layout, media_effect
from attribution.mmm.panel import design, make_scaling, read_panel, screen
from attribution.mmm.priors import ChannelPriors, beta_from_moments, lognormal_from_moments
from attribution.mmm.spec import ChannelSpec, MMMSpec, spec_from_dict
from attribution.mmm.synthetic import simulate_panel


def test_geometric_adstock_hand_computed():
    # x = [1, 0, 0, 2], alpha = 0.5, l_max = 3, unnormalised weights [1, .5, .25]
    x = np.array([[1.0], [0.0], [0.0], [2.0]])
    w = cp.geometric_weights(np.array([0.5]), 3, normalize=False)
    out = cp.adstock(cp.lag_stack(x, 3), w)[:, 0]
    np.testing.assert_allclose(out, [1.0, 0.5, 0.25, 2.0])
    wn = cp.geometric_weights(np.array([0.5]), 3)
    np.testing.assert_allclose(wn, [[1 / 1.75, 0.5 / 1.75, 0.25 / 1.75]])


def test_delayed_and_weibull_weights_hand_computed():
    np.testing.assert_allclose(
        cp.delayed_weights(np.array(0.5), np.array(2.0), 4, False), [0.5**4, 0.5, 1.0, 0.5]
    )
    w = cp.weibull_weights(np.array(2.0), np.array(2.0), 3, False)
    np.testing.assert_allclose(w, [1.0, math.exp(-0.25), math.exp(-1.0)])


def test_saturations_hand_computed():
    lam = np.array(4.0)
    x = np.array([0.0, 0.5, 1e6])
    np.testing.assert_allclose(
        cp.logistic_saturation(x, lam), [0.0, (1 - math.exp(-2)) / (1 + math.exp(-2)), 1.0]
    )
    np.testing.assert_allclose(
        cp.hill_saturation(np.array([0.0, 1.0, 3.0]), np.array(1.0), np.array(2.0)), [0.0, 0.5, 0.9]
    )
    # derivative by finite differences
    h = 1e-6
    num = (cp.logistic_saturation(0.3 + h, lam) - cp.logistic_saturation(0.3 - h, lam)) / 2 / h
    assert cp.logistic_derivative(np.array(0.3), lam) == pytest.approx(num, rel=1e-6)


def test_lag_stack_and_fourier():
    s = cp.lag_stack(np.arange(1.0, 4.0), 4)
    np.testing.assert_allclose(s, [[1, 2, 3], [0, 1, 2], [0, 0, 1], [0, 0, 0]])
    f = cp.fourier_features(np.array([365.25 / 4]), 2)
    np.testing.assert_allclose(f, [[1.0, 0.0, 0.0, -1.0]], atol=1e-12)


def test_numpy_and_pytensor_twins_agree_for_mixed_channels():
    spec = MMMSpec(
        channels=(
            ChannelSpec("a", "spend_a", adstock="geometric", l_max=3, saturation="hill"),
            ChannelSpec("b", "spend_b", adstock="weibull", l_max=5, saturation="logistic"),
            ChannelSpec("c", "spend_c", adstock="delayed", l_max=4, normalize=False),
            ChannelSpec("d", "spend_d", adstock="geometric", l_max=5),
        )
    )
    lay = Layout.from_spec(spec)
    rng = np.random.default_rng(3)
    stack = cp.lag_stack(rng.uniform(size=(12, 2, 4)), lay.l_max)
    params = {
        "alpha": np.array([0.3, 0.6]),
        "delay_alpha": np.array([0.5]),
        "theta": np.array([1.5]),
        "weibull_shape": np.array([1.5]),
        "weibull_scale": np.array([2.0]),
        "lam": np.array([2.0, 3.0, 1.0]),
        "hill_k": np.array([0.4]),
        "hill_s": np.array([2.0]),
    }
    out_np = media_effect({k: v[None] for k, v in params.items()}, stack, lay)[0]
    sym = {k: pt.vector(k) for k in params}
    out_pt = media_effect(sym, pt.as_tensor(stack), lay, xp=pt).eval(
        {sym[k]: v for k, v in params.items()}
    )
    np.testing.assert_allclose(out_np, out_pt, rtol=1e-10)
    # channel a by hand: normalised geometric l_max 3, then Hill
    w = cp.geometric_weights(np.array(0.3), 3)
    ad = sum(w[i] * stack[i, :, :, 0] for i in range(3))
    np.testing.assert_allclose(out_np[..., 0], ad**2 / (ad**2 + 0.4**2))
    # channel c: not normalised, truncated at 4 lags
    wc = 0.5 ** ((np.arange(4) - 1.5) ** 2)
    adc = sum(wc[i] * stack[i, :, :, 2] for i in range(4))
    np.testing.assert_allclose(out_np[..., 2], cp.logistic_saturation(adc, 3.0))  # lam: b, c, d


def test_prior_moment_helpers():
    mu, s = lognormal_from_moments(3.0, 1.5)
    assert math.exp(mu + s * s / 2) == pytest.approx(3.0)
    assert math.sqrt((math.exp(s * s) - 1) * math.exp(2 * mu + s * s)) == pytest.approx(1.5)
    a, b = beta_from_moments(0.3, 0.1)
    assert math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1))) == pytest.approx(0.1)
    with pytest.raises(UsageError):
        ChannelPriors({"x": (0.5, 0.6)})


def test_spec_from_toml_dict_round_trip_and_errors():
    cfg = {
        "model": {"holdout_weeks": 4, "prior_mode": "roi", "events": ["ev"]},
        "channels": [
            {"name": "tv", "kind": "offline", "saturation": "hill", "roi_prior": [2.0, 1.0]},
            {"name": "posts", "column": "activity_posts", "kind": "activity"},
        ],
        "priors": {"beta": {"dist": "HalfNormal", "sigma": 1.0}},
    }
    spec = spec_from_dict(cfg)
    assert spec.channel("tv").column == "spend_tv"
    assert spec.prior_set["beta"].params == {"sigma": 1.0}
    assert spec_from_dict(spec.to_dict()) == spec
    with pytest.raises(UsageError, match="adstock"):
        spec_from_dict({"channels": [{"name": "x", "adstock": "magic"}]})
    with pytest.raises(UsageError, match="dist"):
        spec_from_dict({"channels": [{"name": "x"}], "priors": {"beta": {"dist": "eval"}}})
    with pytest.raises(UsageError, match="unknown"):
        spec_from_dict(
            {"channels": [{"name": "x"}], "priors": {"nope": {"dist": "HalfNormal", "sigma": 1}}}
        )
    with pytest.raises(UsageError, match="activity"):
        ChannelSpec("p", "activity_p", kind="activity", roi_prior=(1.0, 1.0))


def test_convention_inference():
    spec = spec_from_dict({}, ["date", "sales", "spend_tv", "activity_posts", "price"])
    assert [(c.name, c.kind) for c in spec.channels] == [("tv", "paid"), ("posts", "activity")]


def _spec_for(df):
    return spec_from_dict({}, list(df.columns))


def test_panel_errors_name_row_and_column():
    df, _ = simulate_panel(20, 2, seed=0)
    spec = _spec_for(df)
    bad = df.copy()
    bad["spend_ch2"] = bad["spend_ch2"].astype(object)
    bad.loc[4, "spend_ch2"] = "abc"
    with pytest.raises(InputError) as e:
        read_panel(bad, spec)
    assert (e.value.row, e.value.column) == (6, "spend_ch2")
    neg = df.copy()
    neg.loc[0, "sales"] = -1.0
    with pytest.raises(InputError, match="negative") as e:
        read_panel(neg, spec)
    assert e.value.row == 2
    gap = df.drop(index=5)
    with pytest.raises(InputError, match="7 days"):
        read_panel(gap, spec)
    with pytest.raises(InputError, match="missing"):
        read_panel(df.drop(columns="sales"), spec)
    dup = pd.concat([df, df.iloc[[3]]], ignore_index=True)
    with pytest.raises(InputError, match="duplicate") as e:
        read_panel(dup, spec)
    assert e.value.row == 22


def test_scaling_and_design():
    df, _ = simulate_panel(30, 2, seed=0)
    spec = spec_from_dict({"model": {"holidays": ["2023-01-04"]}}, list(df.columns))
    panel, _ = read_panel(df.sample(frac=1.0, random_state=1), spec)  # order does not matter
    assert panel.control_names == ("price", "holiday")
    assert panel.controls[0, 0, 1] == 1.0 and panel.controls[1:, 0, 1].sum() == 0
    sc = make_scaling(panel, 26)
    assert sc.target == pytest.approx(df["sales"][:26].max())
    assert sc.media[0] == pytest.approx(df["spend_ch1"][:26].max())
    d = design(panel, sc, spec, slice(0, 26))
    assert d.y.max() == pytest.approx(1.0) and d.stack.shape == (8, 26, 1, 2)
    assert d.trend[0] == -0.5 and d.trend[-1] == pytest.approx(0.5)
    np.testing.assert_allclose(d.controls[:, 0, 0].mean(), 0.0, atol=1e-12)  # centred


def test_screen_drops_dead_channel_and_constant_control():
    df, _ = simulate_panel(30, 2, seed=0, zero_channel=True)
    df["flat"] = 3.0
    spec = _spec_for(df)
    panel, _ = read_panel(df, spec)
    spec2, panel2, findings = screen(panel, spec, 30)
    codes = {f.code for f in findings}
    assert codes == {"mmm.channel_no_spend", "mmm.control_constant"}
    assert spec2.channel_names == ("ch1", "ch2") and panel2.control_names == ("price",)
