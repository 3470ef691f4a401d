"""The pipeline gives time_decay the journeys' real touch times ([mta] half_life)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from attribution.cli import main
from attribution.errors import UsageError
from attribution.pipeline.config import config_from_dict
from attribution.pipeline.runner import run_pipeline


def write_logs(folder: Path) -> None:
    """c1: email 7 days and search 0 days before a 30.0 conversion (1/3, 2/3 with 7D);
    c2: search alone before a 10.0 conversion; c3 never converts."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tp.csv").write_text(
        "customer_id,timestamp,channel\n"
        "c1,2024-01-01 00:00:00,email\nc1,2024-01-08 00:00:00,search\n"
        "c2,2024-01-03 00:00:00,search\nc3,2024-01-02 00:00:00,email\n"
    )
    (folder / "cv.csv").write_text(
        "customer_id,timestamp,value\nc1,2024-01-08 00:00:00,30\nc2,2024-01-04 00:00:00,10\n"
    )


def config(tmp_path: Path, **mta: object) -> dict:
    return {
        "run": {"out": str(tmp_path / "run"), "seed": 3},
        "inputs": {
            "touchpoints": str(tmp_path / "in" / "tp.csv"),
            "conversions": str(tmp_path / "in" / "cv.csv"),
        },
        "mta": {"models": ["time_decay", "linear"], "bootstrap": 20, **mta},
        "report": {"formats": []},
    }


def test_run_uses_touch_times_for_time_decay(tmp_path: Path) -> None:
    write_logs(tmp_path / "in")
    out = run_pipeline(config_from_dict(config(tmp_path, half_life="7D")))
    mta = pd.read_csv(out / "mta.csv", keep_default_na=False)
    td = mta[mta.model == "time_decay"].set_index("channel")
    np.testing.assert_allclose(td.loc[["email", "search"], "conversions"], [1 / 3, 1 + 2 / 3])
    np.testing.assert_allclose(td.loc[["email", "search"], "value"], [10, 30])
    assert set(td["basis"]) == {"touch times, half-life 7 days"}
    run = json.loads((out / "run.json").read_text())
    assert run["mta_basis"] == {"time_decay": "touch times, half-life 7 days"}
    codes = {f["code"]: f["message"] for f in run["findings"]}
    assert "real time" in codes["mta.time_decay_basis"]
    # half-life 3.5 days: 1/5, 4/5
    out2 = run_pipeline(config_from_dict(config(tmp_path, half_life="3.5D")))
    td2 = pd.read_csv(out2 / "mta.csv").query("model == 'time_decay'").set_index("channel")
    np.testing.assert_allclose(td2.loc[["email", "search"], "conversions"], [0.2, 1.8])


def test_default_half_life_is_seven_days_with_touchpoints(tmp_path: Path) -> None:
    write_logs(tmp_path / "in")
    out = run_pipeline(config_from_dict(config(tmp_path)))
    td = pd.read_csv(out / "mta.csv").query("model == 'time_decay'").set_index("channel")
    np.testing.assert_allclose(td.loc["email", "conversions"], 1 / 3)


def test_path_table_input_keeps_steps_and_says_so(tmp_path: Path) -> None:
    paths = tmp_path / "paths.csv"
    pd.DataFrame(
        {
            "path": ["email > search", "search"],
            "total_conversions": [1, 1],
            "total_conversion_value": [30.0, 10.0],
            "total_null": [0, 0],
        }
    ).to_csv(paths, index=False)
    raw = config(tmp_path)
    raw["inputs"] = {"paths": str(paths)}
    out = run_pipeline(config_from_dict(raw))
    td = pd.read_csv(out / "mta.csv").query("model == 'time_decay'").set_index("channel")
    np.testing.assert_allclose(td.loc[["email", "search"], "conversions"], [1 / 3, 1 + 2 / 3])
    assert set(td["basis"]) == {"path steps, half-life 1 step"}
    run = json.loads((out / "run.json").read_text())
    assert (
        "no touch times"
        in {f["code"]: f["message"] for f in run["findings"]}["mta.time_decay_basis"]
    )
    raw["mta"]["half_life"] = "7D"
    with pytest.raises(UsageError, match="needs touch times"):
        run_pipeline(config_from_dict(raw))


def test_bad_half_life_in_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(UsageError, match=r"\[mta\] half_life"):
        config_from_dict({"mta": {"half_life": "a week"}})
    cfg = tmp_path / "run.toml"
    cfg.write_text('[mta]\nhalf_life = "7 fortnights"\n', encoding="utf-8")
    assert main(["-q", "run", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "half_life" in err
    assert config_from_dict({"mta": {"half_life": 2}}).mta.half_life == 2.0
