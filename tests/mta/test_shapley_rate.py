"""Rate-based Shapley credit (exact lattice and Monte Carlo) against known truth."""

from __future__ import annotations

import numpy as np
import pytest
from _reference.shapley import brute_force_shapley
from _reference.shapley import random_table as _random_table

from attribution.errors import UsageError
from attribution.mta.paths import PathTable
from attribution.mta.shapley import ratio_game_lattice, shapley_count, shapley_rate
from attribution.mta.shapley_mc import _value_bound, permutation_shapley, prefix_values


# ----------------------------------------------------------------- helpers (plain, slow, obvious)
def random_table(
    n_channels: int, n_paths: int, seed: int, names: list[str] | None = None
) -> PathTable:
    return _random_table(n_channels, n_paths, seed, names, max_len=4)


def rate_game(table: PathTable, amounts: np.ndarray):
    """v(S) = amounts / journeys over the journeys whose channel set lies within S."""
    sets = [frozenset(table.path(i)) for i in range(table.n_paths)]
    journeys = table.conversions + table.nulls

    def v(coalition: frozenset) -> float:
        num = sum(a for s, a in zip(sets, amounts, strict=True) if s <= coalition)
        den = sum(j for s, j in zip(sets, journeys, strict=True) if s <= coalition)
        return float(num / den) if den > 0 else 0.0

    return v


# ----------------------------------------------------------------- exact
def test_rate_hand_computed() -> None:
    # v(a) = 1/4, v(b) = 1/2, v(ab) = 5/10; phi_a = 1/8, phi_b = 3/8; 10 journeys
    t = PathTable.from_paths([("a",), ("b",), ("a", "b")], [1, 1, 3], [2, 4, 6], [3, 1, 1])
    credit = shapley_rate(t)
    assert credit.model == "shapley_rate"
    np.testing.assert_allclose(credit.conversions, [1.25, 3.75], rtol=1e-12)
    # value game: v(a) = 2/4, v(b) = 4/2, v(ab) = 12/10
    # phi_a = (0.5 + (1.2 - 2)) / 2 = -0.15, phi_b = (2 + (1.2 - 0.5)) / 2 = 1.35
    np.testing.assert_allclose(credit.value, [-1.5, 13.5], rtol=1e-12)
    detail = credit.tables["rate"]
    np.testing.assert_allclose(detail["phi_conversion_rate"], [0.125, 0.375], rtol=1e-12)
    assert set(detail["method"]) == {"exact"}
    assert detail["se_conversions"].isna().all()


@pytest.mark.parametrize(("n_channels", "seed"), [(3, 1), (4, 2), (5, 3), (6, 4), (6, 8)])
def test_rate_exact_equals_brute_force(n_channels: int, seed: int) -> None:
    t = random_table(n_channels, 30, seed)
    credit = shapley_rate(t)
    scale = float((t.conversions + t.nulls).sum())
    for amounts, got in ((t.conversions, credit.conversions), (t.value, credit.value)):
        truth = brute_force_shapley(list(t.channels), rate_game(t, amounts))
        np.testing.assert_allclose(
            got / scale, [truth[c] for c in t.channels], rtol=1e-10, atol=1e-13
        )


def test_ratio_game_lattice_matches_definition() -> None:
    t = random_table(4, 25, 13)
    masks = t.channel_sets()
    journeys = t.conversions + t.nulls
    v = ratio_game_lattice(masks, np.stack([t.conversions, t.value]), journeys, 4)
    game = rate_game(t, t.conversions)
    for s in range(16):
        members = frozenset(c for i, c in enumerate(t.channels) if s >> i & 1)
        assert v[0, s] == pytest.approx(game(members), rel=1e-12, abs=1e-15)
    assert v[0, 0] == 0.0


def test_rate_efficiency_symmetry_renaming() -> None:
    t = random_table(6, 60, 17)
    swap = {"ch02": "ch04", "ch04": "ch02"}
    paths = [t.path(i) for i in range(t.n_paths)]
    sym = PathTable.from_paths(
        paths + [tuple(swap.get(c, c) for c in p) for p in paths],
        np.tile(t.conversions, 2),
        np.tile(t.value, 2),
        np.tile(t.nulls, 2),
    )
    credit = shapley_rate(sym)
    idx = {c: i for i, c in enumerate(sym.channels)}
    assert credit.conversions.sum() == pytest.approx(sym.conversions.sum(), rel=1e-10)
    assert credit.value.sum() == pytest.approx(sym.value.sum(), rel=1e-10)
    assert credit.conversions[idx["ch02"]] == pytest.approx(
        credit.conversions[idx["ch04"]], rel=1e-10
    )
    assert credit.value[idx["ch02"]] == pytest.approx(credit.value[idx["ch04"]], rel=1e-10)
    # renaming the channels (so their codes move) permutes the result
    rename = {c: f"x{5 - i}" for i, c in enumerate(t.channels)}
    renamed = PathTable.from_paths(
        [tuple(rename[c] for c in p) for p in paths], t.conversions, t.value, t.nulls
    )
    a, b = shapley_rate(t), shapley_rate(renamed)
    for i, c in enumerate(t.channels):
        j = renamed.channels.index(rename[c])
        assert j != i or c == "ch02"
        assert a.conversions[i] == pytest.approx(b.conversions[j], rel=1e-10)
        assert a.value[i] == pytest.approx(b.value[j], rel=1e-10)


def test_rate_null_player() -> None:
    # every journey group converts at rate 1/2 (value 10 per conversion) and "z" only ever
    # appears together with "a", whose own journeys exist: adding z never changes v(S)
    paths = [("a",), ("b",), ("c", "b"), ("a", "z"), ("z", "c", "a"), ("b", "a")]
    conv = np.array([2.0, 3.0, 1.0, 4.0, 5.0, 2.0])
    t = PathTable.from_paths(paths, conv, 10 * conv, conv)
    credit = shapley_rate(t)
    z = t.channels.index("z")
    assert credit.conversions[z] == pytest.approx(0.0, abs=1e-12)
    assert credit.value[z] == pytest.approx(0.0, abs=1e-10)
    assert credit.conversions.sum() == pytest.approx(conv.sum())
    # a channel with journeys that carry no weight at all is a null player too
    t2 = PathTable.from_paths(
        [*paths, ("q",), ("q", "b")], [*conv, 0, 0], [*(10 * conv), 0, 0], [*conv, 0, 0]
    )
    assert shapley_rate(t2).conversions[t2.channels.index("q")] == pytest.approx(0.0, abs=1e-12)


def test_rate_negative_credit_gives_warning() -> None:
    # v(a) = 5/10, v(b) = 0, v(ab) = 5/30: phi_b = (0 + (1/6 - 1/2)) / 2 = -1/6; 30 journeys
    t = PathTable.from_paths([("a",), ("a", "b"), ("b",)], [5, 0, 0], None, [5, 10, 10])
    credit = shapley_rate(t)
    assert credit.conversions[1] == pytest.approx(-30 / 6)
    assert [f.code for f in credit.findings] == ["mta.shapley_rate.negative"]
    assert credit.findings[0].level == "warning"
    assert "b" in credit.findings[0].message


def test_rate_rejects_huge_lattice() -> None:
    with pytest.raises(UsageError):
        shapley_rate(random_table(3, 5, 0), max_exact_channels=40)
    with pytest.raises(UsageError):
        shapley_rate(random_table(3, 5, 0), max_exact_channels=0, n_permutations=1)


# ----------------------------------------------------------------- Monte Carlo
def test_prefix_values_hand_computed() -> None:
    # permutation order gives groups entering at prefix 0 and 2 of 3 players
    entry = np.array([[0, 2], [2, 2]])
    v = prefix_values(entry, np.array([[1.0, 3.0]]), np.array([4.0, 4.0]), 3)
    np.testing.assert_allclose(v[0], [[0.25, 0.25, 0.5], [0.0, 0.0, 0.5]])
    assert _value_bound(np.array([[1.0, 3.0]]), np.array([4.0, 4.0])).tolist() == [0.75]


def test_monte_carlo_within_stated_error_of_exact_on_ten_channels() -> None:
    t = random_table(10, 400, 23)
    exact = shapley_rate(t)
    mc = shapley_rate(t, max_exact_channels=0, n_permutations=3000, seed=5)
    detail = mc.tables["rate"]
    assert set(detail["method"]) == {"monte_carlo"}
    assert [f.code for f in mc.findings if f.level == "info"] == ["mta.shapley_rate.monte_carlo"]
    for col, se_col, h_col in (
        ("conversions", "se_conversions", "hoeffding_conversions"),
        ("value", "se_value", "hoeffding_value"),
    ):
        err = np.abs(detail[col].to_numpy() - getattr(exact, col))
        se = detail[se_col].to_numpy()
        assert np.all(se > 0)
        assert np.all(err <= 4 * se), (err / se).round(2)
        assert np.all(err <= detail[h_col].to_numpy())
        # the bound is tight enough to tell rate-based from count-based credit
        wrong = getattr(shapley_count(t), col)
        assert np.any(np.abs(wrong - getattr(exact, col)) > 4 * se)
    # each permutation's marginal contributions telescope to v(N): exact efficiency
    assert mc.conversions.sum() == pytest.approx(t.conversions.sum(), rel=1e-10)
    assert mc.value.sum() == pytest.approx(t.value.sum(), rel=1e-10)
    again = shapley_rate(t, max_exact_channels=0, n_permutations=3000, seed=5)
    np.testing.assert_array_equal(again.conversions, mc.conversions)


def test_monte_carlo_beyond_64_channels_symmetric_ring() -> None:
    # 70 channels in cyclic symmetry: every channel has the same Shapley value v(N) / 70
    n = 70
    names = [f"c{i:02d}" for i in range(n)]
    paths = [(names[i],) for i in range(n)] + [(names[i], names[(i + 1) % n]) for i in range(n)]
    conv = np.array([1.0] * n + [3.0] * n)
    nulls = np.array([4.0] * n + [2.0] * n)
    t = PathTable.from_paths(paths, conv, 2 * conv, nulls)
    credit = shapley_rate(t, n_permutations=400, seed=1)
    detail = credit.tables["rate"]
    truth = conv.sum() / n
    se = detail["se_conversions"].to_numpy()
    assert np.all(np.abs(credit.conversions - truth) <= 4.5 * se)
    assert credit.conversions.sum() == pytest.approx(conv.sum(), rel=1e-10)
    np.testing.assert_allclose(credit.value, 2 * credit.conversions, rtol=1e-10)


def test_permutation_shapley_single_group() -> None:
    # one group {0} with rate 1/2: player 0 gets everything, player 1 nothing, in every draw
    est = permutation_shapley(
        np.array([0, 1]),
        np.array([0]),
        np.array([[1.0]]),
        np.array([2.0]),
        2,
        n_permutations=50,
        rng=np.random.default_rng(0),
    )
    np.testing.assert_allclose(est.mean, [[0.5, 0.0]])
    np.testing.assert_allclose(est.se, [[0.0, 0.0]], atol=1e-12)
    expected = 0.5 * np.sqrt(2 * np.log(2 / 0.05) / 50)
    assert est.hoeffding[0] == pytest.approx(expected)


@pytest.mark.parametrize("n_channels", [10, 70])
def test_monte_carlo_depends_on_channel_sets_only(n_channels: int) -> None:
    # the same journeys written with repeats and in other orders are grouped into the same
    # channel sets, so the seeded estimate is identical to the one on the canonical table
    rng = np.random.default_rng(31)
    names = [f"k{i:02d}" for i in range(n_channels)]
    sets = [tuple(sorted(set(rng.choice(names, size=rng.integers(1, 5))))) for _ in range(150)]
    conv = rng.integers(0, 9, len(sets)).astype(float)
    nulls = rng.integers(1, 30, len(sets)).astype(float)
    messy = [tuple(rng.permutation(list(s) * 2)) for s in sets]
    canonical = PathTable.from_paths(sets, conv, 3 * conv, nulls)
    shuffled = PathTable.from_paths(messy, conv, 3 * conv, nulls)
    assert canonical.channels == shuffled.channels
    a = shapley_rate(canonical, max_exact_channels=0, n_permutations=300, seed=2)
    b = shapley_rate(shuffled, max_exact_channels=0, n_permutations=300, seed=2)
    np.testing.assert_allclose(a.conversions, b.conversions, rtol=1e-12)
    assert a.conversions.sum() == pytest.approx(conv.sum(), rel=1e-10)


def test_antithetic_permutations_within_error_of_exact() -> None:
    t = random_table(8, 200, 41)
    exact = shapley_rate(t).tables["rate"]["phi_conversion_rate"].to_numpy()
    masks = t.channel_sets()
    uniq, group = np.unique(masks, return_inverse=True)
    members = [np.flatnonzero([(int(m) >> i) & 1 for i in range(8)]) for m in uniq]
    offsets = np.concatenate([[0], np.cumsum([len(m) for m in members])])
    nums = np.bincount(group, weights=t.conversions)[None, :]
    dens = np.bincount(group, weights=t.conversions + t.nulls)
    est = permutation_shapley(
        offsets,
        np.concatenate(members),
        nums,
        dens,
        8,
        n_permutations=2000,
        rng=np.random.default_rng(4),
        antithetic=True,
    )
    assert est.n_permutations == 2000
    assert est.mean.sum() == pytest.approx(t.conversions.sum() / dens.sum(), rel=1e-10)
    assert np.all(np.abs(est.mean[0] - exact) <= 4 * est.se[0])
    assert np.all(est.se[0] > 0)
