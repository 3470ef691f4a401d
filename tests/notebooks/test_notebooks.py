"""Execute the analysts' notebooks on the sample world (papermill) and check what they write.

Each notebook runs once per module (quick settings: short MMM sampling, few bootstrap
replicates); papermill raises on any cell error. The kernel is a temporary kernelspec that
points at the running interpreter, so the notebooks run in this environment even when a
user-level ``python3`` kernelspec points elsewhere.
"""

from __future__ import annotations

import html
import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

papermill = pytest.importorskip("papermill")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SAMPLE = ROOT / "data" / "sample"
KERNEL = "attribution-test"
QUICK_MMM = {"draws": 100, "tune": 150, "chains": 2}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory):
    """A kernelspec for this interpreter, found through JUPYTER_PATH."""
    base = tmp_path_factory.mktemp("jupyter")
    spec_dir = base / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "attribution tests",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(
            "JUPYTER_PATH",
            os.pathsep.join(p for p in (str(base), os.environ.get("JUPYTER_PATH", "")) if p),
        )
        yield KERNEL


def execute(name: str, where: Path, kernel: str, **parameters: object) -> None:
    """Run a notebook with ``parameters``; the executed copy is written into ``where``."""
    papermill.execute_notebook(
        str(NOTEBOOKS / name),
        str(where / name),
        parameters=parameters,
        kernel_name=kernel,
        cwd=str(ROOT),
        progress_bar=False,
    )


def test_notebooks_are_committed_without_outputs() -> None:
    import nbformat

    for name in ("quarterly_analysis.ipynb", "exploration.ipynb"):
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), name
        tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, name


# ------------------------------------------------------------------ quarterly analysis
Q3 = ("2025-07-01", "2025-09-30")
Q4 = ("2025-10-01", "2025-12-31")
HISTORY = 52


@pytest.fixture(scope="module")
def quarters(tmp_path_factory: pytest.TempPathFactory, kernel: str) -> dict[str, Path]:
    """Q3 then Q4 of the sample year, Q4 with Q3 as the previous run."""
    tmp = tmp_path_factory.mktemp("quarterly")
    runs = {"q3": tmp / "2025-Q3", "q4": tmp / "2025-Q4"}
    common = {
        "config": str(ROOT / "data" / "sample_run.toml"),
        "mmm_history_weeks": HISTORY,
        "quick": True,
        "seed": 3,
    }
    (tmp / "q3").mkdir()
    execute(
        "quarterly_analysis.ipynb",
        tmp / "q3",
        kernel,
        **common,
        period_start=Q3[0],
        period_end=Q3[1],
        out=str(runs["q3"]),
        formats="html",
    )
    (tmp / "q4").mkdir()
    execute(
        "quarterly_analysis.ipynb",
        tmp / "q4",
        kernel,
        **common,
        period_start=Q4[0],
        period_end=Q4[1],
        out=str(runs["q4"]),
        previous=str(runs["q3"]),
        formats="html,pdf",
    )
    return runs


def test_quarterly_run_directory(quarters: dict[str, Path]) -> None:
    run = quarters["q4"]
    for name in (
        "run.json",
        "paths.csv",
        "mta.csv",
        "mmm/posterior.nc",
        "mmm/channels.csv",
        "combined.csv",
        "plan.csv",
        "report.html",
        "report.pdf",
    ):
        assert (run / name).is_file(), name
    manifest = json.loads((run / "run.json").read_text(encoding="utf-8"))
    # a quick run cannot converge: it finishes, marked not for decisions
    assert manifest["status"] in ("ok", "not_for_decisions")
    assert manifest["seed"] == 3
    assert manifest["config"]["mmm"]["draws"] == QUICK_MMM["draws"]
    assert manifest["config"]["mmm"]["chains"] == QUICK_MMM["chains"]
    assert manifest["config"]["mta"]["bootstrap"] == 10
    # the truth describes the whole simulated period: skipped for a quarter
    assert not (run / "truth_comparison.csv").exists()
    assert "truth" not in manifest["config"]["inputs"]

    truth = json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))
    combined = pd.read_csv(run / "combined.csv")
    assert set(truth["channels"]) <= set(combined["channel"])
    plan = pd.read_csv(run / "plan.csv")
    paid = {c for c, ch in truth["channels"].items() if ch["driver"] == "spend" and ch["spend"]}
    assert set(plan["channel"]) == paid | {"total"}
    body = plan[plan["channel"] != "total"]
    # the plan keeps the current total budget
    assert body["recommended_spend"].sum() == pytest.approx(body["current_spend"].sum(), rel=1e-6)


def test_quarterly_period_restricts_inputs(quarters: dict[str, Path]) -> None:
    run = quarters["q4"]
    start, end = pd.Timestamp(Q4[0]), pd.Timestamp(Q4[1])
    conv = pd.read_parquet(SAMPLE / "conversions.parquet")
    in_period = (conv["timestamp"] >= start) & (conv["timestamp"] < end + pd.Timedelta(days=1))
    tp = pd.read_parquet(SAMPLE / "touchpoints.parquet")

    manifest = json.loads((run / "run.json").read_text(encoding="utf-8"))
    acc = manifest["row_accounting"]
    # the reporting window keeps the quarter's conversions and the touches from one
    # look-back (30 days) before it; the rows outside are counted, never dropped silently
    lookback = manifest["config"]["journeys"]["lookback_days"]
    tp_in = (tp["timestamp"] >= start - pd.Timedelta(days=lookback)) & (
        tp["timestamp"] < end + pd.Timedelta(days=1)
    )
    assert acc["window.conversions"]["used"] == int(in_period.sum())
    assert acc["window.conversions"]["read"] == len(conv)
    assert acc["window.touchpoints"]["used"] == int(tp_in.sum())
    assert acc["journeys.conversions"]["read"] == int(in_period.sum())
    assert acc["journeys.touchpoints"]["read"] == int(tp_in.sum())
    paths = pd.read_csv(run / "paths.csv")
    assert paths["total_conversions"].sum() == int(in_period.sum())
    assert paths["total_conversion_value"].sum() == pytest.approx(
        conv.loc[in_period, "value"].sum(), rel=1e-9
    )

    media = pd.read_csv(SAMPLE / "media.csv", parse_dates=["date"])
    window = media[(media["date"] > end - pd.Timedelta(weeks=HISTORY)) & (media["date"] <= end)]
    used = pd.read_csv(run / "inputs" / "media.csv", parse_dates=["date"])
    assert used["date"].tolist() == window["date"].tolist()
    assert acc["media"]["used"] == len(window)
    assert np.allclose(used["sales"], window["sales"])

    tests = pd.read_csv(run / "inputs" / "lift_tests.csv", parse_dates=["start", "end"])
    assert len(tests) >= 1
    assert (tests["start"] >= window["date"].min()).all()
    assert (tests["end"] <= window["date"].max() + pd.Timedelta(days=6)).all()


def test_quarterly_tables_cover_one_stated_window(quarters: dict[str, Path]) -> None:
    """The MMM learns from 52 weeks, but its table, the calibration and the report cover Q4."""
    run = quarters["q4"]
    manifest = json.loads((run / "run.json").read_text(encoding="utf-8"))
    win = manifest["window"]
    media = pd.read_csv(run / "inputs" / "media.csv", parse_dates=["date"])
    quarter = media[(media["date"] >= pd.Timestamp(Q4[0])) & (media["date"] <= pd.Timestamp(Q4[1]))]
    # the sample panel ends on 22 Dec 2025: its Q4 holds 12 weeks (6 Oct ... 22 Dec)
    assert len(quarter) == 12
    assert win["data_weeks"] == len(media) > 12 and win["report_weeks"] == len(quarter)
    assert (win["report_start"], win["report_end"]) == ("2025-10-06", "2025-12-28")
    ch = pd.read_csv(run / "mmm" / "channels.csv").set_index("channel")
    # journey-derived activity channels (weekly touch counts) are not in the panel file
    from_journeys = set((manifest.get("journey_signals") or {}).get("activity_channels", []))
    assert set(ch.index) - from_journeys  # the panel's own channels remain to check
    for c in sorted(set(ch.index) - from_journeys):  # the quarter's weeks, not 52
        col = next(k for k in (f"spend_{c}", f"activity_{c}") if k in quarter.columns)
        assert ch.at[c, "spend"] == pytest.approx(quarter[col].sum(), rel=1e-9), c
    comb = pd.read_csv(run / "combined.csv").set_index("channel")
    both = comb[comb["flag"].isin(["both", "mmm_uncertain"]) & comb["calibrated_value"].notna()]
    # calibrated path credit = the MMM's contribution over the same quarter
    for c in both.index:
        assert both.at[c, "calibrated_value"] == pytest.approx(ch.at[c, "contribution"], rel=1e-9)
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "Figures cover the reporting window" in page and "(12 weeks)" in page


def test_quarterly_compares_with_previous_run(quarters: dict[str, Path]) -> None:
    from attribution.report.wording import SECTION_TITLES

    title = html.escape(SECTION_TITLES["comparison"])
    assert title in (quarters["q4"] / "report.html").read_text(encoding="utf-8")
    assert title not in (quarters["q3"] / "report.html").read_text(encoding="utf-8")
    assert not (quarters["q3"] / "report.pdf").exists()  # formats="html"


# ------------------------------------------------------------------ exploration
@pytest.fixture(scope="module")
def exploration(tmp_path_factory: pytest.TempPathFactory, kernel: str) -> Path:
    tmp = tmp_path_factory.mktemp("exploration")
    execute(
        "exploration.ipynb",
        tmp,
        kernel,
        data_dir=str(SAMPLE),
        mmm_config=str(ROOT / "data" / "mmm_config.toml"),
        seed=2,
        bootstrap=10,
        out=str(tmp / "tables"),
        **QUICK_MMM,
    )
    return tmp / "tables"


def test_exploration_journeys_and_path_credit(exploration: Path) -> None:
    conv = pd.read_parquet(SAMPLE / "conversions.parquet")
    paths = pd.read_csv(exploration / "paths.csv")
    assert paths["total_conversions"].sum() == len(conv)
    mta = pd.read_csv(exploration / "mta.csv")
    assert {"first", "last", "linear", "position", "time_decay", "markov", "shapley"} == set(
        mta["model"]
    )
    for model, part in mta.groupby("model"):  # every model shares out all conversions
        assert part["conversions"].sum() == pytest.approx(len(conv), rel=1e-6), model
        assert part["value"].sum() == pytest.approx(conv["value"].sum(), rel=1e-6), model
    shares = pd.read_csv(exploration / "path_shares_vs_truth.csv").set_index("channel")
    assert shares["truth"].sum() == pytest.approx(1.0)
    assert shares["markov"].sum() == pytest.approx(1.0)
    # selection bias of the sample world: brand search gets far more path credit than it caused
    assert shares.at["search_brand", "last"] > 10 * shares.at["search_brand", "truth"]


def test_exploration_mmm_and_scenarios(exploration: Path) -> None:
    truth = json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))
    check = pd.read_csv(exploration / "mmm_vs_truth.csv").set_index("channel")
    assert set(check.index) == {
        c for c, ch in truth["channels"].items() if not ch["in_journeys"] or ch["driver"] != "none"
    }
    for c in check.index:
        assert check.at[c, "true_contribution"] == pytest.approx(
            truth["channels"][c]["incremental"]["expected_sales"]
        )
    assert (check["contribution_low"] <= check["contribution"]).all()
    assert (check["contribution"] <= check["contribution_high"]).all()

    plan = pd.read_csv(exploration / "plan.csv")
    body = plan[plan["channel"] != "total"]
    assert body["recommended_spend"].sum() == pytest.approx(body["current_spend"].sum())
    assert (body["change_pct"].abs() <= 50 + 1e-6).all()  # max_change_pct=50
    sweep = pd.read_csv(exploration / "sweep.csv")
    assert len(sweep) == 11
    assert sweep["expected"].is_monotonic_increasing
    scen = pd.read_csv(exploration / "scenarios.csv").set_index("scenario")
    assert scen.at["current", "uplift"] == pytest.approx(0.0, abs=1e-9)
    assert scen.at["recommended", "total_spend"] == pytest.approx(scen.at["current", "total_spend"])
    assert scen.at["tv_plus_20pct", "total_spend"] > scen.at["current", "total_spend"]
    true_scores = pd.read_csv(exploration / "scenarios_true.csv").set_index("scenario")
    assert list(true_scores.index) == ["current", "recommended", "no_brand_search", "tv_plus_20pct"]
    # under the true response, dropping brand search (no causal effect) never loses sales
    assert true_scores.at["no_brand_search", "expected"] > true_scores.at["current", "expected"]
