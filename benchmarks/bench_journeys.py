"""Benchmark: journeys -> path table from Parquet on DuckDB (and Spark on a smaller size).

Generates a synthetic event log (vectorised, written as Parquet in chunks to
benchmarks/data/, which git ignores), then times the path-table build in a fresh
subprocess per engine and records its peak resident memory (the process and its
children, e.g. Spark's JVM). Results go to benchmarks/results/journeys.json.

    python benchmarks/bench_journeys.py                       # 100M DuckDB, 10M Spark
    python benchmarks/bench_journeys.py --rows 1e6 --spark-rows 1e6   # quick
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
CHANNELS = ["search_brand", "search_generic", "display", "social_paid", "social_organic",
            "email", "sms", "affiliate", "video", "direct_mail", "call_centre", "store_visit"]
INTERACTIONS = ["impression", "click", "visit"]
CHUNK = 5_000_000
T0 = np.datetime64("2024-01-01T00:00:00", "s")
DAYS = 365


def _ids(numbers: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise("C", pa.array(numbers).cast(pa.string()), "")


def generate(rows: int, out: Path, seed: int = 0, touches_per_customer: int = 20,
             conversion_rate: float = 0.02) -> Path:
    """Write ``rows`` touchpoints (and ~2% as many conversions) as Parquet chunks."""
    done = out / "_SUCCESS"
    if done.exists():
        return out
    (out / "touchpoints").mkdir(parents=True, exist_ok=True)
    (out / "conversions").mkdir(parents=True, exist_ok=True)
    customers = max(1, rows // touches_per_customer)
    rng = np.random.default_rng(seed)
    # channel popularity (skewed) and impression-heavy interactions
    p_ch = rng.dirichlet(np.ones(len(CHANNELS)))
    ch_dict = pa.array(CHANNELS)
    in_dict = pa.array(INTERACTIONS)
    for i, start in enumerate(range(0, rows, CHUNK)):
        n = min(CHUNK, rows - start)
        cust = rng.integers(0, customers, n)
        secs = rng.integers(0, DAYS * 86_400, n)
        table = pa.table({
            "customer_id": _ids(cust),
            "timestamp": pa.array(T0 + secs.astype("timedelta64[s]")),
            "channel": pa.DictionaryArray.from_arrays(
                pa.array(rng.choice(len(CHANNELS), n, p=p_ch).astype(np.int32)), ch_dict),
            "interaction": pa.DictionaryArray.from_arrays(
                pa.array(rng.choice(3, n, p=[0.5, 0.4, 0.1]).astype(np.int32)), in_dict),
        })
        pq.write_table(table, out / "touchpoints" / f"part-{i:05d}.parquet",
                       row_group_size=1_000_000)
        m = int(n * conversion_rate)
        conv = pa.table({
            "customer_id": _ids(rng.integers(0, customers, m)),
            "timestamp": pa.array(T0 + rng.integers(0, DAYS * 86_400, m).astype(
                "timedelta64[s]")),
            "value": pa.array(np.round(rng.gamma(2.0, 30.0, m), 2)),
            "order_id": _ids(np.arange(start, start + m) + 10**12),
        })
        pq.write_table(conv, out / "conversions" / f"part-{i:05d}.parquet")
        print(f"  generated {start + n:,} touchpoints", file=sys.stderr, flush=True)
    done.write_text("ok\n")
    return out


def _peak_rss_mb() -> float:
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (self_kb + child_kb) / 1024


def _watch_rss(proc: subprocess.Popen) -> float:
    """Wait for ``proc``; return the peak RSS (MB) of it and its children, sampled."""
    try:
        import psutil
    except ImportError:
        proc.wait()
        return float("nan")
    peak = 0.0
    root = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in procs) / 2**20)
        except psutil.Error:
            pass
        time.sleep(0.2)
    return peak


def run_one(engine: str, data: Path, memory_limit: str, threads: int | None) -> dict:
    """Build the path table once (called in a fresh subprocess); return measurements."""
    sys.path.insert(0, str(HERE.parent))
    from attribution.journeys import JourneyBuilder, JourneyOptions

    opts = JourneyOptions(lookback_days=30, inactivity_days=30)
    conf = {"spark.driver.memory": "6g", "spark.sql.shuffle.partitions": "32"}
    t = time.perf_counter()
    b = JourneyBuilder(opts, engine=engine, memory_limit=memory_limit, threads=threads,
                       spark_conf=conf)
    res = b.fit(str(data / "touchpoints"), str(data / "conversions"))
    secs = time.perf_counter() - t
    if engine == "spark":
        from attribution.journeys.spark_engine import spark_session
        spark_session().stop()
    ru = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    cpu = sum(r.ru_utime + r.ru_stime for r in ru)
    return {"engine": engine, "seconds": round(secs, 2), "cpu_seconds": round(cpu, 1),
            "peak_rss_mb": round(_peak_rss_mb()),
            "distinct_paths": len(res.paths), "accounting": res.accounting}


def measure(engine: str, rows: int, seed: int, memory_limit: str, threads: int | None) -> dict:
    """Generate (once) and time one engine in a fresh subprocess."""
    data = generate(rows, HERE / "data" / f"journeys_{rows}_s{seed}", seed)
    cmd = [sys.executable, __file__, "--_run", engine, "--_data", str(data),
           "--memory-limit", memory_limit] + (["--threads", str(threads)] if threads else [])
    print(f"running {engine} on {rows:,} touchpoints ...", file=sys.stderr, flush=True)
    with tempfile.TemporaryFile("w+") as so, tempfile.TemporaryFile("w+") as se:
        proc = subprocess.Popen(cmd, stdout=so, stderr=se, text=True)
        tree_peak = _watch_rss(proc)
        so.seek(0)
        se.seek(0)
        stdout, stderr = so.read(), se.read()
    if proc.returncode != 0:
        return {"engine": engine, "rows": rows, "error": stderr.strip()[-2000:]}
    out = json.loads(stdout.strip().splitlines()[-1])
    out["peak_rss_mb_sampled"] = round(tree_peak)  # process tree, sampled every 0.2 s
    out["rows"] = rows
    out["touchpoints_per_second"] = round(rows / out["seconds"])
    print(f"  {engine}: {out['seconds']} s, peak RSS {out['peak_rss_mb']} MB",
          file=sys.stderr, flush=True)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=float, default=100e6, help="DuckDB size (default 100M)")
    p.add_argument("--spark-rows", type=float, default=10e6, help="Spark size (0 = skip)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--memory-limit", default="4GB", help="DuckDB memory limit")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--out", default=str(HERE / "results" / "journeys.json"))
    p.add_argument("--_run", help=argparse.SUPPRESS)
    p.add_argument("--_data", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a._run:  # child process
        print(json.dumps(run_one(a._run, Path(a._data), a.memory_limit, a.threads)))
        return
    load_start = os.getloadavg()
    results = []
    if a.rows:
        results.append(measure("duckdb", int(a.rows), a.seed, a.memory_limit, a.threads))
    if a.spark_rows:
        results.append(measure("spark", int(a.spark_rows), a.seed, a.memory_limit, a.threads))
    report = {
        "benchmark": "journeys: touchpoints + conversions (Parquet) -> path table",
        "settings": {"lookback_days": 30, "inactivity_days": 30,
                     "touches_per_customer": 20, "conversion_rate": 0.02,
                     "duckdb_memory_limit": a.memory_limit, "spark": "local[2], driver 6g"},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_at_start": load_start,
                    "load_average_at_end": os.getloadavg()},
        "note": "2-core machine shared with other engineers' processes while measuring "
                "(see load averages); wall times are upper bounds. cpu_seconds and "
                "peak_rss_mb come from getrusage (process + reaped children: they miss "
                "Spark's JVM); peak_rss_mb_sampled is the whole process tree incl. the JVM.",
        "results": results,
    }
    from attribution.io import write_json

    write_json(a.out, report)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
