"""A run directory records its own state: run.json from the start, stages, lock, resume,
and a run killed mid-way is reported as incomplete (DESIGN.md, "Run directory")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

import attribution.combine
import attribution.experiments.recommend as recommend
import attribution.mta
from attribution import rundir as R
from attribution.cli import main
from attribution.errors import UsageError
from attribution.mmm.synthetic import simulate_panel
from attribution.pipeline.config import load_config
from attribution.pipeline.lock import RunLock, read_lock
from attribution.pipeline.manifest import sha256_file
from attribution.pipeline.runner import STAGES, run_pipeline
from attribution.report.rundata import load_run

ROOT = Path(__file__).resolve().parents[2]

PATHS = pd.DataFrame(
    {
        "path": ["search > email", "display > search", "email", "search", "display > email"],
        "total_conversions": [30, 12, 8, 20, 5],
        "total_conversion_value": [3000.0, 1100.0, 700.0, 2100.0, 450.0],
        "total_null": [300, 400, 90, 150, 220],
    }
)


def _config(tmp: Path, *, seed: int = 1, media: bool = False) -> Path:
    PATHS.to_csv(tmp / "paths.csv", index=False)
    lines = ["[run]", 'out = "run"', f"seed = {seed}", "", "[inputs]", 'paths = "paths.csv"']
    if media:
        # the panel's channels match the journeys' (a run where nothing reconciles stops early)
        panel = simulate_panel(40, 2, seed=3)[0]
        panel = panel.rename(columns={"spend_ch1": "spend_search", "spend_ch2": "spend_email"})
        panel.to_csv(tmp / "media.csv", index=False)
        lines.append('media = "media.csv"')
    lines += [
        "",
        "[mta]",
        'models = ["last", "linear", "markov"]',
        "bootstrap = 0",
        "order = 1",
        "",
        "[mmm]",
        "draws = 100",
        "tune = 100",
        "chains = 1",
        "",
        "[report]",
        "formats = []",
    ]
    (tmp / "run.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp / "run.toml"


def _manifest(run: Path) -> dict:
    return json.loads((run / R.RUN_JSON).read_text(encoding="utf-8"))


def test_stage_list_is_data(tmp_path: Path) -> None:
    names = [s.name for s in STAGES]
    assert names == [
        "inputs",
        "journeys",
        "mta",
        "segments",
        "mmm",
        "combine",
        "optimize",
        "experiments",
        "report",
    ]


def test_lock_names_its_holder_and_stale_locks_are_taken_over(tmp_path: Path) -> None:
    with RunLock(tmp_path) as lock:
        assert read_lock(tmp_path)["pid"] == os.getpid() and lock.note == ""
        with pytest.raises(UsageError, match=rf"in use by another run \(pid {os.getpid()},"):
            RunLock(tmp_path).acquire()
    assert read_lock(tmp_path) is None  # released
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / R.LOCK_FILE).write_text(json.dumps({"pid": dead.pid, "started_at": "then"}))
    with RunLock(tmp_path) as lock:
        assert f"stale lock of pid {dead.pid}" in lock.note
        assert read_lock(tmp_path)["pid"] == os.getpid()


def test_two_runs_into_one_directory_cannot_interleave(tmp_path: Path, capsys) -> None:
    cfg = _config(tmp_path)
    with RunLock(tmp_path / "run"):
        assert main(["-q", "run", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert f"in use by another run (pid {os.getpid()}" in err and "Traceback" not in err
    assert not (tmp_path / "run" / R.RUN_JSON).exists()  # nothing was written


def test_failed_run_is_incomplete_and_resume_continues(tmp_path: Path, monkeypatch, capsys) -> None:
    cfg = load_config(_config(tmp_path))
    run = tmp_path / "run"

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(attribution.combine, "combine", boom)
    with pytest.raises(RuntimeError):
        run_pipeline(cfg)
    m = _manifest(run)
    assert m["status"] == "failed" and "disk full" in m["error"]
    st = {k: v["status"] for k, v in m["stages"].items()}
    assert st == {
        "journeys": "done",
        "mta": "done",
        "inputs": "done",
        "segments": "skipped",
        "mmm": "skipped",
        "combine": "failed",
        "optimize": "pending",
        "experiments": "pending",
        "report": "pending",
    }
    mta_sum = sha256_file(run / R.MTA_CSV)
    assert m["stages"]["mta"]["outputs"][R.MTA_CSV]["sha256"] == mta_sum
    assert not (run / R.LOCK_FILE).exists()
    # the report refuses it, naming what did not finish
    assert main(["report", "--run", str(run), "--format", "html"]) == 2
    err = capsys.readouterr().err
    assert "incomplete" in err and "combine, optimize" in err and "--resume" in err
    assert not (run / R.REPORT_HTML).exists()

    # resume: the finished stages are not redone, the rest runs
    monkeypatch.undo()
    monkeypatch.setattr(attribution.mta.PathAttribution, "fit", boom)  # must not be called
    run_pipeline(cfg, resume=True)
    m = _manifest(run)
    assert m["status"] == "ok" and sha256_file(run / R.MTA_CSV) == mta_sum
    assert {v["status"] for v in m["stages"].values()} == {"done", "skipped"}
    assert m["stages"]["combine"]["status"] == "done" and (run / R.COMBINED_CSV).is_file()
    assert load_run(run).manifest["status"] == "ok"


def test_resume_refuses_a_changed_config_or_input(tmp_path: Path) -> None:
    run_pipeline(load_config(_config(tmp_path)))
    with pytest.raises(UsageError, match="config differs"):
        run_pipeline(load_config(_config(tmp_path, seed=2)), resume=True)
    cfg = load_config(_config(tmp_path))
    PATHS.assign(total_null=PATHS["total_null"] + 1).to_csv(tmp_path / "paths.csv", index=False)
    with pytest.raises(UsageError, match="inputs changed"):
        run_pipeline(cfg, resume=True)
    with pytest.raises(UsageError, match="nothing to resume"):
        run_pipeline(replace(cfg, run=replace(cfg.run, out=tmp_path / "new")), resume=True)


def test_a_run_killed_during_the_mmm_fit_is_reported_incomplete(tmp_path: Path, capsys) -> None:
    cfg = _config(tmp_path, media=True)
    run = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "attribution", "-q", "run", "--config", str(cfg)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if _manifest(run)["stages"]["mmm"]["status"] == "running":
                    break
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.2)
        else:
            pytest.fail("the run never reached the MMM fit")
        assert _manifest(run)["status"] == "running"  # written when it started
    finally:
        proc.kill()
        proc.wait()
    m = _manifest(run)
    assert m["status"] == "running" and m["pid"] == proc.pid
    assert m["stages"]["mta"]["status"] == "done" and m["stages"]["mmm"]["status"] == "running"
    assert main(["report", "--run", str(run), "--format", "html"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "killed before it finished" in err[0]
    assert "stages not finished: mmm, combine, optimize" in err[0]
    assert "diagnostics passed" not in err[0]
    assert read_lock(run)["pid"] == proc.pid  # left behind, stale now


def test_resume_after_the_plan_keeps_the_fitted_model_and_the_plan(
    tmp_path: Path, monkeypatch
) -> None:
    """A run that failed after the plan resumes from there: the model is reloaded, the
    plan's stage is kept as it was, and only the failed stages run again."""
    cfg = load_config(_config(tmp_path, media=True))
    run = tmp_path / "run"
    real = recommend.next_tests

    def boom(*args, **kwargs):
        raise RuntimeError("experiments crashed")

    monkeypatch.setattr(recommend, "next_tests", boom)
    with pytest.raises(RuntimeError):
        run_pipeline(cfg)
    first = _manifest(run)
    assert first["stages"]["experiments"]["status"] == "failed"
    kept = first["stages"]["optimize"]["status"]
    assert kept in ("done", "skipped")
    posterior_sum = sha256_file(run / R.MMM_POSTERIOR)
    monkeypatch.setattr(recommend, "next_tests", real)
    run_pipeline(cfg, resume=True)
    m = _manifest(run)
    assert m["stages"]["optimize"]["status"] == kept  # restored, not rerun
    assert m["stages"]["experiments"]["status"] in ("done", "skipped")
    assert sha256_file(run / R.MMM_POSTERIOR) == posterior_sum  # the model was not refitted
    assert m["status"] in ("ok", "not_for_decisions")
