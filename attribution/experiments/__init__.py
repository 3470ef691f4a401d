"""Test before you spend: which experiment to run next, how to design it, and closing
the loop through ``lift_tests.csv``.

- :mod:`~attribution.experiments.voi`: importance reweighting and the preposterior
  expected value of sample information (pure functions).
- :mod:`~attribution.experiments.power`: noise of a test window, minimum detectable
  lift, power.
- :mod:`~attribution.experiments.matching`: treatment and control geos matched on history.
- :mod:`~attribution.experiments.design`: :func:`design_test` on a fitted model.
- :mod:`~attribution.experiments.value`: the value of each channel's next test for the
  budget decision, ranked (``experiments.csv``).

Example
-------
>>> from attribution.experiments import ExperimentDesign, design_test, model_facts  # doctest: +SKIP
>>> facts = model_facts(load("runs/q3"))                                       # doctest: +SKIP
>>> d = ExperimentDesign("tv", 6, "holdout", share=0.3)                         # doctest: +SKIP
>>> print(design_test(facts, d).summary())                                      # doctest: +SKIP
"""

from attribution.experiments.design import (
    DesignResult,
    ExperimentDesign,
    design_test,
    power_curve,
)
from attribution.experiments.effects import ModelFacts, model_facts
from attribution.experiments.value import (
    DecisionProblem,
    ExperimentPlan,
    rank_tests,
    value_of_test,
)

__all__ = [
    "DecisionProblem",
    "DesignResult",
    "ExperimentDesign",
    "ExperimentPlan",
    "ModelFacts",
    "design_test",
    "model_facts",
    "power_curve",
    "rank_tests",
    "value_of_test",
]
