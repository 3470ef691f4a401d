"""MMM compile cost: first fit vs a repeat fit of the same model structure.

Each model is fitted in a fresh process twice in a row: on window A (compiles the
model) and on window B, the same number of weeks moved on by one quarter (a quarterly
refresh: same structure, new data), which reuses the compiled model in that process
(see ``attribution.mmm.cache``). A second fresh process repeats both fits, to show
what survives a process: numba, pytensor's on-disk numba cache (nutpie's numba
wrappers are compiled again); jax, JAX's persistent compilation cache (the benchmark
starts it empty, in a temporary folder, so the first process is a cold start). Per
fit: compile (or reuse) seconds, whether the compiled programs came from disk (jax),
sampling seconds, wall seconds, min bulk ESS and min bulk ESS per fit-wall second;
per process: peak memory; before and after: the machine's load average.

Models:

- ``national``: pymc-marketing's example data (``../shared/data/pymc_marketing_example``,
  two channels, 166 of its 179 weeks per window), the model of ``bench_mmm.py``.
- ``geo``: the simulator's panel with 5 geos x 104 weeks x 3 channels per window.

Usage::

    PYTHONPATH=. nice -n 10 .venv/bin/python benchmarks/bench_compile.py national geo \
        [--backend numba jax] [--draws 1000 --tune 1000 --chains 4 --processes 2]

Writes ``benchmarks/results/compile.json`` and ``compile.md`` (one entry per model and
backend; a later run replaces only the entries it measured).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DATA = ROOT.parent / "shared" / "data" / "pymc_marketing_example"
QUARTER = 13
LEGACY_WHEN = "2026-12-03, before 16:00 UTC (numba-only version of this script)"


def _windows(name: str):
    """(spec, frame A, frame B): two windows of the same length, one quarter apart."""
    import pandas as pd

    from attribution.mmm import spec_from_dict
    from attribution.mmm.synthetic import simulate_panel

    if name == "national":
        df = pd.read_csv(DATA / "mmm_example.csv")
        cfg = {
            "model": {
                "date": "date_week",
                "target": "y",
                "trend": False,
                "fourier_modes": 2,
                "controls": ["event_1", "event_2", "t"],
            },
            "channels": [
                {"name": "x1", "column": "x1", "l_max": 8},
                {"name": "x2", "column": "x2", "l_max": 8},
            ],
            "priors": {"sigma": {"dist": "HalfNormal", "sigma": 2}},
        }
        n = len(df) - QUARTER
        return spec_from_dict(cfg), df.iloc[:n], df.iloc[QUARTER:]
    df, _ = simulate_panel(104 + QUARTER, 3, n_geos=5, seed=11)
    spec = spec_from_dict({"model": {"fourier_modes": 2}}, list(df.columns))
    dates = sorted(df["date"].unique())
    a = df[df["date"].isin(dates[: len(dates) - QUARTER])]
    b = df[df["date"].isin(dates[QUARTER:])]
    return spec, a, b


def _min_ess(res) -> float:
    import arviz as az

    post = res.idata["posterior"]
    ds = post.to_dataset() if hasattr(post, "to_dataset") else post
    ess = az.ess(ds, method="bulk")
    ess = ess.to_dataset() if hasattr(ess, "to_dataset") else ess
    return min(float(np.nanmin(np.asarray(ess[n]))) for n in ess.data_vars)


def worker(name: str, draws: int, tune: int, chains: int, backend: str, cache_dir: str) -> dict:
    """Both fits in this (fresh) process."""
    import nutpie  # noqa: F401  (imports before the clock, as in bench_mmm.py)
    import pymc  # noqa: F401

    from attribution.mmm import MMM

    spec, a, b = _windows(name)
    est = MMM(
        spec,
        draws=draws,
        tune=tune,
        chains=chains,
        seed=1,
        backend=backend,
        cache_dir=cache_dir or None,
    )
    fits = []
    for label, frame in (("A (first fit)", a), ("B (next quarter)", b)):
        t0 = time.perf_counter()
        res = est.fit(frame)
        wall = time.perf_counter() - t0
        s = res.settings
        ess = _min_ess(res)
        fits.append(
            {
                "window": label,
                "compile": s["compile"],
                "disk_cache": s.get("disk_cache", "-"),
                "compile_s": s["compile_seconds"],
                "sampling_s": round(s["sampling_seconds"] - s["compile_seconds"], 2),
                "fit_wall_s": round(wall, 2),
                "min_bulk_ess": round(ess, 1),
                "min_ess_per_s": round(ess / wall, 2),
                "draws_hash": _draws_hash(res),
            }
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"fits": fits, "peak_rss_mb": round(rss)}


def _draws_hash(res) -> str:
    """A hash of every posterior draw (identical draws across processes: same hash)."""
    import hashlib

    h = hashlib.sha256()
    for k in sorted(res.posterior):
        h.update(np.ascontiguousarray(res.posterior[k]).tobytes())
    return h.hexdigest()[:16]


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def run(name: str, backend: str, draws: int, tune: int, chains: int, processes: int) -> dict:
    out = {
        "model": name,
        "backend": backend,
        "draws": draws,
        "tune": tune,
        "chains": chains,
        "processes": [],
    }
    cache_dir = tempfile.mkdtemp(prefix="bench-compile-") if backend == "jax" else ""
    for i in range(processes):
        load0, t0 = _load(), time.perf_counter()
        args = [name, str(draws), str(tune), str(chains), backend, cache_dir]
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        if proc.returncode != 0:
            raise SystemExit(f"worker failed:\n{proc.stderr[-3000:]}")
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        r.update(
            process=i + 1,
            process_wall_s=round(time.perf_counter() - t0, 2),
            load_before=load0,
            load_after=_load(),
        )
        out["processes"].append(r)
        print(json.dumps(r), flush=True)
    if cache_dir:
        shutil.rmtree(cache_dir, ignore_errors=True)
    return out


def _markdown(res: dict) -> str:
    lines = [
        "# MMM compile cost: first fit vs a repeat fit of the same structure",
        "",
        "2-core shared machine; load = 1-minute load average before/after each process. "
        "Each process fits window A, then window B (one quarter later, same length). "
        "compile: hit = the compiled model reused in the process; disk: hit = jax's "
        "compiled programs loaded from JAX's persistent cache (started empty before "
        "process 1). ESS/s = min bulk ESS / fit wall seconds (compile included). "
        "draws: hash of every posterior draw (same window, same seed: same hash).",
        "",
        "| model | backend | process | window | compile | disk | compile s | sampling s "
        "| fit wall s | min ESS | ESS/s | draws | process wall s | peak RSS MB | load | when |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, r in res.items():
        name = key.split(":")[0]
        for p in r["processes"]:
            for f in p["fits"]:
                lines.append(
                    f"| {name} ({r['chains']} x {r['draws']} + {r['tune']}) "
                    f"| {r.get('backend', 'numba')} | {p['process']} "
                    f"| {f['window']} | {f['compile']} | {f.get('disk_cache', '-')} "
                    f"| {f['compile_s']} | {f['sampling_s']} | {f['fit_wall_s']} "
                    f"| {f.get('min_bulk_ess', '-')} | {f.get('min_ess_per_s', '-')} "
                    f"| {f.get('draws_hash', '-')} | {p['process_wall_s']} "
                    f"| {p['peak_rss_mb']} | {p['load_before']} -> {p['load_after']} "
                    f"| {r.get('when', '-')} |"
                )
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        name, draws, tune, chains = sys.argv[2], *map(int, sys.argv[3:6])
        print(json.dumps(worker(name, draws, tune, chains, sys.argv[6], sys.argv[7])))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="+", choices=["national", "geo"])
    ap.add_argument("--backend", nargs="+", choices=["numba", "jax"], default=["numba", "jax"])
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--tune", type=int, default=1000)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--processes", type=int, default=2)
    a = ap.parse_args()
    path = RESULTS / "compile.json"
    for name in a.models:
        for backend in a.backend:
            r = run(name, backend, a.draws, a.tune, a.chains, a.processes)
            r["when"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
            out = _read(path)
            out[f"{name}:{backend}"] = r
            RESULTS.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(out, indent=1) + "\n")
            (RESULTS / "compile.md").write_text(_markdown(out))


def _read(path: Path) -> dict:
    """compile.json so far; entries of the numba-only version (keyed by model) become
    ``model:numba``."""
    out = json.loads(path.read_text()) if path.is_file() else {}
    for key in [k for k in out if ":" not in k]:
        r = out.pop(key)
        r.setdefault("backend", "numba")
        r.setdefault("when", LEGACY_WHEN)
        out[f"{key}:numba"] = r
    return out


if __name__ == "__main__":
    main()
