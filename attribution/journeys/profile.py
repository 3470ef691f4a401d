"""A cheap first look at event logs: raw channel values and the date range (DuckDB).

Used by the cross-input checks before any expensive step; one scan of the
touchpoints' channel and timestamp columns. Sources DuckDB cannot read here
(catalog tables, object stores without credentials) give None: the checks that
need them are then reported as skipped, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from attribution.data.channel_map import ChannelMap
from attribution.journeys.definition import DUCKDB
from attribution.journeys.sources import resolve_source


@dataclass(frozen=True)
class LogProfile:
    """Raw channel values with their touch counts, and the first and last timestamp."""

    raw_channels: Mapping[str, int]
    first: pd.Timestamp | None
    last: pd.Timestamp | None

    def channels(self, cmap: ChannelMap | None) -> frozenset[str]:
        """The channels after the channel map."""
        if cmap is None:
            return frozenset(self.raw_channels)
        return frozenset(cmap.map_values(self.raw_channels).values())


def profile_touchpoints(
    src: Any, columns: Mapping[str, str] | None = None, *, memory_limit: str = "2GB"
) -> LogProfile | None:
    """Channels and date range of a touchpoints source (None where DuckDB cannot read it).

    Example
    -------
    >>> profile_touchpoints("touchpoints.parquet").first     # doctest: +SKIP
    Timestamp('2024-01-01 00:00:00')
    """
    from attribution.journeys.duckdb_engine import DuckDBRunner

    if isinstance(src, pd.DataFrame):
        return None
    try:
        r = resolve_source(str(src) if isinstance(src, Path) else src, "touchpoints", "duckdb")
    except Exception:  # the journeys stage reports bad sources with its own message
        return None
    if r.kind != "files":
        return None
    cols = dict(columns or {})
    runner = DuckDBRunner(memory_limit, 1)
    try:
        have = runner.columns(list(r.files), r.fmt)
        ch, ts = cols.get("channel", "channel"), cols.get("timestamp", "timestamp")
        if ch not in have or ts not in have:
            return None  # the journeys stage names the missing column
        runner.create_raw("p_raw", list(r.files), r.fmt, {"r_channel": ch, "r_ts": ts})
        t = DUCKDB.to_ts("r_ts")
        got = runner.fetch(
            f"SELECT CAST(r_channel AS VARCHAR) AS c, COUNT(*) AS n, "
            f"MIN({t}) AS lo, MAX({t}) AS hi FROM p_raw GROUP BY 1"
        )
    except Exception:
        return None
    finally:
        runner.close()
    got = got[got["c"].notna()]
    lo, hi = got["lo"].min(), got["hi"].max()
    return LogProfile(
        {str(c): int(n) for c, n in zip(got["c"], got["n"], strict=True)},
        None if pd.isna(lo) else pd.Timestamp(lo),
        None if pd.isna(hi) else pd.Timestamp(hi),
    )


def timestamp_format(values: pd.Series) -> str | None:
    """``"epoch_seconds"``/``_milliseconds``/``_microseconds`` when every sampled value is
    an all-digit Unix epoch number of 10, 13 or 16 digits, else None.

    Example
    -------
    >>> timestamp_format(pd.Series(["1704103200000000", "1704103200000001"]))
    'epoch_microseconds'
    """
    t = values.dropna().astype(str).str.strip()
    if not len(t) or not t.str.fullmatch(r"[0-9]{10}|[0-9]{13}|[0-9]{16}").all():
        return None
    units = {10: "seconds", 13: "milliseconds", 16: "microseconds"}
    found = sorted({units[n] for n in t.str.len()})
    return "epoch_" + "+".join(found)
