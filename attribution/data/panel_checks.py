"""Cross-checks of the weekly media panel: its weeks, its channels, and lift tests against it.

``check_panel_weeks`` runs inside validation (a panel cannot lose a week: gaps,
duplicate weeks, mixed weekdays are errors even in lenient mode);
``check_lift_tests_against_panel`` ties lift tests to the panel they calibrate.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np

from attribution.lazy import lazy_module

if TYPE_CHECKING:
    import pandas as pd
else:  # imported on first use (attribution.lazy)
    pd = lazy_module("pandas")

from attribution.data.accounting import Loaded
from attribution.data.contracts import ACTIVITY_PREFIX, IMPRESSIONS_PREFIX, SPEND_PREFIX
from attribution.errors import InputError


def panel_channels(media: pd.DataFrame) -> list[str]:
    """Channel names of a panel (``spend_tv`` -> ``tv``), spend before activity, in order.

    Example
    -------
    >>> panel_channels(pd.DataFrame(columns=["date", "spend_tv", "activity_posts"]))
    ['tv', 'posts']
    """

    out: list[str] = []
    for prefix in (SPEND_PREFIX, ACTIVITY_PREFIX):
        out += [
            c[len(prefix) :]
            for c in media.columns
            if c.lower().startswith(prefix) and c[len(prefix) :] not in out
        ]
    return out


def check_impression_columns(columns: Iterable[str], source: str) -> None:
    """Every ``impressions_<channel>`` column must sit next to its ``spend_<channel>``.

    Raises
    ------
    InputError : naming the first impressions column without a spend column.

    Example
    -------
    >>> check_impression_columns(["date", "spend_tv", "impressions_tv"], "m.csv")
    """

    cols = [str(c) for c in columns]
    spend = {c[len(SPEND_PREFIX) :].lower() for c in cols if c.lower().startswith(SPEND_PREFIX)}
    for c in cols:
        if c.lower().startswith(IMPRESSIONS_PREFIX):
            name = c[len(IMPRESSIONS_PREFIX) :]
            if name.lower() not in spend:
                close = difflib.get_close_matches(name.lower(), sorted(spend), n=1, cutoff=0.6)
                hint = f"did you mean 'impressions_{close[0]}'? " if close else ""
                raise InputError(
                    f"column '{c}' gives impressions for channel '{name}', which "
                    f"has no spend_{name} column",
                    fix=f"{hint}add spend_{name} (impressions are the delivery of "
                    "a paid channel) or rename the column; for activity "
                    "without spend use activity_<channel>",
                    file=source,
                    row=1,
                    column=c,
                    reason="impressions_without_spend",
                )


def check_lift_tests_against_panel(lift: Loaded, media: Loaded) -> None:
    """Check that every lift test names a panel channel (and geo) and lies within its weeks.

    Raises
    ------
    InputError : naming the lift-test row, for the first test that does not fit.

    Example
    -------
    >>> check_lift_tests_against_panel(load_lift_tests("l.csv"), load_media("m.csv"))
    ... # doctest: +SKIP
    """

    src = lift.accounting.source
    lf, mf = lift.frame, media.frame
    rows = lift.rows if lift.rows is not None else np.arange(2, len(lf) + 2)
    chans = panel_channels(mf)
    unknown = np.flatnonzero(~lf["channel"].isin(chans).to_numpy(bool))
    if len(unknown):
        i = int(unknown[0])
        name = str(lf["channel"].iloc[i])
        bare = name.lower().removeprefix(SPEND_PREFIX).removeprefix(ACTIVITY_PREFIX)
        close = [bare] if bare in chans else difflib.get_close_matches(name, chans, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise InputError(
            f"channel '{name}' is not in the media panel {media.accounting.source} "
            f"(its channels: {', '.join(chans)})",
            fix=f"{hint}use the panel's channel name (spend_<channel> or "
            "activity_<channel> without the prefix)",
            file=src,
            row=int(rows[i]),
            column="channel",
            reason="unknown_channel",
        )
    if "geo" in lf.columns and "geo" in mf.columns:
        geos = set(mf["geo"].dropna())
        bad = np.flatnonzero((lf["geo"].notna() & ~lf["geo"].isin(geos)).to_numpy(bool))
        if len(bad):
            i = int(bad[0])
            raise InputError(
                f"geo '{lf['geo'].iloc[i]}' is not in the media panel",
                fix=f"use one of {', '.join(sorted(map(str, geos)))}",
                file=src,
                row=int(rows[i]),
                column="geo",
                reason="unknown_geo",
            )
    first, last = mf["date"].min(), mf["date"].max() + pd.Timedelta(days=6)
    outside = np.flatnonzero(((lf["start"] < first) | (lf["end"] > last)).to_numpy(bool))
    if len(outside):
        i = int(outside[0])
        col = "start" if lf["start"].iloc[i] < first else "end"
        raise InputError(
            f"test window {lf['start'].iloc[i].date()} to {lf['end'].iloc[i].date()}"
            f" is outside the media panel's weeks ({first.date()} to {last.date()})",
            fix="drop the test or extend the panel to cover its window",
            file=src,
            row=int(rows[i]),
            column=col,
            reason="window_outside_panel",
        )
    if "measured_until" in lf.columns:
        late = np.flatnonzero(
            (lf["measured_until"].notna() & (lf["measured_until"] > last)).to_numpy(bool)
        )
        if len(late):
            i = int(late[0])
            raise InputError(
                f"measured_until {lf['measured_until'].iloc[i].date()} is after the "
                f"media panel's last week (ends {last.date()})",
                fix="extend the panel over the whole outcome window, or leave measured_until empty",
                file=src,
                row=int(rows[i]),
                column="measured_until",
                reason="outcome_outside_panel",
            )


# ---- panel weeks ----------------------------------------------------------------------


def check_panel_weeks(
    clean: pd.DataFrame,
    ok: np.ndarray,
    rows: np.ndarray,
    source: str,
    reason_of: Callable[[int], str],
) -> None:
    """Check a panel's weeks: weekly spacing, one weekday, no gaps, same weeks in every geo.

    Parameters
    ----------
    clean : the parsed panel (all rows, with ``date`` and optional ``geo``).
    ok : which rows passed validation; rejected rows leave gaps (and are named).
    rows : spreadsheet row numbers; ``reason_of(j)`` the rejection reason of row index j.

    Raises
    ------
    InputError : file-level, in strict and lenient mode alike.
    """
    src = source
    frame = clean.assign(_row=rows)
    used = frame.loc[ok]
    groups = list(used.groupby("geo", sort=True)) if "geo" in used.columns else [(None, used)]

    def rejected_note(day: pd.Timestamp, geo: object) -> str:
        hit = (~ok) & (frame["date"] == day).to_numpy()
        if geo is not None:
            hit &= (frame["geo"] == geo).to_numpy()
        if not hit.any():
            return ""
        j = int(np.flatnonzero(hit)[0])
        return f" (its row {rows[j]} was rejected: {reason_of(j)})"

    for geo, g in groups:
        g = g.sort_values("date", kind="stable")
        where = f" for geo '{geo}'" if geo is not None else ""
        d = g["date"].to_numpy()
        r = g["_row"].to_numpy()
        if len(d) < 2:
            continue
        diffs = (np.diff(d) / np.timedelta64(1, "D")).astype(np.int64)
        if np.median(diffs) < 7:
            j = int(np.flatnonzero(diffs < 7)[0])
            raise InputError(
                f"dates{where} are {diffs[j]} day(s) apart ({_day(d[j])} in row "
                f"{r[j]}, {_day(d[j + 1])} in row {r[j + 1]}); the panel must be "
                "weekly",
                fix="aggregate to one row per week, dated by the same weekday",
                file=src,
                row=int(r[j + 1]),
                column="date",
                reason="not_weekly",
            )
        off = np.flatnonzero(diffs % 7 != 0)
        if len(off):
            j = int(off[0])
            raise InputError(
                f"dates{where} fall on different weekdays: {_day(d[0])} (row {r[0]})"
                f" is a {_weekday(d[0])} but {_day(d[j + 1])} (row {r[j + 1]}) is a "
                f"{_weekday(d[j + 1])}",
                fix="date every week by the same weekday, e.g. its Monday",
                file=src,
                row=int(r[j + 1]),
                column="date",
                reason="weekday_mismatch",
            )
        gaps = np.flatnonzero(diffs > 7)
        if len(gaps):
            j = int(gaps[0])
            miss = pd.Timestamp(d[j]) + pd.Timedelta(days=7)
            raise InputError(
                f"week {miss.date()}{where} is missing between {_day(d[j])} (row "
                f"{r[j]}) and {_day(d[j + 1])} (row {r[j + 1]})"
                f"{rejected_note(miss, geo)}",
                fix="add a row for every week (0 spend if nothing ran)",
                file=src,
                row=int(r[j + 1]),
                column="date",
                reason="panel_gap",
            )
    if "geo" in used.columns and len(groups) > 1:
        all_dates = np.unique(used["date"].to_numpy())
        for geo, g in groups:
            missing = np.setdiff1d(all_dates, g["date"].to_numpy())
            if len(missing):
                day = pd.Timestamp(missing[0])
                raise InputError(
                    f"geo '{geo}' has no row for week {day.date()}, which other "
                    f"geos have{rejected_note(day, geo)}",
                    fix="give every geo the same weeks",
                    file=src,
                    column="geo",
                    reason="panel_gap",
                )


def _day(v: np.datetime64) -> str:
    return str(pd.Timestamp(v).date())


def _weekday(v: np.datetime64) -> str:
    return pd.Timestamp(v).day_name()
