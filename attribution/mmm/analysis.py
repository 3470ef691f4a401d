"""Posterior analysis of a fitted :class:`MMMResults` (from draws, not the model).

Contributions, shares, ROI and marginal ROI with intervals, response curves,
baseline decomposition, fit quality (R2, MAPE) in the fitted weeks and on the
holdout, and posterior predictive coverage. Intervals are equal-tailed with
``spec.interval`` mass (90% by default).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from attribution.mmm.geo import time_basis
from attribution.mmm.identification import zero_low
from attribution.mmm.model import media_effect
from attribution.mmm.panel import design

if TYPE_CHECKING:
    from attribution.mmm.results import MMMResults

CHUNK_ELEMS = 2e7
#: baseline part holding an unidentified channel's non-causal share (decomposition column)
UNIDENTIFIED_PREFIX = "unidentified:"


def _chunks(res: MMMResults, per_draw: int, max_draws: int | None = None) -> Iterator[np.ndarray]:
    idx = thin_draws(res.n_draws, max_draws)
    size = max(1, int(CHUNK_ELEMS // max(per_draw, 1)))
    for s in range(0, len(idx), size):
        yield idx[s : s + size]


def _q(a: np.ndarray, interval: float, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    lo = (1 - interval) / 2
    return np.quantile(a, lo, axis=axis), np.quantile(a, 1 - lo, axis=axis)


def _zero_low(res: MMMResults, lo: np.ndarray) -> np.ndarray:
    """``lo`` (channels on the last axis) with the unidentified channels' low ends at 0."""
    return zero_low(lo, np.isin(res.channels, res.unidentified))


def media_contributions(res: MMMResults, draws: np.ndarray) -> np.ndarray:
    """Weekly causal channel contributions ``(D, T, G, C)`` in sales units, all panel
    weeks (an unidentified channel's fitted effect times its identified share)."""
    return _contributions(res, draws, res.channel_effects(draws))


def _contributions(res: MMMResults, draws: np.ndarray, beta: np.ndarray) -> np.ndarray:
    d = design(res.panel, res.scaling, res.spec)
    sat = media_effect(res.media_params(draws), d.stack, res.layout)
    w = res.scaling.geo_weights(len(res.panel.geos))[:, None]  # geo sizes (G, 1)
    return sat * (beta * w)[:, None] * res.scaling.target


def baseline_parts(res: MMMResults, draws: np.ndarray) -> dict[str, np.ndarray]:
    """Baseline components ``(D, T, G)`` in sales units: intercept, trend, seasonality,
    one entry per control, (models with knots) the weekly time effect ``time``, whose
    holdout weeks keep the last knot's value, and ``unidentified:<channel>`` for the part
    of an unidentified channel's fitted effect that is not counted as causal (demand it
    moved with).

    The model uses centred controls and trend; here the centres are folded back into
    the intercept, so a control's part is zero where the control is zero and the trend
    is zero in the first training week.
    """
    d = design(res.panel, res.scaling, res.spec)
    p = res.posterior
    T, G = d.y.shape
    s = res.scaling.target * res.scaling.geo_weights(G)  # sales units per geo (G,)
    D = len(draws)
    icpt = p["intercept_geo"][draws][:, None, :] * np.ones((1, T, G))
    out: dict[str, np.ndarray] = {}
    if "trend" in p:
        tr = p["trend"][draws][:, None, None]
        out["trend"] = tr * (d.trend + 0.5)[None, :, None] * np.ones((1, 1, G)) * s
        icpt = icpt - 0.5 * tr
    else:
        out["trend"] = np.zeros((D, T, G))
    if "gamma_fourier" in p:
        season = p["gamma_fourier"][draws] @ d.fourier.T  # (D, T)
        out["seasonality"] = np.repeat(season[:, :, None], G, axis=2) * s
    else:
        out["seasonality"] = np.zeros((D, T, G))
    if "time_knots" in p:
        knots = p["time_knots"][draws]  # (D, K)
        basis = time_basis(T, knots.shape[1], res.n_train)
        out["time"] = (knots @ basis.T)[:, :, None] * s
    if "gamma_control" in p:
        geo_k = "gamma_control_geo" in p  # geo models: one effect per geo and control
        for k, name in enumerate(res.panel.control_names):
            g = (
                p["gamma_control_geo"][draws][:, None, :, k]
                if geo_k
                else p["gamma_control"][draws][:, k, None, None]
            )
            c = res.scaling.center_of(k)
            out[f"control:{name}"] = g * (d.controls[None, ..., k] + c) * s
            icpt = icpt - g * c
    if res.unidentified:
        rest = p["beta"][draws] * (1.0 - res.identified_share()[draws])[:, None, :]
        parts = _contributions(res, draws, rest)
        for ch in res.unidentified:
            out[f"{UNIDENTIFIED_PREFIX}{ch}"] = parts[..., res.channels.index(ch)]
    return {"intercept": icpt * s, **out}


def channel_table(res: MMMResults, weeks: np.ndarray | None = None) -> pd.DataFrame:
    """Per-channel totals over the fitted weeks (``mmm/channels.csv``).

    Columns: channel, kind, spend, contribution (+ _low/_high), share (+ _low/_high),
    roi (+ _low/_high), mroi (+ _low/_high). ROI is NaN for activity channels.
    ``weeks`` (a boolean mask over the panel's weeks) restricts the totals, spend and
    ROI to a reporting window (a quarter of a model fitted on two years). The window's
    weeks count whether fitted or held out (the latest quarter often is the holdout:
    its contributions are the posterior's, like every week's); the marginal ROI stays
    at the fitted weeks' mean weekly spend.
    """
    C = len(res.channels)
    sel = np.arange(res.panel.n_weeks) < res.n_train
    if weeks is not None:
        sel = np.asarray(weeks, dtype=bool)
    totals = np.concatenate(
        [
            media_contributions(res, ix)[:, sel].sum(axis=(1, 2))
            for ix in _chunks(res, res.panel.media.size)
        ]
    )  # (D, C)
    sales = res.panel.y[sel].sum()
    spend = res.panel.media[sel].sum(axis=(0, 1))
    paid = res.has_spend & (spend > 0)
    roi = np.where(paid, totals / np.where(paid, spend, 1.0), np.nan)
    cur = res.current_spend
    h = 0.01
    base = res.response(cur, per_channel=True)  # (D, C)
    bumped = res.response(cur[None, :] * (1 + h * np.eye(C)), per_channel=True)  # (D, C, C)
    marginal = (np.diagonal(bumped, axis1=1, axis2=2) - base) / np.where(cur > 0, h * cur, 1.0)
    marginal = np.where(paid, marginal, np.nan)
    iv = res.spec.interval
    lo, hi = _q(totals, iv)
    rlo, rhi = _q(roi, iv)
    mlo, mhi = _q(marginal, iv)
    lo, rlo, mlo = _zero_low(res, lo), _zero_low(res, rlo), _zero_low(res, mlo)
    with warnings.catch_warnings():  # activity channels: all-NaN columns by design
        warnings.simplefilter("ignore", RuntimeWarning)
        roi_mean, mroi_mean = np.nanmean(roi, 0), np.nanmean(marginal, 0)
    return pd.DataFrame(
        {
            "channel": list(res.channels),
            "kind": [c.kind for c in res.spec.channels],
            "spend": spend,
            "contribution": totals.mean(0),
            "contribution_low": lo,
            "contribution_high": hi,
            "share": totals.mean(0) / sales,
            "share_low": lo / sales,
            "share_high": hi / sales,
            "roi": roi_mean,
            "roi_low": rlo,
            "roi_high": rhi,
            "mroi": mroi_mean,
            "mroi_low": mlo,
            "mroi_high": mhi,
        }
    )


def contributions_over_time(res: MMMResults) -> pd.DataFrame:
    """Weekly contribution per channel (summed over geos) with intervals, all weeks."""
    parts = [media_contributions(res, ix).sum(2) for ix in _chunks(res, res.panel.media.size)]
    c = np.concatenate(parts)  # (D, T, C)
    lo, hi = _q(c, res.spec.interval)
    lo = _zero_low(res, lo)
    T, C = c.shape[1:]
    return pd.DataFrame(
        {
            "date": np.repeat(res.panel.dates.astype(str), C),
            "channel": np.tile(list(res.channels), T),
            "contribution": c.mean(0).reshape(-1),
            "contribution_low": lo.reshape(-1),
            "contribution_high": hi.reshape(-1),
            "fitted": np.repeat(np.arange(T) < res.n_train, C),
        }
    )


def decomposition(res: MMMResults, max_draws: int | None = None) -> pd.DataFrame:
    """Weekly posterior-mean decomposition of sales (summed over geos), all weeks.

    Columns: date, sales, fitted (bool), intercept, trend, seasonality, control:<name>...,
    media:<channel>..., predicted.
    """
    sums: dict[str, np.ndarray] = {}
    n = 0
    for ix in _chunks(res, res.panel.media.size, max_draws):
        parts = baseline_parts(res, ix)
        mc = media_contributions(res, ix)
        for k, v in parts.items():
            sums[k] = sums.get(k, 0) + v.sum(axis=(0, 2))
        for j, ch in enumerate(res.channels):
            sums[f"media:{ch}"] = sums.get(f"media:{ch}", 0) + mc[..., j].sum(axis=(0, 2))
        n += len(ix)
    out = pd.DataFrame(
        {
            "date": res.panel.dates.astype(str),
            "sales": res.panel.y.sum(1),
            "fitted": np.arange(res.panel.n_weeks) < res.n_train,
        }
    )
    for k, v in sums.items():
        out[k] = v / n
    out["predicted"] = out[list(sums)].sum(axis=1)
    return out


def response_curves(res: MMMResults, points: int = 21, max_multiple: float = 2.0) -> pd.DataFrame:
    """Steady-state weekly response of each channel from 0 to ``max_multiple`` x current spend.

    Columns: channel, spend, response, response_low, response_high (sales per week).
    """
    cur = res.current_spend
    C = len(cur)
    mult = np.linspace(0.0, max_multiple, points)
    rows = []
    for c in range(C):
        grid = np.tile(cur, (points, 1))
        grid[:, c] = cur[c] * mult
        r = res.response(grid, per_channel=True)[..., c]  # (D, points)
        lo, hi = _q(r, res.spec.interval)
        if res.channels[c] in res.unidentified:
            lo = np.zeros_like(lo)
        rows.append(
            pd.DataFrame(
                {
                    "channel": res.channels[c],
                    "spend": grid[:, c],
                    "response": r.mean(0),
                    "response_low": lo,
                    "response_high": hi,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _r2_mape(y: np.ndarray, yhat: np.ndarray) -> tuple[float, float]:
    sst = float(((y - y.mean()) ** 2).sum())
    r2 = 1 - float(((y - yhat) ** 2).sum()) / sst if sst > 0 else float("nan")
    pos = y > 0
    mape = float(np.mean(np.abs(y[pos] - yhat[pos]) / y[pos])) if pos.any() else float("nan")
    return r2, mape


def fit_metrics(
    res: MMMResults, seed: int = 0, max_draws: int | None = None
) -> dict[str, float | None]:
    """R2 and MAPE of the posterior-mean prediction (fitted weeks and holdout), the
    share of observations inside the posterior predictive interval (coverage), and the
    media's (causal) share of sales in the fitted weeks.
    ``max_draws`` evenly thins the draws used (faster, for diagnostics)."""
    n = res.n_train
    mu_sum = 0.0
    cover = np.zeros(res.panel.y.shape)
    rng = np.random.default_rng(seed)
    D = 0
    lo_q, hi_q = (1 - res.spec.interval) / 2, 1 - (1 - res.spec.interval) / 2
    preds = []
    media_sum = 0.0
    for ix in _chunks(res, res.panel.media.size, max_draws):
        media = media_contributions(res, ix).sum(-1)  # (D, T, G)
        mu = media + sum(baseline_parts(res, ix).values())
        mu_sum = mu_sum + mu.sum(0)
        media_sum += float(media[:, :n].sum())
        sig = res.posterior["sigma"][ix]  # (D,) or per geo (D, G)
        sig = (
            (sig[:, None, None] if sig.ndim == 1 else sig[:, None, :])
            * res.scaling.target
            * res.scaling.geo_weights(len(res.panel.geos))
        )
        preds.append(mu + sig * rng.standard_normal(mu.shape))
        D += len(ix)
    yrep = np.concatenate(preds)
    lo, hi = np.quantile(yrep, lo_q, axis=0), np.quantile(yrep, hi_q, axis=0)
    y = res.panel.y
    cover = (y >= lo) & (y <= hi)
    yhat = mu_sum / D
    r2, mape = _r2_mape(y[:n].reshape(-1), yhat[:n].reshape(-1))
    out: dict[str, float | None] = {
        "r2": r2,
        "mape": mape,
        "coverage": float(cover[:n].mean()),
        # posterior-mean media contribution over the fitted weeks, as a share of sales
        "media_share": media_sum / D / float(y[:n].sum()) if y[:n].sum() > 0 else None,
        "holdout_r2": None,
        "holdout_mape": None,
        "holdout_coverage": None,
        "holdout_weeks": 0,
    }
    if n < res.panel.n_weeks:
        hr2, hm = _r2_mape(y[n:].reshape(-1), yhat[n:].reshape(-1))
        out.update(
            holdout_r2=hr2,
            holdout_mape=hm,
            holdout_coverage=float(cover[n:].mean()),
            holdout_weeks=res.panel.n_weeks - n,
        )
    return out


def residuals(res: MMMResults, max_draws: int | None = None) -> np.ndarray:
    """Posterior-mean residuals of the fitted weeks, summed over geos ``(T,)``."""
    dec = decomposition(res, max_draws)
    fit = dec["fitted"].to_numpy()
    return (dec["sales"] - dec["predicted"]).to_numpy()[fit]


def thin_draws(n: int, max_draws: int | None) -> np.ndarray:
    """Indices of at most ``max_draws`` evenly spaced draws out of ``n`` (all when None)."""
    if max_draws is None or max_draws >= n:
        return np.arange(n)
    return np.linspace(0, n - 1, max_draws).round().astype(int)
