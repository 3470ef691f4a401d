"""Bounds files and their resolution into spend limits."""

from __future__ import annotations

import numpy as np
import pytest

from attribution.errors import InputError, UsageError
from attribution.optimize.bounds import ChannelBounds, check_feasible, read_bounds, resolve_bounds

CH = ["tv", "search", "social"]


def _write(tmp_path, text: str):
    p = tmp_path / "bounds.csv"
    p.write_text(text, encoding="utf-8")
    return p


def test_read_bounds_all_columns(tmp_path) -> None:
    p = _write(
        tmp_path,
        "channel,min,max,min_pct,max_pct,locked\n"
        "tv,100,2000,,,\nsearch,,,-20,30%,\nspend_social,,,,,TRUE\n",
    )
    b = read_bounds(p, CH)
    assert b["tv"] == ChannelBounds(min=100.0, max=2000.0)
    assert b["search"] == ChannelBounds(min_pct=-20.0, max_pct=30.0)
    assert b["social"].locked
    lo, hi, lk = resolve_bounds(b, CH, np.array([1000.0, 500.0, 300.0]))
    np.testing.assert_allclose(lo, [100.0, 400.0, 300.0])
    np.testing.assert_allclose(hi, [2000.0, 650.0, 300.0])
    assert lk.tolist() == [False, False, True]


def test_unbounded_channels_are_free() -> None:
    lo, hi, lk = resolve_bounds(None, CH, np.ones(3))
    assert lo.tolist() == [0.0] * 3 and np.isinf(hi).all() and not lk.any()


@pytest.mark.parametrize(
    "text,row,column,what",
    [
        ("channel,min\nradio,5\n", 2, "channel", "unknown channel 'radio'"),
        ("channel,min\ntv,5\ntv,6\n", 3, "channel", "appears twice"),
        ("channel,min\ntv,abc\n", 2, "min", "'abc' is not a number"),
        ("channel,min,max\ntv,1,\nsearch,9,3\n", 3, "min", "min 9.0 is larger than max 3.0"),
        ("channel,locked\ntv,maybe\n", 2, "locked", "not true or false"),
        ("channel,min\ntv,-5\n", 2, "min", "negative"),
        ("channel,min_pct\ntv,-150\n", 2, "min_pct", "below -100%"),
        ("channel,minimum\ntv,5\n", 1, "minimum", "unknown column"),
        ("chan,min\ntv,5\n", 1, None, "missing required column 'channel'"),
    ],
)
def test_bad_bounds_files_name_row_and_column(tmp_path, text, row, column, what) -> None:
    with pytest.raises(InputError) as info:
        read_bounds(_write(tmp_path, text), CH)
    err = info.value
    assert (err.row, err.column) == (row, column)
    assert what in str(err) and "\n" not in str(err)
    assert str(tmp_path / "bounds.csv") in str(err)


def test_missing_bounds_file(tmp_path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_bounds(tmp_path / "nope.csv", CH)


def test_check_feasible_profit_allows_underspend() -> None:
    lo, hi, lk = np.zeros(2), np.array([1.0, 1.0]), np.zeros(2, bool)
    check_feasible(["a", "b"], lo, hi, lk, 10.0, spend_all=False)  # may spend less
    with pytest.raises(UsageError, match=r"maximum spends add up to 2\.00"):
        check_feasible(["a", "b"], lo, hi, lk, 10.0, spend_all=True)
    with pytest.raises(UsageError, match="non-negative"):
        check_feasible(["a", "b"], lo, hi, lk, float("nan"), spend_all=True)
