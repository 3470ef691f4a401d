"""Benchmark: Shapley path attribution at scale.

Cases (targets from the issue):

* exact rate-based Shapley, 20 channels, 1M journeys (~100k distinct path rows
  whose conversions + non-conversions sum to 1M): target < 10 s;
* count-based (closed form) Shapley, 200 channels, 1M path rows;
* exact rate-based Shapley, 20 channels, 1M distinct path rows (10M journeys; extra);
* ordered Shapley on the 200-channel 1M rows (extra);
* Monte-Carlo rate-based Shapley, 40 channels, 100k path rows, 2000 permutations, and
  100 channels (beyond 64-bit masks), 1M path rows, 200 permutations (extra).

Tables are built directly as CSR arrays (random, seeded), so the timings are of the
attribution only. Each case runs ``--repeat`` times; min and median wall-clock are
written to ``benchmarks/results/shapley.json`` and ``.md``.

Run: ``.venv/bin/python benchmarks/bench_shapley.py [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from attribution.io import write_json, write_text
from attribution.mta.paths import PathTable
from attribution.mta.shapley import shapley_count, shapley_ordered, shapley_rate

RESULTS = Path(__file__).resolve().parent / "results"


def synthetic_table(n_channels: int, n_rows: int, journeys: int, seed: int) -> PathTable:
    """Random path table: lengths 1..8 (geometric-ish), skewed channel popularity."""
    rng = np.random.default_rng(seed)
    lengths = np.minimum(rng.geometric(0.35, n_rows), 8)
    popularity = rng.dirichlet(np.full(n_channels, 0.7))
    steps = rng.choice(n_channels, size=int(lengths.sum()), p=popularity).astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    per_row = rng.multinomial(journeys, rng.dirichlet(np.ones(n_rows)))
    rate = rng.beta(2, 30, n_rows)
    conversions = rng.binomial(per_row, rate).astype(float)
    nulls = per_row - conversions
    value = conversions * rng.gamma(4.0, 20.0, n_rows)
    channels = tuple(f"channel_{i:03d}" for i in range(n_channels))
    return PathTable(channels, offsets, steps, conversions, value, nulls)


def timed(fn: Callable[[], object], repeat: int) -> tuple[list[float], object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return times, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cases = []

    def record(
        name: str,
        table: PathTable,
        fn: Callable[[], object],
        target: float | None,
        extra: dict | None = None,
    ) -> object:
        times, credit = timed(fn, args.repeat)
        total = float(np.sum(credit.conversions))  # type: ignore[attr-defined]
        row = {
            "case": name,
            "channels": table.n_channels,
            "path_rows": table.n_paths,
            "journeys": int(table.conversions.sum() + table.nulls.sum()),
            "conversions": float(table.conversions.sum()),
            "credited_conversions": round(total, 6),
            "seconds_min": round(min(times), 3),
            "seconds_median": round(statistics.median(times), 3),
            "target_seconds": target,
            "meets_target": None if target is None else bool(min(times) < target),
            **(extra or {}),
        }
        detail = getattr(credit, "tables", {}).get("rate")
        if detail is not None and detail["method"].iloc[0] == "monte_carlo":
            row["max_se_conversions"] = round(float(detail["se_conversions"].max()), 3)
        cases.append(row)
        print(json.dumps(row))
        return credit

    t20 = synthetic_table(20, 100_000, 1_000_000, seed=1)
    record("rate_exact_20ch_1M_journeys", t20, lambda: shapley_rate(t20), 10.0)
    t20b = synthetic_table(20, 1_000_000, 10_000_000, seed=4)
    record("rate_exact_20ch_1M_rows", t20b, lambda: shapley_rate(t20b), 10.0)
    t200 = synthetic_table(200, 1_000_000, 20_000_000, seed=2)
    record("count_closed_form_200ch_1M_rows", t200, lambda: shapley_count(t200), None)
    record("ordered_stage_200ch_1M_rows", t200, lambda: shapley_ordered(t200), None)
    t40 = synthetic_table(40, 100_000, 1_000_000, seed=3)
    record(
        "rate_monte_carlo_40ch_100k_rows_2000perm",
        t40,
        lambda: shapley_rate(t40, n_permutations=2000, seed=0),
        None,
    )
    t100 = synthetic_table(100, 1_000_000, 10_000_000, seed=5)
    record(
        "rate_monte_carlo_100ch_1M_rows_200perm",
        t100,
        lambda: shapley_rate(t100, n_permutations=200, seed=0),
        None,
    )

    load = os.getloadavg()
    meta = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}, "
        f"numpy {np.__version__}",
        "load_average_1_5_15": [round(x, 2) for x in load],
        "note": "shared 2-core machine with other engineers' jobs running; timings are "
        "wall-clock and noisy (min of repeats is the best estimate)",
        "repeat": args.repeat,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    write_json(RESULTS / "shapley.json", {"meta": meta, "cases": cases})
    lines = [
        "# Shapley benchmark",
        "",
        f"Machine: {meta['machine']}. {meta['note']}. "
        f"Load average at the end: {meta['load_average_1_5_15']}.",
        "",
        "| case | channels | path rows | journeys | min s | median s | target s | ok "
        "| max MC s.e. (conv.) |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for c in cases:
        ok = "" if c["meets_target"] is None else ("yes" if c["meets_target"] else "NO")
        lines.append(
            f"| {c['case']} | {c['channels']} | {c['path_rows']:,} | {c['journeys']:,} "
            f"| {c['seconds_min']} | {c['seconds_median']} | {c['target_seconds'] or ''} "
            f"| {ok} | {c.get('max_se_conversions', '')} |"
        )
    write_text(RESULTS / "shapley.md", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
