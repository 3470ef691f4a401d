"""Geo models: geos of different size on one scale, and their hierarchical terms.

A regional panel mixes geos whose sales differ tenfold. The geo model puts every geo
on a per-capita scale before anything else (as Meridian does):

- each geo gets a relative size ``w[g]`` (mean 1 over geos), from a population column
  (``population = "population"`` in ``[model]``) or else from the geo's mean sales
  over the fitted weeks (a per-geo target scale);
- sales and media are divided by ``w[g]`` (then by the global scales), so a small and
  a large geo with the same spend per head sit at the same point of the saturation
  curve, and one channel effect describes both;
- contributions go back to sales units by multiplying with ``w[g]``.

The terms that vary by geo (built by the functions below inside a PyMC model):

======================  ===============================================================
channel effect          ``beta[g, c] = beta[c] * exp(sd_c * z[g, c] - sd_c**2 / 2)``,
                        national ``beta[c]`` on top, non-centred ``z ~ Normal(0, 1)``
intercept               ``intercept[g] ~ Normal(intercept, geo_intercept_sd)``, sampled
                        through each geo's mean fitted level (see :func:`intercepts`)
time effect             ``time[t] = sum_k W[t, k] b[k]`` shared by all geos (per unit of
                        size), ``W`` from :func:`time_basis`, ``b = time_sd * z``,
                        ``z ~ ZeroSumNormal(1)`` (non-centred)
                        (the sum-to-zero leaves the level to the intercepts); it replaces
                        trend and seasonality
controls                ``gamma[g, k] ~ Normal(gamma[k], geo_control_sd[k])`` (centred,
                        the same reason: a control that varies within a geo is seen
                        in that geo's weeks)
noise                   ``sigma[g]`` per geo (scaled units); a geo's weekly noise in
                        sales units is ``sigma[g] * w[g] * target_scale``
======================  ===============================================================
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from attribution.errors import InputError
from attribution.mmm.priors import Prior

# parameterisation of the geo terms (the same model either way)
CENTRED = {"intercept": True, "beta": False, "control": False, "time": False}


def population_by_geo(
    frame: pd.DataFrame, col: str, geo: pd.Series, geos: tuple[str, ...], file: str = "media panel"
) -> np.ndarray:
    """Each geo's population ``(G,)`` from a column that must be constant within a geo.

    Parameters
    ----------
    frame : the panel (row ``i`` is spreadsheet row ``i + 2``).
    col : the population column.
    geo : the geo of each row (as strings).
    geos : the sorted geo names.

    Returns
    -------
    Populations in ``geos`` order. Raises :class:`InputError` where a value is not a
    positive number or differs between weeks of one geo.

    Example
    -------
    >>> f = pd.DataFrame({"pop": [10, 10, 30, 30]})
    >>> population_by_geo(f, "pop", pd.Series(["a", "a", "b", "b"]), ("a", "b")).tolist()
    [10.0, 30.0]
    """
    vals = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
    bad = ~(np.isfinite(vals) & (vals > 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"population {frame[col].iloc[i]!r} is not a number > 0",
            "give each geo's population (or another size measure) as a "
            "positive number on every row",
            file,
            i + 2,
            col,
            "bad_population",
        )
    g = geo.to_numpy()
    out = np.empty(len(geos))
    for j, name in enumerate(geos):
        rows = np.flatnonzero(g == name)
        v = vals[rows]
        if np.ptp(v) > 1e-9 * abs(v[0]):
            k = int(rows[np.flatnonzero(v != v[0])[0]])
            raise InputError(
                f"population of geo '{name}' changes between weeks ({v[0]:g} then {vals[k]:g})",
                "give one population per geo (e.g. the latest census figure) on all its rows",
                file,
                k + 2,
                col,
                "population_not_constant",
            )
        out[j] = v[0]
    return out


def geo_weights(y: np.ndarray, geos: tuple[str, ...], population: np.ndarray | None) -> np.ndarray:
    """Relative geo sizes ``w`` ``(G,)`` with mean 1.

    From the population where given, else from each geo's mean sales ``y`` ``(T, G)``
    over the fitted weeks.

    Example
    -------
    >>> geo_weights(np.ones((2, 2)), ("a", "b"), np.array([1.0, 3.0])).tolist()
    [0.5, 1.5]
    >>> geo_weights(np.array([[1.0, 3.0], [1.0, 3.0]]), ("a", "b"), None).tolist()
    [0.5, 1.5]
    """
    if population is not None:
        size = np.asarray(population, dtype=float)
    else:
        size = y.mean(axis=0)
        if (size <= 0).any():
            g = geos[int(np.flatnonzero(size <= 0)[0])]
            raise InputError(
                f"geo '{g}' has no sales in the fitted weeks, so its size "
                "cannot be taken from its sales",
                'give a population column ([model] population = "<column>") or leave the geo out',
                "media panel",
                None,
                None,
                "geo_without_sales",
            )
    return size / size.mean()


def time_basis(n_weeks: int, n_knots: int, n_fit: int) -> np.ndarray:
    """Weights ``W`` ``(n_weeks, n_knots)`` of the knots of the time effect.

    ``n_knots`` knots sit evenly over the ``n_fit`` fitted weeks (the first on week 0,
    the last on week ``n_fit - 1``); a week's effect is the linear interpolation of
    its two neighbouring knots (weights by distance, as Meridian's ``knots``), so
    every row sums to 1. Weeks after the last knot (a holdout) keep its value. With
    ``n_knots == n_fit`` ``W`` is the identity on the fitted weeks (one value per week).

    Example
    -------
    >>> time_basis(4, 2, 4).round(3).tolist()
    [[1.0, 0.0], [0.667, 0.333], [0.333, 0.667], [0.0, 1.0]]
    """
    if not 2 <= n_knots <= n_fit:
        raise ValueError(f"need 2 <= n_knots <= n_fit, got {n_knots} knots, {n_fit} weeks")
    pos = np.linspace(0.0, n_fit - 1.0, n_knots)
    t = np.arange(n_weeks, dtype=float)
    return np.stack([np.interp(t, pos, e) for e in np.eye(n_knots)], axis=1)


def time_effect(pm: Any, pt: Any, priors: dict[str, Prior], basis: np.ndarray) -> Any:
    """Weekly time effect ``(T,)`` shared by all geos, from knot values summing to zero.

    The knot values are non-centred by default (``CENTRED["time"]``): on a noisy panel
    each week's common movement is about as large as the noise of its geo mean, and the
    centred form funnelled with ``time_sd`` (Meridian's panel: 56 divergences); the
    sum-to-zero removes the one direction the geo intercepts already
    carry (``W`` rows sum to 1, so a constant on all knots is a constant on all weeks).
    """
    sd = priors["time_sd"].create(pm, "time_sd", initval=0.1)
    if CENTRED["time"]:
        b = pm.ZeroSumNormal("time_knots", sigma=sd, dims="knot")
    else:
        z = pm.ZeroSumNormal("time_knots_z", sigma=1.0, dims="knot")
        b = pm.Deterministic("time_knots", sd * z, dims="knot")
    return pm.Deterministic("time_effect", pt.dot(pt.as_tensor(basis), b), dims="week")


def channel_multipliers(pm: Any, pt: Any, priors: dict[str, Prior]) -> Any:
    """Geo multipliers ``(G, C)`` of the national channel effects, mean 1 (log-normal)."""
    sd = priors["geo_beta_sd"].create(pm, "geo_beta_sd", dims="channel")
    if CENTRED["beta"]:
        lm = pm.Normal("geo_beta_log", -(sd**2) / 2, sd, dims=("geo", "channel"))
        return pt.exp(lm)
    z = pm.Normal("geo_beta_z", 0.0, 1.0, dims=("geo", "channel"))
    return pt.exp(sd * z - sd**2 / 2)


def intercepts(pm: Any, pt: Any, priors: dict[str, Prior], y: np.ndarray, rest: Any = None) -> Any:
    """Geo intercepts ``(G,)`` around a national intercept, started at the data's levels.

    With ``rest`` (the ``(T, G)`` sum of all other terms) the intercepts are sampled
    through each geo's mean fitted level ``level[g] = intercept[g] + mean_t rest[t, g]``:
    the data fix each geo's average sales tightly, while an intercept alone trades
    off against every term with a non-zero mean (media, controls, the time effect),
    all geos together. The shift has unit Jacobian, so the hierarchical prior
    ``Normal(intercept, geo_intercept_sd)`` added as a potential keeps the posterior
    the same distribution. Without ``rest`` (prior sampling) the plain centred form.

    At the support point (all zero) the gradient in the intercept is exactly 0, which
    nutpie rejects as an initial point; so the intercepts start at the geos' mean
    scaled sales.
    """
    start = y.mean(0)
    intercept = priors["intercept"].create(pm, "intercept", initval=float(start.mean()))
    isd = priors["geo_intercept_sd"].create(pm, "geo_intercept_sd")
    if rest is not None:
        level = pm.Flat("intercept_level_geo", dims="geo", initval=start)
        icpt = pm.Deterministic("intercept_geo", level - pt.mean(rest, axis=0), dims="geo")
        prior = pm.Normal.dist(intercept, isd)
        pm.Potential("intercept_geo_prior", pt.sum(pm.logp(prior, icpt)))
        return icpt
    if CENTRED["intercept"]:
        return pm.Normal("intercept_geo", intercept, isd, dims="geo", initval=start)
    iz = pm.Normal("geo_intercept_z", 0.0, 1.0, dims="geo")
    return pm.Deterministic("intercept_geo", intercept + isd * iz, dims="geo")


def control_effects(pm: Any, priors: dict[str, Prior], n_controls: int) -> Any:
    """Control effects per geo ``(G, K)`` around national effects ``gamma_control``."""
    # start off 0: centred at gamma = gamma_geo = 0 the gradient in gamma is exactly 0,
    # which nutpie rejects as an initial point
    gc = priors["control"].create(
        pm, "gamma_control", dims="control", initval=np.full(n_controls, 0.01)
    )
    # start the spread off its prior's support point: there, with z = 0, the gradient in
    # log(sd) is exactly 0 (prior and Jacobian cancel), which nutpie rejects
    sd = priors["geo_control_sd"].create(
        pm, "geo_control_sd", dims="control", initval=np.full(n_controls, 0.1)
    )
    if CENTRED["control"]:
        return pm.Normal("gamma_control_geo", gc[None, :], sd[None, :], dims=("geo", "control"))
    z = pm.Normal("geo_control_z", 0.0, 1.0, dims=("geo", "control"))
    return pm.Deterministic(
        "gamma_control_geo", gc[None, :] + sd[None, :] * z, dims=("geo", "control")
    )


def noise(pm: Any, priors: dict[str, Prior]) -> Any:
    """Residual noise per geo ``(G,)`` in scaled (per-size) units."""
    return priors["sigma"].create(pm, "sigma", dims="geo")
