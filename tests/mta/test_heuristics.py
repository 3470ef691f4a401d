"""Rule-based attribution against hand-computed credit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution.errors import InputError, UsageError
from attribution.mta.heuristics import (
    HEURISTICS,
    age_decay_fractions,
    describe_half_life,
    heuristic_credit,
    parse_half_life,
    position_fractions,
    step_fractions,
    time_decay_fractions,
    time_decay_touches,
)
from attribution.mta.paths import PathTable


@pytest.fixture
def table() -> PathTable:
    # channels sort to: a, b, c, direct
    return PathTable.from_paths(
        [("a", "b", "c"), ("b", "direct"), ("direct",), ("c", "a", "a", "b")],
        conversions=[3, 2, 1, 4],
        value=[30, 20, 10, 40],
        nulls=[1, 1, 1, 1],
    )


def credit(t: PathTable, rule: str, **kw: object) -> dict[str, float]:
    c = heuristic_credit(t, rule, **kw)
    return dict(zip(c.channels, c.conversions.round(10), strict=True))


def test_first_last_by_hand(table: PathTable) -> None:
    assert credit(table, "first") == {"a": 3, "b": 2, "c": 4, "direct": 1}
    assert credit(table, "last") == {"a": 0, "b": 4, "c": 3, "direct": 3}


def test_last_non_direct_skips_direct_and_keeps_all_direct_paths(table: PathTable) -> None:
    # b > direct -> b; direct alone -> direct (nothing else to credit)
    assert credit(table, "last_non_direct") == {"a": 0, "b": 6, "c": 3, "direct": 1}
    # a custom direct set: "b" counts as direct now
    got = credit(table, "last_non_direct", direct={"b"})
    assert got == {"a": 4, "b": 0, "c": 3, "direct": 3}


def test_linear_counts_each_touch(table: PathTable) -> None:
    got = credit(table, "linear")
    # a: 3/3 + 4*2/4 ; b: 1 + 1 + 1 ; c: 1 + 1 ; direct: 1 + 1
    assert got == {"a": 3.0, "b": 3.0, "c": 2.0, "direct": 2.0}


def test_position_weights_for_1_2_and_long_paths() -> None:
    frac = position_fractions(np.array([0, 1, 3, 6, 10]))
    np.testing.assert_allclose(frac, [1.0, 0.5, 0.5, 0.4, 0.2, 0.4, 0.4, 0.1, 0.1, 0.4])
    # uneven weights: the 2-touch path splits the ends' weights in proportion 3:1
    frac = position_fractions(np.array([0, 2, 5]), (0.6, 0.2, 0.2))
    np.testing.assert_allclose(frac, [0.75, 0.25, 0.6, 0.2, 0.2])


def test_position_credit(table: PathTable) -> None:
    got = credit(table, "position")
    # path1 a,b,c: .4/.2/.4 *3 ; path2 b,direct .5/.5 *2 ; path3 direct 1 ;
    # path4 c,a,a,b: .4, .1, .1, .4 *4
    assert got == pytest.approx(
        {"a": 1.2 + 0.8, "b": 0.6 + 1 + 1.6, "c": 1.2 + 1.6, "direct": 1 + 1}
    )


def test_time_decay_positions_by_hand() -> None:
    # 3 touches, half-life 1 step: weights 1/4, 1/2, 1 -> / 1.75
    np.testing.assert_allclose(
        time_decay_fractions(np.array([0, 3]), 1.0), [0.25 / 1.75, 0.5 / 1.75, 1 / 1.75]
    )
    # half-life 2 steps: 2^-1, 2^-0.5, 1
    w = np.array([0.5, 2**-0.5, 1.0])
    np.testing.assert_allclose(time_decay_fractions(np.array([0, 3]), 2.0), w / w.sum())


def test_time_decay_with_timestamps() -> None:
    touches = pd.DataFrame(
        {
            "journey_id": ["j1", "j1", "j1", "j2"],
            "channel": ["a", "b", "a", "b"],
            "timestamp": pd.to_datetime(["2026-01-01", "2026-01-08", "2026-01-15", "2026-02-01"]),
            "conversion_timestamp": pd.to_datetime(["2026-01-15"] * 3 + ["2026-02-08"]),
            "conversions": [1, 1, 1, 2],
            "value": [70.0, 70.0, 70.0, 10.0],
        }
    )
    c = time_decay_touches(touches, half_life="7D")
    # j1 ages 14d, 7d, 0d -> weights 1/4, 1/2, 1 (/1.75); j2: all to b
    a = (0.25 + 1) / 1.75
    np.testing.assert_allclose(c.conversions, [a, 1 - a + 2])
    np.testing.assert_allclose(c.value, [70 * a, 70 * (1 - a) + 10])
    late = touches.assign(timestamp=pd.to_datetime(["2026-01-20"] * 4))
    with pytest.raises(InputError, match="after the conversion"):
        time_decay_touches(late)


@pytest.mark.parametrize("rule", HEURISTICS)
def test_every_rule_sums_to_totals_and_is_non_negative(table: PathTable, rule: str) -> None:
    frac = step_fractions(table, rule)
    np.testing.assert_allclose(np.bincount(table.path_index, weights=frac), 1.0)
    c = heuristic_credit(table, rule)
    assert c.conversions.sum() == pytest.approx(table.conversions.sum())
    assert c.value.sum() == pytest.approx(table.value.sum())
    assert (c.conversions >= 0).all()


@pytest.mark.parametrize("rule", HEURISTICS)
def test_renaming_channels_permutes_credit(table: PathTable, rule: str) -> None:
    names = {"a": "zeta", "b": "alpha", "c": "mid", "direct": "direct"}
    renamed = PathTable.from_paths(
        [tuple(names[c] for c in table.path(i)) for i in range(table.n_paths)],
        table.conversions,
        table.value,
        table.nulls,
    )
    before = credit(table, rule)
    after = credit(renamed, rule)
    assert after == pytest.approx({names[k]: v for k, v in before.items()})


def test_unknown_rule(table: PathTable) -> None:
    with pytest.raises(ValueError, match="unknown heuristic"):
        step_fractions(table, "nope")


def test_age_decay_fractions_by_hand() -> None:
    # journey 1: 7 days and 0 days before, half-life 7 days (in hours): 1/3, 2/3
    # journey 2: one touch -> 1; journey 3: 14d, 7d, 0d -> 1/4, 1/2, 1 over 1.75
    ages = np.array([168.0, 0.0, 30.0, 336.0, 168.0, 0.0])
    got = age_decay_fractions(ages, np.array([0, 2, 3, 6]), 168.0)
    np.testing.assert_allclose(got, [1 / 3, 2 / 3, 1.0, 0.25 / 1.75, 0.5 / 1.75, 1 / 1.75])
    # half-life 36 h: touches 36 h apart halve; ages shifted by a constant change nothing
    got = age_decay_fractions(np.array([1000.0 + 36, 1000.0]), np.array([0, 2]), 36.0)
    np.testing.assert_allclose(got, [1 / 3, 2 / 3])


def test_age_decay_survives_old_journeys_and_empty_ones() -> None:
    # 2**(-1e5) underflows to 0 in double precision: fractions still sum to 1
    got = age_decay_fractions(np.array([1e5 + 1.0, 1e5]), np.array([0, 0, 2]), 1.0)
    np.testing.assert_allclose(got, [1 / 3, 2 / 3])
    assert age_decay_fractions(np.zeros(0), np.array([0]), 1.0).shape == (0,)


@pytest.mark.parametrize(
    ("text", "expected", "words"),
    [
        ("7D", ("hours", 168.0), "7 days"),
        ("36h", ("hours", 36.0), "36 hours"),
        ("90min", ("hours", 1.5), "1.5 hours"),
        ("1.5 days", ("hours", 36.0), "36 hours"),
        ("2 weeks", ("hours", 336.0), "14 days"),
        ("45s", ("hours", 0.0125), "0.75 minutes"),
        ("2", ("steps", 2.0), "2 steps"),
        ("1 step", ("steps", 1.0), "1 step"),
        (0.5, ("steps", 0.5), "0.5 steps"),
        ("  12H ", ("hours", 12.0), "12 hours"),
    ],
)
def test_parse_half_life(text: object, expected: tuple[str, float], words: str) -> None:
    kind, amount = parse_half_life(text)  # type: ignore[arg-type]
    assert kind == expected[0] and amount == pytest.approx(expected[1])
    assert describe_half_life(kind, amount) == words


@pytest.mark.parametrize(
    "bad",
    ["", "x", "7m", "7 months", "-1D", "0", "0h", "7DD", "D7", "nan", float("inf"), -2.0, True],
)
def test_parse_half_life_rejects(bad: object) -> None:
    with pytest.raises(UsageError, match="half-life must be a duration"):
        parse_half_life(bad)  # type: ignore[arg-type]
