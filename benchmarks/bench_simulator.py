"""Time the simulator on a large world (default 1,000,000 customers x 104 weeks).

Usage: python benchmarks/bench_simulator.py [--customers N] [--weeks W] [--write DIR]
Writes benchmarks/results/simulator.json (seconds, peak memory, sizes).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import time
from pathlib import Path

from attribution.data.simulator import SimulationConfig, simulate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", default=None, help="also write the world here and time it")
    args = parser.parse_args()
    cfg = SimulationConfig(seed=args.seed, customers=args.customers, weeks=args.weeks)
    t0, c0 = time.perf_counter(), time.process_time()
    world = simulate(cfg)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    result = {
        "customers": cfg.customers,
        "weeks": cfg.weeks,
        "seed": cfg.seed,
        "chunk_size": cfg.chunk_size,
        "simulate_wall_s": round(wall, 2),
        "simulate_cpu_s": round(cpu, 2),
        "touchpoints": len(world.touchpoints),
        "conversions": len(world.conversions),
        "id_map_rows": len(world.id_map),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": __import__("os").cpu_count(),
    }
    if args.write:
        t1 = time.perf_counter()
        world.write(args.write)
        result["write_wall_s"] = round(time.perf_counter() - t1, 2)
    out = Path(__file__).parent / "results" / "simulator.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
