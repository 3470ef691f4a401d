"""Build the PyMC model (scaled units) and the shared media transform.

mu[t, g] = intercept[g] + trend * t + fourier[t] @ gamma_f + controls[t, g] @ gamma_c[g]
           + sum_c beta[g, c] * saturation_c(adstock_c(media[:, g, c]))[t]
           (geo models by default: time[t] = W[t] @ knots in place of trend and fourier)
sales[t, g] / (scale * w[g]) ~ Normal(mu[t, g], sigma[g])

Geo models (see :mod:`attribution.mmm.geo`) put geos of different size on one scale
(``w[g]``, relative population or mean sales; media is divided by it too), give each
geo its own noise, and pool intercepts, control effects and channel effects across
geos, with the national effects on top: ``beta[g, c] = beta[c] * exp(sd_c * z[g, c] -
sd_c**2 / 2)`` (non-centred). One geo: ``w = 1`` and one ``sigma``. With ROI or
contribution-share priors the channel effect ``beta[c]`` is a deterministic function
of the ROI / share and the saturated media, so the prior is exactly on the reported
quantity.

Sampling coordinates (the same model, a rounder posterior for NUTS): free channel
effects are sampled through their mean weekly effect and the intercepts through the
mean fitted level (of each geo); the priors stay on ``beta`` and ``intercept`` (potentials
with the change-of-variables Jacobian). See :func:`_beta_by_mean_effect`.

:func:`media_effect` is written once for ``numpy`` and ``pytensor`` so the
posterior analysis evaluates the same formula as the sampler.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from attribution.mmm import components as cp
from attribution.mmm import geo
from attribution.mmm.panel import Design, Panel, Scaling
from attribution.mmm.priors import (
    DEFAULT_ROI,
    ChannelPriors,
    beta_from_moments,
    lognormal_from_moments,
    share_split_weights,
)
from attribution.mmm.spec import MMMSpec

# adstock / saturation kind -> its parameters (each an RV over the channels of that kind)
ADSTOCK_PARAMS = {
    "geometric": ("alpha",),
    "delayed": ("delay_alpha", "theta"),
    "weibull": ("weibull_shape", "weibull_scale"),
}
SAT_PARAMS = {"logistic": ("lam",), "hill": ("hill_k", "hill_s")}
PRIOR_OF = {"delay_alpha": "alpha"}
MEAN_EFFECT_BETA = True  # sample free channel effects via their mean effect (same model)
MEAN_LEVEL_INTERCEPT = True  # sample the intercept(s) via the mean level (per geo)

# the data containers (``pm.Data``) of the model: the compiled model depends on their
# shapes, not their values, so one compiled model serves new data of the same structure
# (``nutpie``'s ``with_data``; see :mod:`attribution.mmm.cache`)
DATA_STACK = "data_media_stack"  # (L, T, G, C) lag stack of scaled media
DATA_Y = "data_sales"  # (T, G) scaled sales
DATA_TREND = "data_trend"  # (T,)
DATA_FOURIER = "data_fourier"  # (T, F)
DATA_CONTROLS = "data_controls"  # (T, G, K)
DATA_GEO_W = "data_geo_weight"  # (G,) relative geo sizes
DATA_ROI_SPEND = "data_roi_spend"  # (C,) training spend / target scale (ROI priors)
DATA_SALES_TOTAL = "data_sales_total"  # () scaled sales in geo-size units (share priors)
DATA_SHARE_WEIGHTS = "data_share_weights"  # (C,) split weights of media's share (by spend)


@dataclass(frozen=True)
class Layout:
    """Which channels use which adstock / saturation, as index arrays."""

    channels: tuple[str, ...]
    adstock_groups: tuple[tuple[str, tuple[int, ...]], ...]
    sat_groups: tuple[tuple[str, tuple[int, ...]], ...]
    l_max: int
    mask: np.ndarray  # (C, L) 1 where lag < channel's l_max
    normalize: np.ndarray  # (C,) 1.0 where weights are normalised

    @classmethod
    def from_spec(cls, spec: MMMSpec) -> Layout:
        chans = spec.channels
        L = max(c.l_max for c in chans)
        ad = tuple(
            (k, tuple(i for i, c in enumerate(chans) if c.adstock == k))
            for k in cp.ADSTOCKS
            if any(c.adstock == k for c in chans)
        )
        sat = tuple(
            (k, tuple(i for i, c in enumerate(chans) if c.saturation == k))
            for k in cp.SATURATIONS
            if any(c.saturation == k for c in chans)
        )
        mask = (np.arange(L)[None, :] < np.array([c.l_max for c in chans])[:, None]).astype(float)
        norm = np.array([1.0 if c.normalize else 0.0 for c in chans])
        return cls(spec.channel_names, ad, sat, L, mask, norm)

    def dims(self) -> dict[str, tuple[str, ...]]:
        """Coordinate values of each parameter's channel dimension."""
        out: dict[str, tuple[str, ...]] = {}
        for kind, idx in self.adstock_groups:
            for p in ADSTOCK_PARAMS[kind]:
                out[p] = tuple(self.channels[i] for i in idx)
        for kind, idx in self.sat_groups:
            for p in SAT_PARAMS[kind]:
                out[p] = tuple(self.channels[i] for i in idx)
        return out


def _inverse(groups: tuple[tuple[str, tuple[int, ...]], ...]) -> np.ndarray:
    order = np.concatenate([np.array(idx, dtype=int) for _, idx in groups])
    return np.argsort(order)


def lag_weights(params: dict[str, Any], layout: Layout, xp: ModuleType = np) -> Any:
    """Lag weights of all channels ``(..., C, L)`` from the adstock parameters."""
    L = layout.l_max
    parts = []
    for kind, idx in layout.adstock_groups:
        ix = np.array(idx)
        if kind == "geometric":
            w = cp.geometric_weights(params["alpha"], L, normalize=False, xp=xp)
        elif kind == "delayed":
            w = cp.delayed_weights(params["delay_alpha"], params["theta"], L, False, xp=xp)
        else:
            w = cp.weibull_weights(
                params["weibull_shape"], params["weibull_scale"], L, False, xp=xp
            )
        w = w * layout.mask[ix]
        nf = layout.normalize[ix][:, None]
        w = w * (nf / xp.sum(w, axis=-1, keepdims=True) + (1.0 - nf))
        parts.append(w)
    w = parts[0] if len(parts) == 1 else xp.concatenate(parts, axis=-2)
    inv = _inverse(layout.adstock_groups)
    return w if np.array_equal(inv, np.arange(len(inv))) else w[..., inv, :]


def _expand(p: Any, ndim: int) -> Any:
    """Give a ``(..., C)`` parameter the middle axes of a ``(..., S..., C)`` array."""
    extra = ndim - p.ndim
    return p[(Ellipsis, *([None] * extra), slice(None))] if extra > 0 else p


def saturate(x: Any, params: dict[str, Any], layout: Layout, xp: ModuleType = np) -> Any:
    """Saturation of all channels; ``x`` is ``(..., C)`` adstocked scaled media."""
    parts = []
    for kind, idx in layout.sat_groups:
        xi = x[..., np.array(idx)]
        if kind == "logistic":
            parts.append(cp.logistic_saturation(xi, _expand(params["lam"], xi.ndim), xp=xp))
        else:
            parts.append(
                cp.hill_saturation(
                    xi,
                    _expand(params["hill_k"], xi.ndim),
                    _expand(params["hill_s"], xi.ndim),
                    xp=xp,
                )
            )
    s = parts[0] if len(parts) == 1 else xp.concatenate(parts, axis=-1)
    inv = _inverse(layout.sat_groups)
    return s if np.array_equal(inv, np.arange(len(inv))) else s[..., inv]


def media_effect(params: dict[str, Any], stack: Any, layout: Layout, xp: ModuleType = np) -> Any:
    """Saturated adstocked media ``(..., C)`` from a lag stack ``(L, ..., C)``.

    With ``xp=numpy`` the parameters carry a leading draw axis ``(D, C)`` and the
    result is ``(D, ..., C)``; with ``pytensor.tensor`` they are ``(C,)``.
    """
    w = lag_weights(params, layout, xp)
    if xp is np:
        ad = np.einsum("dcl,l...c->d...c", w, stack, optimize=True)
    else:
        ad = cp.adstock(stack, w, xp=xp)
    return saturate(ad, params, layout, xp)


@dataclass(frozen=True)
class LiftData:
    """Lift tests as arrays for the likelihood term (scaled units).

    Week axis ``W``: the weeks of each test's outcome window (the test window, plus
    the weeks after it up to ``measured_until`` where the experiment kept measuring).
    Each test has two arms (:func:`lift_arms`); its predicted lift is the effect of
    ``factual`` minus the effect of ``counter``.
    """

    lift: np.ndarray  # (K,) measured lift / target scale
    se: np.ndarray  # (K,)
    factual: np.ndarray  # (L, K, W, G, C) lag stack of the measured arm over each outcome window
    counter: np.ndarray  # (L, K, W, G, C) same, the reference arm
    select: np.ndarray  # (K, W, G, C) 1 on (outcome week, tested geo, tested channel)


def scaled_media(panel: Panel, scaling: Scaling) -> np.ndarray:
    """The model's media input in scaled units ``(T, G, C)`` (per geo size and channel scale)."""
    G = len(panel.geos)
    return panel.model_input / (np.asarray(scaling.media) * scaling.geo_weights(G)[:, None])


def lift_arms(
    media: np.ndarray,
    l_max: int,
    channel: int,
    test_rows: np.ndarray,
    out_rows: np.ndarray,
    geos: np.ndarray,
    spend_change: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Lag stacks ``(L, W, G, C)`` over a test's outcome weeks of its two arms, ordered
    so that the lift is (effect of the first) minus (effect of the second).

    Parameters
    ----------
    media : ``(T, G, C)`` media (any units the transform expects).
    l_max : adstock lags.
    channel : index of the tested channel.
    test_rows : weeks whose media the test changed.
    out_rows : weeks over which the outcome was measured.
    geos : ``(G,)`` bool, the geos tested.
    spend_change : None for a switch-off test: (the media as is, the channel off in
        the test weeks and geos), so the lift is the sales the channel drove; a
        relative change ``x`` for a budget-change test: (the channel's media times
        ``1 + x`` in the test weeks and geos, the media as is), so the lift is the
        sales gained by the change (negative for a cut). Both go through adstock and
        saturation: a spend change is not a scaled switch-off.

    Example
    -------
    >>> m = np.ones((3, 1, 1))
    >>> a, b = lift_arms(m, 1, 0, np.array([1]), np.array([1, 2]), np.ones(1, bool), 0.5)
    >>> a[0, :, 0, 0].tolist(), b[0, :, 0, 0].tolist()
    ([1.5, 1.0], [1.0, 1.0])
    """
    changed = media.copy()
    factor = 0.0 if spend_change is None else 1.0 + float(spend_change)
    for g in np.flatnonzero(geos):
        changed[test_rows, g, channel] *= factor
    as_is = cp.lag_stack(media, l_max)[:, out_rows]
    other = cp.lag_stack(changed, l_max)[:, out_rows]
    return (as_is, other) if spend_change is None else (other, as_is)


def lift_data(
    tests: list[dict[str, Any]], panel: Panel, scaling: Scaling, layout: Layout, n_train: int
) -> LiftData:
    """Arrays for lift tests: the two arms of each test over its outcome window.

    ``tests`` are dicts with channel, start, end (datetime64[D]), lift, lift_se,
    geo|None and optionally ``measured_until`` (datetime64[D], default ``end``) and
    ``spend_change`` (None: switched off). The test changes the tested channel in the
    weeks overlapping [start, end] (off, or times ``1 + spend_change``; see
    :func:`lift_arms`); the effect is summed over the weeks overlapping [start,
    measured_until], so the carry-over (adstock) of the changed weeks that falls
    after the test window counts where the experiment measured it. ``start`` is the
    first day of the first overlapping week (the parser moves it back 6 days).
    Outcome weeks may run past the fitted weeks (into the holdout) if the panel has
    them; the media driver there is known data.
    """
    L, G, C = layout.l_max, len(panel.geos), len(layout.channels)
    media = scaled_media(panel, scaling)
    dates = panel.dates
    off_rows = [np.flatnonzero((dates >= t["start"]) & (dates <= t["end"])) for t in tests]
    until = [
        t["end"] if t.get("measured_until") is None else max(t["end"], t["measured_until"])
        for t in tests
    ]
    out_rows = [
        np.flatnonzero((dates >= t["start"]) & (dates <= u))
        for t, u in zip(tests, until, strict=True)
    ]
    W = max(len(r) for r in out_rows)
    K = len(tests)
    fact = np.zeros((L, K, W, G, C))
    cf = np.zeros((L, K, W, G, C))
    sel = np.zeros((K, W, G, C))
    for k, (t, r_off, r) in enumerate(zip(tests, off_rows, out_rows, strict=True)):
        c = layout.channels.index(t["channel"])
        gsel = (
            np.ones(G, bool)
            if t.get("geo") is None
            else np.array([g == t["geo"] for g in panel.geos])
        )
        a, b = lift_arms(media, L, c, r_off, r, gsel, t.get("spend_change"))
        fact[:, k, : len(r)] = a
        cf[:, k, : len(r)] = b
        sel[k, : len(r), gsel, c] = 1.0
    lift = np.array([t["lift"] for t in tests], float) / scaling.target
    se = np.array([t["lift_se"] for t in tests], float) / scaling.target
    return LiftData(lift, se, fact, cf, sel)


def lift_effect(
    params: dict[str, Any], beta: Any, lift: LiftData, layout: Layout, xp: ModuleType = np
) -> Any:
    """Predicted incremental effect of each lift test over its outcome window (scaled).

    Parameters
    ----------
    params : adstock / saturation parameters (``(D, C_kind)`` with numpy, ``(C_kind,)``
        with pytensor).
    beta : channel effects per geo, ``(D, G, C)`` with numpy, ``(G, C)`` with pytensor.
    lift : the arrays from :func:`lift_data`.

    Returns
    -------
    ``(D, K)`` with numpy, ``(K,)`` with pytensor: sum over the outcome weeks and the
    tested geos of the measured arm's contribution minus the reference arm's (channel
    on minus off; changed spend minus spend as is); times ``scaling.target`` in sales
    units.

    Example
    -------
    >>> eff = lift_effect(res.media_params(), res.posterior["beta"], ld, res.layout)
    ... # doctest: +SKIP
    """
    f = media_effect(
        params, lift.factual if xp is np else xp.as_tensor(lift.factual), layout, xp=xp
    )
    c = media_effect(
        params, lift.counter if xp is np else xp.as_tensor(lift.counter), layout, xp=xp
    )
    b = beta[:, None, None] if xp is np else beta[None, None]
    return xp.sum((f - c) * b * lift.select, axis=(-3, -2, -1))


def _beta_by_mean_effect(prior: Any, sat: Any, n: int) -> Any:
    """Channel effects ``beta_free`` sampled through their mean weekly effect.

    NUTS moves along ``m_c = beta_c * S_c``, ``S_c`` the mean saturated media of the
    channel over weeks and geos (geo models: times each geo's multiplier and size, so
    the spread of the effects across geos moves freely at a fixed ``m``): the data pin
    ``m`` down almost independently of the saturation and adstock shape, while ``beta``
    and ``lam`` trade off along a curved ridge (for small ``lam * x`` only their product
    is seen). The prior stays on
    ``beta``: its log density plus the log Jacobian ``log |d beta / d m| = -log S_c``
    enter as a potential, so the posterior is the same distribution, in rounder
    coordinates. ``sat`` is ``(T, G, F)`` for the free channels.
    """
    import pymc as pm
    import pytensor.tensor as pt

    s_mean = pt.mean(sat, axis=(0, 1)) + 1e-12
    m = pm.HalfFlat("beta_mean_effect", dims="ch_beta", initval=np.full(n, 0.05))
    beta = pm.Deterministic("beta_free", m / s_mean, dims="ch_beta")
    dist = getattr(pm, prior.dist).dist(**prior.params)
    pm.Potential("beta_prior", pt.sum(pm.logp(dist, beta)) - pt.sum(pt.log(s_mean)))
    return beta


def _beta_by_share(prior: Any, sat_sum: Any, sales: Any, n: int, weights: Any | None) -> Any:
    """Channel effects ``beta_free`` from a prior on the media's total share of sales.

    The free channels' summed contribution over the fitted weeks is ``media_share *
    sales``; ``u ~ Dirichlet(1, ..., 1)`` splits it across them in proportion to
    ``u * weights`` (:func:`~attribution.mmm.priors.share_split_weights`: spend, so
    that the channels' ROIs are exchangeable a priori, or flat). The model can then
    never credit media with more than all sales, however weak the data, while any one
    channel may still take most of the media's share. ``sat_sum`` is each free
    channel's saturated media summed over weeks and geos, ``(n,)``; ``weights`` the
    split's weights (a data container, so that a compiled model serves new data), or
    None for the flat split. The model's structure depends on ``n`` and on whether
    there are weights, never on their values.
    """
    import pymc as pm
    import pytensor.tensor as pt

    total = prior.create(pm, "media_share")
    if n == 1:
        split = pt.ones(1)
    elif weights is None:  # flat: the Dirichlet is the split itself
        split = pm.Dirichlet("media_split", a=np.ones(n), dims="ch_beta")
    else:
        u = pm.Dirichlet("media_weight", a=np.ones(n), dims="ch_beta")
        w = u * weights
        split = pm.Deterministic("media_split", w / pt.sum(w), dims="ch_beta")
    return pm.Deterministic("beta_free", total * split * sales / (sat_sum + 1e-12), dims="ch_beta")


def _intercept_by_level(prior: Any, rest: Any, start: float) -> Any:
    """The intercept sampled through the mean fitted level ``intercept + mean(rest)``.

    The data fix the average level of sales tightly, while the intercept alone trades
    off against every term with a non-zero mean (media, controls, seasonality). The
    shift has unit Jacobian, so adding the intercept's prior as a potential keeps the
    posterior the same distribution. ``rest`` is the ``(T, 1)`` sum of the other terms.
    """
    import pymc as pm
    import pytensor.tensor as pt

    level = pm.Flat("intercept_level", initval=start)
    intercept = pm.Deterministic("intercept", level - pt.mean(rest))
    dist = getattr(pm, prior.dist).dist(**prior.params)
    pm.Potential("intercept_prior", pm.logp(dist, intercept))
    return intercept


def model_data(
    d: Design,
    scaling: Scaling,
    spend_total: np.ndarray | None = None,
    has_spend: Sequence[bool] | None = None,
) -> dict[str, np.ndarray]:
    """The values of the model's data containers (``DATA_*`` name -> array).

    ``has_spend``: whether each channel is paid (the share prior's split weights; None:
    none is, and the weights are flat).

    Example
    -------
    >>> model_data(p["design"], p["scaling"], p["spend_total"])[DATA_Y].shape
    ... # doctest: +SKIP
    (T, G)
    """
    G = d.y.shape[1]
    w = np.asarray(scaling.geo_weights(G), dtype=float)
    C = d.stack.shape[-1]
    spend = np.zeros(C) if spend_total is None else np.asarray(spend_total, float)
    return {
        DATA_STACK: np.asarray(d.stack, dtype=float),
        DATA_Y: np.asarray(d.y, dtype=float),
        DATA_TREND: np.asarray(d.trend, dtype=float),
        DATA_FOURIER: np.asarray(d.fourier, dtype=float),
        DATA_CONTROLS: np.asarray(d.controls, dtype=float),
        DATA_GEO_W: w,
        DATA_ROI_SPEND: spend / float(scaling.target),
        DATA_SALES_TOTAL: np.asarray(float((d.y * w).sum())),
        DATA_SHARE_WEIGHTS: share_split_weights(
            spend, np.zeros(C, bool) if has_spend is None else has_spend
        ),
    }


def build_model(
    d: Design,
    spec: MMMSpec,
    panel: Panel,
    scaling: Scaling,
    *,
    spend_total: np.ndarray | None = None,
    lift: LiftData | None = None,
    channel_priors: ChannelPriors | None = None,
    observed: bool = True,
    reparameterise: bool = True,
) -> Any:
    """Create the PyMC model for the scaled design.

    Parameters
    ----------
    d : scaled design of the training weeks.
    spec, panel, scaling : the model spec, its panel and scaling.
    spend_total : total training spend per channel (for ROI priors).
    lift : lift-test arrays (a calibration likelihood term) or None.
    channel_priors : contribution-share priors per channel (MTA seam) or None.
    observed : False builds the model without data (prior predictive).
    reparameterise : sample in rounder coordinates (mean effect / mean level, see
        :func:`_beta_by_mean_effect`); the same model. False for forward sampling from
        the prior (the flat coordinates cannot be drawn from).

    Returns
    -------
    ``pymc.Model``.
    """
    import pymc as pm
    import pytensor.tensor as pt

    layout = Layout.from_spec(spec)
    pri = spec.prior_set
    T, G = d.y.shape
    C = len(spec.channels)
    modes = spec.seasonal_modes(G)
    knots = spec.n_knots(G, T)
    values = model_data(d, scaling, spend_total, [c.has_spend for c in spec.channels])
    made: dict[str, Any] = {}

    def data(name: str) -> Any:
        """The data container ``name`` (created on first use, static shape)."""
        if name not in made:
            v = values[name]
            made[name] = pm.Data(name, v, shape=v.shape)
        return made[name]

    coords: dict[str, Any] = {
        "week": np.arange(T),
        "geo": list(panel.geos),
        "channel": list(spec.channel_names),
        "control": list(panel.control_names),
        "fourier": [f"{f}_{k}" for f in ("sin", "cos") for k in range(1, modes + 1)],
    }
    if knots:
        coords["knot"] = np.arange(knots)
    dims = layout.dims()
    for p, names in dims.items():
        coords[f"ch_{p}"] = list(names)
    with pm.Model(coords=coords) as model:
        params = {p: pri[PRIOR_OF.get(p, p)].create(pm, p, dims=f"ch_{p}") for p in dims}
        sat = media_effect(params, data(DATA_STACK), layout, xp=pt)  # (T, G, C)
        # channel effect: coefficient prior, ROI prior or contribution-share prior
        geo_mult = geo.channel_multipliers(pm, pt, pri) if G > 1 else None
        # geo models: sales-unit weights of the geos (w = 1 for one geo)
        w = data(DATA_GEO_W) if G > 1 else None
        base = sat if geo_mult is None else sat * (geo_mult * w[:, None])
        sat_sum = pt.sum(base, axis=(0, 1))  # (C,)
        beta_c = []
        for i, ch in enumerate(spec.channels):
            share = channel_priors.for_channel(ch.name) if channel_priors else None
            if share is not None:
                a, b = beta_from_moments(*share)
                s = pm.Beta(f"share_{ch.name}", alpha=a, beta=b)
                beta_c.append(s * data(DATA_SALES_TOTAL) / sat_sum[i])
            elif spec.prior_mode == "roi" and ch.has_spend and spend_total is not None:
                mu, sg = lognormal_from_moments(*(ch.roi_prior or DEFAULT_ROI))
                r = pm.LogNormal(f"roi_{ch.name}", mu=mu, sigma=sg)
                beta_c.append(r * data(DATA_ROI_SPEND)[i] / sat_sum[i])
            else:
                beta_c.append(None)
        free = [i for i, b in enumerate(beta_c) if b is None]
        if free:
            coords_free = [spec.channel_names[i] for i in free]
            model.add_coord("ch_beta", coords_free)
            if spec.prior_mode == "share":
                idx = np.array(free)
                sales = data(DATA_SALES_TOTAL)
                wts = data(DATA_SHARE_WEIGHTS)[idx] if spec.share_split == "spend" else None
                bfree = _beta_by_share(pri["media_share"], sat_sum[idx], sales, len(free), wts)
            elif observed and reparameterise and MEAN_EFFECT_BETA:
                # geo models: the mean of the geo-weighted effect (multipliers and sizes
                # in), which the data pin down whatever the spread across geos
                bfree = _beta_by_mean_effect(pri["beta"], base[..., np.array(free)], len(free))
            else:
                bfree = pri["beta"].create(pm, "beta_free", dims="ch_beta")
            for j, i in enumerate(free):
                beta_c[i] = bfree[j]
        beta = pm.Deterministic("beta_channel", pt.stack(beta_c), dims="channel")
        beta_gc = beta[None, :] if geo_mult is None else beta[None, :] * geo_mult
        beta_gc = pm.Deterministic(
            "beta", pt.broadcast_to(beta_gc, (G, C)), dims=("geo", "channel")
        )
        contrib = sat * beta_gc[None]  # (T, G, C)
        mu = pt.sum(contrib, axis=-1)  # (T, G), all terms but the intercept
        if knots:
            mu = mu + geo.time_effect(pm, pt, pri, geo.time_basis(T, knots, T))[:, None]
        if spec.uses_trend(G):
            tr = pri["trend"].create(pm, "trend")
            mu = mu + tr * data(DATA_TREND)[:, None]
        if d.fourier.shape[1]:
            gf = pri["fourier"].create(pm, "gamma_fourier", dims="fourier")
            mu = mu + pt.dot(data(DATA_FOURIER), gf)[:, None]
        if d.controls.shape[-1]:
            gc = (
                geo.control_effects(pm, pri, d.controls.shape[-1])
                if G > 1
                else pri["control"].create(pm, "gamma_control", dims="control")
            )
            mu = mu + pt.sum(data(DATA_CONTROLS) * gc, axis=-1)
        if G > 1:
            by_level = observed and reparameterise and MEAN_LEVEL_INTERCEPT
            icpt = geo.intercepts(pm, pt, pri, d.y, mu if by_level else None)
        else:
            if observed and reparameterise and MEAN_LEVEL_INTERCEPT:
                intercept = _intercept_by_level(pri["intercept"], mu, float(d.y.mean()))
            else:
                intercept = pri["intercept"].create(pm, "intercept")
            icpt = pm.Deterministic("intercept_geo", pt.stack([intercept]), dims="geo")
        mu = icpt[None, :] + mu
        sigma = geo.noise(pm, pri)[None, :] if G > 1 else pri["sigma"].create(pm, "sigma")
        pm.Normal(
            "y",
            mu=mu,
            sigma=sigma,
            observed=data(DATA_Y) if observed else None,
            dims=("week", "geo"),
        )
        if lift is not None:  # measured lift ~ predicted effect over the outcome window
            eff = lift_effect(
                params,
                beta_gc if G == 1 else beta_gc * data(DATA_GEO_W)[:, None],
                lift,
                layout,
                xp=pt,
            )
            pm.Normal("lift_obs", mu=eff, sigma=lift.se, observed=lift.lift)
    return model
