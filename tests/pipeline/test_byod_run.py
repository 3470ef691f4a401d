"""Bring your own data in a run: inputs checked before any expensive step (issue #12)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from attribution.cli import main
from attribution.data.simulator.config import SimulationConfig
from attribution.data.simulator.world import simulate


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("world")
    simulate(SimulationConfig(seed=5, customers=400, weeks=20)).write(out, fmt="csv")
    return out


def _toml(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _run(cfg: Path, capsys) -> tuple[int, str, dict]:
    code = main(["-q", "run", "--config", str(cfg)])
    err = capsys.readouterr().err
    manifest = cfg.parent / "run" / "run.json"
    return code, err, json.loads(manifest.read_text()) if manifest.exists() else {}


def _base(world: Path, media: Path, extra: str = "") -> str:
    return (
        f'[run]\nout = "run"\n{extra}\n[inputs]\n'
        f'touchpoints = "{world / "touchpoints.csv"}"\n'
        f'conversions = "{world / "conversions.csv"}"\nmedia = "{media}"\n'
        "[mta]\nbootstrap = 3\n[mmm]\ndraws = 20\ntune = 20\nchains = 1\n"
        "[report]\nformats = []\n"
    )


def test_nothing_reconciles_stops_before_journeys(world, tmp_path, capsys):
    media = pd.read_csv(world / "media.csv")
    media.columns = [c.replace("spend_", "spend_platform_") for c in media.columns]
    media.to_csv(tmp_path / "media.csv", index=False)
    code, err, manifest = _run(
        _toml(tmp_path / "run.toml", _base(world, tmp_path / "media.csv")), capsys
    )
    assert code == 2 and "no channel in common" in err
    assert manifest["status"] == "failed"
    codes = {f["code"]: f["level"] for f in manifest["findings"]}
    assert codes["inputs.nothing_reconciles"] == "error"
    assert not (tmp_path / "run" / "paths.csv").exists()  # journeys never ran


def test_lift_test_problem_stops_before_journeys(world, tmp_path, capsys):
    lift = pd.read_csv(world / "lift_tests.csv").rename(columns={"lift_se": "stderr"})
    lift.to_csv(tmp_path / "lift.csv", index=False)
    cfg = _base(world, world / "media.csv").replace(
        "[mta]", f'lift_tests = "{tmp_path / "lift.csv"}"\n[mta]'
    )
    code, err, manifest = _run(_toml(tmp_path / "run.toml", cfg), capsys)
    assert code == 2 and "lift_se" in err
    assert manifest["status"] == "failed" and "journeys" not in manifest["timings_s"]
    assert not (tmp_path / "run" / "paths.csv").exists()


def test_spend_like_column_without_role_stops_the_run(world, tmp_path, capsys):
    media = pd.read_csv(world / "media.csv")
    media["facebook_spend"] = media["spend_social_paid"]
    media.drop(columns="spend_social_paid").to_csv(tmp_path / "media.csv", index=False)
    code, err, _ = _run(_toml(tmp_path / "run.toml", _base(world, tmp_path / "media.csv")), capsys)
    assert code == 2 and "'facebook_spend' looks like media spend" in err
    assert "spend_facebook" in err  # the fix names the role


def test_lenient_journeys_rejecting_everything_exits_2(tmp_path, capsys):
    (tmp_path / "tp.csv").write_text(
        "customer_id,timestamp,channel\na,not a time,x\nb,also not,y\n"
    )
    (tmp_path / "cv.csv").write_text("customer_id,timestamp,value\na,2024-01-02 10:00:00,5\n")
    code = main(
        [
            "-q",
            "journeys",
            "--touchpoints",
            str(tmp_path / "tp.csv"),
            "--conversions",
            str(tmp_path / "cv.csv"),
            "--out",
            str(tmp_path / "p.csv"),
            "--lenient",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "2 of 2 rows (100%) were rejected" in err


def test_mixed_line_endings_and_epoch_timestamps_in_journeys(tmp_path, capsys):
    us = 1_704_103_200_000_000  # 2024-01-01 10:00 UTC
    (tmp_path / "tp.csv").write_bytes(
        b"customer_id,timestamp,channel\n"
        + f"a,{us // 1_000_000},(direct) / (none)\r\na,{us // 1000 + 3_600_000},google / cpc"
        f"\r\n".encode()
    )
    (tmp_path / "cv.csv").write_text(f"customer_id,timestamp,value\na,{us + 7_200_000_000},5\n")
    code = main(
        [
            "-q",
            "journeys",
            "--touchpoints",
            str(tmp_path / "tp.csv"),
            "--conversions",
            str(tmp_path / "cv.csv"),
            "--out",
            str(tmp_path / "p.csv"),
        ]
    )
    assert code == 0, capsys.readouterr().err
    paths = pd.read_csv(tmp_path / "p.csv")
    assert paths["path"].tolist() == ["direct > paid_search"]
    acc = json.loads((tmp_path / "p.csv.accounting.json").read_text())
    assert acc["touchpoints"]["timestamp_format"] == "epoch_milliseconds+seconds"
    assert acc["conversions"]["timestamp_format"] == "epoch_microseconds"


def test_channelattribution_example_table_loads_and_sums_duplicates(tmp_path, capsys):
    # the shape of ChannelAttribution's Data.csv: ' > ' paths, repeated paths in rows
    (tmp_path / "Data.csv").write_text(
        "path,total_conversions,total_conversion_value,total_null\n"
        "eta > iota > alpha > eta,1,0.244,3\n"
        "iota > iota > iota > iota,2,3.195,6\n"
        "alpha > iota > alpha > alpha > alpha > iota > alpha > alpha > alpha,2,6.754,6\n"
        "iota > iota > iota > iota,1,0.805,1\n"
        "beta > eta,1,3.47,4\n"
    )
    code = main(
        [
            "-q",
            "mta",
            "--paths",
            str(tmp_path / "Data.csv"),
            "--out",
            str(tmp_path / "mta.csv"),
            "--models",
            "last",
        ]
    )
    assert code == 0, capsys.readouterr().err
    mta = pd.read_csv(tmp_path / "mta.csv").set_index("channel")
    # last touch: iota gets 3 conversions (2 + 1 summed), eta 2, alpha 2
    assert mta.loc["iota", "conversions"] == pytest.approx(3.0)
    assert mta.loc["iota", "value"] == pytest.approx(4.0)
    assert mta["conversions"].sum() == pytest.approx(7.0)
