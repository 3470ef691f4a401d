"""Where the plans of bench_truth.py lose against the best plan (issue #11, point 6).

Reads the per-run records of a ``bench_truth.py`` result file, rebuilds each world's
truth (the simulator only, no MMM) and splits the gap between the best plan's true gain
and ours by channel. The true response is additive across channels, so for two plans of
the same budget the gap is exactly ``sum_c R_c(best_c) - R_c(ours_c)``: a positive term is
gain the best plan made on that channel and ours did not (the money went elsewhere). Also
reports what our own cap on channels whose spend follows demand (+-10%, brand search)
costs the best plan, and the true marginal ROIs against our moves.

Usage::

    python benchmarks/diagnose_truth.py [benchmarks/results/truth.json] [--variant share_priors]

Writes benchmarks/results/truth_diagnosis.{json,md}.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_truth import MAX_CHANGE, SETTINGS  # noqa: E402

from attribution.data.simulator import SimulationConfig, simulate  # noqa: E402
from attribution.data.simulator.replay import best_plan, current_plan, plan_gain  # noqa: E402
from attribution.data.simulator.truth import channel_response, marginal_roi  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
CAP = 0.10  # the pipeline's default cap on a channel whose spend follows demand


def flat_flighting(truth: dict) -> dict:
    """The world's truth with every channel's weekly driver replaced by its mean: what an
    optimiser that plans flat weekly spend believes, even with the true curves."""
    flat = copy.deepcopy(truth)
    for c in flat["channels"].values():
        drv = np.asarray(c["weekly_driver"], dtype=float)
        c["weekly_driver"] = [float(drv.mean())] * drv.size
    return flat


def diagnose(record: dict, customers: int, weeks: int) -> dict:
    """Per-channel gap between the best plan and ours in one world, and the cap's cost."""
    cfg = SimulationConfig(
        seed=record["seed"],
        customers=customers,
        weeks=weeks,
        start=dt.date(2023, 1, 2),
        pitfalls=SETTINGS[record["setting"]],
    )
    truth = simulate(cfg).truth
    base = current_plan(truth)
    f = MAX_CHANGE / 100
    lo = {n: (1 - f) * v for n, v in base.items()}
    hi = {n: (1 + f) * v for n, v in base.items()}
    best = best_plan(truth, lower=lo, upper=hi, channels=list(base))
    moves = record["plan"]["recommended_change"]
    ours = {n: base[n] * (1 + moves.get(n, 0.0)) for n in base}
    gap = {
        n: channel_response(truth["channels"][n], best[n] / base[n])
        - channel_response(truth["channels"][n], ours[n] / base[n])
        for n in base
    }
    capped = list(
        (record.get("spend_follows_demand") or {}).get("capped", [])
        or (["search_brand"] if "search_brand" in base else [])
    )
    lo2, hi2 = dict(lo), dict(hi)
    for n in capped:
        if n in base:
            lo2[n], hi2[n] = (1 - CAP) * base[n], (1 + CAP) * base[n]
    best_capped = plan_gain(truth, best_plan(truth, lower=lo2, upper=hi2, channels=list(base)))
    best_flat = best_plan(flat_flighting(truth), lower=lo, upper=hi, channels=list(base))
    return {
        "setting": record["setting"],
        "seed": record["seed"],
        "true_gain": record["plan"]["true_gain"],
        "best_gain": record["plan"]["best_gain"],
        "best_gain_with_our_caps": best_capped,
        # the best plan for the TRUE curves evaluated at flat weekly spend, replayed in truth
        "flat_truth_gain": plan_gain(truth, best_flat),
        "capped": capped,
        "gap_by_channel": gap,
        "best_change": {n: best[n] / base[n] - 1 for n in base},
        "our_change": {n: ours[n] / base[n] - 1 for n in base},
        "true_mroi": {n: marginal_roi(truth["channels"][n]) for n in base},
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("results", nargs="?", default=str(RESULTS / "truth.json"))
    p.add_argument("--variant", default="share_priors")
    a = p.parse_args()
    data = json.loads(Path(a.results).read_text())
    meta = data["meta"]
    recs = [r for r in data["records"] if r["variant"] == a.variant and "error" not in r]
    rows = [diagnose(r, meta["customers"], meta["weeks"]) for r in recs]
    chans = list(rows[0]["gap_by_channel"]) if rows else []
    mean_gap = {c: float(np.mean([r["gap_by_channel"][c] for r in rows])) for c in chans}
    cap_share = [r["best_gain_with_our_caps"] / r["best_gain"] for r in rows if r["best_gain"] > 0]
    summary = {
        "source": str(Path(a.results).name),
        "variant": a.variant,
        "worlds": len(rows),
        "mean_best_gain": float(np.mean([r["best_gain"] for r in rows])),
        "mean_true_gain": float(np.mean([r["true_gain"] for r in rows])),
        "mean_gap_by_channel": mean_gap,
        "median_best_share_reachable_under_our_caps": float(np.median(cap_share)),
        "median_best_share_of_flat_true_curves": float(
            np.median([r["flat_truth_gain"] / r["best_gain"] for r in rows if r["best_gain"] > 0])
        ),
        "mean_true_mroi": {
            c: float(np.mean([r["true_mroi"][c] for r in rows if r["true_mroi"][c] is not None]))
            for c in chans
        },
        "mean_best_change": {c: float(np.mean([r["best_change"][c] for r in rows])) for c in chans},
        "mean_our_change": {c: float(np.mean([r["our_change"][c] for r in rows])) for c in chans},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "truth_diagnosis.json"
    out.write_text(json.dumps({"summary": summary, "worlds": rows}, indent=1, default=float))
    lines = [
        "# Where the plans lose against the best plan (diagnose_truth.py)",
        "",
        f"{summary['worlds']} worlds of `{summary['source']}` (variant {a.variant}); plans "
        f"within +-{MAX_CHANGE:.0f}%. Mean best gain {summary['mean_best_gain']:,.0f}, ours "
        f"{summary['mean_true_gain']:,.0f}. The best plan under our own +-{CAP:.0%} cap on "
        f"channels whose spend follows demand reaches a median "
        f"{summary['median_best_share_reachable_under_our_caps']:.0%} of the best gain. "
        f"The best plan for the true curves evaluated at flat weekly spend (flighting "
        f"ignored) reaches a median {summary['median_best_share_of_flat_true_curves']:.0%}.",
        "",
        "| channel | true mROI | best plan's change | our change | gap (best - ours) |",
        "|---|---|---|---|---|",
    ]
    for c in sorted(chans, key=lambda c: -mean_gap[c]):
        lines.append(
            f"| {c} | {summary['mean_true_mroi'][c]:.2f} | "
            f"{summary['mean_best_change'][c]:+.0%} | {summary['mean_our_change'][c]:+.0%} | "
            f"{mean_gap[c]:,.0f} |"
        )
    lines += [
        "",
        "Gap: the true response the best plan earns on the channel minus ours (same budget, "
        "so a negative term is money ours spent there that the best plan spent better "
        "elsewhere); the terms add up to best gain - our gain.",
        "",
    ]
    (RESULTS / "truth_diagnosis.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
