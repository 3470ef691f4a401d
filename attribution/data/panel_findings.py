"""Checks of a loaded media panel and lift tests that are findings, not errors.

A panel can be valid row by row and still be unable to tell channels apart: a
channel that never spends, a column that never changes, two channels that move
together. These are reported as ``Finding`` (the run goes on; the MMM's own
diagnostics follow up). A panel with a single week is an error: it can neither
be checked as weekly nor modelled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from attribution.lazy import lazy_module

if TYPE_CHECKING:
    import pandas as pd
else:  # imported on first use (attribution.lazy)
    pd = lazy_module("pandas")

from attribution.data.contracts import ACTIVITY_PREFIX, IMPRESSIONS_PREFIX, SPEND_PREFIX
from attribution.errors import InputError
from attribution.findings import Finding

MIN_WEEKS = 2
COLLINEAR_R = 0.99  # |correlation| at or above which two channels are reported as collinear
_MEDIA = (SPEND_PREFIX, ACTIVITY_PREFIX, IMPRESSIONS_PREFIX)
_NOT_CONTROLS = {"date", "geo", "sales"}


def check_min_weeks(frame: pd.DataFrame, source: str, min_weeks: int = MIN_WEEKS) -> None:
    """Raise ``InputError`` when the panel has fewer than ``min_weeks`` distinct weeks.

    Example
    -------
    >>> check_min_weeks(pd.DataFrame({"date": pd.to_datetime(["2024-01-01", "2024-01-08"])}),
    ...                 "m.csv")
    """
    n = int(frame["date"].nunique()) if "date" in frame.columns else 0
    if n < min_weeks:
        raise InputError(
            f"has {n} week{'s' if n != 1 else ''} of data; a weekly media panel "
            f"needs at least {min_weeks} (and a media-mix model about two years)",
            fix="export the panel over a longer period, one row per week",
            file=source,
            row=None,
            column="date",
            reason="too_few_weeks",
        )


def check_has_values(s: pd.Series, name: str, source: str) -> None:
    """Raise ``InputError`` (row 1, the column) when every cell is empty or NaN.

    Example
    -------
    >>> check_has_values(pd.Series(["1.5", "NaN"]), "price", "m.csv")
    """
    if pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s):
        t = s.astype("str").str.strip().str.lower()
        empty = (t.isna() | t.isin(["", "nan", "-nan", "+nan"])).to_numpy(dtype=bool)
    else:
        empty = s.isna().to_numpy(dtype=bool)
    if len(s) and empty.all():
        raise InputError(
            f"column '{name}' has no values (every cell is empty or NaN)",
            fix="remove the column, or fill it in (0 where nothing happened)",
            file=source,
            row=1,
            column=name,
            reason="empty_column",
        )


def constant_columns(values: np.ndarray) -> np.ndarray:
    """Which columns of a 2-d array hold one value only (NaN ignored).

    Example
    -------
    >>> constant_columns(np.array([[1.0, 2.0], [1.0, 3.0]])).tolist()
    [True, False]
    """
    with np.errstate(invalid="ignore"):
        lo, hi = np.nanmin(values, axis=0), np.nanmax(values, axis=0)
    return ~(hi > lo)


def collinear_pairs(
    values: np.ndarray, threshold: float = COLLINEAR_R
) -> list[tuple[int, int, float]]:
    """Pairs (i, j, r) of columns whose Pearson correlation satisfies ``|r| >= threshold``.

    Constant columns are skipped (their correlation is undefined).

    Example
    -------
    >>> x = np.array([[1.0, 2.0, 5.0], [2.0, 4.1, 1.0], [3.0, 6.0, 4.0]])
    >>> [(i, j) for i, j, _ in collinear_pairs(x)]
    [(0, 1)]
    """
    keep = np.flatnonzero(~constant_columns(values))
    if len(keep) < 2 or values.shape[0] < 3:
        return []
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.corrcoef(values[:, keep], rowvar=False)
    out = []
    for a in range(len(keep)):
        for b in range(a + 1, len(keep)):
            if np.isfinite(r[a, b]) and abs(r[a, b]) >= threshold:
                out.append((int(keep[a]), int(keep[b]), float(r[a, b])))
    return out


def panel_findings(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Zero-spend, constant and collinear columns of a validated panel, as findings.

    Parameters
    ----------
    frame : a validated panel (``Loaded.frame`` of ``load_media``).
    source : the file name used in the messages.

    Returns
    -------
    list[Finding] : codes ``data.zero_channel``, ``data.constant_channel``,
        ``data.constant_control``, ``data.constant_sales``, ``data.collinear_channels``.

    Example
    -------
    >>> df = pd.DataFrame({"date": [1, 2, 3], "sales": [5.0, 6, 7], "spend_tv": [0.0, 0, 0]})
    >>> [f.code for f in panel_findings(df, "m.csv")]
    ['data.zero_channel']
    """
    out: list[Finding] = []
    media = [c for c in frame.columns if str(c).lower().startswith(_MEDIA)]
    controls = [
        c
        for c in frame.columns
        if c not in media
        and str(c).lower() not in _NOT_CONTROLS
        and pd.api.types.is_float_dtype(frame[c])
    ]
    if len(frame) < 2:
        return out
    if media:
        x = frame[media].to_numpy(dtype=float)
        const = constant_columns(x)
        for k, col in enumerate(media):
            if not const[k]:
                continue
            if np.nanmax(np.abs(x[:, k])) == 0:
                out.append(
                    Finding(
                        "warning",
                        "data.zero_channel",
                        f"{source}: '{col}' is 0 in every week; its effect cannot be "
                        "estimated (the model will report it as unidentified)",
                        "drop the column or give a period in which it ran",
                        "data",
                    )
                )
            else:
                out.append(
                    Finding(
                        "warning",
                        "data.constant_channel",
                        f"{source}: '{col}' has the same value in every week; its "
                        "effect cannot be told apart from the baseline",
                        "give weeks with different levels or drop the column",
                        "data",
                    )
                )
        for i, j, r in collinear_pairs(x):
            out.append(
                Finding(
                    "warning",
                    "data.collinear_channels",
                    f"{source}: '{media[i]}' and '{media[j]}' move together "
                    f"(correlation {r:.3f}); their separate effects are poorly "
                    "identified",
                    "vary their spend independently, add a lift test, or merge them",
                    "data",
                )
            )
    if controls:
        const = constant_columns(frame[controls].to_numpy(dtype=float))
        for k, col in enumerate(controls):
            if const[k]:
                out.append(
                    Finding(
                        "warning",
                        "data.constant_control",
                        f"{source}: control '{col}' has the same value in every week; "
                        "it carries no information",
                        "drop the column",
                        "data",
                    )
                )
    if "sales" in frame.columns and constant_columns(frame[["sales"]].to_numpy(dtype=float))[0]:
        out.append(
            Finding(
                "warning",
                "data.constant_sales",
                f"{source}: 'sales' has the same value in every week; there is "
                "nothing for media to explain",
                "check the sales column",
                "data",
            )
        )
    return out


def lift_findings(frame: pd.DataFrame, rows: np.ndarray | None, source: str) -> list[Finding]:
    """Lift tests whose window is a single day (start = end), as findings.

    A one-day test is valid but shorter than the panel's week: it is compared with
    the whole week that contains it.

    Example
    -------
    >>> df = pd.DataFrame({"start": pd.to_datetime(["2024-01-08"]),
    ...                    "end": pd.to_datetime(["2024-01-08"])})
    >>> [f.code for f in lift_findings(df, None, "l.csv")]
    ['data.lift_one_day']
    """
    if not {"start", "end"} <= set(frame.columns) or frame.empty:
        return []
    rows = np.arange(2, len(frame) + 2) if rows is None else np.asarray(rows)
    same = np.flatnonzero((frame["start"] == frame["end"]).to_numpy(dtype=bool))
    if not len(same):
        return []
    listed = ", ".join(str(int(rows[i])) for i in same[:5]) + (" ..." if len(same) > 5 else "")
    return [
        Finding(
            "warning",
            "data.lift_one_day",
            f"{source}: {len(same)} lift test(s) last a single day (start = end; rows "
            f"{listed}); the panel is weekly, so each is compared with its whole week",
            "check start and end (end is the test's last day, inclusive)",
            "data",
        )
    ]
