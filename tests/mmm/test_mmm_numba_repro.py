"""A geo model fitted with the numba backend samples the same draws in every process:
in the process that compiles its kernels into an empty pytensor numba cache and in a
later one that loads them from that cache, whatever the hash seed (issue #15).

Before the fix (kernels compiled with pytensor's default fast-math) the two processes
below gave different draws: LLVM optimised the freshly compiled kernels (inlined into
the log-density) and the cached ones (linked as machine code) differently, and
fast-math let that change the floating-point results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from attribution.mmm import cache

ROOT = Path(__file__).resolve().parents[2]

# one process: a small geo model (2 geos, 1 channel, no controls, 4 time knots), numba,
# 2 chains x 60 + 60; prints a hash of every draw and whether it compiled
SCRIPT = """
import hashlib, json
import numpy as np
from attribution.data.simulator.geo import GeoConfig, simulate_geo
from attribution.mmm import MMM, spec_from_dict

df, _ = simulate_geo(GeoConfig(n_geos=2, n_weeks=20, channels=("tv",)), seed=3)
model = {"geo": "geo", "population": "population", "controls": [], "time_knots": 4}
spec = spec_from_dict({"model": model}, list(df.columns))
r = MMM(spec, draws=60, tune=60, chains=2, seed=11, backend="numba").fit(df)
h = hashlib.sha256()
for k in sorted(r.posterior):
    h.update(np.ascontiguousarray(r.posterior[k]).tobytes())
s = r.settings
print(json.dumps({"draws": h.hexdigest(), "compile": s["compile"], "backend": s["backend"],
                  "n": int(r.posterior["sigma"].shape[0])}))
"""


def _process(compiledir: Path, hash_seed: str) -> dict:
    # pytensor keeps its numba kernels under base_compiledir/numba: an empty folder
    # here, so the first process compiles every kernel and the second loads them
    flags = os.environ.get("PYTENSOR_FLAGS", "")
    flags = ",".join(f for f in (flags, f"base_compiledir={compiledir}") if f)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PYTENSOR_FLAGS": flags,
        "PYTHONHASHSEED": hash_seed,
    }
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_geo_numba_draws_are_the_same_with_a_cold_and_a_warm_kernel_cache(tmp_path):
    first = _process(tmp_path, "1")
    kernels = sorted((tmp_path / "numba").iterdir())
    assert kernels  # the first process wrote its kernels to the (empty) cache
    second = _process(tmp_path, "2")
    for out in (first, second):
        assert out["backend"] == "numba" and out["compile"] == "miss" and out["n"] == 120
    assert second["draws"] == first["draws"]


def test_exact_float_turns_fast_math_off_in_the_block_only():
    import pytensor

    before = pytensor.config.numba__fastmath
    with cache.exact_float():
        assert pytensor.config.numba__fastmath is False
    assert pytensor.config.numba__fastmath == before
