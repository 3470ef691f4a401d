"""Honest intervals and good decisions, measured against simulated truth (issue #11).

Draws worlds across the simulator's pitfall settings (plain; demand-driven brand
search; seasonal budgets; CRM to past buyers; everything on), runs the whole
pipeline (``attribution run``: journeys -> path attribution -> MMM -> plan) on each,
once per variant of the MTA x MMM join, and compares with the world's truth:

- **coverage**: share of true channel contributions (realised incremental sales,
  common random numbers) inside the MMM's 90% intervals, overall and per setting;
- **calibration** of "probability the plan beats the current one": of plans given
  P >= 0.9, the share that beats the current plan in truth (exact replay);
- **decision quality**: the plan's true gain as a share of the best plan's true gain
  under the same bounds (the configured +-max_change_pct around current spend);
- **join**: the same figures for the MMM alone and the MMM with MTA priors.

Per-run records go to a JSON-lines file as they finish (a stopped benchmark keeps
what it measured); ``--aggregate`` rebuilds the summary from that file.

Usage::

    nice -n 10 python benchmarks/bench_truth.py [--seeds 4] [--customers 50000]
        [--weeks 104] [--draws 200 --tune 300 --chains 2] [--variants mmm_alone,mta_priors]
        [--deadline HH:MM] [--aggregate]

Writes benchmarks/results/truth.json and truth.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import shutil
import sys
import time
import traceback
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from attribution import rundir as R  # noqa: E402
from attribution.data.simulator import SimulationConfig, simulate  # noqa: E402
from attribution.data.simulator.config import Pitfalls  # noqa: E402
from attribution.data.simulator.replay import best_plan, plan_from_weekly, plan_gain  # noqa: E402
from attribution.pipeline.config import config_from_dict  # noqa: E402
from attribution.pipeline.runner import run_pipeline  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
SETTINGS = {
    "plain": Pitfalls(),
    "demand_search": Pitfalls(demand_search=True, organic_touches=True, intent_strength=0.3),
    "seasonal_budgets": Pitfalls(seasonal_budgets=True, intent_strength=0.2),
    "crm_past_buyers": Pitfalls(crm_past_buyers=True, organic_touches=True, intent_strength=0.2),
    "realistic": Pitfalls.realistic(0.3),
}
VARIANTS = {
    "mmm_alone": {"use_mta_priors": False},
    "mta_priors": {"use_mta_priors": True},
    "roi_priors": {"use_mta_priors": False, "prior_mode": "roi"},
    "coefficient_priors": {"use_mta_priors": False, "prior_mode": "coefficient"},
    "share_priors": {"use_mta_priors": False, "prior_mode": "share"},
}
MAX_CHANGE = 50.0
ZERO_TOL = 0.005  # share of total sales under which an interval's low end "reaches zero"
INPUTS = (
    ("touchpoints", "touchpoints.parquet"),
    ("conversions", "conversions.parquet"),
    ("id_map", "id_map.csv"),
    ("media", "media.csv"),
    ("lift_tests", "lift_tests.csv"),
    ("truth", "truth.json"),
)


def run_config(args: argparse.Namespace, seed: int, variant: str) -> dict:
    return {
        "run": {"name": f"truth-{seed}-{variant}", "out": variant, "seed": seed},
        "inputs": {n: f"inputs/{f}" for n, f in INPUTS},
        "mta": {"bootstrap": 0, "models": ["last", "markov"]},
        "mmm": {"draws": args.draws, "tune": args.tune, "chains": args.chains, **VARIANTS[variant]},
        # plans are made even from unconverged fits, marked unsafe: a claim counts only
        # when the run's decisions are safe (what the report shows without a banner)
        "optimize": {"max_change_pct": MAX_CHANGE, "allow_unconverged": True},
        "report": {"formats": []},
        # not measured here: segments and the next-test ranking (a third of a run's time)
        "segments": {"enabled": False},
        "experiments": {"enabled": False},
    }


def evaluate(run: Path, truth: dict) -> dict:
    """Coverage, errors and plan quality of one run against the truth."""
    ch = pd.read_csv(run / "mmm" / "channels.csv").set_index("channel")
    rows = []
    for name, t in truth["channels"].items():
        real = float(t["incremental"]["realised_sales"])
        exp = float(t["incremental"]["expected_sales"])
        if name not in ch.index:
            rows.append({"channel": name, "estimated": False, "truth": real})
            continue
        r = ch.loc[name]
        lo, hi, est = (
            float(r["contribution_low"]),
            float(r["contribution_high"]),
            float(r["contribution"]),
        )
        rows.append(
            {
                "channel": name,
                "estimated": True,
                "truth": real,
                "truth_expected": exp,
                "estimate": est,
                "low": lo,
                "high": hi,
                "covered": bool(lo <= real <= hi),
                "covered_expected": bool(lo <= exp <= hi),
                "abs_error": abs(est - real),
            }
        )
    out: dict = {"channels": rows, "total_sales": float(truth["realised"]["sales"])}
    plan = pd.read_csv(run / "plan.csv")
    plan = plan[plan["channel"].isin(truth["channels"])]
    cur = dict(zip(plan["channel"], plan["current_spend"], strict=True))
    rec = dict(zip(plan["channel"], plan["recommended_spend"], strict=True))
    totals = plan_from_weekly(truth, cur, rec)
    base = {n: float(truth["channels"][n]["spend"]) for n in totals}
    f = MAX_CHANGE / 100
    best = best_plan(
        truth,
        lower={n: (1 - f) * v for n, v in base.items()},
        upper={n: (1 + f) * v for n, v in base.items()},
        channels=list(base),
    )
    gain, best_gain = plan_gain(truth, totals), plan_gain(truth, best)
    meta = json.loads((run / "plan.json").read_text())
    manifest = json.loads((run / "run.json").read_text())
    sfd = manifest.get("extra", manifest).get(R.SPEND_FOLLOWS_DEMAND) or manifest.get(
        R.SPEND_FOLLOWS_DEMAND
    )
    safe = bool((manifest.get(R.DECISIONS) or {}).get(R.DECISIONS_SAFE, False))
    out["plan"] = {
        "true_gain": gain,
        "best_gain": best_gain,
        "share_of_best": gain / best_gain if best_gain > 0 else None,
        "prob_beats_current": meta.get("prob_beats_current"),
        "claimed_weekly_uplift": (meta.get("uplift") or [None])[0],
        "recommended_change": {n: rec[n] / cur[n] - 1 for n in rec if cur[n] > 0},
        "safe": safe,
    }
    out["unidentified"] = manifest.get(R.UNIDENTIFIED, [])
    out["spend_follows_demand"] = sfd
    out["findings"] = sorted({f["code"] for f in manifest.get("findings", [])})
    return out


def one_world(args: argparse.Namespace, setting: str, seed: int, log_file: Path) -> None:
    work = Path(args.work) / f"{setting}-{seed}"
    if work.exists():
        shutil.rmtree(work)
    cfg = SimulationConfig(
        seed=seed,
        customers=args.customers,
        weeks=args.weeks,
        start=dt.date(2023, 1, 2),
        pitfalls=SETTINGS[setting],
    )
    world = simulate(cfg)
    world.write(work / "inputs")
    for variant in args.variants:
        t0 = time.perf_counter()
        rec = {"setting": setting, "seed": seed, "variant": variant, "started": time.time()}
        try:
            raw = run_config(args, seed, variant)
            run_pipeline(config_from_dict(raw, base=work, source=str(work / "run.toml")))
            rec.update(evaluate(work / variant, world.truth))
        except Exception as exc:  # recorded, the benchmark goes on
            rec["error"] = f"{type(exc).__name__}: {exc}"
            rec["traceback"] = traceback.format_exc(limit=5)
        rec["seconds"] = round(time.perf_counter() - t0, 1)
        rec["finished"] = time.time()
        rec["load_avg"] = os.getloadavg()[0]
        with log_file.open("a") as fh:
            fh.write(json.dumps(rec, default=float) + "\n")
        print(
            f"{setting} seed {seed} {variant}: {rec['seconds']} s "
            f"{'ERROR ' + rec['error'] if 'error' in rec else ''}",
            flush=True,
        )


def _share(x: list[bool]) -> float | None:
    return float(np.mean(x)) if x else None


def _reaches(c: dict, total: float) -> bool:
    """Covered, or the truth is (near) zero and so is the interval's low end: a positive
    effect prior never puts the 5% quantile at exactly 0, so a low end under
    ``ZERO_TOL`` of the world's sales counts as reaching zero."""
    tol = ZERO_TOL * total
    return bool(c["covered"] or (c["truth"] <= tol and c["low"] <= tol))


def summarise(records: list[dict], work: Path | None = None) -> dict:
    """Aggregate per variant and setting."""
    for r in records:  # older records: the world's total sales from its truth file
        if "total_sales" not in r and work is not None:
            f = work / f"{r['setting']}-{r['seed']}" / "inputs" / "truth.json"
            if f.exists():
                r["total_sales"] = float(json.loads(f.read_text())["realised"]["sales"])
    out: dict = {}
    for variant in sorted({r["variant"] for r in records}):
        rs = [r for r in records if r["variant"] == variant and "error" not in r]
        v: dict = {
            "runs": len(rs),
            "errors": sum(1 for r in records if r["variant"] == variant and "error" in r),
        }
        cov = [c["covered"] for r in rs for c in r["channels"] if c["estimated"]]
        v["coverage"] = _share(cov)
        v["coverage_zero_tolerant"] = _share(
            [
                _reaches(c, r.get("total_sales", 0.0))
                for r in rs
                for c in r["channels"]
                if c["estimated"]
            ]
        )
        v["coverage_zero_tolerant_by_setting"] = {
            s: _share(
                [
                    _reaches(c, r.get("total_sales", 0.0))
                    for r in rs
                    if r["setting"] == s
                    for c in r["channels"]
                    if c["estimated"]
                ]
            )
            for s in SETTINGS
            if any(r["setting"] == s for r in rs)
        }
        v["coverage_expected"] = _share(
            [c["covered_expected"] for r in rs for c in r["channels"] if c["estimated"]]
        )
        v["channels_estimated"] = len(cov)
        v["channels_without_estimate"] = sorted(
            {c["channel"] for r in rs for c in r["channels"] if not c["estimated"]}
        )
        v["coverage_by_setting"] = {
            s: _share(
                [
                    c["covered"]
                    for r in rs
                    if r["setting"] == s
                    for c in r["channels"]
                    if c["estimated"]
                ]
            )
            for s in SETTINGS
            if any(r["setting"] == s for r in rs)
        }
        v["coverage_by_channel"] = {
            ch: _share(
                [
                    c["covered"]
                    for r in rs
                    for c in r["channels"]
                    if c["channel"] == ch and c["estimated"]
                ]
            )
            for ch in sorted({c["channel"] for r in rs for c in r["channels"] if c["estimated"]})
        }
        v["mean_abs_error"] = (
            float(np.mean([c["abs_error"] for r in rs for c in r["channels"] if c["estimated"]]))
            if cov
            else None
        )
        plans = [r["plan"] for r in rs]
        # a claim: P >= 0.9 on a run whose decisions are safe (no "not for decisions" banner)
        confident = [
            p for p in plans if (p["prob_beats_current"] or 0) >= 0.9 and p.get("safe", True)
        ]
        v["plans_with_p_ge_0_9"] = len(confident)
        v["plans_unsafe"] = sum(1 for p in plans if not p.get("safe", True))
        loose = [p for p in plans if (p["prob_beats_current"] or 0) >= 0.9]
        v["any_plans_with_p_ge_0_9"] = len(loose)
        v["share_any_p_ge_0_9_beating_current"] = _share([p["true_gain"] > 0 for p in loose])
        v["share_confident_plans_beating_current"] = _share([p["true_gain"] > 0 for p in confident])
        v["confident_plans_with_true_loss"] = sum(1 for p in confident if p["true_gain"] <= 0)
        shares = [p["share_of_best"] for p in plans if p["share_of_best"] is not None]
        v["median_share_of_best_gain"] = float(np.median(shares)) if shares else None
        v["share_of_best_by_setting"] = {
            s: float(
                np.median(
                    [
                        r["plan"]["share_of_best"]
                        for r in rs
                        if r["setting"] == s and r["plan"]["share_of_best"] is not None
                    ]
                )
            )
            for s in SETTINGS
            if any(r["setting"] == s for r in rs)
        }
        v["plans_with_true_loss"] = sum(1 for p in plans if p["true_gain"] <= 0)
        v["brand_search"] = {
            "coverage": _share(
                [
                    c["covered"]
                    for r in rs
                    for c in r["channels"]
                    if c["channel"] == "search_brand" and c["estimated"]
                ]
            ),
            "median_estimate_over_truth": float(
                np.median(
                    [
                        c["estimate"] / max(c["truth"], 1.0)
                        for r in rs
                        for c in r["channels"]
                        if c["channel"] == "search_brand" and c["estimated"]
                    ]
                )
            )
            if rs
            else None,
            "flagged_spend_follows_demand": sum(
                1
                for r in rs
                if r.get("spend_follows_demand")
                and "search_brand" in r["spend_follows_demand"].get("capped", [])
            ),
        }
        v["seconds_median"] = float(np.median([r["seconds"] for r in rs])) if rs else None
        out[variant] = v
    out["join"] = _join(records)
    return out


def _join(records: list[dict]) -> dict:
    """MMM alone vs MMM with MTA priors on the worlds where both ran (matched pairs)."""
    ok = [r for r in records if "error" not in r]
    by = {(r["setting"], r["seed"], r["variant"]): r for r in ok}
    pairs = [
        (by[(s, k, "mmm_alone")], by[(s, k, "mta_priors")])
        for (s, k, v) in by
        if v == "mmm_alone" and (s, k, "mta_priors") in by
    ]
    if not pairs:
        return {"worlds": 0}
    out: dict = {"worlds": len(pairs)}
    for i, name in enumerate(("mmm_alone", "mta_priors")):
        chans = [c for pr in pairs for c in pr[i]["channels"] if c["estimated"]]
        out[name] = {
            "coverage": _share([c["covered"] for c in chans]),
            "mean_abs_error": float(np.mean([c["abs_error"] for c in chans])),
            "median_share_of_best_gain": float(
                np.median(
                    [
                        pr[i]["plan"]["share_of_best"]
                        for pr in pairs
                        if pr[i]["plan"]["share_of_best"] is not None
                    ]
                )
            ),
        }
    return out


def write_markdown(summary: dict, meta: dict, path: Path) -> None:
    lines = [
        "# Honest intervals and decisions against simulated truth (bench_truth.py)",
        "",
        f"{meta['worlds']} worlds ({meta['customers']} customers x {meta['weeks']} weeks; "
        f"settings {', '.join(meta['settings'])}); MMM {meta['chains']} chains x "
        f"{meta['draws']} draws (tune {meta['tune']}); plans within +-{MAX_CHANGE:.0f}% "
        f"per channel. Machine: {meta['machine']}; load average at the start "
        f"{meta['load_avg_start']:.1f}; wall time {meta['wall_minutes']:.1f} min.",
        "",
        "Goals: coverage >= 85% overall and per setting; of plans with P >= 0.9, >= 90% "
        "beat the current plan in truth; median share of the best plan's gain >= 80%; "
        "no true loss under P >= 0.9.",
        "",
    ]
    j = summary.get("join", {})
    if j.get("worlds"):
        lines += [
            "## The join: MMM alone vs MMM with MTA priors (matched worlds)",
            "",
            f"{j['worlds']} worlds with both variants.",
            "",
        ]
        for name in ("mmm_alone", "mta_priors"):
            x = j[name]
            lines.append(
                f"- {name}: coverage {_pct(x['coverage'])}, mean absolute error "
                f"{x['mean_abs_error']:,.0f}, median share of the best gain "
                f"{_pct(x['median_share_of_best_gain'])}"
            )
        lines.append("")
    for variant, v in summary.items():
        if variant == "join":
            continue
        lines += [
            f"## {variant}",
            "",
            f"- runs: {v['runs']} (errors {v['errors']})",
            f"- coverage of true contributions by 90% intervals: {_pct(v['coverage'])} "
            f"of {v['channels_estimated']} channel estimates (vs expected truth: "
            f"{_pct(v['coverage_expected'])})",
            "- by setting: "
            + ", ".join(f"{s} {_pct(c)}" for s, c in v["coverage_by_setting"].items()),
            "- by channel: "
            + ", ".join(f"{s} {_pct(c)}" for s, c in v["coverage_by_channel"].items()),
            f"- counting an interval whose low end is under {ZERO_TOL:.1%} of sales as reaching "
            f"a zero truth: {_pct(v['coverage_zero_tolerant'])} (by setting: "
            + ", ".join(f"{k} {_pct(c)}" for k, c in v["coverage_zero_tolerant_by_setting"].items())
            + ")",
            f"- channels without an MMM estimate: "
            f"{', '.join(v['channels_without_estimate']) or 'none'}",
            f"- mean absolute error of contributions: {v['mean_abs_error']:,.0f}"
            if v["mean_abs_error"] is not None
            else "- mean absolute error: n/a",
            f"- plans claimed (P(beats current) >= 0.9 on a run safe for decisions): "
            f"{v['plans_with_p_ge_0_9']}; of these beating the current plan in truth: "
            f"{_pct(v['share_confident_plans_beating_current'])}; true losses: "
            f"{v['confident_plans_with_true_loss']}",
            f"- runs not safe for decisions (plan under a banner, no claim): "
            f"{v.get('plans_unsafe', 0)}; plans with P >= 0.9 whether safe or not: "
            f"{v.get('any_plans_with_p_ge_0_9', 0)}, beating the current plan: "
            f"{_pct(v.get('share_any_p_ge_0_9_beating_current'))}",
            f"- median share of the best plan's true gain: "
            f"{_pct(v['median_share_of_best_gain'])} (by setting: "
            + ", ".join(f"{s} {_pct(c)}" for s, c in v["share_of_best_by_setting"].items())
            + ")",
            f"- plans with a true loss (any P): {v['plans_with_true_loss']}",
            f"- brand search: coverage {_pct(v['brand_search']['coverage'])}, median "
            f"estimate / truth {v['brand_search']['median_estimate_over_truth']:.1f}, "
            f"flagged 'spend follows demand' and capped in "
            f"{v['brand_search']['flagged_spend_follows_demand']} runs",
            f"- median seconds per run: {v['seconds_median']}",
            "",
        ]
    path.write_text("\n".join(lines))


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=4, help="worlds per setting")
    p.add_argument("--first-seed", type=int, default=100)
    p.add_argument("--customers", type=int, default=50000)
    p.add_argument("--weeks", type=int, default=104)
    p.add_argument("--draws", type=int, default=200)
    p.add_argument("--tune", type=int, default=300)
    p.add_argument("--chains", type=int, default=2)
    p.add_argument("--variants", default="mmm_alone,mta_priors")
    p.add_argument("--settings", default=",".join(SETTINGS))
    p.add_argument("--work", default="/tmp/bench_truth")
    p.add_argument("--log", default=None, help="JSON-lines file of per-run records")
    p.add_argument("--deadline", default=None, help="HH:MM UTC: start no world after it")
    p.add_argument("--aggregate", action="store_true", help="only summarise the logs")
    p.add_argument(
        "--shard",
        default="0/1",
        help="K/N: run worlds K, K+N, ... (parallel "
        "workers write records-K.jsonl; --aggregate reads them all)",
    )
    args = p.parse_args()
    args.variants = [v for v in args.variants.split(",") if v]
    settings = [s for s in args.settings.split(",") if s]
    shard, n_shards = (int(x) for x in args.shard.split("/"))
    log_file = Path(args.log or Path(args.work) / f"records-{shard}.jsonl")
    logging.basicConfig(level=logging.WARNING)
    load0 = os.getloadavg()[0]
    if not args.aggregate:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_file.unlink(missing_ok=True)
        worlds = [(s, args.first_seed + k) for k in range(args.seeds) for s in settings]
        for setting, seed in worlds[shard::n_shards]:  # settings interleaved: balanced
            if args.deadline and dt.datetime.now(dt.UTC).strftime("%H:%M") >= args.deadline:
                print("deadline reached; summarising what finished", flush=True)
                break
            one_world(args, setting, seed, log_file)
    records = [
        json.loads(line)
        for f in sorted(log_file.parent.glob("records-*.jsonl"))
        for line in f.read_text().splitlines()
        if line
    ]
    summary = summarise(records, Path(args.work))
    meta = {
        "worlds": len({(r["setting"], r["seed"]) for r in records}),
        "customers": args.customers,
        "weeks": args.weeks,
        "draws": args.draws,
        "tune": args.tune,
        "chains": args.chains,
        "settings": sorted({r["setting"] for r in records}),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared)",
        "load_avg_start": load0,
        "wall_minutes": (max(r["finished"] for r in records) - min(r["started"] for r in records))
        / 60
        if records
        else 0.0,
        "load_avg_end": os.getloadavg()[0],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "truth.json").write_text(
        json.dumps(
            {
                "meta": meta,
                "summary": summary,
                "settings": {k: v.__dict__ for k, v in SETTINGS.items()},
                "records": records,
            },
            indent=1,
            default=float,
        )
    )
    write_markdown(summary, meta, RESULTS / "truth.md")
    print((RESULTS / "truth.md").read_text())


if __name__ == "__main__":
    main()
