"""What the journeys tell the media-mix model: activity channels and the demand control.

When a run builds journeys from touchpoints, every touch is in ``journeys.parquet``
(one row per journey: its path and each step's age before the journey's end). From it
this module counts each channel's touches per panel week and

- adds ``demand_intent_touches``: the weekly volume of unpaid intent touches (by
  default ``organic_search``, ``direct`` and brand-search clicks; ``[mmm]
  demand_channels``). It is a demand control (:mod:`attribution.mmm.demand`): paid
  brand search is then identified conditional on demand (Chen et al. 2018). A listed
  channel that has spend in the panel is left out (its clicks are bought by the spend,
  a mediator, not the confounder); touches less than ``adjacent_hours`` before a
  purchase are left out of every count (they are the purchase's own steps);
- adds ``activity_<channel>`` for every other journey channel that has neither a
  spend nor an activity column (store visits, call centre, e-mail sends without cost,
  ...), so that each channel the journeys see gets an incremental estimate. The
  demand channels themselves stay out: they measure demand, and a channel that is
  also the control cannot be told apart from it.

It also runs the spend-follows-demand test (:func:`confounding`) for every paid
channel after the panel is known, and caps the optimiser's change for the channels
that follow demand and have no lift test (:func:`cap_bounds`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from attribution import rundir as R
from attribution.data.contracts import ACTIVITY_PREFIX, SPEND_PREFIX
from attribution.findings import Finding
from attribution.mmm.demand import JOURNEY_DEMAND, DemandTest, demand_columns, demand_test
from attribution.optimize.bounds import ChannelBounds

STAGE = "inputs"
ADJACENT_HOURS = 24.0
NAVIGATIONAL_SHARE = 0.5
NONE_PATH = "(none)"


@dataclass(frozen=True)
class JourneySignals:
    """The panel with the journey-derived columns, and what was added."""

    frame: pd.DataFrame
    demand_channels: tuple[str, ...]
    activity_channels: tuple[str, ...]
    touches_counted: int
    touches_outside: int
    findings: tuple[Finding, ...]
    adjacent_share: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for ``run.json``."""
        return {
            "demand_column": JOURNEY_DEMAND if self.demand_channels else None,
            "demand_channels": list(self.demand_channels),
            "activity_channels": list(self.activity_channels),
            "touches_counted": self.touches_counted,
            "touches_outside_panel_weeks": self.touches_outside,
            R.JOURNEY_ADJACENT_SHARE: {
                k: round(float(v), 4) for k, v in self.adjacent_share.items()
            },
        }


def touch_times(journeys: pd.DataFrame, sep: str = " > ") -> pd.DataFrame:
    """One row per path step: ``channel``, ``timestamp`` (journey end - step age) and
    ``hours_before_purchase`` (NaN in journeys without a purchase).

    Example
    -------
    >>> j = pd.DataFrame({"path": ["a > b"], "converted": [1],
    ...                   "conversion_ts": [pd.Timestamp("2024-01-08")],
    ...                   "last_ts": [pd.Timestamp("2024-01-07")], "step_ages": [[48.0, 24.0]]})
    >>> touch_times(j)["timestamp"].dt.day.tolist()
    [6, 7]
    """
    j = journeys[journeys["path"] != NONE_PATH]
    end = pd.to_datetime(j["conversion_ts"].where(j["converted"].astype(bool), j["last_ts"]))
    steps = j["path"].str.split(sep, regex=False)
    ages = j["step_ages"].map(lambda a: np.asarray(a, dtype=float))
    n = steps.map(len).to_numpy()
    if not np.array_equal(n, ages.map(len).to_numpy()):
        raise ValueError("journeys: path steps and step_ages differ in length")
    hours = np.concatenate(ages.to_list()) if len(ages) else np.zeros(0)
    ts = np.repeat(end.to_numpy(), n) - pd.to_timedelta(hours, unit="h").to_numpy()
    chans = np.concatenate(steps.to_list()) if len(steps) else np.zeros(0, dtype=object)
    conv = np.repeat(j["converted"].astype(bool).to_numpy(), n)
    return pd.DataFrame(
        {"channel": chans, "timestamp": ts, "hours_before_purchase": np.where(conv, hours, np.nan)}
    )


def weekly_counts(touches: pd.DataFrame, dates: Sequence[Any]) -> tuple[pd.DataFrame, int]:
    """Touches per panel week (rows: the panel's week starts) and channel; and how many
    touches fell outside the panel's weeks.

    Example
    -------
    >>> t = pd.DataFrame({"channel": ["a", "a", "b"], "timestamp": pd.to_datetime(
    ...     ["2024-01-01 10:00", "2024-01-09 00:00", "2023-12-01 00:00"])})
    >>> c, outside = weekly_counts(t, pd.to_datetime(["2024-01-01", "2024-01-08"]))
    >>> c["a"].tolist(), outside
    ([1.0, 1.0], 1)
    """
    weeks = pd.DatetimeIndex(pd.to_datetime(pd.Series(list(dates))).sort_values().unique())
    edges = np.append(weeks.to_numpy(), (weeks[-1] + pd.Timedelta(days=7)).to_numpy())
    ts = pd.to_datetime(touches["timestamp"]).to_numpy()
    idx = np.searchsorted(edges, ts, side="right") - 1
    inside = (idx >= 0) & (idx < len(weeks))
    frame = pd.DataFrame({"week": idx[inside], "channel": touches["channel"].to_numpy()[inside]})
    counts = (
        frame.groupby(["week", "channel"])
        .size()
        .unstack(fill_value=0)
        .reindex(range(len(weeks)), fill_value=0)
        .astype(float)
    )
    counts.index = weeks
    counts.columns.name = None
    return counts, int((~inside).sum())


def add_journey_signals(
    media: pd.DataFrame,
    journeys: pd.DataFrame,
    demand_channels: Iterable[str],
    *,
    activity: bool = True,
    demand: bool = True,
    adjacent_hours: float = ADJACENT_HOURS,
    date: str = "date",
) -> JourneySignals:
    """The panel with ``demand_intent_touches`` and ``activity_<channel>`` columns added.

    Parameters
    ----------
    media : the weekly panel (one row per week; geo panels are returned unchanged).
    journeys : the run's ``journeys.parquet`` as a frame.
    demand_channels : journey channels whose touches measure demand.
    activity, demand : add the activity channels / the demand control.
    adjacent_hours : touches less than this many hours before a purchase are left out
        of every count: they are the purchase's own steps (the navigational search on
        the way to the checkout, the store visit of an in-store purchase), caused by the
        decision to buy. Counted, they would carry sales into the model as a "cause"
        (an in-store purchase makes a store visit) and a demand control made of them
        would absorb every channel's effect.
    """
    found: list[Finding] = []
    if "geo" in media.columns and media["geo"].nunique() > 1:
        found.append(
            Finding(
                "info",
                "inputs.journey_signals_geo",
                "the journeys are not split by geo, so no activity channels or "
                "demand control were derived from them for this geo panel",
                "add activity_<channel> and a demand_<name> column per geo to the panel",
                STAGE,
            )
        )
        return JourneySignals(media, (), (), 0, 0, tuple(found))
    touches = touch_times(journeys)
    near = (touches["hours_before_purchase"] < adjacent_hours).to_numpy()
    adjacent = adjacent_shares(touches, adjacent_hours)
    counts, outside = weekly_counts(touches[~near], media[date])
    counted = int(counts.to_numpy().sum())
    cols = set(map(str, media.columns))
    have = {c[len(p) :] for c in cols for p in (SPEND_PREFIX, ACTIVITY_PREFIX) if c.startswith(p)}
    wanted = tuple(dict.fromkeys(demand_channels))
    paid = {c[len(SPEND_PREFIX) :] for c in cols if c.startswith(SPEND_PREFIX)}
    bought = [c for c in wanted if c in paid and c in counts.columns] if demand else []
    used = tuple(c for c in wanted if c in counts.columns and c not in paid) if demand else ()
    if bought:
        found.append(
            Finding(
                "info",
                "inputs.demand_paid_excluded",
                f"{', '.join(bought)}: paid in the panel, so their clicks are "
                "bought by their spend and would hide its effect as a control; "
                "they are left out of the demand control (query volume, not paid "
                "clicks, is the confounder: Chen et al. 2018)",
                "add a query_volume column for brand searches",
                STAGE,
            )
        )
    add: dict[str, np.ndarray] = {}
    by_week = counts.reindex(pd.to_datetime(media[date]).to_numpy())
    if used and JOURNEY_DEMAND not in cols:
        add[JOURNEY_DEMAND] = by_week[list(used)].sum(axis=1).to_numpy()
        found.append(
            Finding(
                "info",
                "inputs.demand_control",
                f"demand control {JOURNEY_DEMAND}: weekly touches of "
                f"{', '.join(used)} (unpaid intent: people already looking for "
                "the brand)",
                "give [mmm] demand_channels to choose other channels, or add a query_volume column",
                STAGE,
            )
        )
    elif demand and not used:
        found.append(
            Finding(
                "warning",
                "inputs.no_demand_signal",
                f"none of the demand channels ({', '.join(wanted) or 'none'}) "
                "appears in the journeys, so the model has no demand control; "
                "a channel bought on demand (brand search) will look better "
                "than it is",
                "add a query_volume column (search-console or "
                "search-trends export) to the media panel",
                STAGE,
            )
        )
    acts: list[str] = []
    if activity:
        for ch in counts.columns:
            if ch in have or ch in used or ch in wanted:
                continue
            series = by_week[ch].to_numpy()
            if np.nanstd(series) <= 0:
                continue  # constant: the model cannot use it (reported below)
            add[ACTIVITY_PREFIX + ch] = series
            acts.append(str(ch))
        if acts:
            found.append(
                Finding(
                    "info",
                    "inputs.activity_channels",
                    f"journey-derived weekly touches entered the model as "
                    f"activity channels: {', '.join(acts)}",
                    "set [mmm] journey_activity = false to leave them out",
                    STAGE,
                )
            )
        flat = [
            str(c) for c in counts.columns if c not in have and c not in wanted and c not in acts
        ]
        if flat:
            found.append(
                Finding(
                    "info",
                    "inputs.activity_constant",
                    f"{', '.join(flat)}: the same number of touches every week, "
                    "so the model cannot measure them; path credit only",
                    "run a holdout test on them",
                    STAGE,
                )
            )
    if near.any():
        found.append(
            Finding(
                "info",
                "inputs.purchase_adjacent_touches",
                f"{int(near.sum())} of {len(touches)} journey touches came less "
                f"than {adjacent_hours:g} hours before a purchase; they are the "
                "purchase's own steps and are not counted as activity or demand",
                "set [mmm] adjacent_hours to change the window",
                STAGE,
            )
        )
    if outside:
        found.append(
            Finding(
                "info",
                "inputs.touches_outside_panel",
                f"{outside} of {counted + outside} journey touches fall outside "
                "the media panel's weeks and are not counted in its activity "
                "columns",
                "",
                STAGE,
            )
        )
    frame = media.assign(**{k: np.asarray(v, dtype=float) for k, v in add.items()})
    return JourneySignals(frame, used, tuple(acts), counted, outside, tuple(found), adjacent)


def adjacent_shares(touches: pd.DataFrame, hours: float = ADJACENT_HOURS) -> dict[str, float]:
    """Per channel: the share of its touches in purchase journeys that came less than
    ``hours`` before the purchase (navigational search, in-store purchases: high;
    channels that cause purchases days later: low).

    Example
    -------
    >>> t = pd.DataFrame({"channel": ["a", "a", "b"], "hours_before_purchase": [1.0, 90, 1]})
    >>> adjacent_shares(t)
    {'a': 0.5, 'b': 1.0}
    """
    conv = touches[touches["hours_before_purchase"].notna()]
    near = (conv["hours_before_purchase"] < hours).groupby(conv["channel"]).mean()
    return {str(k): float(v) for k, v in near.items()}


def intent_adjusted_credit(
    credit: Mapping[str, float],
    adjacent: Mapping[str, float],
    max_share: float = NAVIGATIONAL_SHARE,
) -> tuple[dict[str, float], tuple[Finding, ...]]:
    """Path credit for the MMM's priors, adjusted for intent.

    A touch just before a purchase is mostly the purchase's own step: path models
    credit it fully, but it shows intent, not influence. Each channel's credit is
    multiplied by the share of its purchase-journey touches that came earlier than
    that; a channel whose touches are mostly purchase-adjacent (share above
    ``max_share``) is navigational and gets no path-based prior at all.

    Example
    -------
    >>> intent_adjusted_credit({"a": 100.0, "b": 100.0}, {"a": 0.1, "b": 0.7})[0]
    {'a': 90.0}
    """
    out, dropped = {}, []
    for ch, v in credit.items():
        share = float(adjacent.get(ch, 0.0))
        if share > max_share:
            dropped.append(ch)
            continue
        out[ch] = float(v) * (1.0 - share)
    found = ()
    if dropped:
        found = (
            Finding(
                "info",
                "combine.navigational_no_prior",
                f"{', '.join(dropped)}: most of their touches in purchase journeys "
                f"came within hours of the purchase (navigational), so their path "
                "credit shows intent, not influence, and sets no prior for the "
                "media-mix model",
                "run a lift test to measure them",
                "combine",
            ),
        )
    return out, found


def confounding(
    media: pd.DataFrame,
    channels: Mapping[str, str],
    target: str,
    tested: Iterable[str],
    *,
    r2_min: float,
    cap: float,
    date: str = "date",
) -> tuple[tuple[DemandTest, ...], tuple[str, ...], tuple[Finding, ...]]:
    """Spend-follows-demand tests of the paid channels (``name -> spend column``).

    Returns the tests, the channels to cap (they follow demand and have no lift test
    in ``tested``) and one finding per channel that follows demand.
    """
    weekly = media.groupby(date, sort=True).sum(numeric_only=True)
    dcols = demand_columns(weekly.columns)
    demand = weekly[list(dcols)].sum(axis=1).to_numpy() if dcols else None
    signal = " + ".join(dcols) if dcols else "lagged sales only"
    sales = weekly[target].to_numpy(dtype=float)
    tested = set(tested)
    tests, capped, found = [], [], []
    for name, col in channels.items():
        if col not in weekly.columns:
            continue
        t = demand_test(
            name, weekly[col].to_numpy(dtype=float), sales, demand, r2_min=r2_min, signal=signal
        )
        tests.append(t)
        if not t.follows:
            continue
        detail = (
            f"{name}: demand ({signal}) and the last weeks' sales explain "
            f"{t.partial_r2:.0%} of its weekly spend beyond trend and season "
            f"(F-test p={t.p_value:.2g}; past sales predict it, Granger p="
            f"{t.granger_p:.2g})"
        )
        if name in tested:
            found.append(
                Finding(
                    "info",
                    "mmm.spend_follows_demand",
                    detail + "; its lift test anchors the estimate",
                    "",
                    "mmm",
                )
            )
        else:
            capped.append(name)
            found.append(
                Finding(
                    "warning",
                    "mmm.spend_follows_demand",
                    detail + f"; its effect rests on the few weeks demand did not decide, so its "
                    f"contribution is given from zero up and the plan changes it by at most "
                    f"{cap:.0%}",
                    f"run a lift test (geo or holdout) on {name} to measure it",
                    "mmm",
                )
            )
    return tuple(tests), tuple(capped), tuple(found)


def cap_bounds(
    bounds: Mapping[str, ChannelBounds] | None,
    capped: Iterable[str],
    cap: float,
    channels: Sequence[str],
) -> dict[str, ChannelBounds] | None:
    """Bounds that keep each capped channel within +-``cap`` of its current spend
    (tighter user bounds stay).

    Example
    -------
    >>> cap_bounds(None, ["b"], 0.1, ["a", "b"])["b"]
    ChannelBounds(min=None, max=None, min_pct=-10.0, max_pct=10.0, locked=False)
    """
    names = [c for c in capped if c in channels]
    if not names:
        return None if bounds is None else dict(bounds)
    out = dict(bounds or {})
    pct = 100.0 * float(cap)
    for ch in names:
        b = out.get(ch, ChannelBounds())
        if b.locked:
            continue
        lo = -pct if b.min_pct is None else max(b.min_pct, -pct)
        hi = pct if b.max_pct is None else min(b.max_pct, pct)
        out[ch] = replace(b, min_pct=lo, max_pct=max(hi, lo))
    return out


def navigational(
    adjacent: Mapping[str, float],
    channels: Iterable[str],
    tested: Iterable[str],
    cap: float | None,
    max_share: float = NAVIGATIONAL_SHARE,
) -> tuple[tuple[str, ...], tuple[Finding, ...]]:
    """Channels whose journey touches are mostly purchase-adjacent (navigational search,
    store visits on the way to the till) and have no lift test: the panel cannot tell
    their effect from the purchases they accompany. ``cap``: the paid channels' largest
    plan change; None for activity channels (no spend, not in the plan).

    Example
    -------
    >>> navigational({"brand": 0.7, "tv": 0.05}, ["brand", "tv"], [], 0.1)[0]
    ('brand',)
    """
    done = set(tested)
    names = tuple(c for c in channels if adjacent.get(c, 0.0) > max_share and c not in done)
    if cap is None:
        why, then, test = "they mostly accompany purchases already decided", "", "a holdout test"
    else:
        why = "its clicks are mostly people already buying"
        then, test = (
            f" and the plan changes it by at most {cap:.0%}",
            "a lift test (geo or holdout)",
        )
    found = tuple(
        Finding(
            "warning",
            "mmm.navigational",
            f"{c}: {adjacent[c]:.0%} of its touches in purchase journeys came within hours of the "
            f"purchase, so {why}; the panel cannot show what it adds, so its contribution is "
            f"given from zero up{then}",
            f"run {test} on {c} to measure it",
            "mmm",
        )
        for c in names
    )
    return names, found
