"""Path attribution (MTA): heuristics, exact order-k Markov, Shapley, bootstrap intervals.

Entry point: :class:`PathAttribution` (settings in) -> :class:`AttributionResults`
(frozen results out). The math lives in small modules: :mod:`.heuristics`,
:mod:`.markov`, :mod:`.markov_order`, :mod:`.shapley`, :mod:`.bootstrap`.
"""

from attribution.mta.heuristics import DEFAULT_DIRECT, heuristic_credit, time_decay_touches
from attribution.mta.journeys_table import JourneyTable
from attribution.mta.markov import fit_markov, markov_credit
from attribution.mta.markov_order import compare_orders
from attribution.mta.model import MODELS, AttributionResults, PathAttribution, attribute
from attribution.mta.paths import PathTable
from attribution.mta.results import Credit

__all__ = [
    "DEFAULT_DIRECT",
    "MODELS",
    "AttributionResults",
    "Credit",
    "JourneyTable",
    "PathAttribution",
    "PathTable",
    "attribute",
    "compare_orders",
    "fit_markov",
    "heuristic_credit",
    "markov_credit",
    "time_decay_touches",
]
