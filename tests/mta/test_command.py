"""`attribution mta`: formats of other tools, long CSV output, one-line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from attribution.cli import main


@pytest.fixture
def paths_csv(tmp_path: Path) -> Path:
    p = tmp_path / "paths.csv"
    pd.DataFrame(
        {
            "path": ["a > b", "b > c", "a", "c", "=cmd > a"],
            "total_conversions": [1, 1, 0, 2, 1],
            "total_conversion_value": [10, 30, 0, 20, 5],
            "total_null": [1, 0, 2, 0, 3],
        }
    ).to_csv(p, index=False)
    return p


def run(*args: object) -> int:
    return main(["-q", "mta", *map(str, args)])


def test_own_format_long_csv(paths_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "mta.csv"
    tables = tmp_path / "tables"
    assert (
        run("--paths", paths_csv, "--out", out, "--bootstrap", 30, "--seed", 1, "--tables", tables)
        == 0
    )
    frame = pd.read_csv(out)
    assert list(frame.columns)[:6] == [
        "model",
        "channel",
        "conversions",
        "value",
        "ci_low",
        "ci_high",
    ]
    sums = frame.groupby("model")["conversions"].sum()
    np.testing.assert_allclose(sums, 5.0)
    assert "'=cmd" in set(frame["channel"])  # formula neutralised by write_csv
    assert frame["ci_low"].notna().all()
    assert {"transition_matrix.csv", "removal_effects.csv", "order_comparison.csv"} <= {
        p.name for p in tables.iterdir()
    }


def test_channelattribution_format_semicolon_and_compact_separator(tmp_path: Path) -> None:
    src = tmp_path / "ca.csv"
    src.write_text(
        "path;total_conversions;total_conversion_value;total_null\n"
        "a>b;1;10;1\nb>c;1;30;0\na;0;0;2\nc;2;20;0\n"
    )
    out = tmp_path / "o.csv"
    assert run("--paths", src, "--out", out, "--models", "markov", "--order", 1, "--sep", ">") == 0
    got = pd.read_csv(out).set_index("channel")["conversions"]
    np.testing.assert_allclose(got[["a", "b", "c"]], [16 / 19, 24 / 19, 36 / 19])


def test_mam_grouped_journey_format(tmp_path: Path) -> None:
    src = tmp_path / "mam.csv"
    pd.DataFrame(
        {
            "channels": ["a > b", "a > b", "b > c", "a", "c"],
            "has_transaction": ["true", "false", "True", "0", "1"],
            "occurrences": [1, 1, 1, 2, 2],
            "conversion_value": [10, None, 30, None, 20],
        }
    ).to_csv(src, index=False)
    out = tmp_path / "o.csv"
    assert run("--paths", src, "--out", out, "--models", "markov,last", "--order", 1) == 0
    got = pd.read_csv(out)
    mk = got[got.model == "markov"].set_index("channel")
    np.testing.assert_allclose(mk["conversions"], [16 / 19, 24 / 19, 36 / 19])
    np.testing.assert_allclose(mk["value"], [192 / 17, 288 / 17, 540 / 17])


def test_custom_columns(tmp_path: Path) -> None:
    src = tmp_path / "p.csv"
    pd.DataFrame({"journey": ["x|y", "y"], "conv": [2, 1], "nulls": [1, 1]}).to_csv(
        src, index=False
    )
    out = tmp_path / "o.csv"
    assert (
        run(
            "--paths",
            src,
            "--out",
            out,
            "--models",
            "first",
            "--sep",
            "|",
            "--path-col",
            "journey",
            "--conv-col",
            "conv",
            "--null-col",
            "nulls",
        )
        == 0
    )
    got = pd.read_csv(out).set_index("channel")["conversions"]
    assert got.to_dict() == {"x": 2.0, "y": 1.0}


def test_bad_input_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    src = tmp_path / "bad.csv"
    src.write_text("path,total_conversions,total_null\na > b,1,1\nb,-1,1\n,2,3\n")
    out = tmp_path / "o.csv"
    assert run("--paths", src, "--out", out) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "row 3" in err and "total_conversions" in err
    assert not out.exists()
    # lenient: rows quarantined, the rest used
    assert run("--paths", src, "--out", out, "--lenient", "--models", "linear") == 0
    rejected = pd.read_csv(tmp_path / "o.rejected.csv")
    assert sorted(rejected["_reason"]) == ["empty_path", "negative"]
    assert pd.read_csv(out)["conversions"].sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "args",
    [
        ["--models", "first,nope"],
        ["--order", "x"],
        ["--position-weights", "1,2"],
        ["--bootstrap", "-3"],
    ],
)
def test_bad_usage_exit_2(
    paths_csv: Path, tmp_path: Path, args: list[str], capsys: pytest.CaptureFixture
) -> None:
    assert run("--paths", paths_csv, "--out", tmp_path / "o.csv", *args) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_missing_file_and_missing_column(tmp_path: Path) -> None:
    assert run("--paths", tmp_path / "none.csv", "--out", tmp_path / "o.csv") == 2
    src = tmp_path / "p.csv"
    src.write_text("route,total_conversions\na,1\n")
    assert run("--paths", src, "--out", tmp_path / "o.csv") == 2


# ------------------------------------------------------------- time decay from timestamps
@pytest.fixture
def logs(tmp_path: Path) -> tuple[Path, Path]:
    """c1: email 7 days and search 0 days before a 30.0 conversion; c2: search 1 day before a
    12.0 conversion and an email 3.5 days before; c3 never converts."""
    tp = tmp_path / "tp.csv"
    tp.write_text(
        "customer_id,timestamp,channel\n"
        "c1,2024-01-01 00:00:00,email\nc1,2024-01-08 00:00:00,search\n"
        "c2,2024-01-06 12:00:00,email\nc2,2024-01-09 00:00:00,search\n"
        "c3,2024-01-02 00:00:00,email\n"
    )
    cv = tmp_path / "cv.csv"
    cv.write_text(
        "customer_id,timestamp,value\nc1,2024-01-08 00:00:00,30\nc2,2024-01-10 00:00:00,12\n"
    )
    return tp, cv


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_time_decay_from_touch_times_end_to_end(
    logs: tuple[Path, Path], tmp_path: Path, fmt: str
) -> None:
    journeys = tmp_path / f"journeys.{fmt}"
    assert (
        main(
            [
                "-q",
                "journeys",
                "--touchpoints",
                str(logs[0]),
                "--conversions",
                str(logs[1]),
                "--out",
                str(tmp_path / "paths.csv"),
                "--journeys-out",
                str(journeys),
            ]
        )
        == 0
    )
    out = tmp_path / "mta.csv"
    assert (
        run(
            "--journeys",
            journeys,
            "--out",
            out,
            "--models",
            "time_decay,linear,markov",
            "--half-life",
            "7D",
            "--bootstrap",
            50,
            "--seed",
            2,
        )
        == 0
    )
    got = pd.read_csv(out, keep_default_na=False)
    td = got[got.model == "time_decay"].set_index("channel")
    # c1: 1/3, 2/3 of 1 conversion (30.0); c2: ages 3.5 d and 1 d -> 2^-0.5, 2^-1/7
    w_email, w_search = 2**-0.5, 2 ** (-1 / 7)
    e2 = w_email / (w_email + w_search)
    np.testing.assert_allclose(
        td.loc[["email", "search"], "conversions"], [1 / 3 + e2, 2 / 3 + 1 - e2]
    )
    np.testing.assert_allclose(
        td.loc[["email", "search"], "value"], [10 + 12 * e2, 20 + 12 * (1 - e2)]
    )
    assert set(td["basis"]) == {"touch times, half-life 7 days"}
    assert (td["ci_low"] <= td["conversions"] + 1e-9).all()
    assert (td["conversions"] <= td["ci_high"] + 1e-9).all()
    # every other model: the same as on the path table
    paths_out = tmp_path / "from_paths.csv"
    assert (
        run(
            "--paths",
            tmp_path / "paths.csv",
            "--out",
            paths_out,
            "--models",
            "time_decay,linear,markov",
            "--bootstrap",
            50,
            "--seed",
            2,
        )
        == 0
    )
    ref = pd.read_csv(paths_out, keep_default_na=False)
    for model in ("linear", "markov"):
        a = got[got.model == model].set_index("channel")
        b = ref[ref.model == model].set_index("channel")
        np.testing.assert_allclose(
            a[["conversions", "value", "ci_low", "ci_high"]],
            b[["conversions", "value", "ci_low", "ci_high"]],
            rtol=1e-9,
        )
    step = ref[ref.model == "time_decay"].set_index("channel")
    assert set(step["basis"]) == {"path steps, half-life 1 step"}
    np.testing.assert_allclose(
        step.loc[["email", "search"], "conversions"], [2 / 3, 4 / 3]
    )  # both paths email > search, 1-step half-life


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--half-life", "7x"], "half-life must be a duration"),
        (["--half-life=-1D"], "half-life must be a duration"),
        (["--half-life", "0"], "half-life must be a duration"),
        (["--paths", "{paths}", "--half-life", "7D"], "needs touch times"),
        (["--journeys", "{paths}", "--lenient"], "--journeys reads"),
    ],
)
def test_half_life_errors_exit_2_with_one_line(
    paths_csv: Path, tmp_path: Path, args: list[str], needle: str, capsys: pytest.CaptureFixture
) -> None:
    args = [a.replace("{paths}", str(paths_csv)) for a in args]
    if "--paths" not in args and "--journeys" not in args:
        args = ["--paths", str(paths_csv), *args]
    out = tmp_path / "o.csv"
    assert run(*args, "--out", out) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err
    assert not out.exists()


def test_journeys_without_ages_is_one_line_exit_2(
    paths_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert run("--journeys", paths_csv, "--out", tmp_path / "o.csv") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "column" in err
