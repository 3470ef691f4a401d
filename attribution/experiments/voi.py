"""Value of information: importance reweighting of posterior draws and the preposterior
expected value of sample information (EVSI). Pure functions on arrays.

A test of a given design predicts, for each posterior draw ``d``, a lift ``L_d``; the
measured lift is ``y ~ Normal(L_d, se)``. The preposterior analysis draws outcomes from
the posterior predictive (a draw ``d`` at random, then ``y = L_d + se * eps``), updates
the draws by importance reweighting (``w_d(y) ∝ N(y; L_d, se)``), re-takes the decision
under the weighted draws and averages the gain::

    EVSI = E_y[ sum_d w_d(y) (U_d(a*(y)) - U_d(a0)) ]

``a0`` is the decision taken now, ``a*(y)`` the one taken after seeing ``y``. Every
term is >= 0 when ``a*(y)`` maximises the weighted mean, and because ``E_y[w_d(y)] = 1/D``
under this predictive, the estimator is unbiased for the EVSI of the draws' posterior.

Example
-------
>>> import numpy as np
>>> w = importance_weights(np.array([0.0, np.log(3.0)]))
>>> w.round(2).tolist()
[0.25, 0.75]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp


def normal_loglik(y: np.ndarray, mean: np.ndarray, se: float) -> np.ndarray:
    """Log density of ``y`` under ``Normal(mean, se)``, ``(K, D)`` for ``y (K,)``, ``mean (D,)``.

    Example
    -------
    >>> float(normal_loglik(np.array([0.0]), np.array([0.0]), 1.0)[0, 0].round(4))
    -0.9189
    """
    y = np.asarray(y, dtype=float).reshape(-1, 1)
    mean = np.asarray(mean, dtype=float).reshape(1, -1)
    if not se > 0:
        raise ValueError(f"the standard error must be > 0, got {se}")
    z = (y - mean) / se
    return -0.5 * z * z - np.log(se) - 0.5 * np.log(2 * np.pi)


def importance_weights(loglik: np.ndarray) -> np.ndarray:
    """Normalised importance weights from log-likelihoods (last axis = draws).

    Stable for very large or small log-likelihoods (log-sum-exp).

    Example
    -------
    >>> importance_weights(np.array([[0.0, 0.0]])).tolist()
    [[0.5, 0.5]]
    """
    ll = np.asarray(loglik, dtype=float)
    return np.exp(ll - logsumexp(ll, axis=-1, keepdims=True))


def effective_sample_size(weights: np.ndarray) -> np.ndarray:
    """Kish effective sample size ``1 / sum w^2`` of normalised weights (last axis).

    Example
    -------
    >>> float(effective_sample_size(np.array([0.5, 0.5])))
    2.0
    """
    w = np.asarray(weights, dtype=float)
    return 1.0 / np.sum(w * w, axis=-1)


def simulate_outcomes(
    predicted: np.ndarray, se: float, n: int, rng: np.random.Generator
) -> np.ndarray:
    """``n`` test outcomes from the posterior predictive: a random draw's lift plus noise.

    Draws are taken by stratified sampling over the draws (each draw used about
    ``n / D`` times), which lowers the Monte Carlo error of the outer average.

    Example
    -------
    >>> simulate_outcomes(np.zeros(4), 1.0, 3, np.random.default_rng(0)).shape
    (3,)
    """
    pred = np.asarray(predicted, dtype=float).reshape(-1)
    u = (np.arange(n) + rng.random(n)) / n
    idx = np.minimum((u * pred.size).astype(int), pred.size - 1)
    rng.shuffle(idx)
    return pred[idx] + se * rng.standard_normal(n)


@dataclass(frozen=True)
class PreposteriorValue:
    """The EVSI estimate with its Monte Carlo standard error and per-outcome gains."""

    value: float
    mc_se: float
    gains: np.ndarray  # (K,) gain of deciding after outcome k
    ess: np.ndarray  # (K,) effective sample size of the updated draws
    outcomes: np.ndarray  # (K,)
    tol: float = 0.0  # gains at or below this count as no change of decision

    @property
    def prob_changes_decision(self) -> float:
        """Share of outcomes after which the new decision gains more than ``tol``."""
        return float(np.mean(self.gains > self.tol))


def preposterior_value(
    outcomes: np.ndarray,
    predicted: np.ndarray,
    se: float,
    decide: Callable[[np.ndarray], np.ndarray],
    current_utility: np.ndarray,
) -> PreposteriorValue:
    """EVSI of a test by preposterior analysis with importance reweighting.

    Parameters
    ----------
    outcomes : ``(K,)`` simulated measured lifts (see :func:`simulate_outcomes`).
    predicted : ``(D,)`` the lift each posterior draw predicts for the test.
    se : the test's standard error.
    decide : weights ``(D,)`` -> utility per draw ``(D,)`` of the decision that is best
        under those weights (e.g. re-optimise the budget).
    current_utility : ``(D,)`` utility per draw of the decision taken now.

    Returns
    -------
    :class:`PreposteriorValue` (``value`` in the utility's units).

    Example
    -------
    >>> th = np.array([-1.0, 1.0])
    >>> best = lambda w: th if w @ th > 0 else np.zeros(2)
    >>> v = preposterior_value(np.array([-5.0, 5.0]), th, 1.0, best, np.zeros(2))
    >>> round(v.value, 3)
    0.5
    """
    u0 = np.asarray(current_utility, dtype=float)
    y = np.asarray(outcomes, dtype=float)
    w = importance_weights(normal_loglik(y, predicted, se))
    gains = np.empty(y.size)
    for k in range(y.size):
        u = np.asarray(decide(w[k]), dtype=float)
        gains[k] = float(w[k] @ (u - u0))
    mc = float(gains.std(ddof=1) / np.sqrt(y.size)) if y.size > 1 else float("nan")
    tol = 1e-4 * float(np.mean(np.abs(u0)))  # a gain above 0.01% of the decision's value
    return PreposteriorValue(float(gains.mean()), mc, gains, effective_sample_size(w), y, tol)


def best_of_actions(utilities: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """A ``decide`` for a finite set of actions: ``utilities`` is ``(D, A)``.

    Example
    -------
    >>> f = best_of_actions(np.array([[0.0, 1.0], [0.0, -3.0]]))
    >>> f(np.array([0.5, 0.5])).tolist()
    [0.0, 0.0]
    """
    u = np.asarray(utilities, dtype=float)

    def decide(weights: np.ndarray) -> np.ndarray:
        return u[:, int(np.argmax(weights @ u))]

    return decide
