"""RowAccounting invariant and the rejected-rows writer."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from attribution.data import RowAccounting, write_rejected


def test_invariant_is_enforced() -> None:
    acc = RowAccounting("f.csv", read=10, used=7, rejected={"negative": 2, "bad_date": 1})
    assert acc.n_rejected == 3
    assert acc.to_dict() == {
        "source": "f.csv",
        "read": 10,
        "used": 7,
        "blank": 0,
        "rejected": {"bad_date": 1, "negative": 2},
        "rejected_total": 3,
    }
    assert str(acc) == "f.csv: 10 rows read = 7 used + 3 rejected (bad_date: 1, negative: 2)"
    with pytest.raises(ValueError, match="does not add up"):
        RowAccounting("f.csv", read=10, used=8, rejected={"negative": 1})


def test_write_rejected_keeps_negative_numbers(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "cost": pd.Series(["-1.5", "-x", "@SUM(A1)", "3"], dtype="str"),
            "_row": [2, 3, 4, 5],
            "_reason": ["negative"] * 4,
            "_column": ["cost"] * 4,
        }
    )
    write_rejected(tmp_path / "r.csv", frame)
    back = pd.read_csv(tmp_path / "r.csv", dtype=str)
    assert back["cost"].tolist() == ["-1.5", "'-x", "'@SUM(A1)", "3"]
