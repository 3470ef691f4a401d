"""Budget allocation and what-if scenarios on a response model.

The optimiser depends only on the small :class:`ResponseModel` protocol (see
:mod:`attribution.optimize.response`), so any fitted model that maps weekly
spend to posterior draws of the weekly outcome can be optimised.
"""

from attribution.optimize.allocate import BudgetOptimizer
from attribution.optimize.bounds import ChannelBounds, read_bounds
from attribution.optimize.response import ParametricResponse, ResponseModel
from attribution.optimize.results import AllocationResult, ScenarioResult, SweepResult

__all__ = [
    "AllocationResult",
    "BudgetOptimizer",
    "ChannelBounds",
    "ParametricResponse",
    "ResponseModel",
    "ScenarioResult",
    "SweepResult",
    "read_bounds",
]
