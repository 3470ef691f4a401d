"""The segments stage end to end: files in the run directory, findings, report section."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from attribution import rundir
from attribution.data.simulator.fatigue import (
    DEFAULT_FATIGUE_CHANNELS,
    FatigueChannel,
    FatigueConfig,
    simulate_fatigue,
)
from attribution.io import write_csv
from attribution.optimize.caps import Cap, binding, resolve_caps, touch_rates
from attribution.pipeline.config import config_from_dict
from attribution.pipeline.runner import run_pipeline
from attribution.report.command import render_reports


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("seg")
    chans = (
        *DEFAULT_FATIGUE_CHANNELS,
        FatigueChannel("store_visit", mean=0.4, peak=1, online=False),
    )
    w = simulate_fatigue(FatigueConfig(customers=600, weeks=10, seed=5, channels=chans))
    w.touchpoints.to_parquet(d / "tp.parquet")
    w.conversions.to_parquet(d / "cv.parquet")
    cust = w.customers.copy()
    cust.loc[len(cust)] = ["ghost", "gold", "north"]  # no journey: excluded and counted
    cust = cust[cust["customer_id"] != "f000"]  # journeys without attributes
    cust["vip"] = np.where(cust["customer_id"].isin(["f001", "f002"]), "yes", "no")
    cust.to_csv(d / "cust.csv", index=False)
    cfg = config_from_dict(
        {
            "run": {"out": str(d / "run"), "seed": 1},
            "inputs": {
                "touchpoints": str(d / "tp.parquet"),
                "conversions": str(d / "cv.parquet"),
                "customers": str(d / "cust.csv"),
            },
            "mta": {"bootstrap": 10, "models": ["first", "last", "markov"]},
            "segments": {"min_conversions": 30},
            "report": {"formats": []},
        }
    )
    return run_pipeline(cfg), w


def test_stage_writes_its_files_and_findings(run_dir):
    out, world = run_dir
    active = set(world.touchpoints["customer_id"]) | set(world.conversions["customer_id"])
    silent = len(set(world.customers["customer_id"]) - active - {"f000"})
    seg = pd.read_csv(out / rundir.MTA_BY_SEGMENT_CSV)
    assert tuple(seg.columns) == rundir.MTA_BY_SEGMENT_COLUMNS
    assert set(seg["segment"]) == {"history", "channels", "tier", "region", "vip"}
    assert set(seg["model"]) == {"first", "last", "markov"}
    assert seg["ci_low"].notna().all()
    # per segment value, every model credits all of its conversions
    tot = seg.groupby(["segment", "value", "model"]).agg(
        c=("conversions", "sum"), n=("segment_conversions", "first")
    )
    np.testing.assert_allclose(tot["c"], tot["n"], rtol=1e-9)
    manifest = json.loads((out / rundir.RUN_JSON).read_text())
    codes = [f["code"] for f in manifest["findings"]]
    small = [f for f in manifest["findings"] if f["code"] == "segments.too_small"]
    assert any("vip = yes" in f["message"] for f in small)  # 2 customers: not estimated
    assert "yes" not in set(seg.loc[seg["segment"] == "vip", "value"])
    assert "segments.unknown_customers" in codes and "segments.missing_attributes" in codes
    acc = manifest["row_accounting"]["segments.attributes"]
    assert acc["unknown_customers"] == 1 + silent  # the ghost and customers without events
    assert acc["used"] == acc["read"] - acc["unknown_customers"]
    p = pd.read_csv(out / rundir.PRESSURE_CSV)
    assert tuple(p.columns) == rundir.PRESSURE_COLUMNS
    assert set(p["level"]) == {"week", "journey"}
    o = pd.read_csv(out / rundir.ONLINE_OFFLINE_CSV, keep_default_na=False)
    allrow = o[(o["segment"] == "all") & (o["role"] == "all")].set_index("direction")
    assert allrow.loc["online_to_offline", "journeys"] > 0  # store visits close journeys
    closers = o[
        (o["segment"] == "all") & (o["role"] == "close") & (o["direction"] == "online_to_offline")
    ]
    assert closers["channel"].tolist() == ["store_visit"]
    assert manifest[rundir.OFFLINE_CHANNELS_KEY][0] == "call_center"


def test_report_section_with_binding_caps(run_dir):
    out, _ = run_dir
    # the caps the optimise stage writes (an MMM is too slow for a test): real writers
    panel = pd.DataFrame({"customer_id": ["a", "b"], "week": [0, 0], "email": [4, 2]})
    caps = resolve_caps(
        [Cap("email", 2.0, None, "pressure")], touch_rates(panel, ["email"]), {"email": 300.0}
    )
    plan = pd.DataFrame({"channel": ["email"], "recommended_spend": [200.0]})
    write_csv(out / rundir.CAPS_CSV, binding(caps, plan))
    html = render_reports(out, formats=("html",))["html"].read_text()
    sec = html[html.index('id="segments"') :]
    assert "Where the channel mix differs" in sec or "looks the same across segments" in sec
    assert "vip = yes" in sec  # too small, named
    assert "61%" in sec and "not used in any calculation" in sec
    assert 'id="pressure"' in sec and "<svg" in sec
    assert "Caps that bind: E-mail." in sec  # display names
