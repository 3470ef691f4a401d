"""Lift tests for the media-mix model: checked rows (LIFT_TESTS contract) turned into the
calibration terms the model's likelihood uses, valued in sales, with their outcome windows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from attribution.data.contracts import SPEND_CHANGE
from attribution.errors import InputError
from attribution.findings import Finding
from attribution.mmm.panel import Panel
from attribution.mmm.spec import MMMSpec


def parse_lift_tests(
    frame: pd.DataFrame, spec: MMMSpec, panel: Panel, n_train: int, file: str = "lift tests"
) -> tuple[list[dict[str, Any]], list[Finding]]:
    """Check lift tests (LIFT_TESTS contract) and return them as dicts plus findings.

    The model's target is sales, so a test with ``metric = conversions`` is valued
    at the row's ``value_per_conversion``, else the spec's ``[calibration]
    value_per_conversion`` (the pipeline fills that with the conversions' average
    order value when none is configured); lift and its standard error are both
    multiplied by it. ``measured_until`` (default: ``end``) closes the outcome window
    over which the experiment measured the lift, so carry-over after the test counts.
    ``spend_change`` (default: empty) makes the row a budget-change test: the lift is
    the sales gained by multiplying the channel's spend by ``1 + spend_change`` over
    the test weeks; empty means the channel was switched off.

    Returns
    -------
    (tests, findings): dicts with channel, start (moved back 6 days: weeks that start
    inside [start - 6 days, end] overlap the test), end, measured_until, lift and
    lift_se in sales, metric, value_per_conversion, geo, spend_change (None: switched
    off).

    Example
    -------
    >>> tests, found = parse_lift_tests(frame, spec, panel, n_train)   # doctest: +SKIP
    """
    frame = frame.reset_index(drop=True)
    for col in ("channel", "start", "end", "lift", "lift_se"):
        if col not in frame.columns:
            raise InputError(
                f"column '{col}' is missing",
                "columns are channel, start, end, "
                "lift, lift_se [, metric, geo, value_per_conversion, "
                f"measured_until, {SPEND_CHANGE}]",
                file,
                None,
                col,
                "missing_column",
            )
    findings: list[Finding] = []
    tests = []
    first, last = panel.dates[0], panel.dates[n_train - 1]
    panel_end = panel.dates[-1] + np.timedelta64(6, "D")
    for i, row in frame.iterrows():
        r = int(i) + 2
        ch = str(row["channel"])
        start = pd.to_datetime(row["start"], errors="coerce")
        end = pd.to_datetime(row["end"], errors="coerce")
        for col, v in (("start", start), ("end", end)):
            if pd.isna(v):
                raise InputError(
                    f"value {row[col]!r} is not a date",
                    "write YYYY-MM-DD",
                    file,
                    r,
                    col,
                    "bad_date",
                )
        try:
            lift, se = float(row["lift"]), float(row["lift_se"])
        except (TypeError, ValueError):
            raise InputError(
                "lift and lift_se must be numbers",
                "write plain numbers",
                file,
                r,
                "lift",
                "not_a_number",
            ) from None
        if not np.isfinite(lift) or not np.isfinite(se) or se <= 0:
            raise InputError(
                "lift must be a number and lift_se a number > 0",
                "fix the values",
                file,
                r,
                "lift_se",
                "invalid",
            )
        until = _measured_until(row, end, panel_end, file, r)
        change = spend_change_of(row, file, r)
        if ch not in spec.channel_names:
            findings.append(
                Finding(
                    "warning",
                    "mmm.lift_unknown_channel",
                    f"lift test on row {r} is for channel '{ch}', which is not "
                    "in the model; it was not used",
                    "check the channel name",
                    "mmm",
                )
            )
            continue
        s, e = np.datetime64(start.date(), "D"), np.datetime64(end.date(), "D")
        if e < s:
            raise InputError("end is before start", "swap them", file, r, "end", "invalid")
        if e < first or s > last + np.timedelta64(6, "D"):
            findings.append(
                Finding(
                    "warning",
                    "mmm.lift_outside",
                    f"lift test on row {r} ({ch}, {s}..{e}) lies outside the "
                    "fitted weeks; it was not used",
                    "use tests from the fitted period",
                    "mmm",
                )
            )
            continue
        geo = row.get("geo") if "geo" in frame.columns else None
        geo = None if geo is None or pd.isna(geo) or str(geo) == "" else str(geo)
        if geo is not None and geo not in panel.geos:
            raise InputError(
                f"geo '{geo}' is not in the media panel",
                "use a panel geo or leave it empty",
                file,
                r,
                "geo",
                "unknown_geo",
            )
        metric, value = _lift_metric(row, spec, file, r)  # tests the model uses
        if metric == "conversions":
            findings.append(
                Finding(
                    "info",
                    "mmm.lift_conversions_valued",
                    f"lift test on row {r} ({ch}) measured {lift:,.6g} "
                    f"conversions; valued at {value:,.6g} sales per conversion "
                    f"= {lift * value:,.6g} sales",
                    "check the value per conversion (value_per_conversion column or [calibration])",
                    "mmm",
                )
            )
        # weeks starting inside [start - 6 days, end] overlap the window
        tests.append(
            {
                "channel": ch,
                "start": s - np.timedelta64(6, "D"),
                "end": e,
                "measured_until": until,
                "lift": lift * value,
                "lift_se": se * value,
                "metric": metric,
                "value_per_conversion": value,
                "geo": geo,
                "spend_change": change,
            }
        )
    return tests, findings


def _blank(v: Any) -> bool:
    return v is None or (not isinstance(v, str) and pd.isna(v)) or str(v).strip() == ""


def spend_change_of(row: pd.Series, file: str, r: int) -> float | None:
    """The row's relative spend change (None: a switch-off test); one-line error when it
    is not a number above -1 and other than 0.

    Example
    -------
    >>> spend_change_of(pd.Series({"spend_change": "0.5"}), "lift.csv", 2)
    0.5
    >>> spend_change_of(pd.Series({"spend_change": ""}), "lift.csv", 2) is None
    True
    """
    raw = row.get(SPEND_CHANGE)
    if _blank(raw):
        return None
    try:
        v = float(raw)
    except (TypeError, ValueError):
        v = float("nan")
    if not (np.isfinite(v) and v > -1.0 and v != 0.0):
        raise InputError(
            f"{SPEND_CHANGE} {raw!r} is not a relative change above -1 and other than 0",
            "write the change as a fraction, e.g. 0.5 for +50% or -0.3 for -30% (leave "
            "it empty for a test that switched the channel off)",
            file,
            r,
            SPEND_CHANGE,
            "invalid_change",
        )
    return v


def _lift_metric(row: pd.Series, spec: MMMSpec, file: str, r: int) -> tuple[str, float]:
    """(metric, sales value of one unit of it) of a lift-test row."""
    raw = row.get("metric")
    metric = "sales" if _blank(raw) else str(raw).strip().lower()
    if metric == "sales":
        return metric, 1.0
    if metric != "conversions":
        raise InputError(
            f"metric {raw!r} is neither 'sales' nor 'conversions'",
            "write sales or conversions (or leave it empty for sales)",
            file,
            r,
            "metric",
            "bad_choice",
        )
    raw_v = row.get("value_per_conversion")
    if not _blank(raw_v):
        try:
            v = float(raw_v)
        except (TypeError, ValueError):
            v = float("nan")
        if not (np.isfinite(v) and v > 0):
            raise InputError(
                f"value_per_conversion {raw_v!r} is not a number > 0",
                "write the sales value of one conversion, e.g. 48.5",
                file,
                r,
                "value_per_conversion",
                "invalid",
            )
        return metric, v
    if spec.value_per_conversion is not None:
        return metric, float(spec.value_per_conversion)
    raise InputError(
        "the lift is in conversions but the model's target is sales, and no value "
        "per conversion is known",
        "add a value_per_conversion column to the lift "
        "tests, or '[calibration] value_per_conversion = ...' to the MMM config "
        "(a run with a conversions log uses its average order value)",
        file,
        r,
        "value_per_conversion",
        "no_value_per_conversion",
    )


def _measured_until(
    row: pd.Series, end: pd.Timestamp, panel_end: np.datetime64, file: str, r: int
) -> np.datetime64 | None:
    """The last day of the outcome window (None: the test window itself)."""
    raw = row.get("measured_until")
    if _blank(raw):
        return None
    u = pd.to_datetime(raw, errors="coerce")
    if pd.isna(u):
        raise InputError(
            f"value {raw!r} is not a date",
            "write YYYY-MM-DD or leave it empty",
            file,
            r,
            "measured_until",
            "bad_date",
        )
    out = np.datetime64(u.date(), "D")
    if out < np.datetime64(end.date(), "D"):
        raise InputError(
            f"measured_until {out} is before the test's end {end.date()}",
            "give the last day the outcome was measured (on or after end), or leave it empty",
            file,
            r,
            "measured_until",
            "invalid",
        )
    if out > panel_end:
        raise InputError(
            f"measured_until {out} is after the media panel's last week (ends {panel_end})",
            "extend the panel over the outcome window, or leave measured_until empty",
            file,
            r,
            "measured_until",
            "outside_panel",
        )
    return out
