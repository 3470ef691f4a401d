"""Fixture run directories, written by the real writers.

``run.json`` comes from the pipeline's ``Manifest`` (stages, findings, row
accounting), ``mta.csv`` from a real path attribution of the fixture's path
table, ``combined.csv`` from the real reconciliation, ``plan.csv``/``plan.json``
from a real ``AllocationResult``, ``sweep.csv`` from a real ``SweepResult``. The
MMM's tables hold made-up numbers (a real fit costs a minute; the demo test
checks those writers end to end) but go through ``write_table``, which checks
the contract's columns.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from attribution.combine import combine
from attribution.data.accounting import RowAccounting
from attribution.findings import Finding
from attribution.io import write_table
from attribution.mta import PathAttribution, PathTable
from attribution.optimize.results import AllocationResult, SweepResult
from attribution.pipeline.manifest import Manifest

MMM_CHANNELS = ("search", "social", "display", "tv", "radio", "organic_social")
MTA_CHANNELS = (
    "search",
    "display",
    "social",
    "email",
    "sms",
    "web",
    "call_centre",
    "store_visit",
    "direct_mail",
)
MTA_MODELS = ("first", "last", "linear", "markov", "shapley")
EVIL = "<script>alert(1)</script>"
ALL_FILES = (
    "run.json",
    "paths.csv",
    "mta.csv",
    "mmm/channels.csv",
    "combined.csv",
    "plan.csv",
    "truth_comparison.csv",
    "mmm/contributions.csv",
    "mmm/response_curves.csv",
    "sweep.csv",
    "plan.json",
)


def make_run_dir(
    root: Path,
    *,
    seed: int = 7,
    files: tuple[str, ...] = ALL_FILES,
    evil: bool = False,
    scale: float = 1.0,
    findings: bool = True,
) -> Path:
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
    ch = pd.DataFrame(
        {
            "channel": mmm_ch,
            "spend": spend,
            "contribution": contrib,
            "contribution_low": contrib * (1 - width),
            "contribution_high": contrib * (1 + width),
            "roi": roi,
            "roi_low": roi * (1 - width),
            "roi_high": roi * (1 + width),
            "mroi": roi * np.array([0.55, 0.7, 0.9, 0.5, 0.95, np.nan]),
        }
    )
    ch.insert(1, "kind", ["paid"] * 5 + ["activity"])
    sales = 9.5e6
    for q in ("", "_low", "_high"):
        ch[f"share{q}"] = ch[f"contribution{q}"] / sales
    ch["mroi_low"], ch["mroi_high"] = ch["mroi"] * 0.8, ch["mroi"] * 1.2

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

    # mta.csv: the real path attribution on this path table
    mta = (
        PathAttribution(models=MTA_MODELS, order=1, bootstrap=20, seed=seed)
        .fit(PathTable.from_frame(pt))
        .to_frame()
    )

    # combined.csv: the real reconciliation of the two
    comb = combine(mta, ch).to_frame()

    # plan.csv + plan.json: a real AllocationResult (totals over ``weeks`` weeks), written by
    # its own writer
    weeks = 13
    rec = spend * np.array([1.25, 1.1, 0.6, 0.85, 1.0, 1.0])
    rec = rec * spend.sum() / rec.sum()
    exp_cur = contrib
    exp_rec = contrib * np.array([1.12, 1.05, 0.7, 0.9, 1.0, 1.0]) + np.array(
        [5e3, 2e3, 0, 0, 0, 0]
    )
    gain = float((exp_rec - exp_cur).sum())
    plan = real_plan(
        mmm_ch, spend, rec, exp_cur, exp_rec, uplift=(gain, 4.1e3, 61e3), prob=0.87, horizon=weeks
    )

    # truth_comparison.csv
    truth = pd.DataFrame(
        {
            "channel": mmm_ch[:5],
            "quantity": "roi",
            "method": "mmm",
            "estimate": roi[:5],
            "truth": roi[:5] * rng.uniform(0.85, 1.15, 5),
        }
    )
    truth["rel_error"] = truth["estimate"] / truth["truth"] - 1

    # extras
    dates = pd.date_range("2026-01-05", periods=26, freq="7D").strftime("%Y-%m-%d")
    over = pd.DataFrame(
        [
            {
                "date": d,
                "channel": c,
                "contribution": v / 26 * rng.uniform(0.6, 1.4),
                "contribution_low": np.nan,
                "contribution_high": np.nan,
                "fitted": True,
            }
            for d in dates
            for c, v in zip(mmm_ch, contrib, strict=True)
        ]
    )
    curves = []  # weekly, from 0 to twice the current weekly spend, like the MMM writes them
    for c, sp, r in zip(mmm_ch, spend / weeks, np.nan_to_num(roi, nan=1.0), strict=True):
        top = max(sp, 4e3) * 2
        for x in np.linspace(0, top, 21):
            y = r * max(sp, 4e3) * 1.6 * (x / (x + max(sp, 4e3) * 0.6))
            curves.append(
                {
                    "channel": c,
                    "spend": x,
                    "response": y,
                    "response_low": 0.8 * y,
                    "response_high": 1.2 * y,
                }
            )
    budgets = np.linspace(0.5, 1.5, 11) * spend.sum()
    exp = 3.2e6 * (1 - np.exp(-budgets / 1.2e6))
    sweep = SweepResult(
        table=pd.DataFrame(
            {
                "budget": budgets,
                "expected": exp,
                "expected_low": exp * 0.85,
                "expected_high": exp * 1.15,
                "marginal_roi": np.gradient(exp, budgets),
            }
        ),
        objective="sales",
        horizon=weeks,
        interval=0.9,
    )

    tables = {
        "paths.csv": pt,
        "mta.csv": mta,
        "mmm/channels.csv": ch,
        "combined.csv": comb,
        "truth_comparison.csv": truth,
        "mmm/contributions.csv": over,
        "mmm/response_curves.csv": pd.DataFrame(curves),
        "sweep.csv": sweep.to_frame(),
    }
    for rel in files:
        if rel in tables:
            write_table(root, rel, tables[rel])
    if "plan.csv" in files:
        plan.write(root / "plan.csv")
        if "plan.json" not in files:
            (root / "plan.json").unlink()
    if "run.json" in files:
        real_manifest(
            root,
            [
                Finding(
                    "warning", "mmm.rhat", "R-hat 1.04 for beta[radio]", "sample longer", "mmm"
                ),
                Finding("info", "mta.bootstrap", "200 bootstrap replicates", "", "mta"),
            ]
            if findings
            else [],
            seed=seed,
        )
    return root


def real_plan(
    channels, current, recommended, exp_cur, exp_rec, *, uplift, prob, horizon: int = 1
) -> AllocationResult:
    """A real optimiser result with these numbers (intervals: ±20% per channel, ±10% total)."""
    n = len(channels)
    ec = np.column_stack([exp_cur, exp_cur * 0.8, exp_cur * 1.2])
    er = np.column_stack([exp_rec, exp_rec * 0.8, exp_rec * 1.2])
    tc, tr = float(np.sum(exp_cur)), float(np.sum(exp_rec))
    return AllocationResult(
        channels=tuple(channels),
        budget=float(np.sum(recommended)),
        horizon=horizon,
        objective="sales",
        margin=None,
        risk_quantile=None,
        carryover="steady",
        interval=0.9,
        current_spend=np.asarray(current, float),
        recommended_spend=np.asarray(recommended, float),
        lower=np.zeros(n),
        upper=np.asarray(current, float) * 2,
        locked=np.zeros(n, bool),
        status=("interior",) * n,
        expected_current=ec,
        expected_recommended=er,
        total_current=np.array([tc, tc * 0.9, tc * 1.1]),
        total_recommended=np.array([tr, tr * 0.9, tr * 1.1]),
        uplift=np.asarray(uplift, float),
        mroi=np.full((n, 3), 0.5),
        prob_beats_current=prob,
        objective_current=tc,
        objective_recommended=tr,
        converged=True,
        n_draws=200,
    )


def real_manifest(
    root: Path,
    findings: list[Finding],
    *,
    seed: int = 7,
    interval: float = 0.9,
    accounting: dict[str, RowAccounting] | None = None,
) -> dict:
    """run.json as the pipeline writes it: the real Manifest, through every stage."""
    m = Manifest(
        run_dir=root,
        config={"run": {"name": root.name, "interval": interval, "seed": seed}},
        seed=seed,
    )
    m.plan_stages(["journeys", "mta", "inputs", "mmm", "combine", "optimize", "report"])
    if accounting is None:
        accounting = {
            "touchpoints": RowAccounting(
                "tp.parquet", 120450, 120112, {"bad_timestamp": 300, "empty_channel": 38}
            ),
            "media": RowAccounting("media.csv", 104, 104, {}),
        }
    with m.stage("journeys"):
        for name, acc in accounting.items():
            m.add_accounting(name, acc)
    for name in ("mta", "inputs", "mmm", "combine", "optimize"):
        with m.stage(name):
            m.add_findings([f for f in findings if f.stage == name])
    m.extra["skipped_stages"] = {}
    m.finish()
    m.write()
    return read_json(root / "run.json")


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


@pytest.fixture(scope="session")
def make_plan():
    """``real_plan``: a real optimiser result with given numbers."""
    return real_plan


@pytest.fixture(scope="session")
def write_manifest():
    """``real_manifest``: run.json written by the pipeline's Manifest."""
    return real_manifest
