"""Response models the optimiser works against, and the curve math behind them.

The optimiser only needs the small :class:`ResponseModel` protocol: channel
names, the current weekly spend and ``response(spend)``, which maps weekly
spend held over the horizon (steady-state carry-over) to posterior draws of the
expected incremental outcome per week. Two optional members make it faster or
richer, and are used when present:

- ``gradient(spend)`` -> ``(n_draws, ..., n_channels)``: d response / d spend.
- ``ramp_fraction(weeks)`` -> ``(weeks, n_channels)``: the share of a new weekly
  spend level that the (linear, pre-saturation) adstock has reached in each week
  after a change, or ``decay`` -> ``(n_channels,)`` for geometric adstock
  (``1 - decay^(t+1)``). Either enables finite-horizon evaluation (ramp-in).
- ``channel_response(spend)`` -> ``(n_draws, ..., n_channels)``: per-channel
  contributions (otherwise taken as removal effects, exact for additive models).

:class:`ParametricResponse` is a self-contained implementation (posterior draws
of Hill, exponential or log saturation curves), used in tests, in the budget
sweep examples and as the ``response.json`` model format of the CLI.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from attribution.errors import UsageError

CURVES = ("hill", "exponential", "log")


@runtime_checkable
class ResponseModel(Protocol):
    """What the optimiser needs from a fitted model (see module docstring)."""

    channels: tuple[str, ...]
    current_spend: np.ndarray

    def response(self, spend: np.ndarray) -> np.ndarray:
        """Spend ``(..., n_channels)`` per week -> draws ``(n_draws, ...)`` per week."""
        ...


# --------------------------------------------------------------------------- curve math


def hill(x: np.ndarray, half: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """Hill saturation ``x^s / (x^s + k^s)`` in [0, 1).

    Parameters: x spend (>= 0), half the half-saturation point k, shape s.
    Returns: saturation level, same broadcast shape.

    Example
    -------
    >>> float(hill(np.array(2.0), 2.0, 1.0))
    0.5
    """
    x = np.maximum(np.asarray(x, dtype=float), 0.0)
    ratio = np.where(x > 0, x / half, 0.0)
    r = ratio**shape
    return r / (1.0 + r)


def hill_derivative(x: np.ndarray, half: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """d hill / dx = s x^(s-1) k^s / (x^s + k^s)^2 (0 at x = 0 for s > 1).

    Example
    -------
    >>> float(hill_derivative(np.array(2.0), 2.0, 1.0))
    0.125
    """
    x = np.maximum(np.asarray(x, dtype=float), 0.0)
    ratio = np.where(x > 0, x / half, 0.0)
    r = ratio**shape
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(x > 0, shape * r / (x * (1.0 + r) ** 2), np.where(shape == 1, 1.0 / half, 0.0))
    return np.asarray(d)


def exp_saturation(x: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Exponential saturation ``1 - exp(-lam x)``.

    Example
    -------
    >>> round(float(exp_saturation(np.array(1.0), np.log(2.0))), 6)
    0.5
    """
    return -np.expm1(-lam * np.maximum(np.asarray(x, dtype=float), 0.0))


def log_saturation(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Log response ``log(1 + x / k)`` (unbounded, concave).

    Example
    -------
    >>> round(float(log_saturation(np.array(1.0), 1.0)), 6)
    0.693147
    """
    return np.log1p(np.maximum(np.asarray(x, dtype=float), 0.0) / k)


def geometric_fraction(decay: np.ndarray, weeks: int) -> np.ndarray:
    """Share of a new spend level reached by normalised geometric adstock in weeks 0..H-1.

    ``F(t) = 1 - decay^(t+1)``; returns ``(H, n_channels)``.

    Example
    -------
    >>> geometric_fraction(np.array([0.5]), 3).ravel().tolist()
    [0.5, 0.75, 0.875]
    """
    d = np.asarray(decay, dtype=float).reshape(-1)
    return 1.0 - d[None, :] ** np.arange(1, weeks + 1)[:, None]


def ramp_in(current: np.ndarray, new: np.ndarray, fraction: np.ndarray) -> np.ndarray:
    """Effective (adstocked, normalised) weekly spend when spend moves from ``current`` to ``new``.

    A linear adstock that starts in the steady state of ``current`` has, in week t of
    the new plan, ``a_t = F(t) new + (1 - F(t)) current`` with ``F`` the cumulative
    share of the lag weights (``geometric_fraction`` for geometric adstock).

    Parameters: current, new ``(..., n_channels)``; fraction ``(H, n_channels)``.
    Returns: ``(..., H, n_channels)``.

    Example
    -------
    >>> f = geometric_fraction(np.array([0.5]), 2)
    >>> ramp_in(np.array([0.0]), np.array([1.0]), f).ravel().tolist()
    [0.5, 0.75]
    """
    f = np.asarray(fraction, dtype=float)
    cur = np.asarray(current, dtype=float)[..., None, :]
    nw = np.asarray(new, dtype=float)[..., None, :]
    return f * nw + (1.0 - f) * cur


def adstock_path(spend: np.ndarray, fraction: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Normalised adstock of a spend path ``(T, n)`` that starts in the steady state ``start``.

    ``a_t = sum_{l<=t} w_l x_{t-l} + (1 - F(t)) start`` with lag weights
    ``w_l = F(l) - F(l-1)`` from the cumulative fraction ``F`` (``(T, n)``).

    Example
    -------
    >>> f = geometric_fraction(np.array([0.5]), 2)
    >>> adstock_path(np.array([[1.0], [1.0]]), f, np.array([0.0])).ravel().tolist()
    [0.5, 0.75]
    """
    x = np.asarray(spend, dtype=float)
    f = np.asarray(fraction, dtype=float)[: x.shape[0]]
    w = np.diff(f, axis=0, prepend=0.0)  # (T, n)
    out = np.empty_like(x)
    for t in range(x.shape[0]):
        out[t] = (w[: t + 1] * x[t::-1]).sum(axis=0)
    return out + (1.0 - f) * np.asarray(start, dtype=float)


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class ParametricResponse:
    """Posterior draws of per-channel saturation curves, summed over channels.

    ``response(x) = sum_c beta[d, c] * curve(x_c; params[d, c])`` per draw d, with
    ``curve`` one of ``hill`` (params ``half``, ``shape``), ``exponential``
    (``lam``) or ``log`` (``k``). Arrays are ``(n_draws, n_channels)`` (a 1-D array is
    one draw). ``decay`` (optional, per channel) enables finite-horizon evaluation.

    Example
    -------
    >>> m = ParametricResponse(("a",), np.array([1.0]), beta=np.array([2.0]),
    ...                        curve="log", params={"k": np.array([1.0])})
    >>> m.response(np.array([0.0])).shape
    (1,)
    """

    channels: tuple[str, ...]
    current_spend: np.ndarray
    beta: np.ndarray
    curve: str = "hill"
    params: dict[str, np.ndarray] = field(default_factory=dict)
    decay: np.ndarray | None = None
    outcome: str = "sales"

    def __post_init__(self) -> None:
        n = len(self.channels)
        if self.curve not in CURVES:
            raise UsageError(f"unknown response curve '{self.curve}'; use one of {CURVES}")
        need = {"hill": ("half", "shape"), "exponential": ("lam",), "log": ("k",)}[self.curve]
        missing = [p for p in need if p not in self.params]
        if missing:
            raise UsageError(f"{self.curve} response curve needs parameter(s) {missing}")
        object.__setattr__(self, "channels", tuple(self.channels))
        cur = np.array(self.current_spend, dtype=float).reshape(n)
        beta = np.atleast_2d(np.array(self.beta, dtype=float))
        params = {
            k: np.broadcast_to(np.atleast_2d(np.array(v, dtype=float)), beta.shape).copy()
            for k, v in self.params.items()
            if k in need
        }
        if beta.shape[1] != n:
            raise UsageError(f"beta has {beta.shape[1]} channels, expected {n}")
        for arr in (cur, beta, *params.values()):
            arr.setflags(write=False)
        object.__setattr__(self, "current_spend", cur)
        object.__setattr__(self, "beta", beta)
        object.__setattr__(self, "params", params)
        if self.decay is not None:
            d = np.array(self.decay, dtype=float).reshape(n)
            d.setflags(write=False)
            object.__setattr__(self, "decay", d)

    @property
    def n_draws(self) -> int:
        return int(self.beta.shape[0])

    def _expand(self, spend: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
        spend = np.asarray(spend, dtype=float)
        batch = spend.shape[:-1]
        shape = (self.n_draws,) + (1,) * len(batch) + (len(self.channels),)
        p = {k: v.reshape(shape) for k, v in self.params.items()}
        return spend[None, ...], p, self.beta.reshape(shape)

    def channel_response(self, spend: np.ndarray) -> np.ndarray:
        """Per-channel weekly contributions ``(n_draws, ..., n_channels)``."""
        x, p, beta = self._expand(spend)
        if self.curve == "hill":
            s = hill(x, p["half"], p["shape"])
        elif self.curve == "exponential":
            s = exp_saturation(x, p["lam"])
        else:
            s = log_saturation(x, p["k"])
        return beta * s

    def response(self, spend: np.ndarray) -> np.ndarray:
        """Total weekly incremental outcome per draw ``(n_draws, ...)``."""
        return self.channel_response(spend).sum(axis=-1)

    def gradient(self, spend: np.ndarray) -> np.ndarray:
        """d response / d spend per draw ``(n_draws, ..., n_channels)``."""
        x, p, beta = self._expand(spend)
        if self.curve == "hill":
            d = hill_derivative(x, p["half"], p["shape"])
        elif self.curve == "exponential":
            d = p["lam"] * np.exp(-p["lam"] * np.maximum(x, 0.0))
        else:
            d = 1.0 / (p["k"] + np.maximum(x, 0.0))
        return beta * d

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (the ``response.json`` format)."""
        return {
            "kind": "parametric_response",
            "outcome": self.outcome,
            "channels": list(self.channels),
            "current_spend": self.current_spend.tolist(),
            "curve": self.curve,
            "beta": self.beta.tolist(),
            "params": {k: v.tolist() for k, v in self.params.items()},
            "decay": None if self.decay is None else self.decay.tolist(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ParametricResponse:
        """Inverse of :meth:`to_dict`."""
        try:
            return cls(
                channels=tuple(d["channels"]),
                current_spend=np.asarray(d["current_spend"], dtype=float),
                beta=np.asarray(d["beta"], dtype=float),
                curve=d.get("curve", "hill"),
                params={k: np.asarray(v, dtype=float) for k, v in d.get("params", {}).items()},
                decay=None if d.get("decay") is None else np.asarray(d["decay"], dtype=float),
                outcome=d.get("outcome", "sales"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise UsageError(f"not a valid response model description: {exc}") from None

    def save(self, path: str | Path) -> Path:
        """Write the model as ``response.json`` (atomic)."""
        from attribution.io import write_json

        return write_json(path, self.to_dict())


def load_parametric(path: str | Path) -> ParametricResponse:
    """Read a ``response.json`` written by :meth:`ParametricResponse.save`."""
    try:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read response model {path}: {exc}") from None
    return ParametricResponse.from_dict(d)
