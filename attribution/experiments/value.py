"""The value of the next test: preposterior analysis of the budget decision on the
media-mix posterior, and the ranked table of tests (``experiments.csv``).

For each channel a test is designed (:mod:`attribution.experiments.design`): the
shortest, smallest design on a small grid that reaches the target power under the
posterior (or the most powerful one when none does). Its value: outcomes are drawn
from the posterior predictive (a draw's predicted lift plus the test's noise), the
draws are reweighted by the lift-test likelihood, the budget is re-optimised with
the package's optimiser on the reweighted draws, and the gain of the new plan over
today's plan, under the reweighted draws, is averaged
(:func:`attribution.experiments.voi.preposterior_value`). The gain is per week of
the plan times ``value_weeks`` (the weeks the decision will run). The test's own
cost is subtracted: sales lost in the holdout (sales objective; under the profit
objective, the margin on them less the spend saved), or the extra spend.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from attribution.experiments.design import DesignResult, ExperimentDesign, design_test
from attribution.experiments.effects import ModelFacts
from attribution.experiments.voi import (
    PreposteriorValue,
    preposterior_value,
    simulate_outcomes,
)
from attribution.optimize import BudgetOptimizer
from attribution.optimize.adapters import MMMResponse, mmm_response
from attribution.optimize.bounds import Bounds

log = logging.getLogger("attribution")

EXPERIMENT_COLUMNS = (
    "rank",
    "channel",
    "design",
    "weeks",
    "share",
    "treated_share",
    "start",
    "end",
    "treated_geos",
    "se",
    "mde",
    "expected_lift",
    "expected_lift_low",
    "expected_lift_high",
    "assurance",
    "value",
    "value_mc_se",
    "cost",
    "net_value",
    "worth_running",
    "prob_changes_plan",
    "lost_sales",
    "spend_saved",
    "extra_spend",
    "value_weeks",
    "objective",
    "separable",
)
GRID_WEEKS = (4, 8, 12)
GRID_SHARES = (0.2, 0.5)
MASS_KEPT = 1.0 - 1e-6  # draws outside this much posterior weight are left out of a re-fit


class _Reweighted:
    """A response model whose draws carry importance weights: draw ``d``'s response
    is multiplied by ``n * w_d`` so that the mean over draws is the weighted mean
    (the optimiser maximises the mean)."""

    outcome = "sales"

    def __init__(self, base: MMMResponse, scale: np.ndarray) -> None:
        self.base, self.scale = base, scale
        self.channels, self.current_spend = base.channels, base.current_spend

    def channel_response(self, spend: np.ndarray) -> np.ndarray:
        out = self.base.channel_response(spend)
        return out * self.scale.reshape(-1, *([1] * (out.ndim - 1)))

    def response(self, spend: np.ndarray) -> np.ndarray:
        return self.channel_response(spend).sum(axis=-1)


@dataclass(frozen=True)
class DecisionProblem:
    """The budget decision whose improvement a test is worth: optimiser, budget, bounds
    and the value of a weekly outcome over ``value_weeks`` weeks."""

    optimizer: BudgetOptimizer
    budget: float
    bounds: Bounds | None = None
    value_weeks: int = 52
    flighting: str = "flat"  # how a plan's weekly spend is laid over the weeks (FLIGHTING)

    def utility(self, response: np.ndarray, spend: np.ndarray) -> np.ndarray:
        """Per-draw value of a weekly plan: outcome (or profit) times ``value_weeks``."""
        o = self.optimizer
        val = o.margin * response - float(np.sum(spend)) if o.objective == "profit" else response
        return self.value_weeks * val


def value_of_test(
    facts: ModelFacts,
    result: DesignResult,
    problem: DecisionProblem,
    *,
    n_outcomes: int = 32,
    seed: int = 0,
) -> PreposteriorValue:
    """EVSI of a designed test for the budget decision (see the module docstring)."""
    model = mmm_response(facts.res, problem.flighting, max_draws=None)
    opt = problem.optimizer
    plan0 = opt.fit(model, problem.budget, problem.bounds)
    w0 = plan0.recommended_spend / opt.horizon
    u0 = problem.utility(model.response(w0), w0)
    warm = replace(opt, n_starts=1)  # re-optimise from today's plan (and the current spend)
    rng = np.random.default_rng(seed)
    y = simulate_outcomes(result.predicted, result.se, n_outcomes, rng)

    def decide(weights: np.ndarray) -> np.ndarray:
        order = np.argsort(-weights, kind="stable")
        keep = order[: int(np.searchsorted(np.cumsum(weights[order]), MASS_KEPT)) + 1]
        keep = np.sort(keep)
        sub = model.take(keep)
        scale = weights[keep] / weights[keep].sum() * keep.size
        plan = warm.fit(_Reweighted(sub, scale), problem.budget, problem.bounds, start=w0)
        w = plan.recommended_spend / opt.horizon
        u = u0.copy()
        u[keep] = problem.utility(sub.response(w), w)
        return u

    return preposterior_value(y, result.predicted, result.se, decide, u0)


def cost_of_test(result: DesignResult, problem: DecisionProblem) -> float:
    """The test's cost in the decision's units (expected value)."""
    c = {k: v[0] for k, v in result.cost.items()}
    o = problem.optimizer
    if result.design.kind == "budget-change":
        if o.objective == "profit":
            return c["extra_spend"] - o.margin * c["extra_sales"]
        return c["extra_spend"]
    if o.objective == "profit":
        return o.margin * c["lost_sales"] - c["spend_saved"]
    return c["lost_sales"]


def choose_design(
    facts: ModelFacts,
    channel: str,
    *,
    alpha: float = 0.05,
    target_power: float = 0.8,
    weeks: Sequence[int] = GRID_WEEKS,
    shares: Sequence[float] = GRID_SHARES,
    seed: int = 0,
) -> DesignResult:
    """The shortest, then smallest, holdout on the grid that reaches ``target_power``
    (assurance under the posterior); the most powerful one when none does."""
    best = None
    for w in weeks:
        if w > facts.n_train:
            continue
        for s in shares:
            r = design_test(
                facts,
                ExperimentDesign(
                    channel, int(w), "holdout", share=s, alpha=alpha, target_power=target_power
                ),
                seed=seed,
            )
            if r.assurance >= target_power:
                return r
            if best is None or r.assurance > best.assurance:
                best = r
    if best is None:  # the fitted period is shorter than every grid length
        best = design_test(
            facts,
            ExperimentDesign(
                channel,
                max(1, facts.n_train // 2),
                "holdout",
                share=max(shares),
                alpha=alpha,
                target_power=target_power,
            ),
            seed=seed,
        )
    return best


@dataclass(frozen=True)
class ExperimentPlan:
    """Ranked tests, one per channel with spend (``experiments.csv``), immutable."""

    rows: pd.DataFrame = field(repr=False)
    designs: tuple[DesignResult, ...] = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.rows.copy()

    @property
    def best(self) -> DesignResult | None:
        """The test worth running next (highest net value, if positive)."""
        if self.rows.empty or not bool(self.rows["worth_running"].iloc[0]):
            return None
        ch = self.rows["channel"].iloc[0]
        return next(d for d in self.designs if d.design.channel == ch)

    def summary(self) -> str:
        lines = ["rank channel: design, value - cost = net (value over the plan's weeks)"]
        for r in self.rows.itertuples(index=False):
            lines.append(
                f"{r.rank} {r.channel}: {r.design} {r.weeks} wk share {r.share:g}, "
                f"{r.value:,.0f} - {r.cost:,.0f} = {r.net_value:,.0f}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"ExperimentPlan(tests={len(self.rows)})"

    def _repr_html_(self) -> str:
        return self.rows.to_html(index=False, float_format=lambda v: f"{v:,.3g}")


def rank_tests(
    facts: ModelFacts,
    problem: DecisionProblem,
    *,
    channels: Sequence[str] | None = None,
    separable: dict[str, bool] | None = None,
    alpha: float = 0.05,
    target_power: float = 0.8,
    n_outcomes: int = 32,
    seed: int = 0,
) -> ExperimentPlan:
    """Design a test per channel, value it, subtract its cost, rank by net value.

    Parameters
    ----------
    facts : the fitted model (:func:`~attribution.experiments.effects.model_facts`).
    problem : the budget decision.
    channels : channels to test (default: every channel with spend).
    separable : channel -> False where the run flagged it as not separable (reported).
    """
    res = facts.res
    names = (
        list(channels)
        if channels is not None
        else [c for c, s in zip(res.channels, res.has_spend, strict=True) if s]
    )
    rows, designs = [], []
    for i, ch in enumerate(names):
        d = choose_design(facts, ch, alpha=alpha, target_power=target_power, seed=seed)
        v = value_of_test(facts, d, problem, n_outcomes=n_outcomes, seed=seed + i)
        cost = cost_of_test(d, problem)
        log.info("experiments: %s: value %.0f, cost %.0f", ch, v.value, cost)
        f = d.to_frame().iloc[0]
        rows.append(
            {
                "channel": ch,
                "design": d.design.kind,
                "weeks": d.design.weeks,
                "share": d.design.share,
                "treated_share": d.treated_share,
                "start": f["start"],
                "end": f["end"],
                "treated_geos": f["treated_geos"],
                "se": d.se,
                "mde": d.mde,
                "expected_lift": d.expected_lift[0],
                "expected_lift_low": d.expected_lift[1],
                "expected_lift_high": d.expected_lift[2],
                "assurance": d.assurance,
                "value": v.value,
                "value_mc_se": v.mc_se,
                "cost": cost,
                "net_value": v.value - cost,
                "worth_running": bool(v.value - cost > 0),
                "prob_changes_plan": v.prob_changes_decision,
                "lost_sales": d.cost["lost_sales"][0],
                "spend_saved": d.cost["spend_saved"][0],
                "extra_spend": d.cost["extra_spend"][0],
                "value_weeks": problem.value_weeks,
                "objective": problem.optimizer.objective,
                "separable": (separable or {}).get(ch, True),
            }
        )
        designs.append(d)
    frame = pd.DataFrame(rows, columns=[c for c in EXPERIMENT_COLUMNS if c != "rank"])
    frame = frame.sort_values(
        ["net_value", "channel"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return ExperimentPlan(frame, tuple(designs))
