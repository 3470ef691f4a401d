"""Compiled models are reused per model structure: new data of the same structure swap
into the compiled model and sample exactly what a fresh compile samples; a changed
structure never reuses it."""

from __future__ import annotations

import numpy as np
import pytest

from attribution.mmm import MMM, cache, spec_from_dict
from attribution.mmm import fit as F
from attribution.mmm import model as mm
from attribution.mmm.synthetic import simulate_panel


def _spec(df, **model):
    return spec_from_dict({"model": {"fourier_modes": 1, **model}}, list(df.columns))


def _key(est, df):
    p = est._prepare(df, None, None, None)
    return F._model_key(p, None)


def test_structure_key_ignores_data_values_not_shapes():
    a = cache.structure_key({"spec": 1}, {"y": np.zeros((3, 2))})
    assert a == cache.structure_key({"spec": 1}, {"y": np.arange(6.0).reshape(3, 2)})
    assert a != cache.structure_key({"spec": 1}, {"y": np.zeros((4, 2))})
    assert a != cache.structure_key({"spec": 2}, {"y": np.zeros((3, 2))})
    assert a != cache.structure_key({"spec": 1}, {"y": np.zeros((3, 2)), "x": np.zeros(1)})
    # graph constants (lift tests) count by value
    c = cache.structure_key({"spec": 1}, {}, (np.array([1.0, 2.0]),))
    assert c != cache.structure_key({"spec": 1}, {}, (np.array([1.0, 2.5]),))


def test_model_key_is_the_structure():
    dfa, _ = simulate_panel(40, 2, seed=3)
    dfb, _ = simulate_panel(40, 2, seed=4)
    est = MMM(_spec(dfa))
    (ka, da), (kb, db) = _key(est, dfa), _key(est, dfb)
    assert ka == kb  # a refresh with new values: same structure
    assert not np.array_equal(da[mm.DATA_Y], db[mm.DATA_Y])
    assert _key(est, dfa.iloc[:39])[0] != ka  # one week fewer
    assert _key(MMM(_spec(dfa, fourier_modes=2)), dfa)[0] != ka
    assert _key(MMM(_spec(dfa, trend=False)), dfa)[0] != ka
    other = spec_from_dict(
        {"model": {"fourier_modes": 1}, "priors": {"sigma": {"dist": "HalfNormal", "sigma": 3}}},
        list(dfa.columns),
    )
    assert _key(MMM(other), dfa)[0] != ka


@pytest.fixture(scope="module")
def reuse():
    """Fit panel A (compiles), panel B (reuses A's compiled model), then B again after
    clearing the store (a fresh compile)."""
    dfa, _ = simulate_panel(40, 2, seed=3)
    dfb, _ = simulate_panel(40, 2, seed=4)
    est = MMM(_spec(dfa), draws=60, tune=60, chains=2, seed=5, backend="numba")
    F.COMPILED.clear()
    ra = est.fit(dfa)
    rb = est.fit(dfb)
    compiled = F.COMPILED.get(_key(est, dfa)[0] + ":numba")
    F.COMPILED.clear()
    rb_fresh = est.fit(dfb)
    return ra, rb, rb_fresh, compiled


def test_new_data_reuse_the_compiled_model_and_sample_as_a_fresh_compile(reuse):
    ra, rb, rb_fresh, _ = reuse
    assert ra.settings["compile"] == "miss"
    assert rb.settings["compile"] == "hit"
    assert rb_fresh.settings["compile"] == "miss"
    # the reused model saw B's data, not A's: its draws differ from A's ...
    assert not np.allclose(ra.posterior["alpha"], rb.posterior["alpha"])
    # ... and equal a fresh compile on B, draw for draw
    assert set(rb.posterior) == set(rb_fresh.posterior)
    for name in rb.posterior:
        np.testing.assert_array_equal(rb.posterior[name], rb_fresh.posterior[name])


def test_a_compiled_model_of_another_structure_is_refused(reuse):
    *_, compiled = reuse
    dfc, _ = simulate_panel(40, 2, seed=3)
    est = MMM(_spec(dfc, fourier_modes=2), backend="numba")
    p = est._prepare(dfc, None, None, None)
    model = est.build(dfc)
    data = mm.model_data(p["design"], p["scaling"], p["spend_total"])
    with pytest.raises(ValueError, match="starting point has"):
        cache.with_model_data(compiled, model, data)
    longer, _ = simulate_panel(41, 2, seed=3)
    est = MMM(_spec(longer), backend="numba")
    p = est._prepare(longer, None, None, None)
    with pytest.raises(ValueError, match="'week' differs"):
        cache.with_model_data(
            compiled, est.build(longer), mm.model_data(p["design"], p["scaling"], None)
        )


def test_the_numba_log_density_is_compiled_without_fast_math(reuse):
    # fast-math made a kernel compiled in the process and the same kernel loaded from
    # pytensor's numba cache round differently: different draws in the process that
    # compiled first (issue #15; the cross-process check: test_mmm_numba_repro.py)
    *_, compiled = reuse
    for fn in (compiled.logp_func, compiled.expand_func):
        assert fn.vm.jit_fn.targetoptions["fastmath"] is False
