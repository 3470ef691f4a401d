"""The pipeline's experiments stage: rank the next tests and say what they mean.

:func:`next_tests` designs and values one test per paid channel on the fitted model
(:func:`~attribution.experiments.value.rank_tests`) and returns the plan with findings:
one per channel the run could not separate, naming the test that would separate it,
its cost and its value for the budget decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attribution.experiments.effects import model_facts
from attribution.experiments.value import DecisionProblem, ExperimentPlan, rank_tests
from attribution.findings import Finding
from attribution.optimize import BudgetOptimizer
from attribution.optimize.bounds import Bounds


def sentence_for(row: Mapping[str, Any]) -> str:
    """One plain sentence on a ranked test (a row of ``experiments.csv``).

    Example
    -------
    >>> sentence_for({"channel": "tv", "design": "holdout", "weeks": 8, "share": 0.5,
    ...                "treated_geos": "", "mde": 1000.0, "assurance": 0.8, "cost": 500.0,
    ...                "value": 2000.0, "net_value": 1500.0, "value_weeks": 52})[:80]
    'tv: a 8-week holdout on 50% of the market would detect a lift of 1,000 or more ('
    """
    geos = str(row.get("treated_geos") or "")
    if geos:
        where = f"in geos {geos.replace(' ', ', ')}"
    elif row["design"] == "go-dark":
        where = "in the whole market"
    else:
        where = f"on {float(row['share']):.0%} of the market"
    return (
        f"{row['channel']}: a {int(row['weeks'])}-week {row['design']} {where} would "
        f"detect a lift of {float(row['mde']):,.0f} or more (chance it detects the "
        f"expected lift: {float(row['assurance']):.0%}); it costs {float(row['cost']):,.0f} "
        f"and is expected to improve the next {int(row['value_weeks'])} weeks of budget "
        f"decisions by {float(row['value']):,.0f} (net {float(row['net_value']):,.0f})."
    )


def next_tests(
    res: object,
    optimizer: BudgetOptimizer,
    budget: float,
    *,
    bounds: Bounds | None = None,
    separable: Mapping[str, bool] | None = None,
    value_weeks: int = 52,
    alpha: float = 0.05,
    target_power: float = 0.8,
    n_outcomes: int = 32,
    max_draws: int = 200,
    seed: int = 0,
    flighting: str = "flat",
) -> tuple[ExperimentPlan, list[Finding]]:
    """Rank the next test per paid channel; findings for channels not separable.

    Example
    -------
    >>> plan, found = next_tests(res, BudgetOptimizer(), 1e5)     # doctest: +SKIP
    """
    facts = model_facts(res, max_draws=max_draws)  # type: ignore[arg-type]
    problem = DecisionProblem(optimizer, float(budget), bounds, int(value_weeks), flighting)
    plan = rank_tests(
        facts,
        problem,
        separable=dict(separable or {}),
        alpha=alpha,
        target_power=target_power,
        n_outcomes=n_outcomes,
        seed=seed,
    )
    found: list[Finding] = []
    for row in plan.rows.to_dict("records"):
        if not row["separable"]:
            found.append(
                Finding(
                    "info",
                    "experiments.separate",
                    sentence_for(row),
                    "put this test on the plan; enter its result in lift_tests.csv and rerun",
                    "experiments",
                )
            )
    best = plan.best
    if best is None and len(plan.rows):
        found.append(
            Finding(
                "info",
                "experiments.none_worth_running",
                "no test on the grid is worth its cost for the budget decision "
                "(its expected improvement of the plan is below the sales it "
                "costs)",
                "see experiments.csv for each test's value and cost",
                "experiments",
            )
        )
    return plan, found
