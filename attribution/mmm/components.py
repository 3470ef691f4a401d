"""Adstock and saturation as small pure functions on arrays.

Every function takes an ``xp`` namespace: ``numpy`` (default) for posterior
analysis, ``pytensor.tensor`` inside the PyMC model, so the model and the
analysis evaluate literally the same formula (numpy + pytensor twins).

Conventions
-----------
* Lag weights have shape ``(..., l_max)``; lag 0 is the current week.
* Media enters as a *lag stack* ``X[l, t, ...] = x[t - l, ...]`` (zeros before
  the first week), precomputed once from the data, so adstock is one
  multiply-and-sum (a convolution as a matrix product) and the graph stays small.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

Array = Any  # numpy array or pytensor variable

ADSTOCKS = ("geometric", "delayed", "weibull")
SATURATIONS = ("logistic", "hill")


def lag_stack(x: np.ndarray, l_max: int) -> np.ndarray:
    """Stack lagged copies of ``x`` along a new first axis.

    Parameters
    ----------
    x : array ``(T, ...)`` of media, time first.
    l_max : number of lags (lag 0 included).

    Returns
    -------
    array ``(l_max, T, ...)`` with ``out[l, t] = x[t - l]`` and zeros for ``t < l``.

    Example
    -------
    >>> lag_stack(np.array([1.0, 2.0, 3.0]), 2).tolist()
    [[1.0, 2.0, 3.0], [0.0, 1.0, 2.0]]
    """
    x = np.asarray(x, dtype=float)
    out = np.zeros((l_max, *x.shape))
    for lag in range(l_max):
        out[lag, lag:] = x[: x.shape[0] - lag] if lag < x.shape[0] else 0.0
    return out


def geometric_weights(
    alpha: Array, l_max: int, normalize: bool = True, xp: ModuleType = np
) -> Array:
    """Geometric decay weights ``alpha ** l`` for ``l = 0..l_max-1``.

    Parameters
    ----------
    alpha : retention rate in (0, 1), any shape ``(...)``.
    l_max : number of lags.
    normalize : divide by the sum so the weights add to one.
    xp : ``numpy`` or ``pytensor.tensor``.

    Returns
    -------
    weights ``(..., l_max)``.

    Example
    -------
    >>> geometric_weights(np.array(0.5), 3, normalize=False).tolist()
    [1.0, 0.5, 0.25]
    """
    lags = np.arange(l_max, dtype=float)
    w = alpha[..., None] ** lags
    if normalize:
        w = w / xp.sum(w, axis=-1, keepdims=True)
    return w


def delayed_weights(
    alpha: Array, theta: Array, l_max: int, normalize: bool = True, xp: ModuleType = np
) -> Array:
    """Delayed adstock weights ``alpha ** ((l - theta) ** 2)`` (peak at lag ``theta``).

    Example
    -------
    >>> delayed_weights(np.array(0.5), np.array(1.0), 3, normalize=False).tolist()
    [0.5, 1.0, 0.5]
    """
    lags = np.arange(l_max, dtype=float)
    w = alpha[..., None] ** ((lags - theta[..., None]) ** 2)
    if normalize:
        w = w / xp.sum(w, axis=-1, keepdims=True)
    return w


def weibull_weights(
    shape: Array, scale: Array, l_max: int, normalize: bool = True, xp: ModuleType = np
) -> Array:
    """Weibull-CDF adstock weights: survival ``exp(-(l / scale) ** shape)``.

    Weight at lag 0 is 1; later weights decay with a flexible (S-shaped or
    convex) profile; ``scale`` is in weeks.

    Example
    -------
    >>> [round(v, 4) for v in weibull_weights(np.array(1.0), np.array(1.0), 3,
    ...                                        normalize=False).tolist()]
    [1.0, 0.3679, 0.1353]
    """
    lags = np.arange(l_max, dtype=float)
    w = xp.exp(-((lags / scale[..., None]) ** shape[..., None]))
    if normalize:
        w = w / xp.sum(w, axis=-1, keepdims=True)
    return w


def adstock(stack: Array, weights: Array, xp: ModuleType = np) -> Array:
    """Apply lag weights to a lag stack: ``out[t, ..., c] = sum_l w[c, l] X[l, t, ..., c]``.

    Parameters
    ----------
    stack : lag stack ``(l_max, T, ..., C)`` from :func:`lag_stack`.
    weights : ``(C, l_max)`` lag weights per channel.

    Returns
    -------
    adstocked media ``(T, ..., C)``.

    Example
    -------
    >>> X = lag_stack(np.array([[1.0], [0.0], [0.0]]), 3)
    >>> adstock(X, np.array([[1.0, 0.5, 0.25]]))[:, 0].tolist()
    [1.0, 0.5, 0.25]
    """
    idx = (slice(None), *([None] * (stack.ndim - 2)), slice(None))
    return xp.sum(weights.T[idx] * stack, axis=0)


def adstock_draws(stack: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Adstock for many parameter draws at once (numpy only).

    Parameters
    ----------
    stack : ``(l_max, T, G, C)`` lag stack.
    weights : ``(D, C, l_max)`` weights per draw.

    Returns
    -------
    ``(D, T, G, C)``.
    """
    return np.einsum("dcl,ltgc->dtgc", weights, stack, optimize=True)


def logistic_saturation(x: Array, lam: Array, xp: ModuleType = np) -> Array:
    """Logistic saturation ``(1 - exp(-lam x)) / (1 + exp(-lam x))``, 0 at 0, -> 1.

    Example
    -------
    >>> round(float(logistic_saturation(np.array(1.0), np.array(2.0))), 6)
    0.761594
    """
    e = xp.exp(-lam * x)
    return (1.0 - e) / (1.0 + e)


def hill_saturation(x: Array, k: Array, s: Array, xp: ModuleType = np) -> Array:
    """Hill saturation ``x**s / (x**s + k**s)``: half of the maximum at ``x = k``.

    Example
    -------
    >>> float(hill_saturation(np.array(2.0), np.array(2.0), np.array(3.0)))
    0.5
    """
    # x ** s has a NaN gradient in s at x = 0 (0 * log 0): evaluate at a tiny positive
    # x instead and return exactly 0 there, so weeks without spend keep gradients finite
    pos = x > 0
    xs = xp.maximum(x, 1e-12) ** s
    return xp.where(pos, xs / (xs + k**s), 0.0)


def logistic_derivative(x: Array, lam: Array, xp: ModuleType = np) -> Array:
    """Derivative of :func:`logistic_saturation` in ``x`` (used for marginal ROI).

    Example
    -------
    >>> float(logistic_derivative(np.array(0.0), np.array(2.0)))
    1.0
    """
    e = xp.exp(-lam * x)
    return 2.0 * lam * e / (1.0 + e) ** 2


def fourier_features(day_of_year: np.ndarray, n_modes: int, period: float = 365.25) -> np.ndarray:
    """Yearly Fourier terms ``[sin(2 pi k d / P), cos(2 pi k d / P)]`` for k = 1..n_modes.

    Example
    -------
    >>> fourier_features(np.array([0.0]), 1).tolist()
    [[0.0, 1.0]]
    """
    d = np.asarray(day_of_year, dtype=float)[:, None]
    k = np.arange(1, n_modes + 1, dtype=float)[None, :]
    ang = 2.0 * np.pi * k * d / period
    return np.concatenate([np.sin(ang), np.cos(ang)], axis=1) if n_modes else np.zeros((len(d), 0))
