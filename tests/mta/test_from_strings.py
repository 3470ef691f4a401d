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
    frame = pd.DataFrame({"path": paths, "total_conversions": rng.poisson(2, 500),
                          "total_conversion_value": rng.uniform(0, 9, 500),
                          "total_null": rng.poisson(3, 500)})
    fast = PathTable.from_strings(frame["path"], frame["total_conversions"],
                                  frame["total_conversion_value"], frame["total_null"])
    same(fast, PathTable.from_frame(frame))
    assert fast.n_paths < 500  # duplicates were summed
    assert fast.conversions.sum() == frame["total_conversions"].sum()


def test_strips_blanks_and_merges_paths_equal_after_stripping() -> None:
    t = PathTable.from_strings(["a>b ", " b", "a >b", "x", "x"], [1, 2, 3, 4, 5], sep=">")
    assert t.channels == ("a", "b", "x")
    assert [t.path(i) for i in range(t.n_paths)] == [("a", "b"), ("b",), ("x",)]
    np.testing.assert_allclose(t.conversions, [4, 2, 9])


@pytest.mark.parametrize(("paths", "counts", "row"), [
    (["a > b", "a > "], [1, 1], 3),
    (["", "b"], [1, 1], 2),
    (["b", None], [1, 1], 3),
    (["a", "b"], [1, -2], 3),
    (["a", "b"], [np.nan, 1], 2),
])
def test_bad_rows_raise_input_error_with_row(paths: list, counts: list, row: int) -> None:
    with pytest.raises(InputError) as err:
        PathTable.from_strings(paths, counts)
    assert err.value.row == row
