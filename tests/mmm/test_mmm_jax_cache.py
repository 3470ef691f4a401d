"""The jax backend's compiled model survives a process (JAX's persistent compilation
cache), serves new data of the same structure, and samples the same draws for the same
seed in every process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from attribution.errors import UsageError
from attribution.mmm import cache
from attribution.mmm import fit as F

pytest.importorskip("jax")

ROOT = Path(__file__).resolve().parents[2]

# one process: fit each panel seed in turn (jax, tiny), print compile facts and a hash
# of the draws
SCRIPT = """
import hashlib, json, sys
import numpy as np
from attribution.mmm import MMM, spec_from_dict
from attribution.mmm.synthetic import simulate_panel

out = []
for seed in sys.argv[2].split(","):
    df, _ = simulate_panel(30, 2, seed=int(seed))
    spec = spec_from_dict({"model": {"fourier_modes": 1}}, list(df.columns))
    r = MMM(spec, draws=20, tune=20, chains=2, seed=5, backend="jax", cache_dir=sys.argv[1]).fit(df)
    h = hashlib.sha256()
    for k in sorted(r.posterior):
        h.update(np.ascontiguousarray(r.posterior[k]).tobytes())
    s = r.settings
    out.append({"compile": s["compile"], "disk": s.get("disk_cache"), "draws": h.hexdigest(),
                "backend": s["backend"]})
print(json.dumps(out))
"""


def _process(cache_dir: Path, seeds: str) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(cache_dir), seeds],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_second_process_loads_the_compiled_model_and_samples_the_same_draws(tmp_path):
    first = _process(tmp_path, "3")
    assert first[0]["compile"] == "miss" and first[0]["disk"] == "miss"
    assert first[0]["backend"] == "jax"
    written = sorted(p.name for p in (tmp_path / cache.JAX_SUBDIR).iterdir())
    assert written  # the compiled programs are on disk
    # a new process: a new quarter's data (seed 4) loads the programs from disk; the
    # first panel again reuses them in the process with its data swapped in
    second = _process(tmp_path, "4,3")
    assert second[0]["compile"] == "miss" and second[0]["disk"] == "hit"
    assert second[1]["compile"] == "hit"
    assert sorted(p.name for p in (tmp_path / cache.JAX_SUBDIR).iterdir()) == written
    # same data and seed: the same draws, whichever process and path compiled it
    assert second[1]["draws"] == first[0]["draws"]
    assert second[0]["draws"] != first[0]["draws"]  # B's data were used, not A's


def test_default_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "c"))
    assert cache.default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv(cache.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert cache.default_cache_dir() == tmp_path / "x" / "attribution"


def test_a_second_cache_dir_in_one_process_is_refused(tmp_path):
    import jax

    here = cache.jax_disk_cache()  # whatever this process uses (default or earlier)
    assert jax.config.jax_compilation_cache_dir == str(here)
    assert cache.jax_disk_cache(here.parent) == here  # the same folder: fine
    with pytest.raises(UsageError, match="already at"):
        cache.jax_disk_cache(tmp_path / "other")


def test_jax_selected_but_missing_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(F, "_installed", lambda mod: mod != "jax")
    with pytest.raises(UsageError, match=r"jax backend needs jax: pip install"):
        F.sample(None, "nutpie", draws=5, tune=5, chains=1, seed=0, backend="jax")
