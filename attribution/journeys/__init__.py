"""Journeys: touchpoints + conversions -> ordered journeys -> aggregated path table.

The journey logic is defined once (:mod:`attribution.journeys.definition`) and run
by DuckDB (default) or Spark; nothing outside this package imports an engine.
"""

from attribution.journeys.builder import JourneyBuilder, JourneyResult
from attribution.journeys.options import NO_TOUCH_PATH, JourneyOptions

__all__ = ["NO_TOUCH_PATH", "JourneyBuilder", "JourneyOptions", "JourneyResult"]
