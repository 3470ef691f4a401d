"""Property-based fuzzing of the media-panel and lift-test loaders (issue #7, item 2).

A random weekly panel (0-2 geos, 1-10 weeks, 1-3 channels, a control) gets one
mutation; loading it either raises a one-line ``InputError`` naming the file, or
returns a panel that is sorted, weekly without gaps, the same weeks in every geo,
with every number as written and its findings consistent with the columns.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attribution.data import load_lift_tests, load_media
from attribution.errors import InputError

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
MUTATIONS = (
    "none",
    "drop_row",
    "duplicate_row",
    "blank_cell",
    "text_cell",
    "negative",
    "shift_day",
    "huge",
    "zero_channel",
    "constant_control",
    "nan_control",
    "future",
)


@st.composite
def panels(draw: st.DrawFn) -> pd.DataFrame:
    n_geo = draw(st.integers(0, 2))
    weeks = draw(st.integers(1, 10))
    n_ch = draw(st.integers(1, 3))
    start = dt.date(2024, 1, 1) + dt.timedelta(weeks=draw(st.integers(0, 50)))
    geos = [f"g{i}" for i in range(n_geo)] or [None]
    rows = []
    for g in geos:
        for w in range(weeks):
            row = {"date": (start + dt.timedelta(weeks=w)).isoformat()}
            if g is not None:
                row["geo"] = g
            row["sales"] = str(draw(st.integers(0, 10**6)) / 100)
            for c in range(n_ch):
                row[f"spend_ch{c}"] = str(draw(st.integers(0, 10**5)) / 10)
            row["price"] = str(draw(st.integers(500, 1500)) / 100)
            rows.append(row)
    return pd.DataFrame(rows, dtype="str")


@FUZZ
@given(panel=panels(), mutation=st.sampled_from(MUTATIONS), data=st.data(), lenient=st.booleans())
def test_mutated_panels_load_or_fail_clearly(
    tmp_path_factory, panel: pd.DataFrame, mutation: str, data: st.DataObject, lenient: bool
) -> None:
    df = panel.copy()
    i = data.draw(st.integers(0, len(df) - 1))
    numeric = [c for c in df.columns if c not in ("date", "geo")]
    col = data.draw(st.sampled_from(numeric))
    if mutation == "drop_row":
        df = df.drop(index=i)
    elif mutation == "duplicate_row":
        df = pd.concat([df, df.iloc[[i]]], ignore_index=True)
    elif mutation == "blank_cell":
        df.loc[i, col] = ""
    elif mutation == "text_cell":
        df.loc[i, col] = "n/a"
    elif mutation == "negative":
        df.loc[i, col] = "-5"
    elif mutation == "shift_day":
        df.loc[i, "date"] = (
            (pd.Timestamp(df.loc[i, "date"]) + pd.Timedelta(days=1)).date().isoformat()
        )
    elif mutation == "huge":
        df.loc[i, col] = "1e300"
    elif mutation == "zero_channel":
        df["spend_ch0"] = "0"
    elif mutation == "constant_control":
        df["price"] = "9.99"
    elif mutation == "nan_control":
        df["price"] = "NaN"
    elif mutation == "future":
        df.loc[i, "date"] = "2999-01-06"
    path = tmp_path_factory.mktemp("media") / "media.csv"
    df.to_csv(path, index=False)
    try:
        loaded = load_media(path, lenient=lenient)
    except InputError as exc:
        assert exc.file == str(path) and "\n" not in str(exc) and ". Fix: " in str(exc)
        assert mutation != "none" or len(panel["date"].unique()) < 2
        return
    assert mutation != "nan_control"
    bad_cell = mutation in ("huge", "text_cell", "blank_cell") or (
        mutation == "negative" and col != "price"
    )  # a control may be negative
    if bad_cell or mutation == "future":
        # strict stops; lenient rejects that row (a week at either end: no gap is left)
        assert lenient and i + 2 not in loaded.rows.tolist()
    acc = loaded.accounting
    assert acc.read == len(df) == acc.used + acc.n_rejected
    frame = loaded.frame
    geo_groups = frame.groupby("geo") if "geo" in frame.columns else [(None, frame)]
    weeks = None
    for _, g in geo_groups:
        d = g["date"].to_numpy()
        assert (np.diff(d) == np.timedelta64(7, "D")).all()  # sorted, weekly, no gap
        weeks = d if weeks is None else weeks
        assert np.array_equal(d, weeks)  # the same weeks in every geo
    # every used value is the number written in its row
    raw = df.reset_index(drop=True)
    for j, r in enumerate(loaded.rows.tolist()):
        src = raw.iloc[r - 2]
        for c in numeric:
            assert frame[c].iloc[j] == pytest.approx(float(src[c]))
    codes = {f.code for f in loaded.findings}
    zero = [c for c in frame.columns if c.startswith("spend_") and (frame[c] == 0).all()]
    assert ("data.zero_channel" in codes) == bool(zero)
    const_price = frame["price"].nunique() == 1 and len(frame) > 1
    assert ("data.constant_control" in codes) == const_price


@FUZZ
@given(
    start=st.dates(dt.date(1980, 1, 1), dt.date(2030, 12, 31)),
    days=st.integers(-3, 40),
    se=st.sampled_from(["10", "0", "-1", "", "abc", "1e20"]),
    lift=st.sampled_from(["100", "-50", "nan", "inf", "", "1e16"]),
)
def test_lift_tests_load_or_fail_clearly(
    tmp_path_factory, start: dt.date, days: int, se: str, lift: str
) -> None:
    end = start + dt.timedelta(days=days)
    path = tmp_path_factory.mktemp("lift") / "lift.csv"
    Path(path).write_text(f"channel,start,end,lift,lift_se\ntv,{start},{end},{lift},{se}\n")
    try:
        loaded = load_lift_tests(path)
    except InputError as exc:
        assert exc.row == 2 and exc.file == str(path) and "\n" not in str(exc)
        return
    assert days >= 0 and se == "10" and lift in ("100", "-50")
    assert dt.date(1990, 1, 1) <= start and end <= dt.date.today() + dt.timedelta(days=1)
    row = loaded.frame.iloc[0]
    assert (row["lift"], row["lift_se"]) == (float(lift), 10.0)
    assert ("data.lift_one_day" in {f.code for f in loaded.findings}) == (days == 0)
