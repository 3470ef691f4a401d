"""Reading the run directory: missing files, malformed files, tolerant extras."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from attribution.errors import InputError, UsageError
from attribution.findings import Finding
from attribution.io import write_csv
from attribution.report.rundata import load_run


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        load_run(tmp_path / "nope")


def test_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="holds no run files"):
        load_run(tmp_path)


def test_missing_required_column(tmp_path: Path) -> None:
    pd.DataFrame({"channel": ["tv"], "spend": [1.0]}).to_csv(tmp_path / "x.csv", index=False)
    (tmp_path / "mmm").mkdir()
    (tmp_path / "x.csv").rename(tmp_path / "mmm" / "channels.csv")
    with pytest.raises(InputError) as err:
        load_run(tmp_path)
    assert err.value.column == "contribution"
    assert "channels.csv" in str(err.value)


def test_non_number_names_row_and_column(tmp_path: Path) -> None:
    (tmp_path / "plan.csv").write_text(
        "channel,current_spend,recommended_spend\ntv,10,12\nradio,abc,3\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as err:
        load_run(tmp_path)
    assert (err.value.row, err.value.column) == (3, "current_spend")
    assert "'abc' is not a number" in str(err.value)


def test_bad_manifest(tmp_path: Path) -> None:
    (tmp_path / "run.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        load_run(tmp_path)


def test_formula_quote_removed_total_row_dropped_extras_kept(tmp_path: Path) -> None:
    write_csv(
        tmp_path / "plan.csv",
        pd.DataFrame(
            {
                "channel": ["=cmd", "tv", "total"],
                "current_spend": [1.0, 2.0, 3.0],
                "recommended_spend": [1.5, 1.5, 3.0],
                "owner": ["a", "b", "c"],
            }
        ),
    )
    run = load_run(tmp_path)
    plan = run.get("plan.csv")
    assert plan["channel"].tolist() == ["=cmd", "tv"]  # quote written by write_csv undone
    assert plan["current_spend"].tolist() == [1.0, 2.0]
    assert "owner" in plan.columns
    assert run.get("mta.csv") is None


def test_level_findings_and_plan_summary_from_the_real_writers(
    tmp_path: Path, write_manifest, make_plan
) -> None:
    write_manifest(tmp_path, [Finding("warning", "x", "m", "", "mmm")], interval=0.8)
    plan = make_plan(
        ["tv", "search"],
        [100.0, 50.0],
        [80.0, 70.0],
        np.array([10.0, 20.0]),
        np.array([12.0, 23.0]),
        uplift=(5.0, 1.0, 9.0),
        prob=0.93,
    )
    plan.write(tmp_path / "plan.csv")
    run = load_run(tmp_path)
    assert run.level == 0.8
    assert run.findings == [
        {"level": "warning", "code": "x", "message": "m", "action": "", "stage": "mmm"}
    ]
    assert run.get("plan.csv")["channel"].tolist() == ["tv", "search"]  # total row apart
    assert run.totals["plan.csv"]["expected_current_low"] == pytest.approx(27.0)  # 0.9 x 30
    assert run.plan_summary() == {
        "gain": 5.0,
        "gain_low": 1.0,
        "gain_high": 9.0,
        "prob_beats_current": 0.93,
    }
    assert run.plan_unsafe == "" and run.blockers == []


def test_invented_keys_are_not_read(tmp_path: Path) -> None:
    """Keys the writers never write (``plan``, ``optimize``, ``p_better``) are ignored."""
    (tmp_path / "run.json").write_text(
        json.dumps(
            {
                "status": "ok",
                "config": {"interval": 0.8},
                "optimize": {"expected_gain": 12.5, "p_better": 0.9},
            }
        ),
        encoding="utf-8",
    )
    run = load_run(tmp_path)
    assert run.level == 0.9 and run.plan_summary() == {}


def test_unsafe_plan_and_blockers(tmp_path: Path, write_manifest, make_plan) -> None:
    write_manifest(
        tmp_path, [Finding("error", "mmm.rhat", "R-hat 1.06 for beta[tv]", "sample longer", "mmm")]
    )
    plan = make_plan(
        ["tv"],
        [100.0],
        [100.0],
        np.array([10.0]),
        np.array([10.0]),
        uplift=(0.0, -1.0, 1.0),
        prob=0.5,
    )
    plan.write(
        tmp_path / "plan.csv",
        unsafe_reason="made from a model with error-level diagnostics (mmm.rhat)",
    )
    run = load_run(tmp_path)
    assert run.manifest["status"] == "not_for_decisions"
    assert [b["code"] for b in run.blockers] == ["mmm.rhat"]
    assert run.plan_unsafe.endswith("(mmm.rhat)")
