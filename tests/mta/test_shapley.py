"""Count-based and ordered Shapley credit, and the lattice transforms, against known truth."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest
from _reference.shapley import brute_force_shapley, random_table
from hypothesis import given, settings
from hypothesis import strategies as st

from attribution.errors import UsageError
from attribution.mta.paths import PathTable
from attribution.mta.shapley import (
    count_shapley,
    distinct_pairs,
    shapley_count,
    shapley_ordered,
)
from attribution.mta.subsets import (
    mobius,
    popcounts,
    shapley_from_game,
    shapley_weights,
    subset_sums,
)


# ----------------------------------------------------------------- helpers (plain, slow, obvious)
def count_game(table: PathTable, amounts: np.ndarray):
    sets = [frozenset(table.path(i)) for i in range(table.n_paths)]

    def v(coalition: frozenset) -> float:
        return float(sum(a for s, a in zip(sets, amounts, strict=True) if s <= coalition))

    return v


# ----------------------------------------------------------------- count-based
def test_count_hand_computed() -> None:
    t = PathTable.from_paths([("a", "b", "a"), ("c",), ("c", "b")], [2, 3, 4], [10, 6, 8])
    credit = shapley_count(t)
    assert credit.model == "shapley"
    assert credit.channels == ("a", "b", "c")
    # a>b>a: 2 split over {a, b}; c: 3 to c; c>b: 4 split over {b, c}
    np.testing.assert_allclose(credit.conversions, [1.0, 3.0, 5.0])
    np.testing.assert_allclose(credit.value, [5.0, 9.0, 10.0])


@pytest.mark.parametrize(("n_channels", "seed"), [(3, 1), (4, 2), (5, 3), (6, 4), (6, 5)])
def test_count_closed_form_equals_brute_force(n_channels: int, seed: int) -> None:
    t = random_table(n_channels, 40, seed)
    credit = shapley_count(t)
    for amounts, got in ((t.conversions, credit.conversions), (t.value, credit.value)):
        truth = brute_force_shapley(list(t.channels), count_game(t, amounts))
        np.testing.assert_allclose(got, [truth[c] for c in t.channels], rtol=1e-12, atol=1e-9)


def test_count_efficiency_symmetry_null_player() -> None:
    t = random_table(6, 60, 11)
    # symmetric copy: every path also appears with ch00 and ch01 swapped
    swap = {"ch00": "ch01", "ch01": "ch00"}
    paths = [t.path(i) for i in range(t.n_paths)]
    swapped = [tuple(swap.get(c, c) for c in p) for p in paths]
    # a null player: "zz" only ever appears on journeys that never convert
    sym = PathTable.from_paths(
        [*paths, *swapped, ("zz",), ("zz", "ch03")],
        np.concatenate([t.conversions, t.conversions, [0, 0]]),
        np.concatenate([t.value, t.value, [0, 0]]),
        np.concatenate([t.nulls, t.nulls, [7, 9]]),
    )
    credit = shapley_count(sym)
    idx = {c: i for i, c in enumerate(sym.channels)}
    assert credit.conversions.sum() == pytest.approx(sym.conversions.sum(), rel=1e-12)
    assert credit.value.sum() == pytest.approx(sym.value.sum(), rel=1e-12)
    assert credit.conversions[idx["ch00"]] == pytest.approx(credit.conversions[idx["ch01"]])
    assert credit.value[idx["ch00"]] == pytest.approx(credit.value[idx["ch01"]])
    assert credit.conversions[idx["zz"]] == 0.0
    assert credit.value[idx["zz"]] == 0.0


def test_count_renaming_permutes() -> None:
    names = [f"ch{i:02d}" for i in range(5)]
    t = random_table(5, 50, 21, names)
    rename = dict(zip(names, ["zeta", "alpha", "mu", "beta", "omega"], strict=True))
    renamed = PathTable.from_paths(
        [tuple(rename[c] for c in t.path(i)) for i in range(t.n_paths)],
        t.conversions,
        t.value,
        t.nulls,
    )
    a, b = shapley_count(t), shapley_count(renamed)
    assert renamed.channels != tuple(rename[c] for c in t.channels)  # codes really moved
    for i, c in enumerate(t.channels):
        j = renamed.channels.index(rename[c])
        assert a.conversions[i] == pytest.approx(b.conversions[j], rel=1e-12)
        assert a.value[i] == pytest.approx(b.value[j], rel=1e-12)


def test_count_many_channels_matches_plain_loop() -> None:
    rng = np.random.default_rng(7)
    names = [f"c{i:03d}" for i in range(230)]
    paths = [tuple(rng.choice(names, size=rng.integers(1, 9))) for _ in range(3000)]
    conv = rng.integers(0, 5, len(paths)).astype(float)
    value = conv * 3.5
    t = PathTable.from_paths(paths, conv, value)
    assert t.n_channels > 200
    truth = dict.fromkeys(t.channels, 0.0)
    for i in range(t.n_paths):
        distinct = set(t.path(i))
        for c in distinct:
            truth[c] += t.conversions[i] / len(distinct)
    credit = shapley_count(t)
    np.testing.assert_allclose(credit.conversions, [truth[c] for c in t.channels], rtol=1e-12)
    np.testing.assert_allclose(credit.value, 3.5 * credit.conversions, rtol=1e-12)
    assert credit.conversions.sum() == pytest.approx(conv.sum())


def test_distinct_pairs_and_count_kernel() -> None:
    pp, pc, first, inverse = distinct_pairs(np.array([0, 0, 0, 1, 1]), np.array([2, 0, 2, 1, 1]), 3)
    assert pp.tolist() == [0, 0, 1]
    assert pc.tolist() == [0, 2, 1]
    assert first.tolist() == [1, 0, 3]
    assert inverse.tolist() == [1, 0, 1, 2, 2]
    out = count_shapley(pp, pc, np.array([[6.0, 1.0], [2.0, 0.0]]), 3)
    np.testing.assert_allclose(out, [[3.0, 1.0, 3.0], [1.0, 0.0, 1.0]])


# ----------------------------------------------------------------- ordered
def test_ordered_hand_computed_stage_and_touch() -> None:
    t = PathTable.from_paths([("b", "a", "b", "c"), ("a",)], [3, 2], [6, 4])
    stage = shapley_ordered(t)
    assert stage.model == "shapley_ordered"
    frame = stage.tables["by_position"].set_index(["channel", "position"])
    # path 1: distinct channels in first-touch order b(1), a(2), c(3), 1 conversion each
    assert frame.loc[("b", 1), "conversions"] == pytest.approx(1.0)
    assert frame.loc[("a", 2), "conversions"] == pytest.approx(1.0)
    assert frame.loc[("c", 3), "conversions"] == pytest.approx(1.0)
    assert frame.loc[("a", 1), "conversions"] == pytest.approx(2.0)  # path 2
    assert frame.loc[("c", 3), "value"] == pytest.approx(2.0)
    assert len(frame) == 4
    np.testing.assert_allclose(stage.conversions, [3.0, 1.0, 1.0])

    touch = shapley_ordered(t, position="touch").tables["by_position"]
    touch = touch.set_index(["channel", "position"])["conversions"]
    # b's one conversion is split over its touches at positions 1 and 3; c is touch 4
    assert touch[("b", 1)] == pytest.approx(0.5)
    assert touch[("b", 3)] == pytest.approx(0.5)
    assert touch[("a", 2)] == pytest.approx(1.0)
    assert touch[("c", 4)] == pytest.approx(1.0)
    assert touch[("a", 1)] == pytest.approx(2.0)


@pytest.mark.parametrize("position", ["stage", "touch"])
def test_ordered_sums_to_count_shapley(position: str) -> None:
    t = random_table(7, 200, 5)
    ordered = shapley_ordered(t, position=position)
    count = shapley_count(t)
    np.testing.assert_allclose(ordered.conversions, count.conversions, rtol=1e-12)
    np.testing.assert_allclose(ordered.value, count.value, rtol=1e-12)
    table = ordered.tables["by_position"]
    per_channel = table.groupby("channel")["conversions"].sum()
    np.testing.assert_allclose(
        per_channel.reindex(list(t.channels)).fillna(0.0), count.conversions, rtol=1e-12
    )
    assert table["position"].min() >= 1
    assert table["position"].max() <= int(t.lengths.max())


def test_ordered_rejects_unknown_position() -> None:
    with pytest.raises(UsageError):
        shapley_ordered(random_table(3, 5, 0), position="middle")  # type: ignore[arg-type]


# ----------------------------------------------------------------- lattice transforms
def test_subset_sums_and_mobius_against_enumeration() -> None:
    rng = np.random.default_rng(3)
    n = 5
    a = rng.normal(size=(2, 1 << n))
    zeta = subset_sums(a)
    for s in range(1 << n):
        truth = sum(a[:, t] for t in range(1 << n) if t & s == t)
        np.testing.assert_allclose(zeta[:, s], truth, rtol=1e-12)
    np.testing.assert_allclose(mobius(zeta), a, atol=1e-12)
    assert popcounts(n).tolist() == [bin(s).count("1") for s in range(1 << n)]


def test_shapley_weights_sum_to_one() -> None:
    for n in (1, 2, 5, 20, 200):
        w = shapley_weights(n)
        assert sum(comb(n - 1, s) * w[s] for s in range(n)) == pytest.approx(1.0, rel=1e-10)
    assert shapley_weights(3).tolist() == pytest.approx([1 / 3, 1 / 6, 1 / 3])


def test_shapley_from_game_equals_brute_force_on_random_game() -> None:
    rng = np.random.default_rng(9)
    n = 5
    v = rng.normal(size=1 << n)
    v[0] = 0.0
    players = list(range(n))

    def game(coalition: frozenset) -> float:
        return float(v[sum(1 << i for i in coalition)])

    truth = brute_force_shapley(players, game)
    phi = shapley_from_game(v)
    np.testing.assert_allclose(phi, [truth[i] for i in players], rtol=1e-10, atol=1e-12)
    assert phi.sum() == pytest.approx(v[-1])
    # Harsanyi: phi_i = sum over T containing i of dividend(T) / |T|
    dividends = mobius(v)
    size = popcounts(n)
    harsanyi = [sum(dividends[t] / size[t] for t in range(1 << n) if t >> i & 1) for i in players]
    np.testing.assert_allclose(phi, harsanyi, rtol=1e-10, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from("abcdef"), min_size=1, max_size=6),
            st.integers(0, 30),
            st.integers(0, 30),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_count_closed_form_equals_lattice_shapley(rows: list) -> None:
    # property: the closed form agrees with the exact lattice computation of the same game
    t = PathTable.from_paths(
        [tuple(p) for p, _, _ in rows], [c for _, c, _ in rows], [v for _, _, v in rows]
    )
    n = t.n_channels
    per_mask = np.stack(
        [
            np.bincount(t.channel_sets().astype(np.int64), weights=w, minlength=1 << n)
            for w in (t.conversions, t.value)
        ]
    )
    lattice = shapley_from_game(subset_sums(per_mask))
    credit = shapley_count(t)
    np.testing.assert_allclose(credit.conversions, lattice[0], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(credit.value, lattice[1], rtol=1e-9, atol=1e-9)
