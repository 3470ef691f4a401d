"""Benchmark: is the designed test's power calibrated?

For each design, many simulated worlds are drawn; in each, a model is fitted, the test
is designed on it with the package (:func:`attribution.experiments.design_test`), its
predicted power at the world's true lift is recorded, and the test is run in the world
(fresh noise in the test weeks, the channel changed in the treated part) and read the
way the design reads it (observed minus the model's forecast, treated minus the
synthetic control on geo panels; the lift in full-market terms, a two-sided z-test at
alpha = 0.05). The empirical detection rate must lie within +-5 percentage points of
the mean predicted power.

Worlds are in the media-mix model's own form (intercept per geo, geometric adstock,
logistic saturation, Normal noise). To afford hundreds of worlds the fit is the exact
Bayesian posterior of the model with its adstock and saturation shapes known (flat
prior, known noise: the effects and intercepts are Gaussian given the data), instead of
NUTS; everything after the fit -- residuals, noise, forecast variance, geo matching,
serial-correlation check, minimum detectable lift, power -- is the package's code.

Run: ``.venv/bin/python benchmarks/bench_power.py [--worlds 1000]``; writes
``benchmarks/results/power.json`` and ``power.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from attribution.experiments import ExperimentDesign, design_test, model_facts
from attribution.experiments.power import power, z_crit
from attribution.io import write_json, write_text
from attribution.mmm import components as cp
from attribution.mmm.panel import make_scaling, read_panel
from attribution.mmm.results import MMMResults
from attribution.mmm.spec import ChannelSpec, MMMSpec

OUT = Path(__file__).resolve().parent / "results"
L_MAX = 4
ALPHA = 0.05
DESIGNS = (  # (name, geos, design kwargs, noise sd)
    ("national go-dark, 6 weeks", 1, {"channel": "b", "weeks": 6, "kind": "go-dark"}, 220.0),
    (
        "national holdout 50% of audience, 8 weeks",
        1,
        {"channel": "b", "weeks": 8, "kind": "holdout", "share": 0.5},
        150.0,
    ),
    (
        "geo holdout ~30% of spend, 6 weeks",
        8,
        {"channel": "b", "weeks": 6, "kind": "holdout", "share": 0.3},
        150.0,
    ),
    (
        "geo budget +100% in ~50% of spend, 8 weeks",
        8,
        {"channel": "a", "weeks": 8, "kind": "budget-change", "share": 0.5, "change": 1.0},
        60.0,
    ),
)


def world(rng: np.random.Generator, G: int, T: int, noise: float) -> dict[str, Any]:
    """A world in the model's form: spend, true parameters, sales, and a sales generator."""
    C = 2
    size = np.exp(rng.normal(0, 0.4, G)) if G > 1 else np.ones(1)
    spend = np.empty((T, G, C))
    for c in range(C):
        on = rng.uniform(size=(T, G)) < 0.8
        spend[..., c] = 1000.0 * (c + 1) * size[None] * rng.gamma(3.0, 1 / 3, (T, G)) * on
    scale = spend.reshape(-1, C).max(0)
    alpha, lam = np.array([0.3, 0.5]), np.array([2.0, 1.5])
    beta = np.array([[400.0, 900.0]]) * size[:, None]
    icpt = 3000.0 * size

    def sat(s: np.ndarray) -> np.ndarray:  # (T, G, C)
        w = cp.geometric_weights(alpha, L_MAX)
        return cp.logistic_saturation(cp.adstock(cp.lag_stack(s / scale, L_MAX), w), lam)

    mean = icpt[None] + (sat(spend) * beta[None]).sum(-1)
    y = mean + noise * rng.standard_normal((T, G))
    return {
        "spend": spend,
        "sat": sat,
        "beta": beta,
        "icpt": icpt,
        "alpha": alpha,
        "lam": lam,
        "y": y,
        "noise": noise,
        "G": G,
        "T": T,
    }


def exact_fit(w: dict[str, Any], draws: int, rng: np.random.Generator) -> MMMResults:
    """The exact posterior of intercepts and effects (shapes and noise known, flat prior)."""
    T, G = w["T"], w["G"]
    s = w["sat"](w["spend"])  # (T, G, C)
    C = s.shape[-1]
    X = np.zeros((T * G, G + G * C))
    for g in range(G):
        rows = np.arange(T) * G + g
        X[rows, g] = 1.0
        X[rows, G + g * C : G + (g + 1) * C] = s[:, g]
    y = w["y"].reshape(-1)
    xtx_inv = np.linalg.inv(X.T @ X)
    mean = xtx_inv @ X.T @ y
    chol = np.linalg.cholesky((xtx_inv + xtx_inv.T) / 2)
    theta = mean + w["noise"] * rng.standard_normal((draws, mean.size)) @ chol.T
    dates = np.datetime64("2023-01-02") + 7 * np.arange(T)
    frame = pd.DataFrame(
        {
            "date": np.repeat(dates, G).astype(str),
            "sales": y,
            "spend_a": w["spend"][..., 0].reshape(-1),
            "spend_b": w["spend"][..., 1].reshape(-1),
        }
    )
    if G > 1:
        frame.insert(1, "geo", np.tile([f"g{i}" for i in range(G)], T))
    spec = MMMSpec(
        channels=(
            ChannelSpec("a", "spend_a", l_max=L_MAX),
            ChannelSpec("b", "spend_b", l_max=L_MAX),
        ),
        geo="geo" if G > 1 else None,
        trend=False,
        fourier_modes=0,
        controls=(),
    )
    panel, _ = read_panel(frame, spec)
    sc = make_scaling(panel, T)
    post = {
        "alpha": np.tile(w["alpha"], (draws, 1)),
        "lam": np.tile(w["lam"], (draws, 1)),
        "beta": theta[:, G:].reshape(draws, G, C) / sc.target,
        "intercept_geo": theta[:, :G] / sc.target,
        "sigma": np.full(draws, w["noise"] / sc.target),
    }
    return MMMResults(spec=spec, scaling=sc, panel=panel, n_train=T, posterior=post)


def run_design(
    name: str, G: int, kw: dict[str, Any], noise: float, worlds: int, seed: int
) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    design = ExperimentDesign(**kw, alpha=ALPHA)
    pred, hit, lifts, ses, zs = [], [], [], [], []
    for _ in range(worlds):
        w = world(rng, G, 80, noise)
        facts = model_facts(exact_fit(w, 200, rng))
        r = design_test(facts, design, seed=int(rng.integers(1 << 30)))
        rows, _ = facts.window(design.weeks)
        c = facts.channel_index(design.channel)
        if r.match is not None:
            treated = np.array([facts.geos.index(g) for g in r.match.treated])
            contrast = np.zeros(G)
            contrast[treated] = 1.0
            contrast[[facts.geos.index(g) for g in r.match.controls]] = -r.match.weights
            part = np.zeros(G)
            part[treated] = 1.0
        else:
            contrast, part = np.ones(G), np.full(G, design.share)
        # the test in the world: the channel changed in the treated part of the test weeks
        changed = w["spend"].copy()
        changed[rows, :, c] *= design.factor
        base = w["icpt"][None] + (w["sat"](w["spend"]) * w["beta"][None]).sum(-1)
        test = w["icpt"][None] + (w["sat"](changed) * w["beta"][None]).sum(-1)
        delta = (base - test)[rows] * part[None]  # the treated part's true change
        sign = -1.0 if design.kind == "budget-change" else 1.0
        true_full = sign * float(delta.sum()) / r.treated_share
        y_obs = base[rows] - delta + noise * rng.standard_normal((len(rows), G))
        forecast = facts.mu.mean(0)[rows]  # the model's forecast, as is
        read = sign * float(((forecast - y_obs) @ contrast).sum()) / r.treated_share
        pred.append(float(power(true_full, r.se, ALPHA)))
        hit.append(abs(read) / r.se > z_crit(ALPHA))
        lifts.append(true_full)
        ses.append(r.se)
        zs.append((read - true_full) / r.se)  # ~ N(0, 1) when the noise model is right
    p, h = float(np.mean(pred)), float(np.mean(hit))
    mc = float(np.sqrt(h * (1 - h) / worlds))
    return {
        "design": name,
        "worlds": worlds,
        "predicted_power": p,
        "detection_rate": h,
        "difference_pp": 100 * (h - p),
        "mc_se_pp": 100 * mc,
        "within_5pp": bool(abs(h - p) <= 0.05),
        "mean_true_lift": float(np.mean(lifts)),
        "mean_se": float(np.mean(ses)),
        "sd_standardised_error": float(np.std(zs)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worlds", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    rows = [
        run_design(n, g, kw, s, args.worlds, args.seed + i)
        for i, (n, g, kw, s) in enumerate(DESIGNS)
    ]
    for r in rows:
        print(
            f"{r['design']}: predicted {r['predicted_power']:.3f}, detected "
            f"{r['detection_rate']:.3f} ({r['difference_pp']:+.1f} pp)"
        )
    out = {
        "benchmark": "power calibration",
        "alpha": ALPHA,
        "results": rows,
        "all_within_5pp": all(r["within_5pp"] for r in rows),
        "seconds": round(time.perf_counter() - t0, 1),
        "load_average": os.getloadavg(),
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    write_json(OUT / "power.json", out)
    md = [
        "# Power calibration",
        "",
        f"{args.worlds} simulated worlds per design; two-sided z-test at alpha {ALPHA}; "
        f"load average {out['load_average'][0]:.1f} on {out['cpus']} CPUs; "
        f"{out['seconds']} s.",
        "",
        "| design | predicted power | detection rate | difference (pp) | MC s.e. (pp) "
        "| sd of (read - truth) / se |",
        "|---|---|---|---|---|---|",
    ]
    md += [
        f"| {r['design']} | {r['predicted_power']:.3f} | {r['detection_rate']:.3f} | "
        f"{r['difference_pp']:+.1f} | {r['mc_se_pp']:.1f} | {r['sd_standardised_error']:.3f} |"
        for r in rows
    ]
    write_text(OUT / "power.md", "\n".join(md) + "\n")


if __name__ == "__main__":
    main()
