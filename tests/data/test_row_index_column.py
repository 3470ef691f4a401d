"""A row index written by a data-frame library (an unnamed first column 0, 1, 2 ...) is
dropped and counted; an unnamed column holding data is still refused."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from attribution.data import load_media
from attribution.errors import InputError

PANEL = pd.DataFrame(
    {
        "date": pd.date_range("2024-01-01", periods=30, freq="W-MON").strftime("%Y-%m-%d"),
        "sales": [100.0 + i for i in range(30)],
        "spend_tv": [10.0 + (i % 3) for i in range(30)],
    }
)


def test_pandas_row_index_is_dropped_and_counted(tmp_path: Path) -> None:
    PANEL.to_csv(tmp_path / "m.csv")  # pandas writes the index as an unnamed first column
    loaded = load_media(tmp_path / "m.csv")
    assert list(loaded.frame.columns)[:3] == ["date", "sales", "spend_tv"]
    assert loaded.accounting.notes == {"row_index_column_dropped": 30}
    assert loaded.accounting.read == loaded.accounting.used == 30


def test_an_unnamed_column_with_data_is_refused(tmp_path: Path) -> None:
    PANEL.set_axis(["", "sales", "spend_tv"], axis=1).assign(date=PANEL["date"]).to_csv(
        tmp_path / "m.csv", index=False
    )
    with pytest.raises(InputError, match="no name in the header"):
        load_media(tmp_path / "m.csv")
