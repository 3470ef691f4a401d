"""Replay spend plans against a simulated world's truth, and find its best plan.

A plan gives each spend channel a total spend over the simulated period; its weekly
pattern is the simulated one scaled to that total (a plan from the optimiser, in
weekly spend, is the same thing: scale by recommended / current).

- :func:`evaluate_plan` -- the *expected* sales of a plan, exact (closed form,
  :func:`~attribution.data.simulator.truth.expected_sales`): two plans compare without
  any noise.
- :func:`replay_realised` -- the *realised* sales of a plan: the world simulated again
  with the same random numbers (every stream is keyed by seed, purpose and channel), so
  the current plan reproduces the simulated sales to the cent, and a change in one
  channel moves only what that channel causes.
- :func:`best_plan` -- the true optimum under a budget and bounds (scipy SLSQP on the
  concave closed form).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
from scipy.optimize import minimize

from attribution.data.simulator.truth import channel_response, expected_sales
from attribution.data.simulator.world import World, simulate


def spend_channels(truth: Mapping[str, Any]) -> list[str]:
    """Channels with simulated spend (the ones a plan can move)."""
    return [
        n for n, c in truth["channels"].items() if c["driver"] == "spend" and float(c["spend"]) > 0
    ]


def current_plan(truth: Mapping[str, Any]) -> dict[str, float]:
    """The simulated spend per channel (totals over the period)."""
    return {n: float(truth["channels"][n]["spend"]) for n in spend_channels(truth)}


def evaluate_plan(truth: Mapping[str, Any], spend_by_channel: Mapping[str, float]) -> float:
    """Expected total sales of a plan (channel -> total spend; channels left out keep theirs).

    Example
    -------
    >>> t = load_truth("data/sample/truth.json")                     # doctest: +SKIP
    >>> evaluate_plan(t, current_plan(t)) == t["expected"]["sales"]   # doctest: +SKIP
    True
    """
    return expected_sales(truth, dict(spend_by_channel))


def plan_gain(truth: Mapping[str, Any], spend_by_channel: Mapping[str, float]) -> float:
    """True expected gain of a plan over the current one (exact)."""
    return evaluate_plan(truth, spend_by_channel) - evaluate_plan(truth, current_plan(truth))


def plan_from_weekly(
    truth: Mapping[str, Any],
    current_weekly: Mapping[str, float],
    recommended_weekly: Mapping[str, float],
) -> dict[str, float]:
    """A plan in weekly spend (the optimiser's) as totals: simulated total x rec / current."""
    out = {}
    for name, rec in recommended_weekly.items():
        cur = float(current_weekly[name])
        total = float(truth["channels"][name]["spend"])
        out[name] = total * float(rec) / cur if cur > 0 else 0.0
    return out


def best_plan(
    truth: Mapping[str, Any],
    budget: float | None = None,
    lower: Mapping[str, float] | None = None,
    upper: Mapping[str, float] | None = None,
    channels: list[str] | None = None,
) -> dict[str, float]:
    """The true best plan: maximises expected sales s.t. the budget and per-channel bounds.

    Parameters
    ----------
    truth : the world's truth.
    budget : total spend over the period (default: the current total).
    lower, upper : per-channel bounds on total spend (default 0 and the budget).
    channels : channels that may move (default: every spend channel; others keep theirs).

    Returns
    -------
    channel -> total spend; sums to ``budget``.
    """
    names = channels or spend_channels(truth)
    cur = current_plan(truth)
    budget = float(sum(cur[n] for n in names)) if budget is None else float(budget)
    lo = np.array([float((lower or {}).get(n, 0.0)) for n in names])
    hi = np.array([float((upper or {}).get(n, budget)) for n in names])
    if lo.sum() > budget * (1 + 1e-9) or hi.sum() < budget * (1 - 1e-9):
        raise ValueError(
            f"bounds cannot meet the budget {budget:,.2f}: minimums add up to "
            f"{lo.sum():,.2f}, maximums to {hi.sum():,.2f}"
        )
    chans = [truth["channels"][n] for n in names]
    base = np.array([float(c["spend"]) for c in chans])
    scale = budget

    def value(z: np.ndarray) -> float:
        return (
            -sum(channel_response(c, max(z[i], 0.0) * scale / base[i]) for i, c in enumerate(chans))
            / scale
        )

    def grad(z: np.ndarray, h: float = 1e-6) -> np.ndarray:
        out = np.empty(z.size)
        for i, c in enumerate(chans):
            up = channel_response(c, (z[i] + h) * scale / base[i])
            dn = channel_response(c, max(z[i] - h, 0.0) * scale / base[i])
            out[i] = -(up - dn) / (z[i] + h - max(z[i] - h, 0.0)) / scale
        return out

    z0 = np.clip(np.array([cur[n] for n in names]) / scale, lo / scale, hi / scale)
    z0 = z0 * (1.0 / z0.sum()) if z0.sum() > 0 else np.full(len(names), 1.0 / len(names))
    z0 = np.clip(z0, lo / scale, hi / scale)
    res = minimize(
        value,
        z0,
        jac=grad,
        method="SLSQP",
        bounds=list(zip(lo / scale, hi / scale, strict=True)),
        constraints=[
            {"type": "eq", "fun": lambda z: z.sum() - 1.0, "jac": lambda z: np.ones_like(z)}
        ],
        options={"ftol": 1e-12, "maxiter": 500},
    )
    z = np.clip(res.x, lo / scale, hi / scale)
    return {n: float(v) * scale for n, v in zip(names, z, strict=True)}


def replay_realised(world: World, spend_by_channel: Mapping[str, float]) -> float:
    """Realised total sales of a plan: the world re-simulated with common random numbers.

    Expensive: one full simulation.
    """
    config, truth = world.config, world.truth
    mult = dict(config.spend_multipliers)
    for name, spend in spend_by_channel.items():
        cur = float(truth["channels"][name]["spend"])
        if cur <= 0:
            raise ValueError(f"channel {name} had no spend in the simulation")
        mult[name] = mult.get(name, 1.0) * float(spend) / cur
    cfg = replace(config, spend_multipliers=tuple(sorted(mult.items())))
    return float(simulate(cfg).truth["realised"]["sales"])
