"""Exact Markov attribution against chains solved by hand."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from attribution.mta.markov import (
    ChainStructure,
    fit_markov,
    journey_fractions,
    removal_outcomes,
    state_codes,
)
from attribution.mta.paths import PathTable


@pytest.fixture
def hand() -> PathTable:
    """Solved on paper (see the test below): journeys a>b x2, b>c x1, a x2, c x2."""
    return PathTable.from_paths(
        [("a", "b"), ("b", "c"), ("a",), ("c",)],
        conversions=[1, 1, 0, 2],
        value=[10, 30, 0, 20],
        nulls=[1, 0, 2, 0],
    )


def test_order1_removal_effects_match_hand_solution(hand: PathTable) -> None:
    # start->a 4/7, ->b 1/7, ->c 2/7; a->b 1/2, a->null 1/2; b->conv, null, c 1/3 each; c->conv 1
    # P = 4/7 = 12/21; without a: 8/21; without b: 6/21; without c: 3/21
    fit = fit_markov(hand, 1)
    np.testing.assert_allclose(fit.base[0], 4 / 7)
    np.testing.assert_allclose(fit.removed[:, 0], [8 / 21, 6 / 21, 3 / 21])
    np.testing.assert_allclose(fit.effects[:, 0], [1 / 3, 1 / 2, 3 / 4])
    np.testing.assert_allclose(fit.credit.conversions, [16 / 19, 24 / 19, 36 / 19])


def test_order1_value_chain_matches_hand_solution(hand: PathTable) -> None:
    # value per visit: b 10/3, c 50/3. V = 60/7; removal effects 8/27, 4/9, 5/6
    fit = fit_markov(hand, 1)
    np.testing.assert_allclose(fit.base[1], 60 / 7)
    np.testing.assert_allclose(fit.effects[:, 1], [8 / 27, 4 / 9, 5 / 6])
    np.testing.assert_allclose(fit.credit.value, [192 / 17, 288 / 17, 540 / 17])


def test_order2_differs_from_order1_by_hand() -> None:
    # a>b always converts, c>b never: order 1 mixes them at b, order 2 separates them
    t = PathTable.from_paths([("a", "b"), ("c", "b")], [2, 0], [20, 0], [0, 2])
    np.testing.assert_allclose(fit_markov(t, 1).credit.conversions, [0.5, 1.0, 0.5])
    fit2 = fit_markov(t, 2)
    np.testing.assert_allclose(fit2.effects[:, 0], [1.0, 1.0, 0.0])
    np.testing.assert_allclose(fit2.credit.conversions, [1.0, 1.0, 0.0])
    np.testing.assert_allclose(fit2.credit.value, [10.0, 10.0, 0.0])


def test_state_codes_mixed_radix() -> None:
    # a > b > c with 3 channels, order 2: (pad,a)=1, (a,b)=1*4+2=6, (b,c)=2*4+3=11
    assert state_codes(np.array([0, 3]), np.array([0, 1, 2]), 3, 2).tolist() == [1, 6, 11]
    s = ChainStructure.from_table(PathTable.from_paths([("a", "b", "c")], [1]), 2)
    assert s.labels() == ["(start)", "a", "a > b", "b > c"]
    np.testing.assert_array_equal(s.contains(), [[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 1]])


def random_table(
    rng: np.random.Generator, n_paths: int = 300, n_channels: int = 5, max_len: int = 6
) -> PathTable:
    names = [f"ch{i}" for i in range(n_channels)]
    paths = [
        tuple(names[j] for j in rng.integers(0, n_channels, rng.integers(1, max_len + 1)))
        for _ in range(n_paths)
    ]
    conv = rng.poisson(2.0, n_paths).astype(float)
    return PathTable.from_paths(
        paths, conv, conv * rng.uniform(5, 50, n_paths), rng.poisson(5.0, n_paths).astype(float)
    )


def brute_force(table: PathTable, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Independent check: rebuild I - Q_c densely per channel and solve directly."""
    s = ChainStructure.from_table(table, order)
    counts, exits = s.counts(table.conversions, table.nulls, table.value)
    q, r = s.matrices(counts, exits)
    dense = q.toarray()
    contains = s.contains()
    base = np.linalg.solve(np.eye(s.n_states) - dense, r)[0]
    removed = []
    for c in range(len(table.channels)):
        qc = dense.copy()
        qc[:, contains[:, c]] = 0.0  # transitions into removed states go to null
        removed.append(np.linalg.solve(np.eye(s.n_states) - qc, r)[0])
    return base, np.array(removed)


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_all_solvers_equal_direct_solve(order: int) -> None:
    table = random_table(np.random.default_rng(order))
    base, removed = brute_force(table, order)
    s = ChainStructure.from_table(table, order)
    q, r = s.matrices(*s.counts(table.conversions, table.nulls, table.value))
    for method in ("dense", "sparse", "iterative"):
        b, rem = removal_outcomes(q, r, s.contains(), method)
        np.testing.assert_allclose(b, base, rtol=1e-10)
        np.testing.assert_allclose(rem, removed, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_full_chain_reproduces_observed_rates(order: int) -> None:
    # the ML chain's conversion probability / value per journey equal the observed ones
    table = random_table(np.random.default_rng(10 + order))
    fit = fit_markov(table, order)
    journeys = table.conversions.sum() + table.nulls.sum()
    np.testing.assert_allclose(
        fit.base, [table.conversions.sum() / journeys, table.value.sum() / journeys], rtol=1e-10
    )


@pytest.mark.parametrize("order", [1, 2, 3])
def test_credit_sums_non_negative_and_permutes(order: int) -> None:
    rng = np.random.default_rng(20 + order)
    table = random_table(rng)
    fit = fit_markov(table, order)
    assert fit.credit.conversions.sum() == pytest.approx(table.conversions.sum())
    assert fit.credit.value.sum() == pytest.approx(table.value.sum())
    assert (fit.effects >= -1e-12).all() and (fit.effects <= 1 + 1e-12).all()
    # rename channels so that their sort order changes
    perm = rng.permutation(table.n_channels)
    new = {c: f"x{perm[i]}" for i, c in enumerate(table.channels)}
    renamed = PathTable.from_paths(
        [tuple(new[c] for c in table.path(i)) for i in range(table.n_paths)],
        table.conversions,
        table.value,
        table.nulls,
    )
    fit_r = fit_markov(renamed, order)
    got = dict(zip(fit_r.credit.channels, fit_r.credit.conversions, strict=True))
    for c, v in zip(table.channels, fit.credit.conversions, strict=True):
        assert got[new[c]] == pytest.approx(v, rel=1e-9)


def test_transition_table_and_removal_table(hand: PathTable) -> None:
    fit = fit_markov(hand, 1)
    tm = fit.transition_table()
    probs = {(f, t): p for f, t, p in tm[["from", "to", "probability"]].itertuples(index=False)}
    assert probs[("(start)", "a")] == pytest.approx(4 / 7)
    assert probs[("b", "(conversion)")] == pytest.approx(1 / 3)
    assert probs[("c", "(conversion)")] == pytest.approx(1.0)
    np.testing.assert_allclose(tm.groupby("from")["probability"].sum(), 1.0)
    re = fit.removal_table()
    assert list(re.columns) == [
        "channel",
        "removal_effect",
        "removal_effect_value",
        "conversions",
        "value",
    ]
    np.testing.assert_allclose(re["removal_effect"], [1 / 3, 1 / 2, 3 / 4])


def test_journey_credit_sums_to_each_journey(hand: PathTable) -> None:
    fit = fit_markov(hand, 1)
    jc = fit.journey_credit()
    per_row = jc.groupby("path_row")["conversions"].sum()
    np.testing.assert_allclose(
        per_row.reindex(range(hand.n_paths), fill_value=0.0), hand.conversions
    )
    # a > b: removal effects 1/3 and 1/2 -> split 2:3
    row0 = jc[jc.path_row == 0].set_index("channel")["conversions"]
    np.testing.assert_allclose(row0[["a", "b"]], [0.4, 0.6])
    m = journey_fractions(hand, np.zeros(3))  # all zero effects -> equal split
    np.testing.assert_allclose(np.asarray(m.sum(axis=0)).ravel(), 1.0)


def test_no_conversions_gives_zero_credit() -> None:
    t = PathTable.from_paths([("a", "b"), ("b",)], [0, 0], None, [3, 1])
    fit = fit_markov(t, 1)
    np.testing.assert_array_equal(fit.credit.conversions, [0.0, 0.0])


def test_sparse_path_used_for_large_state_spaces() -> None:
    q = sp.csr_matrix(np.array([[0.0, 0.5], [0.0, 0.0]]))
    base, removed = removal_outcomes(
        q, np.array([[0.5], [0.4]]), np.array([[False], [True]]), "sparse"
    )
    np.testing.assert_allclose(base, [0.7])
    np.testing.assert_allclose(removed, [[0.5]])


def test_iterative_solver_on_long_cyclic_paths() -> None:
    # long paths that revisit channels: the Neumann series needs many steps
    rng = np.random.default_rng(9)
    table = random_table(rng, n_paths=200, n_channels=3, max_len=40)
    base, removed = brute_force(table, 2)
    s = ChainStructure.from_table(table, 2)
    q, r = s.matrices(*s.counts(table.conversions, table.nulls, table.value))
    b, rem = removal_outcomes(q, r, s.contains(), "iterative")
    np.testing.assert_allclose(b, base, rtol=1e-11)
    np.testing.assert_allclose(rem, removed, rtol=1e-10, atol=1e-13)
