"""PathTable.from_strings (fast encoder added for the mta command) agrees with from_frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution.errors import InputError
from attribution.mta.paths import PathTable


def same(a: PathTable, b: PathTable) -> None:
    assert a.channels == b.channels
    np.testing.assert_array_equal(a.offsets, b.offsets)
    np.testing.assert_array_equal(a.steps, b.steps)
    for name in ("conversions", "value", "nulls"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name))


def test_matches_from_frame_on_random_paths_with_duplicates() -> None:
    rng = np.random.default_rng(0)
    names = ["search", "(direct)", "e-mail", "tv spot", "x"]
    paths = [" > ".join(rng.choice(names, rng.integers(1, 5))) for _ in range(500)]
    frame = pd.DataFrame(
        {
            "path": paths,
            "total_conversions": rng.poisson(2, 500),
            "total_conversion_value": rng.uniform(0, 9, 500),
            "total_null": rng.poisson(3, 500),
        }
    )
    fast = PathTable.from_strings(
        frame["path"],
        frame["total_conversions"],
        frame["total_conversion_value"],
        frame["total_null"],
    )
    same(fast, PathTable.from_frame(frame))
    assert fast.n_paths < 500  # duplicates were summed
    assert fast.conversions.sum() == frame["total_conversions"].sum()


def test_strips_blanks_and_merges_paths_equal_after_stripping() -> None:
    t = PathTable.from_strings(["a>b ", " b", "a >b", "x", "x"], [1, 2, 3, 4, 5], sep=">")
    assert t.channels == ("a", "b", "x")
    assert [t.path(i) for i in range(t.n_paths)] == [("a", "b"), ("b",), ("x",)]
    np.testing.assert_allclose(t.conversions, [4, 2, 9])


@pytest.mark.parametrize(
    ("paths", "counts", "row"),
    [
        (["a > b", "a > "], [1, 1], 3),
        (["", "b"], [1, 1], 2),
        (["b", None], [1, 1], 3),
        (["a", "b"], [1, -2], 3),
        (["a", "b"], [np.nan, 1], 2),
    ],
)
def test_bad_rows_raise_input_error_with_row(paths: list, counts: list, row: int) -> None:
    with pytest.raises(InputError) as err:
        PathTable.from_strings(paths, counts)
    assert err.value.row == row


def reference(paths: list[str], counts: list[float], sep: str = " > ") -> tuple:
    """Plain-Python encoder: strip steps, sum duplicates in first-occurrence order."""
    merged: dict[tuple[str, ...], float] = {}
    for p, c in zip(paths, counts, strict=True):
        key = tuple(s.strip() for s in p.split(sep))
        merged[key] = merged.get(key, 0.0) + c
    channels = tuple(sorted({s for k in merged for s in k}))
    return channels, list(merged), list(merged.values())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_plain_python_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    names = ["a", " a", "b ", "(x)", "é y", "z\t", "ab", "A"]
    paths = [" > ".join(rng.choice(names, rng.integers(1, 6))) for _ in range(2000)]
    counts = rng.poisson(3, 2000).astype(float)
    t = PathTable.from_strings(pd.Series(paths, dtype="str"), counts)
    channels, keys, sums = reference(paths, counts.tolist())
    assert t.channels == channels
    assert [t.path(i) for i in range(t.n_paths)] == keys
    np.testing.assert_array_equal(t.conversions, sums)  # integer counts: exact
    assert t.steps.dtype == np.int32 and t.offsets[-1] == len(t.steps)


def test_code_sequences_that_share_bytes_are_not_merged() -> None:
    # ("a", "b") vs ("ab",) vs ("b", "a"): distinct paths whatever their concatenation
    t = PathTable.from_strings(["a > b", "ab", "b > a", "a > b", "ab"], [1, 2, 4, 8, 16])
    assert [t.path(i) for i in range(t.n_paths)] == [("a", "b"), ("ab",), ("b", "a")]
    np.testing.assert_array_equal(t.conversions, [9, 18, 4])
    np.testing.assert_array_equal(t.offsets, [0, 2, 3, 5])


@pytest.mark.parametrize(
    "make",
    [
        list,
        lambda p: pd.Series(p, dtype="str"),
        lambda p: pd.Series(p, dtype="string[python]"),
        lambda p: np.array(p, dtype=object),
    ],
)
def test_input_containers_agree(make) -> None:
    paths = ["x > y", "y", None, "x > y"]
    with pytest.raises(InputError) as err:
        PathTable.from_strings(make(paths), [1, 2, 3, 4])
    assert err.value.row == 4 and err.value.column == "path"
    paths[2] = " y "
    t = PathTable.from_strings(make(paths), [1, 2, 3, 4], nulls=[5, 6, 7, 8])
    np.testing.assert_array_equal(t.conversions, [5, 5])
    np.testing.assert_array_equal(t.nulls, [13, 13])


def test_non_string_paths_use_str_and_empty_input_gives_empty_table() -> None:
    t = PathTable.from_strings([1.5, "a"], [1, 2])
    assert t.channels == ("1.5", "a")
    empty = PathTable.from_strings([], [])
    assert empty.n_paths == 0 and empty.channels == () and empty.offsets.tolist() == [0]


def test_from_frame_reports_first_bad_row_in_named_column() -> None:
    frame = pd.DataFrame({"p": ["a > b", "b", "a >  > b", " > c"], "total_conversions": 1})
    with pytest.raises(InputError) as err:
        PathTable.from_frame(frame, path_col="p")
    assert (err.value.row, err.value.column, err.value.reason) == (4, "p", "empty_path")
