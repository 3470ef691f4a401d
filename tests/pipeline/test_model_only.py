"""Model-only runs (``attribution mmm`` / ``optimize``) write run.json with their findings, and
error-level diagnostics gate decisions: exit 3, the optimiser refuses, the report's banner."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from attribution import rundir as R
from attribution.cli import main
from attribution.findings import Finding
from attribution.mmm.synthetic import simulate_panel
from attribution.pipeline.manifest import Manifest, exit_status
from attribution.report import wording as W


def test_exit_status_strict_and_not(tmp_path: Path, caplog) -> None:
    m = Manifest(run_dir=tmp_path)
    m.add_findings([Finding("warning", "mmm.rhat", "R-hat 1.02", "sample longer", "mmm")])
    assert m.finish() == R.STATUS_OK and exit_status(m, True, logging.getLogger("t")) == 0
    m.add_findings([Finding("error", "mmm.ess", "bulk ESS 34", "draw more samples", "mmm")])
    assert m.finish() == R.STATUS_NOT_FOR_DECISIONS
    assert exit_status(m, True, logging.getLogger("t")) == R.EXIT_NOT_FOR_DECISIONS == 3
    assert exit_status(m, False, logging.getLogger("t")) == 0
    assert "NOT FOR DECISIONS" in caplog.text and "mmm.ess" in caplog.text
    d = m.to_dict()
    assert d["decisions"] == {
        "safe": False,
        "reasons": ["mmm.ess: bulk ESS 34"],
        "fix": ["draw more samples"],
    }


@pytest.mark.slow
def test_unconverged_model_only_run_is_gated_end_to_end(tmp_path: Path, capsys) -> None:
    simulate_panel(40, 2, seed=3)[0].to_csv(tmp_path / "media.csv", index=False)
    out = tmp_path / "run"
    # 2 chains x 30 draws: bulk ESS cannot reach the error threshold
    code = main(
        [
            "-q",
            "mmm",
            "--media",
            str(tmp_path / "media.csv"),
            "--out",
            str(out),
            "--draws",
            "30",
            "--tune",
            "30",
            "--chains",
            "2",
            "--seed",
            "1",
        ]
    )
    err = capsys.readouterr().err
    assert code == 3 and "NOT FOR DECISIONS" in err, err
    m = json.loads((out / R.RUN_JSON).read_text())
    assert m["status"] == "not_for_decisions" and m["decisions"]["safe"] is False
    assert {k: v["status"] for k, v in m["stages"].items()} == {"inputs": "done", "mmm": "done"}
    errors = [f for f in m["findings"] if f["level"] == "error"]
    assert errors and all(f["stage"] == "mmm" for f in errors)
    assert m["stages"]["mmm"]["outputs"][R.MMM_CHANNELS_CSV]["sha256"]
    # the data window under the contract's key (rundir.RUN_WINDOW, "data" prefix): 40 weeks
    assert m[R.RUN_WINDOW][f"{R.WINDOW_DATA}_weeks"] == 40

    # the optimiser refuses, naming the failed diagnostics and the way out
    plan = out / R.PLAN_CSV
    args = ["-q", "optimize", "--model", str(out), "--budget", "current", "--out", str(plan)]
    assert main(args) == 3
    err = capsys.readouterr().err
    assert "refused" in err and "--allow-unconverged" in err and not plan.exists()
    m = json.loads((out / R.RUN_JSON).read_text())
    assert m["stages"]["optimize"]["status"] == "skipped"
    # told otherwise, it plans, and the plan says it is unsafe
    assert main([*args, "--allow-unconverged"]) == 0
    pj = json.loads((out / R.PLAN_JSON).read_text())
    assert pj["safe"] is False and "error-level diagnostics" in pj["unsafe_reason"]
    m = json.loads((out / R.RUN_JSON).read_text())
    assert m["stages"]["optimize"]["status"] == "done"
    assert R.PLAN_CSV in m["outputs"] and m["status"] == "not_for_decisions"

    # the report shows the findings and the banners, never "no findings"
    assert main(["-q", "report", "--run", str(out), "--format", "html"]) == 0
    html = (out / R.REPORT_HTML).read_text()
    assert html.count('class="banner"') == 2  # page 1 and the plan
    assert W.BANNER_TITLE in html and W.NOT_RUN["findings"] not in html
    assert errors[0]["code"] in html
