"""Outcome over a planning horizon, per posterior draw, with gradients.

Two carry-over modes (both use only the :class:`ResponseModel` protocol):

- ``"steady"`` (default): the plan's weekly spend is held long enough for the
  adstock to reach its steady state, so the horizon total is ``H * response(s)``.
  This is the long-run value of a plan and what most MMM optimisers report.
- ``"ramp"``: finite horizon. The adstock starts in the steady state of the
  current spend and moves towards the new plan week by week (the model's
  ``ramp_fraction(weeks)``, or geometric adstock with its ``decay``), so the first
  weeks of a change earn less (or, for cuts, more) than the steady state. Assumes
  a linear adstock applied before saturation; the effect of spend after the
  horizon ends is not counted.
"""

from __future__ import annotations

import numpy as np

from attribution.errors import UsageError
from attribution.optimize.response import (
    ResponseModel,
    adstock_path,
    geometric_fraction,
    ramp_in,
)

CARRYOVER = ("steady", "ramp")


class HorizonOutcome:
    """Per-draw outcome over ``horizon`` weeks for weekly spend plans.

    Example
    -------
    >>> from attribution.optimize.response import ParametricResponse
    >>> m = ParametricResponse(("a",), np.array([1.0]), beta=np.array([2.0]), curve="log",
    ...                        params={"k": np.array([1.0])})
    >>> round(float(HorizonOutcome(m, 10).totals(np.array([1.0]))[0]), 4)
    13.8629
    """

    def __init__(self, model: ResponseModel, horizon: int, carryover: str = "steady") -> None:
        if carryover not in CARRYOVER:
            raise UsageError(f"carry-over mode must be one of {CARRYOVER}, got '{carryover}'")
        if int(horizon) < 1:
            raise UsageError(f"the planning horizon must be at least 1 week, got {horizon}")
        self.model = model
        self.horizon = int(horizon)
        self.carryover = carryover
        self.current = np.asarray(model.current_spend, dtype=float)
        self.fraction: np.ndarray | None = None
        if carryover == "ramp":
            self.fraction = ramp_fraction(model, self.horizon)
            if self.fraction is None:
                raise UsageError(
                    "finite-horizon carry-over ('ramp') needs a model with "
                    "adstock information (ramp_fraction or decay); use the "
                    "steady-state mode"
                )

    # ------------------------------------------------------------------ values
    def _effective(self, spend: np.ndarray) -> np.ndarray:
        """(..., n) weekly spend -> (..., H, n) effective spend (ramp mode)."""
        assert self.fraction is not None
        return ramp_in(self.current, spend, self.fraction)

    def totals(self, spend: np.ndarray) -> np.ndarray:
        """Outcome over the horizon ``(n_draws, ...)`` for weekly spend ``(..., n)``."""
        spend = np.asarray(spend, dtype=float)
        if self.fraction is None:
            return self.horizon * np.asarray(self.model.response(spend), dtype=float)
        return np.asarray(self.model.response(self._effective(spend)), dtype=float).sum(axis=-1)

    def gradient(self, spend: np.ndarray) -> np.ndarray:
        """d totals / d weekly spend at one plan ``(n,)`` -> ``(n_draws, n)``."""
        spend = np.asarray(spend, dtype=float)
        grad_fn = getattr(self.model, "gradient", None)
        if grad_fn is None:
            return self._fd_gradient(spend)
        if self.fraction is None:
            return self.horizon * np.asarray(grad_fn(spend), dtype=float)
        eff = self._effective(spend)  # (H, n)
        g = np.asarray(grad_fn(eff), dtype=float)  # (draws, H, n)
        return (g * self.fraction[None]).sum(axis=1)

    def _fd_gradient(self, spend: np.ndarray) -> np.ndarray:
        n = spend.size
        scale = max(float(np.mean(np.abs(spend))), float(np.mean(np.abs(self.current))), 1e-9)
        h = 1e-5 * np.maximum(np.abs(spend), scale)
        eye = np.eye(n) * h[:, None]
        up = spend[None, :] + eye
        down = np.maximum(spend[None, :] - eye, 0.0)
        vals = self.totals(np.concatenate([up, down], axis=0))  # (draws, 2n)
        return (vals[:, :n] - vals[:, n:]) / (up - down).diagonal()[None, :]

    def channel_totals(self, spend: np.ndarray) -> np.ndarray:
        """Per-channel contributions over the horizon ``(n_draws, n)`` for one plan.

        Uses the model's ``channel_response`` when it has one, otherwise removal
        effects (outcome minus outcome with that channel at zero; exact for
        additive models).
        """
        spend = np.asarray(spend, dtype=float)
        ch_fn = getattr(self.model, "channel_response", None)
        if ch_fn is not None:
            if self.fraction is None:
                return self.horizon * np.asarray(ch_fn(spend), dtype=float)
            return np.asarray(ch_fn(self._effective(spend)), dtype=float).sum(axis=1)
        n = spend.size
        plans = np.repeat(spend[None, :], n + 1, axis=0)
        plans[np.arange(1, n + 1), np.arange(n)] = 0.0
        if self.fraction is None:
            vals = self.horizon * np.asarray(self.model.response(plans), dtype=float)
        else:
            eff = self._effective(spend)
            effs = np.repeat(eff[None], n + 1, axis=0)
            for i in range(n):
                effs[i + 1, :, i] = 0.0
            vals = np.asarray(self.model.response(effs), dtype=float).sum(axis=-1)
        return vals[:, :1] - vals[:, 1:]

    def path_totals(self, spend_path: np.ndarray) -> np.ndarray:
        """Outcome of a week-by-week spend path ``(T, n)`` -> ``(n_draws,)``.

        In ramp mode the adstock runs through the path from the current steady
        state; in steady mode each week counts as if its spend were held.
        """
        path = np.asarray(spend_path, dtype=float)
        if self.fraction is None:
            return np.asarray(self.model.response(path), dtype=float).sum(axis=-1)
        frac = ramp_fraction(self.model, path.shape[0])
        assert frac is not None
        eff = adstock_path(path, frac, self.current)
        return np.asarray(self.model.response(eff), dtype=float).sum(axis=-1)


def ramp_fraction(model: ResponseModel, weeks: int) -> np.ndarray | None:
    """The model's ramp-in shares ``(weeks, n_channels)``, or None when it has no adstock info.

    Example
    -------
    >>> class M:
    ...     decay = np.array([0.5])
    >>> ramp_fraction(M(), 2).ravel().tolist()
    [0.5, 0.75]
    """
    fn = getattr(model, "ramp_fraction", None)
    if callable(fn):
        return np.asarray(fn(weeks), dtype=float)
    decay = getattr(model, "decay", None)
    if decay is not None:
        return geometric_fraction(np.asarray(decay, dtype=float), weeks)
    return None


def interval_stats(draws: np.ndarray, interval: float, axis: int = 0) -> np.ndarray:
    """Mean, lower and upper equal-tailed interval bound along ``axis``, stacked last.

    Example
    -------
    >>> np.round(interval_stats(np.arange(101.0), 0.9), 6).tolist()
    [50.0, 5.0, 95.0]
    """
    a = (1.0 - interval) / 2.0
    d = np.asarray(draws, dtype=float)
    return np.stack(
        [d.mean(axis=axis), np.quantile(d, a, axis=axis), np.quantile(d, 1.0 - a, axis=axis)],
        axis=-1,
    )


def zero_low(stats: np.ndarray, unidentified: np.ndarray) -> np.ndarray:
    """``interval_stats`` rows ``(n_channels, 3)`` with the low end of each unidentified
    channel set to 0: its identification region starts at no effect at all, whatever the
    quantile of its uniform identified share says (as in ``mmm/channels.csv``).

    Example
    -------
    >>> zero_low(np.array([[5.0, 2.0, 9.0], [4.0, 1.0, 8.0]]), np.array([False, True])).tolist()
    [[5.0, 2.0, 9.0], [4.0, 0.0, 8.0]]
    """
    out = np.array(stats, dtype=float)
    out[np.asarray(unidentified, dtype=bool), 1] = 0.0
    return out
