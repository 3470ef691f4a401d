"""Bad and extreme inputs end to end through the command line (issue #7, item 2).

Every case runs the ``attribution`` command under a time limit (a hang fails the
test): in this process through ``attribution.cli.main`` (``cli``, SIGALRM limit), and
one case per command also as ``python -m attribution`` in a subprocess with a timeout
(``run_process``). Each ends either in a clear error (exit status 2, exactly one stderr
line naming the file, what is wrong and how to fix it, no traceback) or in a correct
result whose numbers are checked.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "bad"
MODELS = (
    "first",
    "last",
    "last_non_direct",
    "linear",
    "position",
    "time_decay",
    "markov",
    "shapley",
)


def run_process(*args: object, timeout: float = 180) -> tuple[int, str, str]:
    """Run ``python -m attribution`` in a subprocess; return (exit status, stdout, stderr)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(
        [sys.executable, "-m", "attribution", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )
    return proc.returncode, proc.stdout, proc.stderr


class _TimeLimit(Exception):
    pass


def cli(*args: object, timeout: int = 180) -> tuple[int, str, str]:
    """Call ``attribution.cli.main`` in this process under a time limit (SIGALRM), which
    saves a subprocess' start-up; return (exit status, stdout, stderr)."""
    from attribution.cli import main

    def alarm(_sig: int, _frame: object) -> None:
        raise _TimeLimit(f"attribution {' '.join(map(str, args))} ran over {timeout} s")

    out, err = io.StringIO(), io.StringIO()
    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(timeout)
    try:
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            warnings.simplefilter("ignore")
            code = main([str(a) for a in args])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    return code, out.getvalue(), err.getvalue()


def assert_clear_error(code: int, err: str, file: str | Path, *words: str) -> str:
    """Exit 2, one stderr line ``error: <file>...: what. Fix: how``, no traceback."""
    assert code == 2, err
    assert "Traceback" not in err
    # progress lines ("attribution: checking ...") may precede it; the error is one line
    lines = [ln for ln in err.strip().splitlines() if not ln.startswith("attribution: ")]
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("error: ") and Path(file).name in line and ". Fix: " in line, line
    for w in words:
        assert w in line, line
    return line


def credit(path: Path) -> pd.DataFrame:
    return pd.read_csv(path).set_index(["model", "channel"])


TOUCH = (
    "customer_id,timestamp,channel\n"
    "c1,2024-03-01 10:00:00,search\nc1,2024-03-02 11:00:00,email\n"
    "c2,2024-03-01 09:30:00,social\nc3,2024-03-03 18:00:00,search\n"
)
CONV = (
    "customer_id,timestamp,value,order_id\n"
    "c1,2024-03-05 10:00:00,25.00,o1\nc3,2024-03-06 10:00:00,40,o2\n"
)


@pytest.fixture
def events(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "tp.csv").write_text(TOUCH)
    (tmp_path / "conv.csv").write_text(CONV)
    return tmp_path / "tp.csv", tmp_path / "conv.csv"


# ---- path attribution -------------------------------------------------------------------


def test_single_channel_gets_all_credit_under_every_model(tmp_path: Path) -> None:
    out = tmp_path / "mta.csv"
    code, _, err = cli("mta", "--paths", BAD / "ok_paths_single_channel.csv", "--out", out)
    assert code == 0, err
    c = credit(out)
    assert set(c.index.get_level_values("model")) == set(MODELS)
    assert set(c.index.get_level_values("channel")) == {"search"}
    np.testing.assert_allclose(c["conversions"], 8.0, rtol=1e-9)
    np.testing.assert_allclose(c["value"], 80.0, rtol=1e-9)


def test_no_conversions_gives_zero_credit_and_a_finding(tmp_path: Path) -> None:
    out = tmp_path / "mta.csv"
    code, _, err = cli("mta", "--paths", BAD / "ok_paths_zero_conversions.csv", "--out", out)
    assert code == 0, err
    assert "no conversions" in err
    c = credit(out)
    assert set(c.index.get_level_values("model")) == set(MODELS)
    assert set(c.index.get_level_values("channel")) == {"search", "email", "social"}
    assert (c["conversions"] == 0).all() and (c["value"] == 0).all()


def test_only_none_paths_credit_none(tmp_path: Path) -> None:
    out = tmp_path / "mta.csv"
    code, _, err = cli("mta", "--paths", BAD / "ok_paths_none_only.csv", "--out", out)
    assert code == 0, err
    c = credit(out)
    assert set(c.index.get_level_values("channel")) == {"(none)"}
    np.testing.assert_allclose(c["conversions"], 5.0)
    np.testing.assert_allclose(c["value"], 100.0)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("paths_conv_1e308.csv", ("row 2", "'total_conversions'", "implausibly large")),
        ("paths_negative.csv", ("row 3", "negative")),
        ("paths_empty_step.csv", ("row 3", "empty step")),
    ],
)
def test_bad_path_tables_are_clear_errors(
    tmp_path: Path, name: str, words: tuple[str, ...]
) -> None:
    out = tmp_path / "mta.csv"
    run = run_process if name == "paths_conv_1e308.csv" else cli  # once as a real process
    code, _, err = run("mta", "--paths", BAD / name, "--out", out)
    assert_clear_error(code, err, name, *words)
    assert not out.exists()


def test_one_megabyte_path_is_attributed_in_full(tmp_path: Path) -> None:
    steps = ["search", "email", "display", "social"] * 30_000  # ~ 1 MB of path text
    path = " > ".join(steps)
    assert len(path) > 1_000_000
    pd.DataFrame(
        {
            "path": [path, "social"],
            "total_conversions": [2, 1],
            "total_conversion_value": [30.0, 5.0],
            "total_null": [0, 4],
        }
    ).to_csv(tmp_path / "p.csv", index=False)
    out = tmp_path / "mta.csv"
    code, _, err = cli(
        "mta",
        "--paths",
        tmp_path / "p.csv",
        "--out",
        out,
        "--models",
        "first,last,linear,markov,shapley",
        "--order",
        "1",
    )
    assert code == 0, err
    c = credit(out)
    for model, g in c.groupby(level="model"):
        assert g["conversions"].sum() == pytest.approx(3.0), model
        assert g["value"].sum() == pytest.approx(35.0), model
    assert c.loc[("first", "search"), "conversions"] == pytest.approx(2.0)
    assert c.loc[("last", "social"), "conversions"] == pytest.approx(3.0)
    # linear: each of the 4 channels holds a quarter of the long path's steps
    assert c.loc[("linear", "email"), "conversions"] == pytest.approx(0.5)
    assert c.loc[("linear", "social"), "conversions"] == pytest.approx(1.5)


# ---- journeys ---------------------------------------------------------------------------


def _single_channel(tmp_path: Path, conv: Path) -> tuple[int, str, Path]:
    paths = tmp_path / "paths.csv"
    code, _, err = cli(
        "journeys",
        "--touchpoints",
        BAD / "ok_tp_single_channel.csv",
        "--conversions",
        conv,
        "--out",
        paths,
    )
    return code, err, paths


def test_single_channel_journeys_then_mta(tmp_path: Path, events) -> None:
    code, err, paths = _single_channel(tmp_path, events[1])  # c1: 25 (2 touches); c3: 40
    assert code == 0, err
    p = pd.read_csv(paths).set_index("path")
    assert p.loc["search > search", "total_conversions"] == 1
    assert p.loc["(none)", "total_conversion_value"] == 40  # c3 has no touch: kept, not lost
    assert p.loc["search", "total_null"] == 1  # c2
    out = tmp_path / "mta.csv"
    code, _, err = cli("mta", "--paths", paths, "--out", out, "--order", "1")
    assert code == 0, err
    c = credit(out)
    assert set(c.index.get_level_values("model")) == set(MODELS)
    for model in MODELS:
        assert c.loc[(model, "search"), "conversions"] == pytest.approx(1.0), model
        assert c.loc[(model, "search"), "value"] == pytest.approx(25.0), model
        assert c.loc[(model, "(none)"), "conversions"] == pytest.approx(1.0), model


def test_journeys_keeps_a_1e15_value(tmp_path: Path) -> None:
    code, err, paths = _single_channel(tmp_path, BAD / "ok_conv_value_1e15.csv")
    assert code == 0, err
    assert pd.read_csv(paths)["total_conversion_value"].sum() == 1e15 + 30


def test_no_conversions_at_all_gives_null_journeys(tmp_path: Path, events) -> None:
    tp, _ = events
    (tmp_path / "none.csv").write_text("customer_id,timestamp,value,order_id\n")
    paths = tmp_path / "paths.csv"
    code, _, err = cli(
        "journeys", "--touchpoints", tp, "--conversions", tmp_path / "none.csv", "--out", paths
    )
    assert code == 0, err
    p = pd.read_csv(paths).set_index("path")
    assert p["total_conversions"].sum() == 0 and p["total_null"].sum() == 3  # c1, c2, c3
    assert p.loc["search > email", "total_null"] == 1


def test_customer_with_100k_touches(tmp_path: Path) -> None:
    n = 100_000
    rng = np.random.default_rng(0)
    secs = np.sort(rng.choice(10 * 86400, n, replace=False))  # distinct: order is defined
    ts = pd.Timestamp("2024-03-01") + pd.to_timedelta(secs, unit="s")
    ch = np.array(["search", "email", "social"])[rng.integers(0, 3, n)]
    pd.DataFrame(
        {"customer_id": "c1", "timestamp": ts.strftime("%Y-%m-%d %H:%M:%S"), "channel": ch}
    ).to_csv(tmp_path / "tp.csv", index=False)
    (tmp_path / "conv.csv").write_text("customer_id,timestamp,value\nc1,2024-03-12,50\n")
    paths, out = tmp_path / "paths.csv", tmp_path / "mta.csv"
    code, _, err = cli(
        "journeys",
        "--touchpoints",
        tmp_path / "tp.csv",
        "--conversions",
        tmp_path / "conv.csv",
        "--out",
        paths,
    )
    assert code == 0, err
    p = pd.read_csv(paths)
    assert len(p) == 1 and p["total_conversions"].tolist() == [1]
    assert p["path"].iloc[0].split(" > ") == ch.tolist()  # every touch, in time order
    code, _, err = cli(
        "mta", "--paths", paths, "--out", out, "--models", "linear,markov", "--order", "1"
    )
    assert code == 0, err
    c = credit(out)
    counts = pd.Series(ch).value_counts() / n
    for channel, share in counts.items():
        assert c.loc[("linear", channel), "conversions"] == pytest.approx(share, rel=1e-9)
        assert c.loc[("linear", channel), "value"] == pytest.approx(50 * share, rel=1e-9)
    assert c.loc["markov", "conversions"].sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("tp_missing_column.csv", ("channel",)),
        ("tp_empty.csv", ()),
    ],
)
def test_bad_touchpoints_stop_journeys_clearly(
    tmp_path: Path, events, name: str, words: tuple[str, ...]
) -> None:
    _, conv = events
    run = run_process if name == "tp_empty.csv" else cli  # once as a real process
    code, _, err = run(
        "journeys",
        "--touchpoints",
        BAD / name,
        "--conversions",
        conv,
        "--out",
        tmp_path / "paths.csv",
    )
    assert_clear_error(code, err, name, *words)


# The journeys engine reads files with DuckDB/Spark, not attribution.data's loaders: the
# same rules (encodings, NUL bytes, plausible dates, largest value) hold there too.
@pytest.mark.parametrize("name", ["ok_tp_utf16_bom.csv", "tp_latin1.csv", "tp_nul_byte.csv"])
def test_journeys_encoding_problems_are_clear(tmp_path: Path, events, name: str) -> None:
    _, conv = events
    code, _, err = cli(
        "journeys",
        "--touchpoints",
        BAD / name,
        "--conversions",
        conv,
        "--out",
        tmp_path / "paths.csv",
    )
    if code == 2:
        assert_clear_error(code, err, name)
    else:  # UTF-16 with a BOM may also be read correctly
        assert code == 0 and name == "ok_tp_utf16_bom.csv", err


@pytest.mark.parametrize("name", ["conv_future.csv", "conv_epoch_zero.csv"])
def test_journeys_rejects_implausible_conversion_dates(tmp_path: Path, events, name: str) -> None:
    tp, _ = events
    code, _, err = cli(
        "journeys",
        "--touchpoints",
        tp,
        "--conversions",
        BAD / name,
        "--out",
        tmp_path / "paths.csv",
    )
    assert_clear_error(code, err, name, "timestamp")


# ---- validate: huge lines ---------------------------------------------------------------


def test_two_megabyte_line_is_read_whole(tmp_path: Path) -> None:
    camp = "x" * 2_000_000
    (tmp_path / "tp.csv").write_text(
        "customer_id,timestamp,channel,campaign\n"
        f"c1,2024-03-01 10:00:00,search,{camp}\n"
        "c2,2024-03-01 11:00:00,email,spring\n"
    )
    code, out, err = cli("validate", "--kind", "touchpoints", tmp_path / "tp.csv")
    assert code == 0, err
    assert "2 rows read = 2 used + 0 rejected" in out
    from attribution.data import load_touchpoints

    frame = load_touchpoints(tmp_path / "tp.csv").frame
    assert frame["campaign"].str.len().tolist() == [2_000_000, 6]


@pytest.mark.parametrize(
    ("name", "kind", "words"),
    [
        ("tp_nul_byte.csv", "touchpoints", ("row 3", "NUL")),
        ("tp_year_9999.csv", "touchpoints", ("row 3", "'timestamp'", "future")),
        ("media_single_week.csv", "media", ("1 week",)),
        ("media_nan_control.csv", "media", ("'price'", "no values")),
        ("idmap_empty.csv", "id-map", ("no data rows",)),
    ],
)
def test_validate_subprocess_one_line(name: str, kind: str, words: tuple[str, ...]) -> None:
    code, out, err = (run_process if name == "tp_nul_byte.csv" else cli)(
        "validate", "--kind", kind, BAD / name
    )
    assert_clear_error(code, err, name, *words)
    assert out == ""


# ---- media-mix model --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("media_single_week.csv", ("week",)),
        ("media_nan_control.csv", ("'price'",)),
    ],
)
def test_mmm_refuses_unusable_panels(tmp_path: Path, name: str, words: tuple[str, ...]) -> None:
    code, _, err = cli(
        "-q",
        "mmm",
        "--media",
        BAD / name,
        "--out",
        tmp_path,
        "--draws",
        "20",
        "--tune",
        "20",
        "--chains",
        "1",
    )
    assert_clear_error(code, err, name, *words)
    assert not (tmp_path / "mmm" / "channels.csv").exists()


@pytest.mark.slow
def test_mmm_collinear_channels_give_a_finding_not_a_crash(tmp_path: Path) -> None:
    from attribution.mmm.synthetic import simulate_panel

    df, _ = simulate_panel(30, 2, seed=3, collinear=True)
    df.to_csv(tmp_path / "media.csv", index=False)
    code, _, err = run_process(
        "-q",
        "mmm",
        "--media",
        tmp_path / "media.csv",
        "--out",
        tmp_path,
        "--draws",
        "50",
        "--tune",
        "50",
        "--chains",
        "1",
        timeout=400,
    )
    assert code in (0, 3), err  # 3: finished, but its short sampling is not for decisions
    assert ("NOT FOR DECISIONS" in err) is (code == 3)
    assert "Traceback" not in err and "move together" in err
    ch = pd.read_csv(tmp_path / "mmm" / "channels.csv")
    assert set(ch["channel"]) == {"ch1", "ch2"}
    assert np.isfinite(ch["contribution"]).all()


# ---- the whole pipeline -----------------------------------------------------------------


def _config(tmp_path: Path, media: Path, lenient: bool = False) -> Path:
    cfg = tmp_path / "run.toml"
    cfg.write_text(
        f'[run]\nname = "bad"\nout = "out"\nlenient = {str(lenient).lower()}\n'
        f'[inputs]\nmedia = "{media.as_posix()}"\n'
    )
    return cfg


@pytest.mark.parametrize("lenient", [False, True])
def test_run_stops_on_an_unusable_panel_and_records_why(tmp_path: Path, lenient: bool) -> None:
    import json

    name = "media_spend_1e308.csv"  # lenient: the rejected week leaves a gap, still an error
    code, _, err = cli("run", "--config", _config(tmp_path, BAD / name, lenient))
    line = assert_clear_error(code, err, name, "row 5" if not lenient else "missing")
    manifest = json.loads((tmp_path / "out" / "run.json").read_text())
    assert manifest["status"] == "failed"
    assert line.removeprefix("error: ") in manifest["error"]


def test_simulate_refuses_a_world_that_ends_in_the_future(tmp_path: Path) -> None:
    import datetime as dt

    monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())
    code, _, err = cli(
        "simulate",
        "--out",
        tmp_path,
        "--start",
        monday.isoformat(),
        "--weeks",
        "4",
        "--customers",
        "10",
    )
    assert code == 2 and len(err.strip().splitlines()) == 1 and "future dates" in err
    assert not any(tmp_path.iterdir())
