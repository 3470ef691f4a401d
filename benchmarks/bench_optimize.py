"""Benchmark: budget optimiser speed and accuracy.

Cases:

* ``hill_{C}ch_{D}draws``: C channels of Hill curves (S-shaped, shape 1.5) with D
  posterior draws; analytic gradients and (bare protocol) finite differences; the
  objective gap to a reference solve with 40 starts;
* ``log_10ch_closed_form``: 10 log curves, 1000 draws; spend error vs the closed form;
* ``simulated_world``: the simulator's true response curves (``truth.json``); gap to
  the truth's own optimal allocation (bisection on equal marginal returns);
* ``sweep_11_budgets``: budget sweep, 5 channels x 1000 draws.

Run: ``.venv/bin/python benchmarks/bench_optimize.py [--repeat 3]``; writes
``benchmarks/results/optimize.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from attribution.io import write_json, write_text
from attribution.optimize import BudgetOptimizer, ParametricResponse
from attribution.optimize.scenarios import budget_sweep, sweep_budgets

RESULTS = Path(__file__).resolve().parent / "results"


class Bare:
    """Only the protocol (no gradient): the finite-difference path."""

    def __init__(self, m: ParametricResponse) -> None:
        self.channels, self.current_spend, self._m = m.channels, m.current_spend, m

    def response(self, spend: np.ndarray) -> np.ndarray:
        return self._m.response(spend)


def hill(n_ch: int, draws: int, seed: int = 0) -> ParametricResponse:
    rng = np.random.default_rng(seed)
    scale = rng.uniform(50, 300, n_ch)
    return ParametricResponse(
        tuple(f"ch{i}" for i in range(n_ch)),
        rng.uniform(20, 200, n_ch),
        beta=rng.lognormal(np.log(scale * 2), 0.2, (draws, n_ch)),
        curve="hill",
        params={
            "half": rng.lognormal(np.log(scale), 0.2, (draws, n_ch)),
            "shape": np.full((draws, n_ch), 1.5),
        },
    )


def timed(fn: Any, repeat: int) -> tuple[Any, float, float]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, min(times), statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    cases: list[dict[str, Any]] = []
    for n_ch, draws in ((3, 1000), (10, 1000), (20, 2000)):
        m = hill(n_ch, draws)
        budget = float(m.current_spend.sum())
        ref = BudgetOptimizer(n_starts=40).fit(m, budget).objective_recommended
        for label, model in (("analytic", m), ("finite_diff", Bare(m))):
            res, tmin, tmed = timed(
                lambda model=model, b=budget: BudgetOptimizer().fit(model, b), args.repeat
            )
            cases.append(
                {
                    "case": f"hill_{n_ch}ch_{draws}draws_{label}",
                    "channels": n_ch,
                    "draws": draws,
                    "seconds_min": round(tmin, 3),
                    "seconds_median": round(tmed, 3),
                    "gap_to_40_start_reference": (ref - res.objective_recommended) / ref,
                    "uplift_vs_current_pct": 100
                    * (res.objective_recommended / res.objective_current - 1),
                }
            )
    # closed form, 10 log curves
    rng = np.random.default_rng(1)
    beta, k = rng.uniform(100, 500, 10), rng.uniform(5, 50, 10)
    noise = rng.lognormal(0, 0.3, (1000, 10))
    m = ParametricResponse(
        tuple(f"ch{i}" for i in range(10)),
        np.full(10, 50.0),
        beta=beta * noise / noise.mean(0),
        curve="log",
        params={"k": k},
    )
    res, tmin, tmed = timed(lambda: BudgetOptimizer().fit(m, 500.0), args.repeat)
    exact = beta / (beta.sum() / (500.0 + k.sum())) - k
    cases.append(
        {
            "case": "log_10ch_closed_form",
            "channels": 10,
            "draws": 1000,
            "seconds_min": round(tmin, 3),
            "seconds_median": round(tmed, 3),
            "max_rel_spend_error": float(np.max(np.abs(res.recommended_spend - exact) / exact)),
        }
    )
    # the simulated world's truth
    from attribution.data.simulator import truth as T
    from attribution.data.simulator.config import SimulationConfig
    from attribution.data.simulator.world import simulate
    from attribution.optimize.adapters import TruthResponse

    truth = simulate(SimulationConfig(customers=5000, weeks=104, seed=0)).truth
    tm = TruthResponse(truth)
    weeks = 104
    for mult in (0.7, 1.0, 1.5):
        budget = mult * weeks * float(tm.current_spend.sum())
        res, tmin, tmed = timed(lambda b=budget: BudgetOptimizer(horizon=weeks).fit(tm, b), 1)
        zero = {c: 0.0 for c in tm.channels}
        base = T.expected_sales(truth, zero)
        best = T.expected_sales(truth, T.optimal_allocation(truth, budget, list(tm.channels)))
        ours = T.expected_sales(truth, dict(zip(tm.channels, res.recommended_spend, strict=True)))
        cases.append(
            {
                "case": f"simulated_world_budget_x{mult}",
                "channels": len(tm.channels),
                "seconds_min": round(tmin, 3),
                "seconds_median": round(tmed, 3),
                "true_incremental_optimum": best - base,
                "optimiser_incremental": ours - base,
                "gap_to_true_optimum": (best - ours) / (best - base),
            }
        )
    m = hill(5, 1000)
    b = float(m.current_spend.sum())
    sw, tmin, tmed = timed(lambda: budget_sweep(m, sweep_budgets(b)), 1)
    cases.append(
        {
            "case": "sweep_11_budgets_5ch_1000draws",
            "seconds_min": round(tmin, 3),
            "seconds_median": round(tmed, 3),
            "monotone": bool(np.all(np.diff(sw.to_frame().expected) > 0)),
        }
    )
    meta = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "repeat": args.repeat,
    }
    write_json(RESULTS / "optimize.json", {"meta": meta, "cases": cases})
    keys = sorted({k for c in cases for k in c} - {"case"})
    lines = [
        "# Budget optimiser benchmark",
        "",
        f"{meta}",
        "",
        "| case | " + " | ".join(keys) + " |",
        "|---" * (len(keys) + 1) + "|",
    ]
    for c in cases:
        cells = [f"{c[k]:.4g}" if isinstance(c.get(k), float) else str(c.get(k, "")) for k in keys]
        lines.append(f"| {c['case']} | " + " | ".join(cells) + " |")
    write_text(RESULTS / "optimize.md", "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
