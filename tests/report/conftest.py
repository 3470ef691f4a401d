"""Fixture run directories with realistic made-up numbers following the run-directory contract."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from attribution.io import write_csv, write_json

MMM_CHANNELS = ("search", "social", "display", "tv", "radio", "organic_social")
MTA_CHANNELS = ("search", "display", "social", "email", "sms", "web", "call_centre",
                "store_visit", "direct_mail")
MTA_MODELS = ("first_touch", "last_touch", "linear", "markov", "shapley")
EVIL = "<script>alert(1)</script>"
ALL_FILES = ("run.json", "paths.csv", "mta.csv", "mmm/channels.csv", "combined.csv", "plan.csv",
             "truth_comparison.csv", "mmm/contributions.csv", "mmm/response_curves.csv",
             "sweep.csv", "plan.json")


def make_run_dir(root: Path, *, seed: int = 7, files: tuple[str, ...] = ALL_FILES,
                 evil: bool = False, scale: float = 1.0, findings: bool = True) -> Path:
    """Write a run directory under ``root``; ``evil`` renames one channel to a script tag."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    mmm_ch = list(MMM_CHANNELS)
    mta_ch = list(MTA_CHANNELS)
    if evil:
        mmm_ch[1] = EVIL
        mta_ch[2] = EVIL

    # mmm/channels.csv
    spend = np.array([420e3, 260e3, 180e3, 650e3, 120e3, 0.0])
    roi = np.array([3.1, 1.9, 0.8, 1.4, 1.05, np.nan]) * scale
    contrib = np.where(spend > 0, spend * np.nan_to_num(roi), 95e3 * scale)
    width = np.array([0.12, 0.25, 0.35, 0.3, 0.6, 0.5])
    ch = pd.DataFrame({
        "channel": mmm_ch, "spend": spend, "contribution": contrib,
        "contribution_low": contrib * (1 - width), "contribution_high": contrib * (1 + width),
        "roi": roi, "roi_low": roi * (1 - width), "roi_high": roi * (1 + width),
        "mroi": roi * np.array([0.55, 0.7, 0.9, 0.5, 0.95, np.nan]),
    })

    # mta.csv
    base = rng.dirichlet(np.ones(len(mta_ch)) * 3) * 5000
    rows = []
    for j, model in enumerate(MTA_MODELS):
        conv = base * rng.uniform(0.7, 1.3, len(mta_ch))
        conv = conv / conv.sum() * 5000
        lo, hi = conv * 0.9, conv * 1.1
        for c, v, a, b in zip(mta_ch, conv, lo, hi, strict=True):
            rows.append({"model": model, "channel": c, "conversions": v, "value": v * 82.5,
                         "ci_low": a if j >= 3 else np.nan, "ci_high": b if j >= 3 else np.nan,
                         "value_ci_low": a * 82.5 if j >= 3 else np.nan,
                         "value_ci_high": b * 82.5 if j >= 3 else np.nan})
    mta = pd.DataFrame(rows)

    # paths.csv
    paths = {}
    for _ in range(120):
        n = int(rng.integers(1, 5))
        p = " > ".join(rng.choice(mta_ch, n))
        paths[p] = paths.get(p, 0) + 1
    pt = pd.DataFrame({"path": sorted(paths)})
    pt["total_conversions"] = rng.integers(1, 400, len(pt))
    pt["total_conversion_value"] = pt["total_conversions"] * rng.uniform(60, 110, len(pt))
    pt["total_null"] = rng.integers(50, 4000, len(pt))

    # combined.csv (the reconcile stage's layout, abridged)
    final = contrib * rng.uniform(0.9, 1.1, len(mmm_ch))
    comb = pd.DataFrame({
        "channel": mmm_ch, "flag": ["both"] * 3 + ["mmm_only"] * 3, "spend": spend,
        "final_contribution": final, "final_contribution_low": final * (1 - width),
        "final_contribution_high": final * (1 + width), "final_roi": roi,
        "final_roi_low": roi * (1 - width), "final_roi_high": roi * (1 + width),
        "path_value_markov": [3.1e5, 1.2e5, 9e4, np.nan, np.nan, np.nan],
        "mmm_contribution": contrib, "calibration_factor": [4.2, 4.1, 1.6, np.nan, np.nan, np.nan],
        "calibrated_value": [1.3e6, 4.9e5, 1.44e5, np.nan, np.nan, np.nan],
        "flag_text": ["path credit calibrated to the MMM"] * 3 + ["MMM estimate only"] * 3})

    # plan.csv as the optimiser writes it: change_pct in percent, weekly spend, a total row
    weeks = 13
    rec = spend * np.array([1.25, 1.1, 0.6, 0.85, 1.0, 1.0])
    rec = rec * spend.sum() / rec.sum()
    exp_cur = contrib
    exp_rec = contrib * np.array([1.12, 1.05, 0.7, 0.9, 1.0, 1.0]) + np.array(
        [5e3, 2e3, 0, 0, 0, 0])
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(spend > 0, 100 * (rec / spend - 1), np.nan)
    plan = pd.DataFrame({
        "channel": mmm_ch, "current_spend": spend, "recommended_spend": rec,
        "change_pct": change,
        "expected_current": exp_cur, "expected_current_low": exp_cur * 0.8,
        "expected_current_high": exp_cur * 1.2, "expected_recommended": exp_rec,
        "expected_recommended_low": exp_rec * 0.8, "expected_recommended_high": exp_rec * 1.2,
        "status": "interior", "current_weekly_spend": spend / weeks,
        "recommended_weekly_spend": rec / weeks, "prob_beats_current": np.nan,
    })
    total = {"channel": "total", "current_spend": spend.sum(), "recommended_spend": rec.sum(),
             "change_pct": 0.0, "expected_current": exp_cur.sum(),
             "expected_current_low": exp_cur.sum() * 0.9,
             "expected_current_high": exp_cur.sum() * 1.1,
             "expected_recommended": exp_rec.sum(),
             "expected_recommended_low": exp_rec.sum() * 0.9,
             "expected_recommended_high": exp_rec.sum() * 1.1, "status": "plan",
             "current_weekly_spend": spend.sum() / weeks,
             "recommended_weekly_spend": rec.sum() / weeks, "prob_beats_current": 0.87}
    plan = pd.concat([plan, pd.DataFrame([total])], ignore_index=True)
    gain = float((exp_rec - exp_cur).sum())
    plan_json = {"budget": float(spend.sum()), "horizon_weeks": weeks, "interval": 0.9,
                 "uplift": [gain, 4.1e3, 61e3], "prob_beats_current": 0.87,
                 "expected_current": [float(exp_cur.sum()), 0.0, 0.0]}

    # truth_comparison.csv
    truth = pd.DataFrame({"channel": mmm_ch[:5], "quantity": "roi", "method": "mmm",
                          "estimate": roi[:5], "truth": roi[:5] * rng.uniform(0.85, 1.15, 5)})
    truth["rel_error"] = truth["estimate"] / truth["truth"] - 1

    # extras
    dates = pd.date_range("2026-01-05", periods=26, freq="7D").strftime("%Y-%m-%d")
    over = pd.DataFrame([{"date": d, "channel": c, "contribution": v / 26 * rng.uniform(0.6, 1.4)}
                         for d in dates for c, v in zip(mmm_ch, contrib, strict=True)])
    curves = []  # weekly, from 0 to twice the current weekly spend, like the MMM writes them
    for c, s, r in zip(mmm_ch, spend / weeks, np.nan_to_num(roi, nan=1.0), strict=True):
        top = max(s, 4e3) * 2
        for x in np.linspace(0, top, 21):
            y = r * max(s, 4e3) * 1.6 * (x / (x + max(s, 4e3) * 0.6))
            curves.append({"channel": c, "spend": x, "response": y, "response_low": 0.8 * y,
                           "response_high": 1.2 * y})
    budgets = np.linspace(0.5, 1.5, 11) * spend.sum()
    exp = 3.2e6 * (1 - np.exp(-budgets / 1.2e6))
    sweep = pd.DataFrame({"budget": budgets, "expected": exp, "expected_low": exp * 0.85,
                          "expected_high": exp * 1.15})

    manifest = {
        "status": "ok", "command": "attribution run --config q1.toml",
        "config": {"period": "2026-Q1", "interval": 0.9, "sep": " > "}, "seed": seed,
        "versions": {"python": "3.12.8", "attribution": "0.1.0", "pymc": "6.4.0"},
        "inputs": {"touchpoints": {"path": "tp.parquet", "bytes": 1000, "sha256": "ab" * 32},
                   "media": {"path": "media.csv", "bytes": 200, "sha256": "cd" * 32}},
        "row_accounting": {  # as attribution.data.accounting writes it
            "touchpoints": {"source": "tp.parquet", "read": 120450, "used": 120112,
                            "rejected": {"bad_timestamp": 300, "empty_channel": 38},
                            "rejected_total": 338, "blank": 0},
            "media": {"source": "media.csv", "read": 104, "used": 104, "rejected": {},
                      "rejected_total": 0, "blank": 0},
        },
        "skipped_stages": {},
        "timings_s": {"mta": 3.2, "mmm": 212.4},
        "findings": [
            {"level": "warning", "code": "mmm.rhat", "message": "R-hat 1.04 for beta[radio]",
             "action": "sample longer", "stage": "mmm"},
            {"level": "info", "code": "mta.bootstrap", "message": "200 bootstrap replicates",
             "action": "", "stage": "mta"},
        ] if findings else [],
        "outputs": {},
    }
    tables = {"paths.csv": pt, "mta.csv": mta, "mmm/channels.csv": ch, "combined.csv": comb,
              "plan.csv": plan, "truth_comparison.csv": truth, "mmm/contributions.csv": over,
              "mmm/response_curves.csv": curves, "sweep.csv": sweep}
    for rel in files:
        if rel == "run.json":
            write_json(root / rel, manifest)
        elif rel == "plan.json":
            write_json(root / rel, plan_json)
        else:
            df = tables[rel]
            write_csv(root / rel, df if isinstance(df, pd.DataFrame) else pd.DataFrame(df))
    return root


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_run_dir(tmp_path_factory.mktemp("run") / "q2")


@pytest.fixture(scope="session")
def previous_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_run_dir(tmp_path_factory.mktemp("run") / "q1", seed=3, scale=0.6)


@pytest.fixture(scope="session")
def evil_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_run_dir(tmp_path_factory.mktemp("run") / "evil", evil=True)


@pytest.fixture(scope="session")
def evil_name() -> str:
    """A channel name that would run script if it were not escaped."""
    return EVIL


@pytest.fixture(scope="session")
def make_run():
    """The run-directory generator, for tests that need a variant."""
    return make_run_dir


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
