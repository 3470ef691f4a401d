import json

import pandas as pd
import pytest

from attribution.errors import InputError, UsageError
from attribution.io import atomic_path, neutralise_formulas, safe_child, write_csv, write_json


def test_formula_cells_are_neutralised_numbers_untouched(tmp_path):
    frame = pd.DataFrame(
        {
            "channel": ['=HYPERLINK("x")', "+cmd", "-2+3", "@SUM(A1)", "search"],
            "value": [-1.5, 2.0, 3.0, 4.0, 5.0],
        }
    )
    out = neutralise_formulas(frame)
    assert list(out["channel"]) == ['\'=HYPERLINK("x")', "'+cmd", "'-2+3", "'@SUM(A1)", "search"]
    assert list(out["value"]) == [-1.5, 2.0, 3.0, 4.0, 5.0]
    path = write_csv(tmp_path / "t.csv", frame)
    back = pd.read_csv(path)
    assert back.loc[0, "channel"].startswith("'=") and back.loc[0, "value"] == -1.5


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half-writ")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]


def test_write_json_is_stable(tmp_path):
    import numpy as np

    a = write_json(tmp_path / "a.json", {"b": np.float64(1.5), "a": [np.int64(2)]})
    assert json.loads(a.read_text()) == {"a": [2], "b": 1.5}
    assert a.read_text().index('"a"') < a.read_text().index('"b"')


def test_safe_child_refuses_escape(tmp_path):
    assert safe_child(tmp_path, "sub/file.csv") == (tmp_path / "sub/file.csv").resolve()
    for bad in ("../evil.csv", "/etc/passwd", "a/../../x"):
        with pytest.raises(UsageError):
            safe_child(tmp_path, bad)


def test_input_error_is_one_line_with_location():
    err = InputError(
        "value 'abc' is not a number\non two lines",
        "write plain numbers",
        file="media.csv",
        row=7,
        column="spend_tv",
    )
    text = str(err)
    assert "\n" not in text
    assert text == (
        "media.csv, row 7, column 'spend_tv': value 'abc' is not a number on two "
        "lines. Fix: write plain numbers"
    )
