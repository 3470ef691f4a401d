"""Geo media-mix models: convergence on Meridian's geo panel and truth recovery.

Two runs, each in this process, at the package's default settings (4 chains x 1000
draws after 1000 tuning steps, nutpie):

- ``meridian``: Meridian's simulated geo panel (``../shared/data/peers/
  meridian_geo_all_channels.csv``, 40 geos x 156 weeks), mapped with the package's own
  config (``benchmarks/configs/meridian_geo.toml``: population column, impressions
  as media drivers, three controls). Goal: max R-hat <= 1.01, min bulk ESS >= 400, no
  divergences.
- ``world``: the simulator's geo mode (40 geos x 156 weeks, five channels, populations
  12x apart, noise proportional to size). Goal: total media contribution within 10%
  of the truth and every channel's true contribution inside its 90% interval.

Each result records wall and CPU time, peak memory and the load average before and
after (the machine is shared), into ``results/mmm_geo.json`` (one key per run) and
``results/mmm_geo.md``.

- ``world_small``: the tests' geo world (6 geos x 70 weeks, two channels); run it with
  ``--draws 300 --chains 2 --seed 1`` for the tests' settings.

Usage: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_mmm_geo.py meridian world``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
MERIDIAN = ROOT.parent / "shared" / "data" / "peers" / "meridian_geo_all_channels.csv"
CONFIG = ROOT / "benchmarks" / "configs" / "meridian_geo.toml"


def _fit(df: pd.DataFrame, spec, draws: int, chains: int, seed: int) -> tuple[dict, object]:
    from attribution.mmm import MMM
    from attribution.mmm.analysis import fit_metrics
    from attribution.mmm.diagnostics import sampler_summary

    load0 = os.getloadavg()
    t0, c0 = time.perf_counter(), time.process_time()
    res = MMM(spec, draws=draws, tune=draws, chains=chains, seed=seed).fit(df)
    out = {
        "draws": draws,
        "tune": draws,
        "chains": chains,
        "wall_s": round(time.perf_counter() - t0, 1),
        "cpu_s": round(time.process_time() - c0, 1),
        "sampling_wall_s": res.settings["sampling_seconds"],
        "load_before": [round(v, 2) for v in load0],
        "load_after": [round(v, 2) for v in os.getloadavg()],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    out["model"] = spec.to_dict()["model"]
    out["time_knots"] = spec.n_knots(len(res.panel.geos), res.n_train)
    s = sampler_summary(res.idata)
    out.update({k: (round(v, 4) if isinstance(v, float) else v) for k, v in s.items()})
    st = res.idata["sample_stats"]
    out["mean_tree_depth"] = (
        round(float(np.asarray(st["depth"]).mean()), 2) if "depth" in st else None
    )
    m = fit_metrics(res, max_draws=400)
    out.update({k: (round(v, 4) if isinstance(v, float) else v) for k, v in m.items()})
    out["goal_met"] = bool(
        out["rhat_max"] <= 1.01 and out["ess_bulk_min"] >= 400 and out["divergences"] == 0
    )
    return out, res


def run_meridian(draws: int, chains: int, seed: int) -> dict:
    from attribution.mmm import load_spec

    df = pd.read_csv(MERIDIAN)
    spec = load_spec(CONFIG, list(df.columns))
    out, res = _fit(df, spec, draws, chains, seed)
    tab = res.to_frame()
    out["channels"] = (
        tab[["channel", "contribution", "contribution_low", "contribution_high", "roi"]]
        .round(4)
        .to_dict("records")
    )
    sd = res.posterior["sigma"].mean(0) * res.scaling.target * np.asarray(res.scaling.geo)
    out["noise_sd_largest_over_smallest_geo"] = round(float(sd.max() / sd.min()), 2)
    return out


def run_world(draws: int, chains: int, seed: int, small: bool = False) -> dict:
    from attribution.data.simulator.geo import GeoConfig, simulate_geo
    from attribution.mmm import spec_from_dict

    if small:  # the tests' size: 6 geos x 70 weeks, two channels
        df, truth = simulate_geo(GeoConfig(n_geos=6, n_weeks=70, channels=("tv", "search")), seed=3)
    else:
        df, truth = simulate_geo(GeoConfig(), seed=0)
    spec = spec_from_dict(
        {"model": {"geo": "geo", "population": "population", "controls": ["price"]}},
        list(df.columns),
    )
    out, res = _fit(df, spec, draws, chains, seed)
    tab = res.to_frame()
    est = tab["contribution"].to_numpy()
    inside = (tab["contribution_low"] <= truth.total) & (truth.total <= tab["contribution_high"])
    out["total_contribution_error"] = round(float(est.sum() / truth.total.sum() - 1), 4)
    out["channels"] = [
        {
            "channel": c,
            "truth": round(float(t), 1),
            "estimate": round(float(e), 1),
            "low": round(float(lo), 1),
            "high": round(float(hi), 1),
            "rel_error": round(float(e / t - 1), 4),
            "inside_90": bool(i),
        }
        for c, t, e, lo, hi, i in zip(
            tab["channel"],
            truth.total,
            est,
            tab["contribution_low"],
            tab["contribution_high"],
            inside,
            strict=True,
        )
    ]
    out["truth_goal_met"] = bool(abs(out["total_contribution_error"]) <= 0.10 and inside.all())
    sd = res.posterior["sigma"].mean(0) * res.scaling.target * np.asarray(res.scaling.geo)
    out["noise_sd_ratio_est_over_true"] = [round(float(v), 3) for v in sd / truth.noise_sd]
    return out


def _markdown(out: dict) -> str:
    lines = [
        "# Geo MMM benchmarks",
        "",
        "Written by `benchmarks/bench_mmm_geo.py`; the "
        "machine has 2 cores shared with other jobs (load averages 1/5/15 min).",
        "",
    ]
    for name, r in out.items():
        if not isinstance(r, dict) or "rhat_max" not in r:
            continue
        lines += [f"## {name}", ""]
        if r.get("note"):
            lines += [r["note"], ""]
        lines += ["| quantity | value |", "|---|---|"]
        for k in (
            "time_knots",
            "chains",
            "draws",
            "tune",
            "wall_s",
            "cpu_s",
            "sampling_wall_s",
            "load_before",
            "load_after",
            "peak_rss_mb",
            "rhat_max",
            "rhat_var",
            "ess_bulk_min",
            "ess_var",
            "divergences",
            "mean_tree_depth",
            "r2",
            "mape",
            "coverage",
            "goal_met",
            "total_contribution_error",
            "truth_goal_met",
        ):
            if k in r:
                lines.append(f"| {k} | {r[k]} |")
        if r.get("channels") and "truth" in r["channels"][0]:
            lines += [
                "",
                "| channel | truth | estimate | 90% interval | error | inside |",
                "|---|---|---|---|---|---|",
            ]
            for c in r["channels"]:
                high = f"{c['high']:.4g}" if "high" in c else "(not recorded)"
                lines.append(
                    f"| {c['channel']} | {c['truth']:.4g} | {c['estimate']:.4g} | "
                    f"{c['low']:.4g} – {high} | {c['rel_error']:+.1%} | "
                    f"{c['inside_90']} |"
                )
        lines.append("")
    if out.get("not_measured"):
        lines += ["## Not measured", ""]
        lines += [f"- {k}: {v}" for k, v in out["not_measured"].items()]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", choices=["meridian", "world", "world_small"])
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    path = RESULTS / "mmm_geo.json"
    for name in a.runs:
        if name == "meridian":
            r = run_meridian(a.draws, a.chains, a.seed)
        else:
            r = run_world(a.draws, a.chains, a.seed, small=name == "world_small")
        print(json.dumps(r, indent=1), flush=True)
        out = json.loads(path.read_text()) if path.is_file() else {}
        out[name] = r
        RESULTS.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(out, indent=1) + "\n")
        (RESULTS / "mmm_geo.md").write_text(_markdown(out))


if __name__ == "__main__":
    main()
