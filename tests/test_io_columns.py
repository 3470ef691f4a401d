"""``write_columns_csv`` writes what ``write_csv`` writes for the same table, byte for byte."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from attribution.io import write_columns_csv, write_csv
from attribution.mta import PathAttribution, PathTable


def test_same_bytes_as_write_csv_on_awkward_values(tmp_path: Path) -> None:
    columns = {
        "model": ["markov", "markov", "first", "first", "x"],
        "channel": ["a, b", 'say "hi"', "=cmd", "line\nbreak", "-neg"],
        "conversions": np.array([1.0 / 3.0, -0.0, 1e-300, 123456789012.5, np.inf]),
        "ci_low": np.full(5, np.nan),
        "value": np.array([np.nan, 2.5, -7.25, 1e15, 0.1 + 0.2]),
        "basis": ["", "touch times, half-life 7 days", "", "+1", ""],
    }
    write_columns_csv(tmp_path / "a.csv", columns)
    write_csv(tmp_path / "b.csv", pd.DataFrame(columns))
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_results_columns_are_the_results_frame() -> None:
    t = PathTable.from_paths([("a", "b"), ("b",), ("c", "a")], [1, 2, 0], [10, 5, 0], [1, 1, 3])
    res = PathAttribution(models=("time_decay", "markov"), order=1, bootstrap=20).fit(t)
    pd.testing.assert_frame_equal(pd.DataFrame(res.to_columns()), res.to_frame())
