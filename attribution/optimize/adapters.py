"""Adapters from the package's models to the :class:`ResponseModel` protocol, and loading.

- :class:`TruthResponse`: the simulated world's *true* response (``truth.json``),
  one "draw"; used to check the optimiser against the true optimum.
- :class:`MMMResponse`: the fitted MMM (``attribution.mmm``), whose results offer
  ``response(spend)`` with the protocol's shape contract; only spend channels. Weekly
  spend is held flat (steady-state carry-over).
- :class:`FlightedMMMResponse`: the same model, but a plan's weekly spend scales each
  channel's own flighting of the fitted weeks (``flighting = "historical"``, the
  default of the pipeline): saturation then acts on the real bursts and gaps.
- ``response.json``: a :class:`ParametricResponse` written by ``save``.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from attribution.errors import UsageError
from attribution.optimize.curves import GridCurves
from attribution.optimize.response import ParametricResponse, ResponseModel

#: how a plan's weekly spend is laid over the weeks: each channel's fitted-weeks flighting
#: scaled to it ("historical"), or the same spend every week ("flat")
FLIGHTING = ("historical", "flat")
#: multiplier grid of the historical curves: steps per unit of today's spend, first top
GRID_STEPS_PER_UNIT = 16
GRID_TOP = 4.0


class TruthResponse:
    """The simulated world's true expected response to weekly spend (one draw).

    A weekly spend ``s_c`` held over the simulated period scales the channel's
    simulated spend pattern to total ``s_c * T`` (T weeks); the weekly outcome is
    the true incremental outcome over the period divided by T. Only channels
    driven by spend (with spend > 0) are optimisable; the others are constant.

    Example
    -------
    >>> from attribution.data.simulator.truth import load_truth    # doctest: +SKIP
    >>> TruthResponse(load_truth("world/truth.json")).channels      # doctest: +SKIP
    ('search_generic', 'search_brand', ...)
    """

    outcome: str

    def __init__(self, truth: Mapping[str, Any], metric: str = "sales") -> None:
        from attribution.data.simulator import truth as truth_mod

        self._mod = truth_mod
        self.truth = truth
        self.outcome = metric
        chans = truth["channels"]
        self.channels = tuple(
            n
            for n, c in chans.items()
            if c.get("driver") == "spend" and float(c.get("spend") or 0) > 0
        )
        if not self.channels:
            raise UsageError("the truth file has no channels with spend to optimise")
        self._weeks = len(chans[self.channels[0]]["weekly_driver"])
        self._spend = np.array([float(chans[c]["spend"]) for c in self.channels])
        self.current_spend = self._spend / self._weeks

    def channel_response(self, spend: np.ndarray) -> np.ndarray:
        """Per-channel weekly true outcome ``(1, ..., n_channels)``."""
        spend = np.asarray(spend, dtype=float)
        out = np.empty(spend.shape)
        for idx in np.ndindex(spend.shape[:-1]):
            for j, name in enumerate(self.channels):
                m = max(float(spend[(*idx, j)]), 0.0) * self._weeks / self._spend[j]
                out[(*idx, j)] = (
                    self._mod.channel_response(self.truth["channels"][name], m, metric=self.outcome)
                    / self._weeks
                )
        return out[None, ...]

    def response(self, spend: np.ndarray) -> np.ndarray:
        """Total weekly true outcome ``(1, ...)``."""
        return self.channel_response(spend).sum(axis=-1)


def _mmm_model(path: Path, flighting: str) -> ResponseModel:
    """Load a fitted MMM (``attribution.mmm.io.load``) as a response model."""
    try:
        mmm_io = importlib.import_module("attribution.mmm.io")
    except ModuleNotFoundError as exc:
        raise UsageError(
            f"cannot load the fitted model in {path}: the media-mix model "
            f"module is not available ({exc})"
        ) from None
    return mmm_response(mmm_io.load(path), flighting)


def load_response_model(
    path: str | Path, metric: str = "sales", flighting: str = "flat"
) -> ResponseModel:
    """Open what ``--model`` points at as a :class:`ResponseModel`.

    Accepted: a fitted MMM folder (``posterior.nc`` in it or in ``mmm/``), a
    ``response.json`` (parametric model), a simulator ``truth.json`` (optimise on
    the true curves), or a folder holding one of these (MMM first). ``flighting``
    applies to a fitted MMM (:data:`FLIGHTING`).

    Example
    -------
    >>> load_response_model("runs/2026q3")            # doctest: +SKIP
    """
    p = Path(path)
    if p.is_dir():
        for sub in (p, p / "mmm"):
            if (sub / "posterior.nc").exists():
                return _mmm_model(sub, flighting)
        for name in ("response.json", "truth.json"):
            if (p / name).exists():
                return load_response_model(p / name, metric, flighting)
        raise UsageError(
            f"no fitted model in {p}: expected mmm/posterior.nc (from 'attribution "
            "mmm'), response.json or truth.json"
        )
    if not p.exists():
        raise UsageError(f"model not found: {p}; pass the run folder of 'attribution mmm'")
    if p.suffix == ".nc":
        return _mmm_model(p, flighting)
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read model file {p}: {exc}") from None
    if isinstance(d, dict) and d.get("kind") == "parametric_response":
        return ParametricResponse.from_dict(d)
    if isinstance(d, dict) and "channels" in d and "baseline" in d:
        return TruthResponse(d, metric)
    raise UsageError(f"{p} is neither a response model nor a simulator truth file")


class MMMResponse:
    """The fitted media-mix model (``attribution.mmm``) seen through the protocol.

    Only channels with money spend are optimised; activity channels (organic posts,
    ...) stay at their current level and are left out of the totals. ``max_draws``
    thins the posterior (evenly) to keep the optimiser fast. ``ramp_fraction`` uses
    the posterior-mean lag weights (an approximation: exact per draw only when the
    adstock is the same in every draw).

    Example
    -------
    >>> from attribution.mmm.io import load                       # doctest: +SKIP
    >>> m = MMMResponse(load("runs/2026q3"))                      # doctest: +SKIP
    """

    outcome = "sales"
    flighting = "flat"

    def __init__(self, results: Any, max_draws: int | None = 1000) -> None:
        self.results = results
        self.max_draws = max_draws
        names = tuple(results.channels)
        has_spend = np.asarray(getattr(results, "has_spend", np.ones(len(names), bool)), dtype=bool)
        self._idx = np.flatnonzero(has_spend)
        if self._idx.size == 0:
            raise UsageError("the fitted model has no channels with spend to optimise")
        self.channels = tuple(names[i] for i in self._idx)
        #: channels whose effect runs from zero to the association (partial identification)
        self.unidentified = tuple(getattr(results, "unidentified", ()))
        self._all_current = np.asarray(results.current_spend, dtype=float)
        self.current_spend = self._all_current[self._idx]
        self._n_all = len(names)

    def _full(self, spend: np.ndarray) -> np.ndarray:
        spend = np.asarray(spend, dtype=float)
        full = np.broadcast_to(self._all_current, (*spend.shape[:-1], self._n_all)).copy()
        full[..., self._idx] = spend
        return full

    def channel_response(self, spend: np.ndarray) -> np.ndarray:
        """Per-channel weekly contributions of the spend channels ``(draws, ..., n)``."""
        out = self.results.response(self._full(spend), per_channel=True, max_draws=self.max_draws)
        return np.asarray(out, dtype=float)[..., self._idx]

    def response(self, spend: np.ndarray) -> np.ndarray:
        """Weekly incremental outcome of the spend channels ``(draws, ...)``."""
        return self.channel_response(spend).sum(axis=-1)

    def take(self, draws: np.ndarray) -> MMMResponse:
        """The same model on a subset of its draws (indices into the draws it uses)."""
        idx = self.results.draw_indices(self.max_draws)[np.asarray(draws)]
        return type(self)(self.results.take_draws(idx), max_draws=None)

    def ramp_fraction(self, weeks: int) -> np.ndarray | None:
        """Cumulative share of the lag weights per week ``(weeks, n)`` (posterior mean)."""
        try:
            from attribution.mmm.model import lag_weights

            w = np.asarray(lag_weights(self.results.media_params(), self.results.layout))
        except Exception:  # older/other results objects: no finite-horizon mode
            return None
        w = w.mean(axis=0) if w.ndim == 3 else w  # (C, L)
        w = w[self._idx]
        cum = np.cumsum(w, axis=-1) / np.maximum(w.sum(axis=-1, keepdims=True), 1e-300)
        frac = np.ones((weeks, self._idx.size))
        k = min(weeks, cum.shape[1])
        frac[:k] = cum[:, :k].T
        return frac


class FlightedMMMResponse(MMMResponse):
    """The fitted media-mix model with plans laid over each channel's own flighting.

    A weekly spend ``s_c`` scales channel ``c``'s spend in every fitted week by
    ``s_c / current_c``, and the response is the mean weekly contribution over the
    fitted weeks (``results.flighted_response``): saturation acts on the real weekly
    levels, so a channel bought in bursts earns what its bursts earn, not what its
    average would. This is how the simulator's truth, and Meridian, replay a plan.
    The carry-over is in the scaled series, so there is no ramp-in mode.

    The channels add up, so each one's curve is tabulated per draw on a multiplier
    grid (:class:`~attribution.optimize.curves.GridCurves`, 16 steps per unit, up to 4x
    today's spend, extended on demand) and read back by cubic Hermite interpolation,
    whose own slope is the gradient (within 1% of the exact one).

    Example
    -------
    >>> m = FlightedMMMResponse(load("runs/2026q3/mmm"))        # doctest: +SKIP
    """

    flighting = "historical"

    def __init__(self, results: Any, max_draws: int | None = 1000) -> None:
        super().__init__(results, max_draws)
        self._curves: GridCurves | None = None

    def curves(self, top: float = GRID_TOP) -> GridCurves:
        """The tabulated curves, covering multipliers up to at least ``top``."""
        if self._curves is None or self._curves.top < top:
            top = max(GRID_TOP, float(np.ceil(top)))
            k = round(top * GRID_STEPS_PER_UNIT)
            grid = np.linspace(0.0, top, k + 1)
            mult = np.ones((k + 1, self._n_all))
            mult[:, self._idx] = grid[:, None]
            values = self.results.flighted_response(mult, max_draws=self.max_draws)
            self._curves = GridCurves.from_values(
                np.moveaxis(values[..., self._idx], 1, 0), top / k
            )
        return self._curves

    def take(self, draws: np.ndarray) -> FlightedMMMResponse:
        """The same model on a subset of its draws; the tabulated curves are kept."""
        sub = super().take(draws)
        assert isinstance(sub, FlightedMMMResponse)
        if self._curves is not None:
            sub._curves = self._curves.take(np.asarray(draws))
        return sub

    def _multiplier(self, spend: np.ndarray) -> np.ndarray:
        spend = np.asarray(spend, dtype=float)
        return spend / np.where(self.current_spend > 0, self.current_spend, 1.0)

    def channel_response(self, spend: np.ndarray) -> np.ndarray:
        """Per-channel mean weekly contributions ``(draws, ..., n)``."""
        m = self._multiplier(spend)
        return self.curves(float(m.max(initial=0.0))).evaluate(m)[0]

    def gradient(self, spend: np.ndarray) -> np.ndarray:
        """d response / d weekly spend ``(draws, ..., n)``."""
        m = self._multiplier(spend)
        der = self.curves(float(m.max(initial=0.0))).evaluate(m)[1]
        return der / np.where(self.current_spend > 0, self.current_spend, 1.0)

    def ramp_fraction(self, weeks: int) -> np.ndarray | None:
        raise UsageError(
            "finite-horizon carry-over ('ramp') moves a flat weekly spend; with "
            "historical flighting the carry-over is already in the scaled weeks: "
            "use flighting 'flat' with the ramp mode"
        )


def mmm_response(
    results: Any, flighting: str = "flat", max_draws: int | None = 1000
) -> MMMResponse:
    """The fitted MMM ``results`` as a response model of the given :data:`FLIGHTING`.

    Example
    -------
    >>> m = mmm_response(load("runs/2026q3/mmm"), "historical")       # doctest: +SKIP
    """
    if flighting not in FLIGHTING:
        raise UsageError(f"flighting must be one of {FLIGHTING}, got '{flighting}'")
    cls = FlightedMMMResponse if flighting == "historical" else MMMResponse
    return cls(results, max_draws)


def as_response_model(model: Any, flighting: str = "flat") -> ResponseModel:
    """Wrap a fitted MMM results object (it has ``has_spend`` and ``media_params``) in
    :class:`FlightedMMMResponse` (``flighting="historical"``) or :class:`MMMResponse`
    (``"flat"``); return anything else unchanged.

    Example
    -------
    >>> m = as_response_model(some_model, flighting="historical")       # doctest: +SKIP
    """
    if isinstance(model, MMMResponse | TruthResponse | ParametricResponse):
        return model
    if hasattr(model, "has_spend") and hasattr(model, "media_params"):
        return mmm_response(model, flighting)
    return model  # type: ignore[no-any-return]
