"""MMM benchmark: attribution.mmm vs pymc-marketing 1.x on the same data and model,
plus a scale run (10 channels, 156 weeks, 50 geos).

Data: /work/shared/data/pymc_marketing_example (179 weeks, channels x1 x2, geometric
adstock l_max 8, logistic saturation, 2 yearly Fourier modes, controls event_1,
event_2, t; truth.csv holds the true weekly contributions).

pymc-marketing 1.x pins older pymc/numpy than this package, so it runs in its own
virtual environment: set ``PMM_PYTHON`` to that interpreter (default
``/tmp/pmm-venv/bin/python``), e.g.::

    uv venv /tmp/pmm-venv --python 3.12
    uv pip install --python /tmp/pmm-venv/bin/python "pymc-marketing>=1,<2" "nutpie>=0.16,<0.17"

Usage::

    python benchmarks/bench_mmm.py [--draws 1000 --tune 1000 --chains 4] [--backend numba]
        [--skip-ours] [--skip-pmm] [--skip-scale]
        [--scale-draws 300 --scale-tune 300 --scale-chains 2]

Writes benchmarks/results/mmm.json and mmm.md.
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
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.get("MMM_BENCH_DATA", "/work/shared/data/pymc_marketing_example"))
RESULTS = ROOT / "benchmarks" / "results"
PARAMS = {  # the free parameters both models share (ours -> pymc-marketing name)
    "alpha": "adstock_alpha", "lam": "saturation_lam", "beta_free": "saturation_beta",
    "intercept": "intercept_contribution", "gamma_control": "gamma_control",
    "gamma_fourier": "gamma_fourier", "sigma": "y_sigma",
}


def _truth() -> np.ndarray:
    t = pd.read_csv(DATA / "truth.csv")
    return t[["true_contrib_x1", "true_contrib_x2"]].sum().to_numpy()


def _min_ess(post, names) -> tuple[float, str]:
    import arviz as az

    ds = post.to_dataset() if hasattr(post, "to_dataset") else post
    ess = az.ess(ds[[n for n in names if n in ds]], method="bulk")
    ess = ess.to_dataset() if hasattr(ess, "to_dataset") else ess
    return min((float(np.nanmin(np.asarray(ess[n]))), str(n)) for n in ess.data_vars)


def run_ours(draws: int, tune: int, chains: int, seed: int, backend: str) -> dict:
    import nutpie  # noqa: F401  (imported before the clock starts, as for pymc-marketing)
    import pymc  # noqa: F401

    from attribution.mmm import MMM, spec_from_dict

    df = pd.read_csv(DATA / "mmm_example.csv")
    cfg = {"model": {"date": "date_week", "target": "y", "trend": False, "fourier_modes": 2,
                     "controls": ["event_1", "event_2", "t"]},
           "channels": [{"name": "x1", "column": "x1", "l_max": 8},
                        {"name": "x2", "column": "x2", "l_max": 8}],
           "priors": {"sigma": {"dist": "HalfNormal", "sigma": 2}}}  # pymc-marketing's
    spec = spec_from_dict(cfg)
    t0 = time.perf_counter()
    res = MMM(spec, draws=draws, tune=tune, chains=chains, seed=seed, backend=backend).fit(df)
    wall = time.perf_counter() - t0
    post = res.idata["posterior"]
    ess, ess_var = _min_ess(post, PARAMS)
    div = int(np.asarray(res.idata["sample_stats"]["diverging"]).sum())
    tab = res.to_frame()
    truth = _truth()
    est = tab["contribution"].to_numpy()
    return {"tool": "attribution.mmm", "backend": backend, "wall_s": round(wall, 2),
            "sampling_s": res.settings.get("sampling_seconds"),
            "min_bulk_ess": round(ess, 1), "min_ess_var": ess_var,
            "min_ess_per_s": round(ess / wall, 2), "divergences": div,
            "contribution": dict(zip(["x1", "x2"], est.round(1).tolist(), strict=True)),
            "contribution_error": dict(zip(["x1", "x2"],
                                           (est / truth - 1).round(4).tolist(), strict=True)),
            "alpha_mean": res.posterior["alpha"].mean(0).round(3).tolist(),
            "lam_mean": res.posterior["lam"].mean(0).round(3).tolist(),
            "findings": [f.code for f in res.findings]}


PMM_SCRIPT = textwrap.dedent('''
    import json, sys, time, warnings
    import numpy as np, pandas as pd
    warnings.filterwarnings("ignore")
    data, out, draws, tune, chains, seed = sys.argv[1:7]
    import pymc_marketing
    from pymc_marketing.mmm import GeometricAdstock, LogisticSaturation, MMM
    df = pd.read_csv(f"{data}/mmm_example.csv", parse_dates=["date_week"])
    X, y = df.drop(columns=["y"]), df["y"]
    t0 = time.perf_counter()
    mmm = MMM(date_column="date_week", channel_columns=["x1", "x2"], target_column="y",
              control_columns=["event_1", "event_2", "t"],
              adstock=GeometricAdstock(l_max=8), saturation=LogisticSaturation(),
              yearly_seasonality=2)
    mmm.fit(X, y, draws=int(draws), tune=int(tune), chains=int(chains),
            random_seed=int(seed), nuts_sampler="nutpie", progressbar=False)
    wall = time.perf_counter() - t0
    post = mmm.idata.posterior
    post = post.to_dataset() if hasattr(post, "to_dataset") else post
    import arviz as az
    names = ["adstock_alpha", "saturation_lam", "saturation_beta", "intercept",
             "intercept_contribution", "gamma_control", "gamma_fourier", "y_sigma"]
    ess = az.ess(post[[n for n in names if n in post]], method="bulk")
    ess = ess.to_dataset() if hasattr(ess, "to_dataset") else ess
    mins = [float(np.nanmin(ess[n].values)) for n in ess.data_vars]
    div = int(mmm.idata.sample_stats["diverging"].sum())
    scale = float(np.asarray(mmm.get_scales_as_xarray()["target_scale"]))
    contrib = post["channel_contribution"] * scale
    tot = contrib.sum("date").mean(("chain", "draw")).transpose("channel").values
    json.dump({"version": pymc_marketing.__version__, "wall_s": wall, "min_bulk_ess": min(mins),
               "divergences": div, "contribution": [float(v) for v in tot],
               "alpha_mean": post["adstock_alpha"].mean(("chain", "draw")).values.tolist(),
               "lam_mean": post["saturation_lam"].mean(("chain", "draw")).values.tolist()},
              open(out, "w"))
''')


def run_pmm(python: str, draws: int, tune: int, chains: int, seed: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        script, out = Path(tmp) / "pmm.py", Path(tmp) / "out.json"
        script.write_text(PMM_SCRIPT)
        proc = subprocess.run([python, str(script), str(DATA), str(out), str(draws), str(tune),
                               str(chains), str(seed)], capture_output=True, text=True,
                              timeout=1800)
        if proc.returncode != 0:
            return {"tool": "pymc-marketing", "error": proc.stderr[-2000:]}
        r = json.loads(out.read_text())
    truth = _truth()
    est = np.array(r["contribution"])
    return {"tool": f"pymc-marketing {r['version']}", "backend": "nutpie (numba)",
            "wall_s": round(r["wall_s"], 2), "min_bulk_ess": round(r["min_bulk_ess"], 1),
            "min_ess_per_s": round(r["min_bulk_ess"] / r["wall_s"], 2),
            "divergences": r["divergences"],
            "contribution": dict(zip(["x1", "x2"], est.round(1).tolist(), strict=True)),
            "contribution_error": dict(zip(["x1", "x2"], (est / truth - 1).round(4).tolist(),
                                           strict=True)),
            "alpha_mean": np.round(r["alpha_mean"], 3).tolist(),
            "lam_mean": np.round(r["lam_mean"], 3).tolist()}


SCALE_SCRIPT = textwrap.dedent('''
    import json, resource, sys, time
    sys.path.insert(0, sys.argv[1])
    from attribution.mmm import MMM, spec_from_dict
    from attribution.mmm.synthetic import simulate_panel
    draws, tune, chains = map(int, sys.argv[2:5])
    df, truth = simulate_panel(156, 10, n_geos=50, seed=1)
    spec = spec_from_dict({"model": {"geo": "geo", "fourier_modes": 2}}, list(df.columns))
    t0 = time.perf_counter()
    res = MMM(spec, draws=draws, tune=tune, chains=chains, seed=1).fit(df)
    wall = time.perf_counter() - t0
    tab = res.to_frame()
    err = float(tab["contribution"].sum() / truth.total.sum() - 1)
    json.dump({"wall_s": wall, "sampling_s": res.settings["sampling_seconds"],
               "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               "total_contribution_error": err,
               "findings": [f.code for f in res.findings]}, sys.stdout)
''')


def run_scale(draws: int, tune: int, chains: int, timeout: int) -> dict:
    try:
        proc = subprocess.run([sys.executable, "-c", SCALE_SCRIPT, str(ROOT), str(draws),
                               str(tune), str(chains)], capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout} s"}
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:]}
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"channels": 10, "weeks": 156, "geos": 50, "draws": draws, "tune": tune,
            "chains": chains, **{k: (round(v, 3) if isinstance(v, float) else v)
                                 for k, v in r.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--tune", type=int, default=1000)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--backend", default="auto")
    ap.add_argument("--skip-ours", action="store_true")
    ap.add_argument("--skip-pmm", action="store_true")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--scale-draws", type=int, default=300)
    ap.add_argument("--scale-tune", type=int, default=300)
    ap.add_argument("--scale-chains", type=int, default=2)
    ap.add_argument("--scale-timeout", type=int, default=900)
    a = ap.parse_args()
    # sections not rerun (--skip-*) are kept from the previous results file
    prev = RESULTS / "mmm.json"
    out = json.loads(prev.read_text()) if prev.is_file() else {}
    out.update({"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                            "load_before": os.getloadavg()},
                "settings": {"draws": a.draws, "tune": a.tune, "chains": a.chains,
                             "seed": a.seed}})
    if not a.skip_ours:
        out["attribution"] = run_ours(a.draws, a.tune, a.chains, a.seed, a.backend)
        print(json.dumps(out["attribution"], indent=1), flush=True)
    if not a.skip_pmm:
        py = os.environ.get("PMM_PYTHON", "/tmp/pmm-venv/bin/python")
        out["pymc_marketing"] = run_pmm(py, a.draws, a.tune, a.chains, a.seed)
        print(json.dumps(out["pymc_marketing"], indent=1), flush=True)
        p, o = out["pymc_marketing"], out.get("attribution", {})
        if "min_ess_per_s" in p and "min_ess_per_s" in o:
            out["speedup_min_ess_per_s"] = round(o["min_ess_per_s"] / p["min_ess_per_s"], 2)
    if not a.skip_scale:
        out["scale"] = run_scale(a.scale_draws, a.scale_tune, a.scale_chains,
                                 a.scale_timeout)
        print(json.dumps(out["scale"], indent=1), flush=True)
    out["machine"]["load_after"] = os.getloadavg()
    out["machine"]["bench_peak_rss_mb"] = resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss / 1024
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "mmm.json").write_text(json.dumps(out, indent=2) + "\n")
    (RESULTS / "mmm.md").write_text(_markdown(out))


def _markdown(out: dict) -> str:
    m = out["machine"]
    lines = ["# MMM benchmark", "",
             f"{m['cpus']} CPUs, shared machine: load average before "
             f"{m['load_before'][0]:.1f}, after {m['load_after'][0]:.1f}. "
             f"Settings: {out['settings']}.", "",
             "| tool | wall s | min bulk ESS | min ESS/s | divergences | x1 error | x2 error |",
             "|---|---|---|---|---|---|---|"]
    for key in ("attribution", "pymc_marketing"):
        r = out.get(key)
        if r and "wall_s" in r:
            e = r["contribution_error"]
            lines.append(f"| {r['tool']} ({r['backend']}) | {r['wall_s']} | {r['min_bulk_ess']} "
                         f"| {r['min_ess_per_s']} | {r['divergences']} | {e['x1']:+.1%} | "
                         f"{e['x2']:+.1%} |")
        elif r:
            lines.append(f"| {key} | failed: {r.get('error', '')[-200:]} |||||| ")
    if "speedup_min_ess_per_s" in out:
        lines += ["", f"Speed-up in minimum ESS per second: {out['speedup_min_ess_per_s']}x"]
    if "scale" in out:
        s = out["scale"]
        lines += ["", "## Scale run", "", "```", json.dumps(s, indent=1), "```"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
