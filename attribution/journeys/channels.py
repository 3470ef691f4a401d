"""The channel map inside the journey engines: raw channel values -> channels.

The distinct raw values (few, even for billions of touches) are read once, mapped
in Python by :class:`~attribution.data.channel_map.ChannelMap`, and joined back as a
small lookup view, so both engines apply exactly the same map (no regular
expression is translated between SQL dialects). The mapped view keeps every row,
its file index and row number, so row accounting and error rows are unchanged.
"""

from __future__ import annotations

import logging
from typing import Any

from attribution.data.channel_map import ChannelMap

log = logging.getLogger("attribution")

_COLS = ("r_cid", "r_ts", "r_channel", "r_campaign", "r_interaction", "r_cost", "_fidx", "_row")


def _values(lit: Any, rows: list[tuple[str, ...]]) -> str:
    return ", ".join("(" + ", ".join(lit(v) for v in r) + ")" for r in rows)


def map_channels(runner: Any, cmap: ChannelMap, view: str) -> dict[str, str]:
    """Create ``view`` from ``view + "_src"`` with ``r_channel`` mapped; returns the changes.

    Example
    -------
    >>> map_channels(DuckDBRunner(), ChannelMap(), "j_raw_touch")   # doctest: +SKIP
    {'(direct) / (none)': 'direct', 'google / cpc': 'paid_search'}
    """
    src = view + "_src"
    lit = runner.dialect.literal
    text = "CAST({} AS STRING)"
    use_campaign = cmap.uses_campaign
    keys = [text.format("r_channel")] + ([text.format("r_campaign")] if use_campaign else [])
    got = runner.fetch(
        f"SELECT DISTINCT {', '.join(f'{k} AS k{i}' for i, k in enumerate(keys))} FROM {src}"
    )
    rows: list[tuple[str, ...]] = []
    changes: dict[str, str] = {}
    for rec in got.itertuples(index=False):
        raw = rec[0]
        if raw is None or raw != raw or str(raw).strip() == "":
            continue
        camp = "" if not use_campaign or rec[1] is None or rec[1] != rec[1] else str(rec[1])
        mapped = cmap.map(str(raw).strip(), campaign=camp)
        if mapped != str(raw):
            changes[str(raw) + (f" [{camp}]" if camp else "")] = mapped
            rows.append((str(raw), camp, mapped) if use_campaign else (str(raw), mapped))
    other = ", ".join(c for c in _COLS if c != "r_channel")
    if not rows:
        runner.create_view(view, f"SELECT {', '.join(_COLS)} FROM {src}")
    else:
        names = "raw, camp, mapped" if use_campaign else "raw, mapped"
        runner.create_view(
            "j_channel_map", f"SELECT * FROM (VALUES {_values(lit, rows)}) AS m({names})"
        )
        cond = f"{keys[0]} = m.raw" + (
            f" AND COALESCE({keys[1]}, '') = m.camp" if use_campaign else ""
        )
        runner.create_view(
            view,
            f"SELECT {other}, COALESCE(m.mapped, r_channel) AS r_channel "
            f"FROM {src} LEFT JOIN j_channel_map m ON {cond}",
        )
    csv_views = getattr(runner, "_csv_views", None)  # Spark counts CSV rows per view
    if csv_views is not None and src in csv_views:
        csv_views.add(view)
    if changes:
        log.info("channel map: %s", ", ".join(f"{k} -> {v}" for k, v in sorted(changes.items())))
    return changes
