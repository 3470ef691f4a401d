"""What a user's file is, guessed from its columns (for ``attribution init``).

Pure functions on column names and a sample frame; every guess is returned with
the reason, so the written run.toml can mark it ``# REVIEW: guessed ...``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from attribution.data.readers.adplatforms import detect_kind

ID_NAMES = (
    "customer_id",
    "user_id",
    "client_id",
    "visitor_id",
    "cookie_id",
    "contact_id",
    "user_pseudo_id",
    "customer",
    "user",
    "id",
)
TIME_NAMES = (
    "timestamp",
    "event_time",
    "event_timestamp",
    "datetime",
    "time",
    "ts",
    "created_at",
    "date",
)
CHANNEL_NAMES = (
    "channel",
    "source_medium",
    "source / medium",
    "sourcemedium",
    "utm_source",
    "source",
)
VALUE_NAMES = ("value", "revenue", "amount", "order_value", "purchase_revenue", "sales")
ORDER_NAMES = ("order_id", "transaction_id", "order", "orderid")
TARGET_NAMES = ("sales", "revenue", "conversions", "orders", "net_sales", "turnover", "kpi")
DATE_NAMES = ("date", "week", "week_start", "time", "period", "ds")


def norm(c: str) -> str:
    return re.sub(r"[^a-z0-9/ ]+", "_", str(c).strip().lower()).strip("_ ")


def _pick(cols: list[str], names: tuple[str, ...]) -> str | None:
    n = {norm(c): c for c in cols}
    return next((n[x] for x in names if x in n), None)


@dataclass(frozen=True)
class Guess:
    """A file's kind and the mapping guessed for it (contract name -> the file's column)."""

    kind: str
    columns: dict[str, str] = field(default_factory=dict)
    panel: dict[str, Any] = field(default_factory=dict)
    reason: str = ""


def guess(cols: list[str], sample: pd.DataFrame | None = None) -> Guess:
    """The kind of a table from its columns (and a sample of its rows).

    Example
    -------
    >>> guess(["user_id", "event_time", "source_medium"]).columns
    {'customer_id': 'user_id', 'timestamp': 'event_time', 'channel': 'source_medium'}
    """
    low = {norm(c) for c in cols}
    if {"channel", "start", "end", "lift"} <= low:
        return Guess("lift_tests", reason="channel, start, end, lift columns")
    if {"path", "total_conversions"} <= low:
        return Guess("paths", reason="path and total_conversions columns")
    found = detect_kind(cols)
    if found is not None and found[0] != "sales":
        return Guess(found[0], reason=f"the columns of a {found[0]} export")
    cid, ts = _pick(cols, ID_NAMES), _pick(cols, TIME_NAMES)
    ch, val = _pick(cols, CHANNEL_NAMES), _pick(cols, VALUE_NAMES)
    spendish = [c for c in cols if re.search(r"spend|cost|(^|_)s$", c, re.IGNORECASE)]
    if cid and ts and ch:
        m = {"customer_id": cid, "timestamp": ts, "channel": ch}
        if _pick(cols, ("campaign", "utm_campaign", "campaign_name")):
            m["campaign"] = _pick(cols, ("campaign", "utm_campaign", "campaign_name")) or ""
        return Guess("touchpoints", m, reason="an id, a time and a channel column")
    if cid and ts and val:
        m = {"customer_id": cid, "timestamp": ts, "value": val}
        if _pick(cols, ORDER_NAMES):
            m["order_id"] = _pick(cols, ORDER_NAMES) or ""
        return Guess("conversions", m, reason="an id, a time and a value column")
    date = _pick(cols, DATE_NAMES)
    if date and spendish:
        return Guess(
            "media", panel=panel_roles(cols, date, sample), reason="a date column and spend columns"
        )
    if found is not None:
        return Guess("sales", reason="a date and a revenue column")
    return Guess("unknown", reason="no known set of columns")


def panel_roles(cols: list[str], date: str, sample: pd.DataFrame | None) -> dict[str, Any]:
    """Guessed ``[mapping.panel]`` roles of a weekly panel in the user's names."""
    target = _pick(cols, TARGET_NAMES)
    spend: dict[str, str] = {}
    impressions: dict[str, str] = {}
    activity = {c[len("activity_") :]: c for c in cols if c.lower().startswith("activity_")}
    used = {date, target, *activity.values()}
    for c in cols:
        m = re.fullmatch(r"(?i)(?:spend|cost)[_ ]?(.+)|(.+?)[_ ]?(?:spend|cost|_s)", c)
        if m and c not in used:
            spend[(m.group(1) or m.group(2)).strip("_ ")] = c
            used.add(c)
    for c in cols:
        m = re.fullmatch(r"(?i)(?:impressions?)[_ ]?(.+)|(.+?)[_ ]?(?:impressions?|_i)", c)
        if m and c not in used:
            name = (m.group(1) or m.group(2)).strip("_ ")
            if name in spend:
                impressions[name] = c
            else:  # delivery without spend: organic activity (posts, organic impressions)
                activity[name] = c
            used.add(c)
    numeric = [
        c
        for c in cols
        if c not in used
        and c not in ("", "Unnamed: 0")
        and (sample is None or pd.to_numeric(sample[c], errors="coerce").notna().all())
    ]
    geo = _pick(cols, ("geo", "region", "market", "dma", "country"))
    out: dict[str, Any] = {"date": date, "target": target or "sales", "spend": spend}
    if impressions:
        out["impressions"] = impressions
    if activity:
        out["activity"] = activity
    if geo and geo not in used:
        out["geo"] = geo
        numeric = [c for c in numeric if c != geo]
    pop = _pick(cols, ("population", "pop"))
    if pop in numeric:
        out["population"] = pop
        numeric.remove(pop)
    out["controls"] = numeric
    out["ignore"] = [
        c
        for c in cols
        if c not in used and c not in numeric and c not in (geo, pop, "", "Unnamed: 0")
    ]
    return out
