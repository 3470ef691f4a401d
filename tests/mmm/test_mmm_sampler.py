"""Sampler geometry and backends: the reparameterised model is the same model, geo models
start where nutpie accepts them, and numpyro agrees with nutpie within Monte-Carlo error."""

from __future__ import annotations

import numpy as np
import pytest

from attribution.mmm import MMM, spec_from_dict
from attribution.mmm import components as cp
from attribution.mmm import model as mm
from attribution.mmm.synthetic import simulate_panel


def _logp_fn(model):
    """Log density in the constrained space (no transform Jacobians), by variable name."""
    fn = model.compile_fn(
        model.logp(jacobian=False),
        inputs=model.value_vars,
        mode="FAST_COMPILE",
        on_unused_input="ignore",
    )
    names = [v.name for v in model.value_vars]

    def f(point: dict) -> float:
        return float(fn({n: point[n] for n in names}))

    return f


def _to_values(model, point: dict) -> dict:
    """Constrained values -> the model's (transformed) value variables."""
    out = {}
    for rv in model.free_RVs:
        v = model.rvs_to_values[rv]
        tr = model.rvs_to_transforms.get(rv)
        x = np.asarray(point[rv.name], dtype=float)
        out[v.name] = x if tr is None else np.asarray(tr.forward(x).eval())
    return out


def test_rounder_coordinates_keep_the_same_density(monkeypatch):
    """Mean-effect beta and mean-level intercept change coordinates, not the model:
    log p_new(m = beta * S, level = intercept + mean(rest)) == log p_old - sum log S,
    S the mean saturated media per channel (the shift of the intercept has Jacobian 1)."""
    df, _ = simulate_panel(40, 2, seed=3)
    # the coefficient prior's geometry (the share prior has no free beta to move)
    model = {"fourier_modes": 1, "prior_mode": "coefficient"}
    spec = spec_from_dict({"model": model}, list(df.columns))
    est = MMM(spec)
    monkeypatch.setattr(mm, "MEAN_EFFECT_BETA", False)
    monkeypatch.setattr(mm, "MEAN_LEVEL_INTERCEPT", False)
    old = est.build(df)
    monkeypatch.setattr(mm, "MEAN_EFFECT_BETA", True)
    monkeypatch.setattr(mm, "MEAN_LEVEL_INTERCEPT", True)
    new = est.build(df)
    assert {"beta_mean_effect", "intercept_level"} <= set(new.named_vars)
    assert "beta_mean_effect" not in old.named_vars
    p = est._prepare(df, None, None, None)
    d, layout = p["design"], mm.Layout.from_spec(p["spec"])
    f_old, f_new = _logp_fn(old), _logp_fn(new)
    rng = np.random.default_rng(0)
    for _ in range(3):
        pt = {
            "alpha": rng.uniform(0.1, 0.7, 2),
            "lam": rng.uniform(0.5, 4.0, 2),
            "beta_free": rng.uniform(0.05, 1.0, 2),
            "intercept": rng.normal(0.5, 0.1),
            "trend": rng.normal(0, 0.1),
            "gamma_fourier": rng.normal(0, 0.1, 2),
            "gamma_control": rng.normal(0, 0.1, 1),
            "sigma": rng.uniform(0.02, 0.2),
        }
        # S and the mean of the other terms by hand, from the pure numpy functions
        w = cp.geometric_weights(pt["alpha"], layout.l_max, normalize=True)
        sat = cp.logistic_saturation(cp.adstock(d.stack, w), pt["lam"])  # (T, 1, C)
        s_mean = sat.mean(axis=(0, 1))
        rest = (
            (sat * pt["beta_free"]).sum(-1)[:, 0]
            + pt["trend"] * d.trend
            + d.fourier @ pt["gamma_fourier"]
            + d.controls[:, 0] @ pt["gamma_control"]
        )
        pn = {
            **pt,
            "beta_mean_effect": pt["beta_free"] * s_mean,
            "intercept_level": pt["intercept"] + rest.mean(),
        }
        lo = f_old(_to_values(old, pt))
        ln = f_new(_to_values(new, pn))
        assert ln == pytest.approx(lo - np.log(s_mean).sum(), rel=1e-10)


@pytest.mark.parametrize("extra", [{"fourier_modes": 1}, {}, {"time_knots": 5}])
def test_geo_model_initial_gradient_has_no_exact_zero(extra):
    """nutpie (numba, no jitter) rejects a start whose gradient has an exact 0
    (with trend and seasonality, and with the weekly time effect)."""
    df, _ = simulate_panel(30, 2, n_geos=3, seed=1)
    spec = spec_from_dict({"model": {"geo": "geo", **extra}}, list(df.columns))
    model = MMM(spec).build(df)
    ip = model.initial_point()
    g = model.compile_dlogp(jacobian=True, mode="FAST_COMPILE")(ip)
    assert np.isfinite(g).all() and (g != 0).all()


@pytest.mark.slow
def test_numpyro_agrees_with_nutpie_within_monte_carlo_error():
    pytest.importorskip("numpyro")
    import arviz as az

    df, _ = simulate_panel(52, 1, seed=5)
    spec = spec_from_dict({"model": {"fourier_modes": 0, "trend": False}}, list(df.columns))
    kw = {"draws": 500, "tune": 500, "chains": 2, "seed": 3}
    a = MMM(spec, sampler="nutpie", backend="jax", **kw).fit(df)
    b = MMM(spec, sampler="numpyro", **kw).fit(df)
    for name in ("lam", "alpha", "beta_free", "intercept", "sigma"):
        ma, mb = a.posterior[name].mean(0), b.posterior[name].mean(0)
        se_a = np.asarray(az.mcse(a.idata["posterior"][name], method="mean").to_numpy())
        se_b = np.asarray(az.mcse(b.idata["posterior"][name], method="mean").to_numpy())
        # two independent estimates of the same posterior mean: within 4 combined MC errors
        assert np.all(np.abs(ma - mb) <= 4 * np.hypot(se_a, se_b)), name
        # and a sampler that ignored the data would be far off: the posterior sd is small
        assert np.all(a.posterior[name].std(0) > 0)
    tot_a = a.to_frame()["contribution"].to_numpy()
    tot_b = b.to_frame()["contribution"].to_numpy()
    np.testing.assert_allclose(tot_a, tot_b, rtol=0.05)


def test_sampler_settings_are_checked():
    from attribution.errors import UsageError

    spec = spec_from_dict({"model": {}}, ["date", "sales", "spend_tv"])
    assert MMM(spec, adaptation="low_rank").adaptation == "low_rank"
    with pytest.raises(UsageError, match="adaptation"):
        MMM(spec, adaptation="dense")
    with pytest.raises(UsageError, match="backend"):
        MMM(spec, backend="cuda")
