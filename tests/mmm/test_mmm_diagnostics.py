"""Diagnostic thresholds turn into findings (synthetic traces, no sampling)."""

from __future__ import annotations

import arviz as az
import numpy as np

from attribution.mmm.diagnostics import sampler_findings, sampler_summary, vif


def _trace(shift: float, diverging: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(2, 500))
    a[1] += shift  # chains disagree when shift > 0
    div = np.zeros((2, 500), bool)
    div.flat[:diverging] = True
    return az.from_dict(
        {
            "posterior": {"a": a, "b": rng.normal(size=(2, 500, 3))},
            "sample_stats": {"diverging": div, "energy": rng.normal(size=(2, 500))},
        }
    )


def test_clean_trace_has_no_findings():
    s = sampler_summary(_trace(0.0, 0))
    assert s["rhat_max"] < 1.01 and s["ess_bulk_min"] > 400 and s["divergences"] == 0
    assert sampler_findings(_trace(0.0, 0)) == []


def test_bad_trace_gives_errors():
    found = {f.code: f for f in sampler_findings(_trace(3.0, 50))}
    assert found["mmm.rhat"].level == "error" and "a" in found["mmm.rhat"].message
    assert found["mmm.divergences"].level == "error"  # 5% of draws
    assert "50 divergent" in found["mmm.divergences"].message
    assert found["mmm.ess"].level in ("warning", "error")
    few = {f.code: f for f in sampler_findings(_trace(0.0, 3))}
    assert few["mmm.divergences"].level == "warning"


def test_vif_hand_computed():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 1, 1))
    z = rng.normal(size=(200, 1, 1))
    # y = x + small noise: VIF = 1 / (1 - R^2) with R^2 = var(x) / (var(x) + 0.1^2) ~ 101
    y = x + 0.1 * rng.normal(size=(200, 1, 1))
    v = vif(np.concatenate([x, y, z], axis=-1), ("x", "y", "z"))
    assert 60 < v["x"] < 160 and 60 < v["y"] < 160 and v["z"] < 1.2
