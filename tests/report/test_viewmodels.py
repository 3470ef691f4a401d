"""View-models: sentences and tables carry the run's numbers; missing analyses are stated."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from attribution import rundir as R
from attribution.data.accounting import RowAccounting
from attribution.findings import Finding
from attribution.io import write_csv
from attribution.report import wording as W
from attribution.report.rundata import load_run
from attribution.report.sections_appendix import accounting_rows
from attribution.report.viewmodels import ReportSettings, build_report

FINDINGS = (
    Finding("warning", "mmm.rhat", "R-hat 1.04", "sample longer", "mmm"),
    Finding("info", "i", "fine", "", "mta"),
)


@pytest.fixture
def write_small(make_plan, write_manifest):
    """A two-channel run: MMM table, a real plan (gain +50K, 10–90K, P 0.87), run.json."""

    def write(
        root: Path,
        contrib: tuple[float, float] = (1.3e6, 9.1e5),
        lows: tuple[float, float] = (1.1e6, 6.0e5),
        highs: tuple[float, float] = (1.5e6, 1.2e6),
        plan: bool = True,
        findings: tuple[Finding, ...] = FINDINGS,
    ) -> Path:
        (root / "mmm").mkdir(parents=True, exist_ok=True)
        write_csv(
            root / "mmm/channels.csv",
            pd.DataFrame(
                {
                    "channel": ["tv", "search"],
                    "spend": [6.5e5, 4.2e5],
                    "contribution": [contrib[1], contrib[0]],
                    "contribution_low": [lows[1], lows[0]],
                    "contribution_high": [highs[1], highs[0]],
                    "roi": [1.4, 3.1],
                    "roi_low": [0.98, 2.73],
                    "roi_high": [1.82, 3.47],
                    "mroi": [0.7, 1.71],
                }
            ),
        )
        if plan:
            make_plan(
                ["tv", "search"],
                [6.5e5, 4.2e5],
                [5.5e5, 5.2e5],
                np.array([9.1e5, 1.3e6]),
                np.array([8.8e5, 1.38e6]),
                uplift=(5.0e4, 1.0e4, 9.0e4),
                prob=0.87,
            ).write(root / "plan.csv")
        write_manifest(
            root,
            list(findings),
            accounting={"touchpoints": RowAccounting("tp.csv", 10, 7, {"bad_time": 2, "dup": 1})},
        )
        return root

    return write


def _texts(section) -> list[str]:
    out = []
    for b in section.blocks:
        if b.kind in ("paragraph", "missing"):
            out.append(b.text)
        elif b.kind == "flags":
            out.extend(t for _, t in b.items)
        elif b.kind == "cards":
            out.extend(f"{c.label}|{c.value}|{c.detail}" for c in b.cards)
    return out


def _table(section, tid: str):
    return next(b for b in section.blocks if b.kind == "table" and b.id == tid)


def test_summary_sentences_carry_numbers(tmp_path: Path, write_small) -> None:
    view = build_report(load_run(write_small(tmp_path / "r")))
    summary = view.sections[0]
    assert summary.id == "summary"
    text = " ".join(_texts(summary))
    # no dates in the run: page 1 says so and gives the generation date
    assert W.SCALE_LINE_NO_DATES.split("{")[0] in text
    # total 1.3M + 0.91M = 2.21M over the data's period; Search first (largest contribution);
    # display names ("Search", "TV"), never the raw ids
    assert "Over the whole period of the data, media drove an estimated €2.2M of sales." in text
    assert (
        "Search contributed most (€1.3M, 90% interval €1.1–1.5M), "
        "followed by TV (€910K, €0.6–1.2M)." in text
    )
    assert (
        "Search returned the most (3.10, 90% interval 2.73–3.47); "
        "TV returned the least (1.40)" in text
    )
    # plan (a one-week horizon): same budget 1.07M per week, gain = 2.26M - 2.21M = +50K per
    # week, x52 = +2.6M per year; the manifest's interval 10–90K per week x52 = 0.52–4.68M
    assert "keep the budget at €1.1M per week and move money from TV to Search" in text
    assert (
        "Expected gain: +€50K per week, +€2.6M per year (90% interval €0.5–4.7M per year)" in text
    )
    assert "probability it beats the current plan under the model: 87%" in text
    assert W.SUM_PLAN_MAY_LOSE.strip() not in text  # the interval is all gain
    # the gain card: per year, with week and quarter (x13 = +650K) in its detail
    assert "Expected gain of the plan, per year|+€2.6M|+€50K per week, +€650K per quarter" in text
    # flags: the warning finding, and TV whose ROI interval spans break-even
    assert "R-hat 1.04. Action: sample longer." in text
    assert "TV: the return interval (0.98–1.82) includes break-even" in text
    assert "Search: the return interval" not in text
    assert " tv " not in f" {text} " and "search " not in text  # no raw channel ids
    assert "fine" not in text  # info findings are not flags


def test_a_plan_whose_interval_includes_a_loss_is_a_hypothesis(tmp_path: Path, write_small) -> None:
    run = write_small(tmp_path / "r")
    plan_file = Path(run) / R.PLAN_JSON
    plan = json.loads(plan_file.read_text())
    plan[R.PLAN_GAIN_LOW] = -20_000.0  # per week: the 90% interval now reaches a loss
    plan_file.write_text(json.dumps(plan))
    text = " ".join(_texts(build_report(load_run(run)).sections[0]))
    assert "(90% interval −€1.0M to €4.7M per year)" in text
    assert W.SUM_PLAN_MAY_LOSE.strip() in text


def test_sections_order_and_missing_analyses(tmp_path: Path) -> None:
    root = tmp_path / "only_mta"
    root.mkdir()
    write_csv(
        root / "mta.csv",
        pd.DataFrame(
            {
                "model": ["markov", "markov", "last_touch", "last_touch"],
                "channel": ["search", "email", "search", "email"],
                "conversions": [30.0, 10.0, 20, 20],
            }
        ),
    )
    view = build_report(load_run(root))
    assert [s.id for s in view.sections] == [
        "summary",
        "contribution",
        "roi",
        "attribution",
        "budget",
        "experiments",
        "appendix",
    ]
    summary = " ".join(_texts(view.sections[0]))
    assert (
        "Path attribution (Markov) credits Search with the largest share of conversions "
        "(75.0%), followed by E-mail (25.0%)" in summary
    )
    assert W.ANALYSES_NOT_RUN.format(items="media-mix model, budget optimiser") in summary
    assert _texts(view.sections[1]) == [W.NOT_RUN["mmm"]]
    assert _texts(view.sections[4]) == [W.NOT_RUN["plan"]]
    methods = _table(view.sections[3], "methods")
    assert methods.headers == ("Channel", "Markov", "Last touch")
    assert methods.rows == (("Search", "30", "20"), ("E-mail", "10", "20"))  # display names


def test_plan_table_and_totals(tmp_path: Path, write_small) -> None:
    view = build_report(load_run(write_small(tmp_path / "r")))
    budget = next(s for s in view.sections if s.id == "budget")
    plan = _table(budget, "plan")
    # a one-week plan: the table's figures are per week; display names
    assert plan.headers[1:3] == (W.H_CURRENT, W.H_RECOMMENDED)
    assert "per week" in W.H_CURRENT and "per week" in W.H_EXP_CURRENT
    assert plan.rows[0][:4] == ("TV", "€650K", "€550K", "−15%")
    assert plan.rows[1][:4] == ("Search", "€420K", "€520K", "+24%")
    # the optimiser's own totals, with their intervals (±10% in this plan)
    assert plan.rows[-1] == (
        "Total",
        "€1.1M",
        "€1.1M",
        "0%",
        "€2.2M (€2.0–2.4M)",
        "€2.3M (€2.0–2.5M)",
    )


def test_comparison_beyond_uncertainty(tmp_path: Path, write_small) -> None:
    now = write_small(tmp_path / "now")
    # previous: search 0.5M (0.4–0.6M) -> no overlap with 1.1–1.5M; tv 0.9M (0.7–1.1M) overlaps
    before = write_small(
        tmp_path / "before", contrib=(5e5, 9e5), lows=(4e5, 7e5), highs=(6e5, 1.1e6)
    )
    view = build_report(load_run(now), load_run(before))
    comp = next(s for s in view.sections if s.id == "comparison")
    assert "1 of 2 channels changed beyond the uncertainty: Search." in _texts(comp)
    table = _table(comp, "compare-contribution")
    rows = {r[0]: r for r in table.rows}
    assert rows["Search"][1:] == (
        "€500K (€400–600K)",
        "€1.3M (€1.1–1.5M)",
        "+€800K",
        "+160%",
        "yes",
    )
    assert rows["TV"][-1] == "no"


def test_appendix_accounting_and_findings(tmp_path: Path, write_small) -> None:
    run = load_run(write_small(tmp_path / "r"))
    main, reasons = accounting_rows(run.manifest)
    assert main == [("touchpoints", 10.0, 7.0, 3.0)]  # rejected = sum of reasons
    assert reasons == [("touchpoints", "bad_time", 2.0), ("touchpoints", "dup", 1.0)]
    appx = build_report(run).sections[-1]
    # the code names its stage (mmm.rhat: stage mmm), so no separate stage column
    assert _table(appx, "findings").rows[0] == (
        "warning",
        "mmm.rhat",
        "R-hat 1.04",
        "sample longer",
    )
    assert _table(appx, "accounting").rows == (("touchpoints", "10", "7", "3"),)


def test_locale_and_currency_change_numbers_not_structure(tmp_path: Path, write_small) -> None:
    run = load_run(write_small(tmp_path / "r"))
    en = build_report(run)
    de = build_report(run, settings=ReportSettings(currency="USD", locale="de"))
    assert [s.id for s in en.sections] == [s.id for s in de.sections]
    plan = _table(next(s for s in de.sections if s.id == "budget"), "plan")
    assert plan.rows[0][1] == "650\u00a0Tsd.\u00a0$"


def test_fixture_run_has_every_section_filled(run_dir: Path, previous_dir: Path) -> None:
    view = build_report(load_run(run_dir), load_run(previous_dir))
    kinds = {s.id: {b.kind for b in s.blocks} for s in view.sections}
    assert "missing" not in kinds["contribution"] | kinds["roi"] | kinds["budget"]
    charts = [b.id for s in view.sections for b in s.blocks if b.kind == "chart"]
    assert charts == [  # the tallest charts after the tables they follow (fewer blank gaps)
        "chart-contribution",
        "chart-over-time",
        "chart-curves",
        "chart-roi",
        "chart-methods",
        "chart-plan",
        "chart-sweep",
    ]


def test_plan_total_row_uses_optimiser_totals(run_dir: Path) -> None:
    run = load_run(run_dir)
    budget = next(s for s in build_report(run).sections if s.id == "budget")
    total = _table(budget, "plan").rows[-1]
    t = run.totals["plan.csv"]
    h = run.plan_json["horizon_weeks"]  # the plan covers 13 weeks: shown per week
    assert h == 13
    f = ReportSettings().formatter()
    assert total[0] == "Total" and total[3] == "0%"
    h = run.plan_json["horizon_weeks"]  # a 13-week plan, shown per week
    assert h == 13
    assert total[4] == f.money_with_interval(
        t["expected_current"] / h, t["expected_current_low"] / h, t["expected_current_high"] / h
    )
    # 1.63M / 13 = 125.4K per week; 3.071M (2.764–3.378M) / 13 = 236K (213–260K)
    assert total[1] == total[2] == "€125K"
    assert total[4] == "€236K (€213–260K)"
    rows = {r[0]: r for r in _table(budget, "plan").rows}
    assert rows["Search"][3] == "+28%"  # recomputed from spend, whatever change_pct's unit


def test_many_findings_keep_the_summary_short(tmp_path: Path, write_small) -> None:
    root = write_small(
        tmp_path / "r",
        findings=tuple(Finding("warning", f"c{i}", f"issue {i}", "", "mmm") for i in range(12)),
    )
    flags = next(b for b in build_report(load_run(root)).sections[0].blocks if b.kind == "flags")
    # page 1 also carries the scale lines and the tests, so at most 4 flag lines
    # (summary.MAX_FLAGS): 12 findings + 1 break-even flag (TV) = 13; 3 shown, the 4th line
    # counts the other 10
    assert len(flags.items) == 4
    assert flags.items[:3] == tuple(("warning", f"issue {i}.") for i in range(3))
    assert flags.items[-1] == ("info", W.FLAGS_MORE.format(n=10))


def test_truth_tables_hand_computed(tmp_path: Path) -> None:
    root = tmp_path / "sim"
    root.mkdir()
    write_csv(
        root / "truth_comparison.csv",
        pd.DataFrame(
            {
                "channel": ["tv", "search", "email", "tv", "search", "email"],
                "quantity": "incremental_sales",
                "method": ["final"] * 3 + ["path_last"] * 3,
                "estimate": [110.0, 90.0, 150.0, 50.0, 300.0, 100.0],
                "truth": [100.0, 100.0, 100.0, 100.0, 100.0, 100.0],
            }
        ),
    )
    appx = build_report(load_run(root)).sections[-1]
    summary = _table(appx, "truth-summary")
    # final: |errors| 10%, 10%, 50% -> median 10%; path_last: 50%, 200%, 0% -> median 50%
    assert summary.headers == ("Method", "Incremental sales: median absolute error (channels)")
    assert summary.rows == (
        ("Final (reconciled)", "10.0% (3)"),
        ("Path: Last touch", "50.0% (3)"),
    )
    detail = _table(appx, "truth")
    assert detail.rows[1] == ("Search", "€90", "€100", "−10.0%")
