"""Settings of a journey build (frozen) and the input description both engines share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from attribution.errors import UsageError

GRANULARITIES = ("channel", "campaign")
ENGINES = ("duckdb", "spark")

#: path of a conversion that no touch preceded (inside the lookback window)
NO_TOUCH_PATH = "(none)"
#: joins channel and campaign into one path step at campaign granularity
CAMPAIGN_JOIN = ":"


@dataclass(frozen=True)
class JourneyOptions:
    """How touchpoints are cut into journeys.

    Parameters
    ----------
    lookback_days : a converting journey keeps only touches at most this many days
        before the conversion; older touches form a separate non-converting journey.
        ``None`` means no limit.
    inactivity_days : a gap of more than this many days between two consecutive events
        of a customer ends the journey (non-converting). ``None`` means no limit.
    collapse_repeats : merge consecutive touches of the same path step into one.
    drop_impressions : exclude touches whose ``interaction`` is ``impression``.
    granularity : ``"channel"`` or ``"campaign"`` (step = ``channel:campaign``).
    sep : separator between path steps.
    lenient : exclude bad rows (counted by reason) instead of stopping at the first.

    Example
    -------
    >>> JourneyOptions(lookback_days=30).sep
    ' > '
    """

    lookback_days: float | None = 30.0
    inactivity_days: float | None = 30.0
    collapse_repeats: bool = False
    drop_impressions: bool = False
    granularity: str = "channel"
    sep: str = " > "
    lenient: bool = False

    def __post_init__(self) -> None:
        for name in ("lookback_days", "inactivity_days"):
            v = getattr(self, name)
            if v is not None and not (v > 0):
                raise UsageError(
                    f"{name.replace('_', '-')} must be a positive number of days, got {v}"
                )
        if self.granularity not in GRANULARITIES:
            raise UsageError(
                f"granularity must be one of {', '.join(GRANULARITIES)}, got '{self.granularity}'"
            )
        if not self.sep:
            raise UsageError("the path separator must not be empty")

    @property
    def lookback_us(self) -> int | None:
        """Lookback window in microseconds (``None`` = unlimited)."""
        return None if self.lookback_days is None else round(self.lookback_days * 86_400e6)

    @property
    def inactivity_us(self) -> int | None:
        """Inactivity gap in microseconds (``None`` = unlimited)."""
        return None if self.inactivity_days is None else round(self.inactivity_days * 86_400e6)


Source = str | Path | pd.DataFrame


@dataclass(frozen=True)
class Inputs:
    """Where the event logs are: source strings (local files, object-store URLs, tables;
    see :mod:`attribution.journeys.sources`) or DataFrames.

    Example
    -------
    >>> Inputs("tp.parquet", "conv.parquet").id_map is None
    True
    """

    touchpoints: Source
    conversions: Source
    id_map: Source | None = None


def source_name(src: Source, fallback: str) -> str:
    """A name for messages: the file path, or ``fallback`` for an in-memory table."""
    return fallback if isinstance(src, pd.DataFrame) else str(src)


def source_format(src: str | Path) -> str:
    """``"parquet"`` or ``"csv"`` from the file name (directories are Parquet datasets)."""
    s = str(src).lower()
    if s.endswith((".csv", ".csv.gz", ".txt", ".tsv")):
        return "csv"
    if s.endswith((".parquet", ".pq", ".parquet/", "*")) or Path(src).is_dir():
        return "parquet"
    raise UsageError(f"{src}: unknown file type; use a .parquet or .csv file")
