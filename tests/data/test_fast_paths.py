"""The fast paths of path-table validation give what the full parser gives.

Clean number columns are cast in Arrow (``plain_decimals``), clean path columns are
checked in one regex pass and not rewritten, and the CSV is parsed in parallel. Each is
compared here with the full parser (the fast path switched off) on tables with planted
bad rows: the same rows rejected for the same reasons, the same one-line messages, the
same clean values and row accounting.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from attribution.data import parsers, validate_frame
from attribution.data.parsers import plain_decimals
from attribution.data.read import read_table
from attribution.errors import InputError

HEADER = "path,total_conversions,total_conversion_value,total_null\n"
CLEAN_ROWS = [
    "a > b,1,10.5,3",
    "b > c > a,0,0,7",
    "c,2,31.25,0",
    "a > c,1,1e2,4",
    "b,0,.5,2",
]
# one planted problem per row, each a reason the validator must name
BAD_ROWS = [
    "a > b,x,1,1",  # not_a_number (total_conversions)
    "a > b > c,1,,1",  # value empty: allowed (not required), must stay empty
    "c > a,-1,0,1",  # negative
    "b > a,nan,0,1",  # not_finite (a required count)
    "a >  > b,1,0,1",  # empty_step
    ",1,0,1",  # empty_path
    "a>b,2,5,5",  # not canonical: rewritten to 'a > b' and summed into row 2
    "c  >   b,1,1,1",  # not canonical: rewritten
    "a > b,1,0,1e400",  # not_finite (overflows to inf)
    "b > c,1,1 000,1",  # not_a_number (thousands separator)
]


def _write(tmp_path: Path, rows: list[str], name: str = "p.csv") -> Path:
    f = tmp_path / name
    f.write_text(HEADER + "\n".join(rows) + "\n")
    return f


def _validate(path: Path, lenient: bool = True):
    raw = read_table(path)
    return validate_frame(
        raw.frame,
        "paths",
        source=raw.source,
        lenient=lenient,
        rows=raw.rows,
        bad_lines=raw.bad_lines,
        blank=raw.blank,
    )


def _full_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """Switch the fast paths off: every column goes through the full parser."""
    monkeypatch.setattr(parsers, "plain_decimals", lambda s: None)
    monkeypatch.setattr(parsers, "_NOT_CANONICAL", r"[\s\S]")  # every path rewritten


def test_plain_decimals_match_pandas() -> None:
    texts = ["0", "12", "-3.5", "+7", "1e6", "2.5E-3", ".5", "5.", "0.1", "123456789.123456789"]
    got = plain_decimals(pd.Series(texts, dtype="str"))
    want = pd.to_numeric(pd.Series(texts)).to_numpy(dtype=float)
    np.testing.assert_array_equal(got, want)  # bit for bit


@pytest.mark.parametrize(
    "texts",
    [["1", ""], ["1", "nan"], ["1", "inf"], ["1", " 2"], ["1,5"], ["1 000"], ["x"], ["1e400"]],
)
def test_plain_decimals_decline_anything_else(texts: list[str]) -> None:
    assert plain_decimals(pd.Series(texts, dtype="str")) is None


def test_clean_table_fast_equals_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = _write(tmp_path, CLEAN_ROWS)
    fast = _validate(f, lenient=False)
    _full_parser(monkeypatch)
    full = _validate(f, lenient=False)
    pd.testing.assert_frame_equal(fast.frame, full.frame)
    assert fast.accounting == full.accounting
    assert fast.frame["path"].tolist() == ["a > b", "b > c > a", "c", "a > c", "b"]
    assert fast.frame["total_conversion_value"].tolist() == [10.5, 0.0, 31.25, 100.0, 0.5]


def test_planted_bad_rows_fast_equals_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = _write(tmp_path, CLEAN_ROWS + BAD_ROWS)
    fast = _validate(f)
    _full_parser(monkeypatch)
    full = _validate(f)
    pd.testing.assert_frame_equal(fast.frame, full.frame)
    pd.testing.assert_frame_equal(fast.rejected_frame, full.rejected_frame)
    assert fast.accounting == full.accounting
    # hand-checked: spreadsheet rows (header = 1) and reasons of the planted problems
    got = dict(zip(fast.rejected_frame["_row"], fast.rejected_frame["_reason"], strict=True))
    assert got == {
        7: "not_a_number",
        9: "negative",
        10: "not_finite",
        11: "empty_step",
        12: "empty_path",
        15: "not_finite",
        16: "not_a_number",
    }
    acc = fast.accounting
    assert (acc.read, acc.used, acc.n_rejected) == (15, 8, 7)
    assert acc.notes["duplicate_paths_summed"] == 1  # 'a>b' added to 'a > b'
    paths = fast.frame["path"].tolist()
    assert paths == ["a > b", "b > c > a", "c", "a > c", "b", "a > b > c", "c > b"]
    assert fast.frame["total_conversions"].tolist()[0] == 3.0  # 1 + 2 (row 13 summed)
    assert np.isnan(fast.frame["total_conversion_value"].iloc[5])  # empty stays empty


@pytest.mark.parametrize("k", range(len(BAD_ROWS)))
def test_strict_messages_fast_equal_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, k: int
) -> None:
    f = _write(tmp_path, [*CLEAN_ROWS, BAD_ROWS[k]])

    def message() -> str | None:
        try:
            _validate(f, lenient=False)
        except InputError as exc:
            return str(exc)
        return None

    fast = message()
    _full_parser(monkeypatch)
    assert fast == message()
    if k in (1, 6, 7):  # empty optional value, separators to rewrite: no error
        assert fast is None
    else:
        assert fast is not None and "row 7" in fast and "\n" not in fast


def test_parallel_read_keeps_row_numbers_of_bad_lines(tmp_path: Path) -> None:
    rows = [f"a > b,{i % 3},1,2" for i in range(20_000)]
    rows[12_345] = "a > b,1,2"  # too few fields
    rows[17_000] = "a > b,1,2,3,4"  # too many
    raw = read_table(_write(tmp_path, rows))
    assert raw.bad_lines["_row"].tolist() == [12_347, 17_002]
    assert len(raw.frame) == 19_998
    assert raw.rows[12_345] == 12_348  # the row after the skipped one keeps its number
