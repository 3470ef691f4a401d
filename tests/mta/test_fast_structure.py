"""The sparse builds behind the fast Markov command, against direct constructions.

Transition incidence (kept by path), channel totals beyond 64 channels and the
``distinct`` shortcut of ``PathTable.from_strings`` are checked against references
built the plain way and against hand-computed counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from attribution.mta.markov import ChainStructure, fit_markov, state_codes
from attribution.mta.paths import PathTable
from attribution.mta.stress import channel_totals


def _random_table(n_paths: int, n_channels: int, seed: int) -> PathTable:
    rng = np.random.default_rng(seed)
    paths = [
        tuple(f"c{j:03d}" for j in rng.integers(0, n_channels, rng.integers(1, 9)))
        for _ in range(n_paths)
    ]
    return PathTable.from_paths(
        paths,
        rng.poisson(0.5, n_paths).astype(float),
        rng.gamma(2.0, 10.0, n_paths),
        rng.poisson(3.0, n_paths).astype(float),
    ).merged()


def test_incidence_equals_coo_build() -> None:
    t = _random_table(3000, 90, seed=3)
    for order in (1, 2):
        s = ChainStructure.from_table(t, order)
        # reference: one (pair, path) entry per step, duplicates summed by COO -> CSR
        codes = state_codes(t.offsets, t.steps, t.n_channels, order)
        index = {c: i for i, c in enumerate(s.states)}
        step_state = np.array([index[c] for c in codes])
        prev = np.r_[0, step_state[:-1]]
        prev[t.offsets[:-1]] = 0
        pair_index = {
            (a, b): i for i, (a, b) in enumerate(zip(s.pair_from, s.pair_to, strict=True))
        }
        pair_id = [pair_index[(a, b)] for a, b in zip(prev, step_state, strict=True)]
        ref = sp.coo_matrix(
            (np.ones(len(pair_id)), (pair_id, t.path_index)), shape=s.incidence.shape
        ).tocsr()
        assert (s.incidence.tocsr() != ref).nnz == 0
        w = t.conversions + t.nulls
        np.testing.assert_array_equal(s.incidence @ w, ref @ w)  # same sums, same order


def test_order_one_state_codes_are_channel_plus_one() -> None:
    t = PathTable.from_paths([("a", "b", "a"), ("c",)], [1, 0], nulls=[0, 1])
    assert state_codes(t.offsets, t.steps, 3, 1).tolist() == [1, 2, 1, 3]


def test_hand_computed_transition_counts() -> None:
    # a > b (1 conv, 1 null), b > b (0, 2): start->a 2, a->b 2, start->b 2, b->b 2
    t = PathTable.from_paths([("a", "b"), ("b", "b")], [1, 0], nulls=[1, 2])
    fit = fit_markov(t, 1)
    s = fit.structure
    got = {
        (int(s.states[f]), int(s.states[to])): c
        for f, to, c in zip(s.pair_from, s.pair_to, fit.pair_counts, strict=True)
    }
    assert got == {(0, 1): 2.0, (1, 2): 2.0, (0, 2): 2.0, (2, 2): 2.0}


def test_channel_totals_beyond_64_channels_by_hand() -> None:
    names = [f"k{i:02d}" for i in range(70)]
    paths = [
        (names[69], names[0], names[69]),  # k69 once per path although it repeats
        (names[69],),
        (names[5], names[6]),
    ]
    t = PathTable.from_paths(paths, [2, 1, 4], nulls=[1, 5, 0])
    conv, seen = channel_totals(t)
    i69, i0, i5 = t.channels.index("k69"), t.channels.index("k00"), t.channels.index("k05")
    assert (conv[i69], seen[i69]) == (3.0, 9.0)
    assert (conv[i0], seen[i0]) == (2.0, 3.0)
    assert (conv[i5], seen[i5]) == (4.0, 4.0)
    assert conv.sum() == 3 + 2 + 4 + 4  # k69, k00, k05, k06; the other 66 channels are absent


def test_channel_totals_match_brute_force() -> None:
    t = _random_table(2000, 120, seed=5)
    conv, seen = channel_totals(t)
    ref_c, ref_s = np.zeros(t.n_channels), np.zeros(t.n_channels)
    for i in range(t.n_paths):
        for c in set(t.steps[t.offsets[i] : t.offsets[i + 1]].tolist()):
            ref_c[c] += t.conversions[i]
            ref_s[c] += t.conversions[i] + t.nulls[i]
    np.testing.assert_allclose(conv, ref_c, rtol=1e-12)
    np.testing.assert_allclose(seen, ref_s, rtol=1e-12)


def test_from_strings_distinct_shortcut() -> None:
    paths = pd.Series(["a > b", "b", "c > a > b"], dtype="str")
    conv, nulls = [1.0, 2.0, 3.0], [4.0, 5.0, 6.0]
    fast = PathTable.from_strings(paths, conv, nulls=nulls, distinct=True)
    slow = PathTable.from_strings(paths, conv, nulls=nulls)
    np.testing.assert_array_equal(fast.steps, slow.steps)
    np.testing.assert_array_equal(fast.offsets, slow.offsets)
    assert fast.channels == slow.channels == ("a", "b", "c")
    # distinct strings whose steps become equal once stripped are still merged
    padded = pd.Series(["a > b", "a  > b", "b"], dtype="str")
    t = PathTable.from_strings(padded, conv, nulls=nulls, distinct=True)
    assert t.n_paths == 2
    assert t.conversions.tolist() == [3.0, 3.0] and t.nulls.tolist() == [9.0, 6.0]


def test_transition_counts_equal_the_incidence_product_bit_for_bit() -> None:
    t = _random_table(2000, 70, seed=7)
    s = ChainStructure.from_table(t, 1)
    rng = np.random.default_rng(1)
    whole = (rng.poisson(2.0, t.n_paths).astype(float), rng.poisson(1.0, t.n_paths).astype(float))
    frac = (rng.gamma(0.7, 1.3, t.n_paths), rng.uniform(0, 2, t.n_paths))
    for conv, null in (whole, frac):  # one bincount for whole counts, sorted entries else
        counts, _ = s.counts(conv, null, np.zeros(t.n_paths))
        np.testing.assert_array_equal(counts, s.incidence @ (conv + null))


def test_order_one_shortcut_equals_compaction_when_a_channel_is_absent() -> None:
    t = _random_table(500, 12, seed=2)
    absent = PathTable(("zz", *t.channels), t.offsets, t.steps + 1, t.conversions, t.value, t.nulls)
    a, b = ChainStructure.from_table(t, 1), ChainStructure.from_table(absent, 1)
    np.testing.assert_array_equal(b.states, a.states + (a.states > 0))  # "zz" has no state
    np.testing.assert_array_equal(a.step_pair, b.step_pair)
    got = fit_markov(absent).credit.conversions
    assert got[0] == 0.0  # no state, no removal effect, no credit
    np.testing.assert_allclose(got[1:], fit_markov(t).credit.conversions, rtol=1e-12)
