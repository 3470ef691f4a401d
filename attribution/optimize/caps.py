"""Per-channel frequency caps, turned into spend caps for the budget optimiser.

A frequency cap says: no more than ``k`` touches per customer per week on a channel. It
comes from the contact-pressure analysis (the upper end of the saturation frequency's
interval, so a cap only binds where the data are sure an extra touch stops paying) or
from the user (a caps file: ``channel, frequency_cap`` and/or ``spend_cap``).

The optimiser plans spend, so a frequency cap becomes a spend cap through the touches
observed per unit of spend: with ``T`` touches and ``R`` customers reached per week at a
weekly spend ``S``, the reached customers see ``T / R`` touches a week on average.
Assuming more spend buys more touches for the same customers (reach fixed: the
conservative case for fatigue), frequency grows in proportion to spend and reaches
``k`` at::

    spend cap = k * R / (T / S) = S * k / (T / R)

The cap is an upper spend bound (combined with any other bound by taking the lower);
after the plan, a cap *binds* when the recommended spend sits at it.

Example
-------
>>> spend_cap(3.0, weekly_spend=1000.0, touches_per_week=4000.0, reached_per_week=1000.0)
750.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from attribution.errors import InputError
from attribution.findings import Finding
from attribution.optimize.bounds import ChannelBounds, parse_number, read_text_csv
from attribution.rundir import CAPS_COLUMNS

CAP_COLUMNS = CAPS_COLUMNS


@dataclass(frozen=True)
class Cap:
    """One channel's cap: frequency (touches/customer/week) and/or weekly spend."""

    channel: str
    frequency_cap: float | None = None
    spend_cap: float | None = None
    source: str = "user"
    touches_per_week: float | None = None  # observed elsewhere (caps file); else from journeys
    reached_per_week: float | None = None


def spend_cap(
    frequency_cap: float, weekly_spend: float, touches_per_week: float, reached_per_week: float
) -> float:
    """Weekly spend at which reached customers average ``frequency_cap`` touches a week."""
    if touches_per_week <= 0 or reached_per_week <= 0:
        return float("nan")
    return float(weekly_spend * frequency_cap / (touches_per_week / reached_per_week))


def touch_rates(weekly: pd.DataFrame, channels: Sequence[str]) -> pd.DataFrame:
    """Touches and reached customers per week, per channel, from a customer-week panel.

    Example
    -------
    >>> p = pd.DataFrame({"customer_id": ["a", "a", "b", "b"], "week": [0, 1, 0, 1],
    ...                   "email": [2, 0, 4, 2]})
    >>> touch_rates(p, ["email"]).values.tolist()
    [['email', 4.0, 1.5]]
    """
    rows = []
    n_weeks = max(int(weekly["week"].nunique()), 1) if len(weekly) else 1
    for ch in channels:
        if ch not in weekly.columns:
            continue
        n = weekly[ch].to_numpy(dtype=float)
        rows.append((ch, n.sum() / n_weeks, float((n > 0).sum()) / n_weeks))
    return pd.DataFrame(rows, columns=["channel", "touches_per_week", "reached_per_week"])


def read_caps(path: str | Path, channels: Sequence[str] | None = None) -> list[Cap]:
    """Read a caps CSV: ``channel`` plus ``frequency_cap`` and/or ``spend_cap`` (weekly);
    optionally ``touches_per_week`` and ``reached_per_week`` observed at the current spend
    (otherwise they come from the run's journeys).

    Bad cells raise ``InputError`` naming file, row and column.
    """
    name = str(path)
    frame = read_text_csv(path, "caps", "--caps")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    allowed = ("channel", "frequency_cap", "spend_cap", "touches_per_week", "reached_per_week")
    bad = [c for c in frame.columns if c not in allowed]
    if "channel" not in frame.columns or bad:
        col = bad[0] if bad else "channel"
        raise InputError(
            f"{'unknown column ' + repr(col) if bad else 'missing column channel'}",
            "use the header channel,frequency_cap,spend_cap",
            file=name,
            row=1,
            column=col,
            reason="bad_column",
        )
    out: list[Cap] = []
    seen: set[str] = set()
    for i, rec in enumerate(frame.to_dict("records")):
        row, ch = i + 2, str(rec["channel"]).strip()
        if not ch or (channels is not None and ch not in channels):
            raise InputError(
                f"unknown channel '{ch}'",
                f"use one of {list(channels or [])}",
                file=name,
                row=row,
                column="channel",
                reason="unknown_channel",
            )
        if ch in seen:
            raise InputError(
                f"channel '{ch}' appears twice",
                "give one row per channel",
                file=name,
                row=row,
                column="channel",
                reason="duplicate",
            )
        seen.add(ch)
        f = parse_number(rec.get("frequency_cap", ""), name, row, "frequency_cap")
        s = parse_number(rec.get("spend_cap", ""), name, row, "spend_cap")
        t = parse_number(rec.get("touches_per_week", ""), name, row, "touches_per_week")
        r = parse_number(rec.get("reached_per_week", ""), name, row, "reached_per_week")
        for col, v in (
            ("frequency_cap", f),
            ("spend_cap", s),
            ("touches_per_week", t),
            ("reached_per_week", r),
        ):
            if v is not None and v < 0:
                raise InputError(
                    f"{col} {v} is negative",
                    "caps are 0 or more",
                    file=name,
                    row=row,
                    column=col,
                    reason="negative",
                )
        if f is None and s is None:
            raise InputError(
                "neither frequency_cap nor spend_cap is given",
                "give one of them, or remove the row",
                file=name,
                row=row,
                column="frequency_cap",
                reason="empty",
            )
        out.append(Cap(ch, f, s, "user", t, r))
    return out


def caps_from_pressure(pressure: pd.DataFrame) -> list[Cap]:
    """Frequency caps from ``pressure.csv`` rows (weekly level, saturated channels only):
    the upper end of the saturation frequency's interval, at least 1."""
    out = []
    week = pressure[(pressure["level"] == "week") & (pressure["beyond"] != "not_reached")]
    for ch, g in week.groupby("channel", sort=True):
        out.append(Cap(str(ch), float(max(int(g["peak_high"].iloc[0]), 1)), None, "pressure"))
    return out


def resolve_caps(
    caps: Sequence[Cap], rates: pd.DataFrame, weekly_spend: Mapping[str, float]
) -> pd.DataFrame:
    """One row per capped channel with its spend cap (user caps win over derived ones)."""
    by_channel: dict[str, Cap] = {}
    for c in caps:  # later (user) caps replace earlier (derived) ones
        if c.source == "user" or c.channel not in by_channel:
            by_channel[c.channel] = c
    r = rates.set_index("channel") if len(rates) else pd.DataFrame()
    rows = []
    for ch, c in sorted(by_channel.items()):
        spend = float(weekly_spend.get(ch, np.nan))
        tpw = float(r.at[ch, "touches_per_week"]) if ch in r.index else np.nan
        rpw = float(r.at[ch, "reached_per_week"]) if ch in r.index else np.nan
        if c.touches_per_week is not None and c.reached_per_week is not None:
            tpw, rpw = c.touches_per_week, c.reached_per_week  # given with the cap
        cap = c.spend_cap
        if cap is None and c.frequency_cap is not None and np.isfinite(spend):
            cap = spend_cap(c.frequency_cap, spend, tpw, rpw)
        rows.append(
            (
                ch,
                c.frequency_cap,
                c.source,
                tpw,
                rpw,
                spend,
                tpw / spend if spend > 0 else np.nan,
                np.nan if cap is None else cap,
            )
        )
    return pd.DataFrame(rows, columns=list(CAP_COLUMNS[:-2]))


def apply_caps(
    bounds: Mapping[str, ChannelBounds] | None, caps: pd.DataFrame, channels: Sequence[str]
) -> dict[str, ChannelBounds]:
    """Bounds with each finite spend cap as an upper bound (the lower of cap and max)."""
    out = dict(bounds or {})
    for ch, cap in zip(caps["channel"], caps["spend_cap"], strict=True):
        if ch not in channels or not np.isfinite(cap):
            continue
        b = out.get(ch, ChannelBounds())
        out[ch] = replace(b, max=float(cap) if b.max is None else min(b.max, float(cap)))
    return out


def binding(caps: pd.DataFrame, plan: pd.DataFrame, rtol: float = 1e-3) -> pd.DataFrame:
    """``caps`` with the recommended spend and whether each cap binds (spend at the cap)."""
    rec = dict(zip(plan["channel"], plan["recommended_spend"], strict=True))
    out = caps.copy()
    out["recommended_spend"] = [float(rec.get(ch, np.nan)) for ch in out["channel"]]
    cap = out["spend_cap"].to_numpy(dtype=float)
    out["binds"] = np.isfinite(cap) & (
        out["recommended_spend"].to_numpy(dtype=float) >= cap * (1 - rtol) - 1e-9
    )
    return out[list(CAP_COLUMNS)]


def file_caps(
    path: str | Path, channels: Sequence[str], current_spend: Sequence[float], horizon: int = 1
) -> pd.DataFrame:
    """Caps from a caps file alone (``attribution optimize --caps F``): spend caps as totals
    over ``horizon`` weeks; frequency caps need the file's touch rates."""
    empty = pd.DataFrame(columns=["channel", "touches_per_week", "reached_per_week"])
    caps = resolve_caps(
        read_caps(path, channels),
        empty,
        dict(zip(channels, map(float, current_spend), strict=True)),
    )
    return caps.assign(spend_cap=caps["spend_cap"] * horizon)


def caps_findings(caps: pd.DataFrame) -> list[Finding]:
    """Which caps bind in the plan, and which could not be turned into spend."""
    out = []
    for r in caps.itertuples(index=False):
        if not np.isfinite(r.spend_cap):
            out.append(
                Finding(
                    "warning",
                    "optimize.cap_unusable",
                    f"{r.channel}: a frequency cap of {r.frequency_cap:g} could not "
                    "be turned into spend (no touches or no spend observed)",
                    "give a spend_cap, or touches_per_week and reached_per_week, "
                    "for this channel in the caps file",
                    "optimize",
                )
            )
        elif r.binds:
            out.append(
                Finding(
                    "info",
                    "optimize.cap_binds",
                    f"{r.channel}: the frequency cap binds: the plan stops at {r.spend_cap:,.0f}",
                    "",
                    "optimize",
                )
            )
    return out
