"""``attribution validate``: accounting on stdout, exit 0; rejected file; flags."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

GOOD = (
    "customer_id,timestamp,channel,cost\n"
    "c1,2024-03-01 10:00:00,search,0.5\n"
    "c2,2024-03-01 11:00:00,email,-3\n"
    "c3,2024-03-01 12:00:00,social,=1+1\n"
    "c4,2024-03-01 13:00:00,tv,2\n"
)


def test_good_file_prints_accounting(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(GOOD.replace("-3", "3").replace("=1+1", "1"))
    code, out, err = run_cli("validate", "--kind", "touchpoints", path)
    assert code == 0 and err == ""
    assert f"{path}: 4 rows read = 4 used + 0 rejected" in out


def test_lenient_writes_rejected_rows(run_cli, tmp_path: Path) -> None:
    path, rej = tmp_path / "t.csv", tmp_path / "out" / "rejected.csv"
    path.write_text(GOOD)
    code, out, _ = run_cli(
        "validate", "--kind", "touchpoints", path, "--lenient", "--rejected", rej, "--json"
    )
    assert code == 0
    acc = json.loads(out)
    assert acc["read"] == 4 and acc["used"] == 2
    assert acc["rejected"] == {"negative": 1, "not_a_number": 1}
    back = pd.read_csv(rej, dtype=str, keep_default_na=False)
    assert back["_row"].tolist() == ["3", "4"]
    assert back["_reason"].tolist() == ["negative", "not_a_number"]
    assert back["_column"].tolist() == ["cost", "cost"]
    assert back["customer_id"].tolist() == ["c2", "c3"]
    assert back["cost"].tolist() == ["-3", "'=1+1"]  # numbers stay numbers; formulas defused


def test_strict_is_the_default(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(GOOD)
    code, out, err = run_cli(
        "validate", "--kind", "touchpoints", path, "--rejected", tmp_path / "r.csv"
    )
    assert code == 2 and out == ""
    assert err.strip() == (
        f"error: {path}, row 3, column 'cost': value '-3' is negative. Fix: "
        "amounts and counts must be 0 or more; correct or remove the row"
    )


def test_path_table_flags(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "p.tsv"
    path.write_text("p\tc\tv\tn\na>b\t3\t30\t10\nb\t1\t10\t0\n")
    code, out, _ = run_cli(
        "validate",
        "--kind",
        "paths",
        path,
        "--sep",
        ">",
        "--path-col",
        "p",
        "--conv-col",
        "c",
        "--value-col",
        "v",
        "--null-col",
        "n",
        "--delimiter",
        "tab",
    )
    assert code == 0 and "2 rows read = 2 used + 0 rejected" in out
    code, _, err = run_cli("validate", "--kind", "paths", path, "--path-col", "pth")
    assert code == 2 and "column 'pth'" in err


def test_usage_errors_exit_2(run_cli, tmp_path: Path) -> None:
    code, _, err = run_cli("validate", "--kind", "nope", tmp_path / "x.csv")
    assert code == 2 and "invalid choice" in err
    code, _, err = run_cli("validate", "--kind", "media", tmp_path / "missing.csv")
    assert code == 2 and "file not found" in err and len(err.strip().splitlines()) == 1


def test_parquet_file(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "conv.parquet"
    pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "value": [1.0, 2.5],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02"], utc=True),
        }
    ).to_parquet(path)
    code, out, _ = run_cli("validate", "--kind", "conversions", path)
    assert code == 0 and "2 rows read = 2 used + 0 rejected" in out
