"""``attribution journeys``: files written, exit statuses, one-line errors."""

from __future__ import annotations

import json

import pandas as pd

from attribution.cli import main


def write_inputs(j, tmp_path):
    tp = j.touches([("a", 1, "search"), ("a", 2, "email"), ("ck1", 3, "=cmd"), ("b", 40, "social")])
    cv = j.conversions([("a", 3, 12.5), ("b", 41, 2)])
    idm = pd.DataFrame({"id": ["ck1"], "customer_id": ["b"]})
    tp.to_parquet(tmp_path / "tp.parquet")
    cv.to_csv(tmp_path / "cv.csv", index=False)
    idm.to_csv(tmp_path / "idm.csv", index=False)
    return tmp_path / "tp.parquet", tmp_path / "cv.csv", tmp_path / "idm.csv"


def test_journeys_command_writes_paths_accounting_and_journeys(j, tmp_path, capsys):
    tp, cv, idm = write_inputs(j, tmp_path)
    out = tmp_path / "out" / "paths.csv"
    rc = main(
        [
            "journeys",
            "--touchpoints",
            str(tp),
            "--conversions",
            str(cv),
            "--out",
            str(out),
            "--id-map",
            str(idm),
            "--lookback-days",
            "30",
            "--inactivity-days",
            "none",
            "--journeys-out",
            str(tmp_path / "journeys.parquet"),
        ]
    )
    assert rc == 0
    paths = pd.read_csv(out)
    assert paths.columns.tolist() == [
        "path",
        "total_conversions",
        "total_conversion_value",
        "total_null",
    ]
    got = {
        r.path: (r.total_conversions, r.total_conversion_value, r.total_null)
        for r in paths.itertuples()
    }
    # ck1 -> b: its '=cmd' touch (day 3) is 38 days before b's conversion: outside lookback;
    # the formula-like channel name is neutralised in the CSV
    assert got == {"search > email": (1, 12.5, 0), "'=cmd": (0, 0.0, 1), "social": (1, 2.0, 0)}
    acc = json.loads((tmp_path / "out" / "paths.csv.accounting.json").read_text())
    assert acc["touchpoints"]["read"] == 4 and acc["conversions"]["used"] == 2
    assert acc["options"]["lookback_days"] == 30 and acc["options"]["inactivity_days"] is None
    jt = pd.read_parquet(tmp_path / "journeys.parquet")
    assert jt.customer_id.tolist() == ["a", "b", "b"] and jt.journey_id.tolist() == [1, 1, 2]


def test_missing_column_exits_2_with_one_line(j, tmp_path, capsys):
    tp, cv, _ = write_inputs(j, tmp_path)
    pd.read_parquet(tp).drop(columns="timestamp").to_parquet(tp)
    rc = main(
        [
            "journeys",
            "--touchpoints",
            str(tp),
            "--conversions",
            str(cv),
            "--out",
            str(tmp_path / "p.csv"),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err
    assert "column 'timestamp'" in err and "tp.parquet" in err
    assert not (tmp_path / "p.csv").exists()


def test_bad_row_exits_2_and_lenient_quarantines(j, tmp_path, capsys):
    tp, cv, _ = write_inputs(j, tmp_path)
    c = pd.read_csv(cv)
    c.loc[1, "value"] = -3
    c.to_csv(cv, index=False)
    args = [
        "journeys",
        "--touchpoints",
        str(tp),
        "--conversions",
        str(cv),
        "--out",
        str(tmp_path / "p.csv"),
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "row 3" in err and "column 'value'" in err and "negative" in err
    assert main([*args, "--lenient"]) == 0
    rej = pd.read_csv(tmp_path / "p.csv.rejected.csv")
    assert rej[["input", "row", "reason"]].values.tolist() == [["conversions", 3, "negative_value"]]
    acc = json.loads((tmp_path / "p.csv.accounting.json").read_text())
    assert acc["conversions"]["rejected"] == {"negative_value": 1}
    assert acc["conversions"]["read"] == 2 and acc["conversions"]["used"] == 1


def test_usage_errors_exit_2(j, tmp_path, capsys):
    tp, cv, _ = write_inputs(j, tmp_path)
    base = ["journeys", "--touchpoints", str(tp), "--conversions", str(cv)]
    assert main([*base, "--out", str(tmp_path / "p.txt")]) == 2
    assert main([*base, "--out", str(tmp_path / "p.csv"), "--lookback-days", "-2"]) == 2
    assert main([*base, "--out", str(tmp_path / "p.csv"), "--spark-conf", "novalue"]) == 2
    assert main([*base, "--out", str(tmp_path / "p.csv"), "--engine", "pandas"]) == 2
    err = capsys.readouterr().err
    assert err.count("error: ") == 4 and "Traceback" not in err
