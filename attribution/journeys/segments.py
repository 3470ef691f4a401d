"""Customer segments joined in the journey engine (DuckDB and Spark alike).

Built in, no extra input needed:

* ``history``: ``new`` or ``returning``. A journey is ``returning`` when its customer
  converted in an earlier journey of the data; the data's first period cannot see older
  purchases, so early journeys lean towards ``new`` (say how far back the logs go).
* ``channels``: ``single-channel`` or ``multichannel`` (two or more distinct channels
  in the journey); conversions without a touch are ``no touch``.

An optional *customer attributes* table (``customer_id`` plus any columns: loyalty tier,
region, acquisition channel ...) adds one segment per column. Rules (bad input never
passes silently):

* a duplicated ``customer_id`` or an empty one is an error (file, row, column, fix);
* a column with more than ``max_levels`` distinct values is an error (bin it first);
* attribute rows for customers that have no journey are excluded and counted
  (``unknown_customers``); journeys of customers without attributes get the value
  ``(no attributes)`` and are counted.

The engine computes, in one pass over the journeys, the path table crossed by every
segment column (``segment_paths``: segment columns, path, total_conversions,
total_conversion_value, total_null) and the customer-week touch counts per channel
(``weekly``) that :mod:`attribution.mta.pressure` models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from attribution.data.read import read_table
from attribution.errors import InputError
from attribution.journeys.definition import _path_text
from attribution.journeys.options import CAMPAIGN_JOIN, JourneyOptions, Source

HISTORY, CHANNELS = "history", "channels"
BUILTIN = (HISTORY, CHANNELS)
NO_ATTRIBUTES = "(no attributes)"
WEEK_US = 7 * 86_400_000_000
MONDAY_SHIFT_US = 3 * 86_400_000_000  # 1970-01-01 was a Thursday: weeks start on Monday


@dataclass(frozen=True)
class SegmentRequest:
    """What the journey engine should add for segments.

    Parameters
    ----------
    attributes : customer attributes table (CSV/Parquet path or DataFrame), or None.
    max_levels : most distinct values an attribute column may have.
    weekly : also count touches per customer, week and channel (contact pressure).
    """

    attributes: Source | None = None
    max_levels: int = 20
    weekly: bool = True


@dataclass(frozen=True)
class SegmentData:
    """What the engine returns: segment path table, weekly counts, accounting."""

    segment_paths: pd.DataFrame
    columns: tuple[str, ...]
    weekly: pd.DataFrame | None
    accounting: dict[str, Any] = field(default_factory=dict)

    def paths_for(self, column: str) -> dict[str, pd.DataFrame]:
        """Per value of one segment column, its aggregated path table."""
        sums = ["total_conversions", "total_conversion_value", "total_null"]
        g = self.segment_paths.groupby([column, "path"], sort=True)[sums].sum().reset_index()
        return {
            str(v): f.drop(columns=column).reset_index(drop=True)
            for v, f in g.groupby(column, sort=True)
        }


def read_attributes(src: Source, max_levels: int = 20) -> tuple[pd.DataFrame, str]:
    """Read and check a customer attributes table; returns (frame as text, display name).

    Example
    -------
    >>> f, _ = read_attributes(pd.DataFrame({"customer_id": ["a", "b"], "tier": ["x", "y"]}))
    >>> f.columns.tolist()
    ['customer_id', 'tier']
    """
    if isinstance(src, pd.DataFrame):
        frame, name = src.reset_index(drop=True).copy(), "customer attributes (table)"
        rows = np.arange(2, len(frame) + 2)
    else:
        raw = read_table(src)
        frame, name, rows = raw.frame, str(src), raw.rows
    if "customer_id" not in frame.columns:
        raise InputError(
            f"required column 'customer_id' is missing (found: "
            f"{', '.join(map(str, frame.columns))})",
            fix="name the customer column customer_id",
            file=name,
            column="customer_id",
            reason="missing_column",
        )
    cols = [c for c in frame.columns if c != "customer_id"]
    if not cols:
        raise InputError(
            "has no attribute column besides customer_id",
            fix="add columns such as tier or region",
            file=name,
            reason="missing_column",
        )
    clash = [c for c in cols if c in BUILTIN]
    if clash:
        raise InputError(
            f"column '{clash[0]}' clashes with a built-in segment",
            fix="rename the column",
            file=name,
            column=clash[0],
            reason="bad_column",
        )
    text = frame.astype(object).where(frame.notna(), None)
    cid = text["customer_id"].map(lambda v: None if v is None else str(v).strip() or None)
    empty = np.flatnonzero(cid.isna().to_numpy())
    if len(empty):
        raise InputError(
            f"customer_id is empty ({len(empty)} rows in all)",
            fix="give every row its customer_id",
            file=name,
            row=int(rows[empty[0]]),
            column="customer_id",
            reason="missing_customer_id",
        )
    dup = np.flatnonzero(cid.duplicated().to_numpy())
    if len(dup):
        raise InputError(
            f"customer '{cid.iloc[dup[0]]}' appears more than once "
            f"({len(dup)} duplicate rows in all)",
            fix="keep one row per customer",
            file=name,
            row=int(rows[dup[0]]),
            column="customer_id",
            reason="duplicate_customer",
        )
    out = pd.DataFrame({"customer_id": cid})
    for c in cols:
        vals = text[c].map(lambda v: None if v is None else str(v).strip() or None)
        n = vals.nunique(dropna=True)
        if n > max_levels:
            raise InputError(
                f"column has {n} distinct values, more than the {max_levels} a segment can have",
                fix="group the values into bands (e.g. age groups) or drop the column",
                file=name,
                column=str(c),
                reason="too_many_levels",
            )
        out[str(c)] = vals.fillna(NO_ATTRIBUTES)
    return out, name


def _channel_codes(tokens: list[str], opts: JourneyOptions) -> list[int]:
    """Per path-step code, the index of its channel (campaign steps share their channel)."""
    chans = [t.split(CAMPAIGN_JOIN, 1)[0] if opts.granularity == "campaign" else t for t in tokens]
    index = {c: i for i, c in enumerate(sorted(set(chans)))}
    return [index[c] for c in chans]


def _n_channels(d: Any, tokens: list[str], opts: JourneyOptions) -> str:
    arr = ", ".join(str(i) for i in _channel_codes(tokens, opts)) or "0"
    if d.name == "duckdb":
        return f"len(list_distinct(list_transform(codes, lambda x: ([{arr}])[x + 1])))"
    return (
        f"size(array_distinct(transform(codes, x -> element_at(array({arr}), CAST(x + 1 AS INT)))))"
    )


def segment_view(
    d: Any, opts: JourneyOptions, tokens: list[str], source: str, attr_cols: list[str]
) -> str:
    """SQL of ``j_seg``: the journeys with one column per segment (``g_*``)."""
    prior = (
        "SUM(converted) OVER (PARTITION BY customer_id ORDER BY journey_id "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
    )
    n_ch = _n_channels(d, tokens, opts)
    attrs = "".join(
        f", COALESCE(a.a{i}, {d.literal(NO_ATTRIBUTES)}) AS g_a{i}" for i in range(len(attr_cols))
    )
    join = "LEFT JOIN j_attr a ON a.a_cid = j.customer_id" if attr_cols else ""
    matched = ", CASE WHEN a.a_cid IS NULL THEN 0 ELSE 1 END AS g_matched" if attr_cols else ""
    return f"""
SELECT j.customer_id, j.codes, j.n_touches, j.converted, j.value,
       CASE WHEN COALESCE({prior}, 0) > 0 THEN 'returning' ELSE 'new' END AS g_history,
       CASE WHEN j.n_touches = 0 THEN 'no touch'
            WHEN {n_ch} > 1 THEN 'multichannel' ELSE 'single-channel' END AS g_channels
       {attrs}{matched}
FROM {source} j {join}"""


def weekly_query(opts: JourneyOptions) -> str:
    """Touch counts per customer, Monday-based week and channel, and conversions per week."""
    wk = f"CAST(FLOOR((ts_us + {MONDAY_SHIFT_US}) / {WEEK_US}) AS BIGINT)"
    return f"""
SELECT cid AS customer_id, {wk} AS week, channel, COUNT(*) AS n FROM j_touch_ok
GROUP BY cid, {wk}, channel
UNION ALL
SELECT cid, {wk}, CAST(NULL AS STRING), COUNT(*) FROM j_conv_ok GROUP BY cid, {wk}"""


def weekly_panel(sparse: pd.DataFrame) -> pd.DataFrame:
    """Dense customer-week panel from sparse counts: every week from the customer's first
    event to the last week of the data (weeks without any event are frequency 0).

    Example
    -------
    >>> s = pd.DataFrame({"customer_id": ["a", "a", "b"], "week": [0, 1, 1],
    ...                   "channel": ["e", None, "e"], "n": [2, 1, 1]})
    >>> weekly_panel(s).values.tolist()
    [['a', 0, 0, 2], ['a', 1, 1, 0], ['b', 1, 0, 1]]
    """
    if sparse.empty:
        return pd.DataFrame(columns=["customer_id", "week", "converted"])
    s = sparse.copy()
    s["week"] = s["week"].astype(np.int64)
    last = int(s["week"].max())
    first = s.groupby("customer_id")["week"].min()
    cust = first.index.to_numpy()
    lengths = (last - first.to_numpy() + 1).astype(np.int64)
    panel = pd.DataFrame(
        {
            "customer_id": np.repeat(cust, lengths),
            "week": np.concatenate([np.arange(f, last + 1) for f in first.to_numpy()]),
        }
    )
    conv = s[s["channel"].isna()].groupby(["customer_id", "week"])["n"].sum()
    touch = s[s["channel"].notna()].pivot_table(
        index=["customer_id", "week"], columns="channel", values="n", aggfunc="sum"
    )
    key = pd.MultiIndex.from_frame(panel[["customer_id", "week"]])
    panel["converted"] = (conv.reindex(key).fillna(0).to_numpy() > 0).astype(np.int64)
    for ch in sorted(touch.columns):
        panel[str(ch)] = touch[ch].reindex(key).fillna(0).to_numpy().astype(np.int64)
    panel["week"] = panel["week"] - int(s["week"].min())
    return panel.sort_values(["customer_id", "week"], kind="mergesort").reset_index(drop=True)


def run_segments(
    runner: Any,
    request: SegmentRequest,
    opts: JourneyOptions,
    tokens: list[str],
    source: str,
    tmp: Path,
) -> SegmentData:
    """Run the segment queries on an engine whose journey views exist (called by the builder).

    ``source`` is the journeys view (``j_journeys`` or its materialised copy).
    """
    d = runner.dialect
    attr_cols: list[str] = []
    accounting: dict[str, Any] = {}
    if request.attributes is not None:
        frame, name = read_attributes(request.attributes, request.max_levels)
        attr_cols = [c for c in frame.columns if c != "customer_id"]
        path = tmp / "customer_attributes.parquet"
        frame.to_parquet(path, index=False)
        runner.create_raw(
            "j_attr_raw",
            [str(path)],
            "parquet",
            {"a_cid": "customer_id", **{f"a{i}": c for i, c in enumerate(attr_cols)}},
        )
        runner.create_view("j_attr", "SELECT * FROM j_attr_raw")
        accounting["attributes"] = {"read": len(frame), "file": name}
    runner.materialize("j_seg", segment_view(d, opts, tokens, source, attr_cols))
    names = [HISTORY, CHANNELS, *attr_cols]
    gcols = ["g_history", "g_channels", *(f"g_a{i}" for i in range(len(attr_cols)))]
    groups = ", ".join(gcols)
    seg = runner.fetch(f"""
SELECT {groups}, {_path_text(d, opts, tokens)} AS path, total_conversions,
       total_conversion_value, total_null
FROM (SELECT {groups}, codes, MIN(n_touches) AS n_touches,
             CAST(SUM(converted) AS BIGINT) AS total_conversions,
             CAST(SUM(value) AS DOUBLE) AS total_conversion_value,
             CAST(SUM(1 - converted) AS BIGINT) AS total_null
      FROM j_seg GROUP BY {groups}, codes) g""")
    seg = seg.rename(columns=dict(zip(gcols, names, strict=True)))
    seg = seg.sort_values([*names, "path"], kind="mergesort").reset_index(drop=True)
    if attr_cols:
        acc = runner.fetch("""
SELECT (SELECT COUNT(*) FROM j_attr a WHERE NOT EXISTS
          (SELECT 1 FROM j_seg s WHERE s.customer_id = a.a_cid)) AS unknown_customers,
       (SELECT COUNT(*) FROM j_seg WHERE g_matched = 0) AS journeys_without_attributes,
       (SELECT COUNT(*) FROM j_seg) AS journeys""").iloc[0]
        a = accounting["attributes"]
        a["unknown_customers"] = int(acc["unknown_customers"])
        a["used"] = a["read"] - a["unknown_customers"]
        a["journeys_without_attributes"] = int(acc["journeys_without_attributes"])
        a["journeys"] = int(acc["journeys"])
    weekly = None
    if request.weekly:
        weekly = weekly_panel(runner.fetch(weekly_query(opts)))
    return SegmentData(seg, tuple(names), weekly, accounting)
