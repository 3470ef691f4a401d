"""Power of a lift test: the noise of a test window, minimum detectable lift, power.

The test reads the lift as a sum over the test weeks of a contrast of weekly sales
(treated minus matched control, or observed minus the model's forecast). Its
variance comes from the fitted model: the residuals' variance of that contrast,
inflated for serial correlation when a Ljung-Box test finds it, plus the posterior
variance of the model's forecast over the window. Two-sided z-test at level alpha.

Example
-------
>>> round(mde(1.0, alpha=0.05, power=0.8), 4)
2.8016
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

LJUNG_BOX_P = 0.05  # residual autocorrelation is modelled (AR(1)) when Ljung-Box rejects


def z_crit(alpha: float) -> float:
    """Two-sided critical value ``z_{1 - alpha/2}``.

    Example
    -------
    >>> round(z_crit(0.05), 3)
    1.96
    """
    return float(norm.ppf(1.0 - alpha / 2.0))


def power(
    effect: float | np.ndarray, se: float | np.ndarray, alpha: float = 0.05
) -> np.ndarray | float:
    """Probability that a two-sided z-test at ``alpha`` rejects "no lift" when the true
    lift is ``effect`` and the estimate's standard error is ``se``.

    Example
    -------
    >>> round(float(power(2.8016, 1.0)), 3)
    0.8
    >>> round(float(power(0.0, 1.0)), 3)
    0.05
    """
    z = z_crit(alpha)
    r = np.asarray(effect, dtype=float) / np.asarray(se, dtype=float)
    out = norm.cdf(r - z) + norm.cdf(-r - z)
    return float(out) if np.ndim(out) == 0 else out


def mde(se: float | np.ndarray, alpha: float = 0.05, power: float = 0.8) -> np.ndarray | float:
    """Minimum detectable lift: the true lift detected with probability ``power``
    (one tail; the other tail adds less than alpha/2).

    Example
    -------
    >>> round(float(mde(2.0, 0.1, 0.9)), 3)
    5.853
    """
    out = (z_crit(alpha) + norm.ppf(power)) * np.asarray(se, dtype=float)
    return float(out) if np.ndim(out) == 0 else out


def ar1_sum_factor(rho: float, weeks: int) -> float:
    """``Var(sum of W weeks) / (W * Var(one week))`` for an AR(1) series with lag-1
    correlation ``rho``: ``1 + 2 sum_{k<W} (1 - k/W) rho^k``.

    Example
    -------
    >>> ar1_sum_factor(0.0, 4)
    1.0
    >>> ar1_sum_factor(0.5, 2)
    1.5
    """
    k = np.arange(1, int(weeks))
    return float(1.0 + 2.0 * np.sum((1.0 - k / weeks) * rho**k))


def serial_correlation(series: np.ndarray, lags: int = 8) -> tuple[float, float]:
    """(lag-1 autocorrelation used, Ljung-Box p-value) of a residual series.

    The correlation is 0 unless the Ljung-Box test (statsmodels) rejects white noise at
    ``LJUNG_BOX_P``; negative correlation is never used (it would shrink the noise).

    Example
    -------
    >>> rho, p = serial_correlation(np.random.default_rng(0).standard_normal(200))
    >>> rho
    0.0
    """
    from statsmodels.stats.diagnostic import acorr_ljungbox

    x = np.asarray(series, dtype=float)
    x = x - x.mean()
    lags = max(1, min(lags, x.size // 4))
    p = float(acorr_ljungbox(x, lags=[lags])["lb_pvalue"].iloc[0])
    r1 = float((x[1:] @ x[:-1]) / (x @ x)) if x @ x > 0 else 0.0
    return (max(r1, 0.0) if p < LJUNG_BOX_P else 0.0), p


def window_se(
    contrast: np.ndarray, weeks: int, forecast_var: float = 0.0, noise_var: float | None = None
) -> float:
    """Standard error of a test read over ``weeks`` weeks.

    Parameters
    ----------
    contrast : the weekly residual contrast over the fitted weeks (treated minus
        control, or the residual of the whole market), in sales.
    weeks : test length.
    forecast_var : posterior variance of the model's forecast of the contrast summed
        over the window (parameter uncertainty of the counterfactual).
    noise_var : weekly noise variance to use instead of the contrast's own variance
        (e.g. corrected for the degrees of freedom the fit used).

    Example
    -------
    >>> round(window_se(np.array([1.0, -1.0] * 50), 4, noise_var=1.0), 3)
    2.0
    """
    c = np.asarray(contrast, dtype=float)
    v = float(np.var(c, ddof=1)) if noise_var is None else float(noise_var)
    rho, _ = serial_correlation(c)
    return float(np.sqrt(weeks * v * ar1_sum_factor(rho, weeks) + forecast_var))
