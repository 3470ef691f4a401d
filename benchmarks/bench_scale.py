"""Benchmark: the same `attribution journeys` command on DuckDB and on Spark (local mode).

Generates (once) a synthetic Parquet event log with ``bench_journeys.generate``, then
runs the command-line tool itself once per engine, each in a fresh process, with
configuration only (``--engine``, ``--memory-limit``, ``--spark-master``,
``--spark-conf``). While each runs, the whole process tree (Python + Spark's JVM) is
sampled for resident memory and CPU time. The two path tables must be identical:
same paths, exactly the same conversion and null counts, the same values to the cent
(the script exits 1 otherwise). Results: benchmarks/results/scale.json and scale.md.

    nice -n 5 python benchmarks/bench_scale.py                 # 50M touchpoints
    python benchmarks/bench_scale.py --rows 2e6                # quick
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from bench_journeys import generate  # noqa: E402

# bounded memory on a 24 GB / 2-core machine shared with other jobs
DUCKDB_MEMORY = "4GB"
SPARK_CONF = {
    "spark.driver.memory": "4g",  # local mode: driver = executor; the heap bound
    "spark.sql.shuffle.partitions": "64",  # ~1M touchpoints per shuffle partition at 50M
    "spark.sql.files.maxPartitionBytes": "64m",
    "spark.sql.adaptive.enabled": "true",
}


def watch(proc: subprocess.Popen, every: float = 0.5) -> dict[str, float]:
    """Wait for ``proc``; sample its process tree (incl. a JVM) for RSS and CPU time.

    Returns peak resident memory (MB, sum over the tree) and CPU seconds (user +
    system, the last sample of every process seen, so at most ``every`` s is missed
    per process).
    """
    import psutil

    root = psutil.Process(proc.pid)
    peak, cpu_by_pid = 0.0, {}
    while proc.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            break
        rss = 0
        for p in procs:
            try:
                with p.oneshot():
                    rss += p.memory_info().rss
                    t = p.cpu_times()
                    cpu_by_pid[(p.pid, p.create_time())] = t.user + t.system
            except psutil.Error:
                pass
        peak = max(peak, rss / 2**20)
        time.sleep(every)
    return {
        "peak_rss_mb": round(peak),
        "cpu_seconds": round(sum(cpu_by_pid.values()), 1),
        "processes": len(cpu_by_pid),
    }


def engine_args(engine: str) -> list[str]:
    """Command-line settings of one engine (configuration only)."""
    if engine == "duckdb":
        return ["--engine", "duckdb", "--memory-limit", DUCKDB_MEMORY]
    out = ["--engine", "spark", "--spark-master", "local[2]"]
    for k, v in SPARK_CONF.items():
        out += ["--spark-conf", f"{k}={v}"]
    return out


def run_engine(engine: str, data: Path, out: Path, code: Path = ROOT) -> dict[str, Any]:
    """Run ``python -m attribution journeys`` (the package under ``code``) for one engine;
    return its measurements."""
    cmd = [
        sys.executable,
        "-m",
        "attribution",
        "journeys",
        "--touchpoints",
        str(data / "touchpoints"),
        "--conversions",
        str(data / "conversions"),
        "--out",
        str(out),
        "--lookback-days",
        "30",
        "--inactivity-days",
        "30",
        *engine_args(engine),
    ]
    print(f"{time.strftime('%H:%M:%S')} running {engine} ...", file=sys.stderr, flush=True)
    load_start = os.getloadavg()
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, text=True, cwd=code)
        m = watch(proc)
        seconds = time.perf_counter() - t0
        log.seek(0)
        tail = log.read()[-3000:]
    res: dict[str, Any] = {
        "engine": engine,
        "command": " ".join(cmd[1:]),
        "seconds": round(seconds, 1),
        **m,
        "load_average_start": [round(x, 2) for x in load_start],
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
    }
    if proc.returncode != 0:
        res["error"] = tail
        print(tail, file=sys.stderr)
        return res
    acc = json.loads(Path(str(out) + ".accounting.json").read_text())
    res["accounting"] = {k: acc[k] for k in ("touchpoints", "conversions", "journeys")}
    res["engine_seconds"] = acc.get("seconds")
    print(
        f"  {engine}: {res['seconds']} s wall, {res['cpu_seconds']} CPU s, "
        f"peak RSS {res['peak_rss_mb']} MB",
        file=sys.stderr,
        flush=True,
    )
    return res


def totals(paths: pd.DataFrame) -> dict[str, int]:
    """Exact totals of a path table (values in cents)."""
    return {
        "paths": len(paths),
        "conversions": int(paths["total_conversions"].sum()),
        "null": int(paths["total_null"].sum()),
        "value_cents": int((paths["total_conversion_value"] * 100).round().sum()),
    }


def compare(a: pd.DataFrame, b: pd.DataFrame) -> dict[str, Any]:
    """Compare two path tables row by row after sorting by path."""
    a = a.sort_values("path", kind="mergesort").reset_index(drop=True)
    b = b.sort_values("path", kind="mergesort").reset_index(drop=True)
    same_paths = len(a) == len(b) and bool((a["path"] == b["path"]).all())
    out: dict[str, Any] = {"same_paths": same_paths, "totals_a": totals(a), "totals_b": totals(b)}
    if same_paths:
        out["same_counts"] = bool(
            (a["total_conversions"] == b["total_conversions"]).all()
            and (a["total_null"] == b["total_null"]).all()
        )
        cents = (a["total_conversion_value"] - b["total_conversion_value"]).abs() * 100
        out["rows_value_off_by_cent_or_more"] = int((cents >= 0.5).sum())
        out["max_value_abs_diff"] = float(cents.max() / 100) if len(a) else 0.0
    out["identical"] = bool(
        same_paths
        and out.get("same_counts")
        and out.get("rows_value_off_by_cent_or_more") == 0
        and out["totals_a"] == out["totals_b"]
    )
    return out


def write_md(report: dict[str, Any], path: Path) -> None:
    lines = [
        "# Scale benchmark: `attribution journeys` on DuckDB and Spark (local mode)",
        "",
        f"{report['rows']:,} touchpoints (Parquet), lookback 30 days, inactivity 30 days. "
        f"Machine: {report['machine']['cpus']} cores, 24 GB, shared with other engineers' "
        "jobs (load averages below); wall times are upper bounds, CPU seconds are the better "
        "measure. Peak RSS and CPU cover the whole process tree (Python and Spark's JVM).",
        "",
        "| engine | wall s | CPU s | peak RSS MB | load avg (start → end, 1 min) | settings |",
        "|---|---:|---:|---:|---|---|",
    ]
    for r in report["results"]:
        sets = (
            f"memory limit {DUCKDB_MEMORY}"
            if r["engine"] == "duckdb"
            else "local[2], "
            + ", ".join(f"{k.removeprefix('spark.')}={v}" for k, v in SPARK_CONF.items())
        )
        wall = r["seconds"] if "error" not in r else f"failed after {r['seconds']}"
        lines.append(
            f"| {r['engine']} | {wall} | {r['cpu_seconds']} | {r['peak_rss_mb']} | "
            f"{r['load_average_start'][0]} → {r['load_average_end'][0]} | {sets} |"
        )
    c = report.get("comparison")
    lines.append("")
    if c:
        t = c["totals_a"]
        lines.append(
            f"Path tables identical: **{'yes' if c['identical'] else 'NO'}** — "
            f"{t['paths']:,} distinct paths, {t['conversions']:,} conversions, "
            f"{t['null']:,} null journeys, value {t['value_cents'] / 100:,.2f} on both "
            f"engines (largest per-path value difference "
            f"{c.get('max_value_abs_diff', float('nan')):.2g})."
        )
    else:
        lines.append("Comparison not available (an engine did not finish).")
    path.write_text("\n".join(lines) + "\n")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=float, default=50e6)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--engines", default="duckdb,spark")
    p.add_argument("--out", default=str(HERE / "results" / "scale.json"))
    a = p.parse_args()
    rows = int(a.rows)
    data = generate(rows, HERE / "data" / f"journeys_{rows}_s{a.seed}", a.seed)
    report: dict[str, Any] = {
        "benchmark": "attribution journeys (CLI) on DuckDB vs Spark local mode, same data",
        "rows": rows,
        "code": subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        + " + working-tree changes",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "note": "2-core machine shared with other engineers' jobs",
        },
        "settings": {
            "duckdb": {"memory_limit": DUCKDB_MEMORY},
            "spark": {"master": "local[2]", **SPARK_CONF},
        },
        "results": [],
    }
    out_json = Path(a.out)
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        # both engines run one snapshot of the package (the tree may change meanwhile)
        code = Path(tmp) / "code"
        shutil.copytree(
            ROOT / "attribution", code / "attribution", ignore=shutil.ignore_patterns("__pycache__")
        )
        tables = {}
        for engine in a.engines.split(","):
            out = Path(tmp) / f"paths_{engine}.parquet"
            res = run_engine(engine, data, out, code)
            report["results"].append(res)
            if "error" not in res:
                tables[engine] = pd.read_parquet(out)
            _save(report, out_json)
        if len(tables) == 2:
            report["comparison"] = compare(*tables.values())
            accs = [r["accounting"] for r in report["results"]]
            report["comparison"]["same_accounting"] = accs[0] == accs[1]
    _save(report, out_json)
    ok = report.get("comparison", {}).get("identical", False)
    print(json.dumps(report.get("comparison"), indent=2))
    return 0 if ok else 1


def _save(report: dict[str, Any], out_json: Path) -> None:
    from attribution.io import write_json

    write_json(out_json, report)
    write_md(report, out_json.with_suffix(".md"))


if __name__ == "__main__":
    sys.exit(main())
