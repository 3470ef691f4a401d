"""Order selection: data from an order-k process is recognised and its chain recovered."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from attribution.mta.markov import fit_markov
from attribution.mta.markov_order import (
    backoff_probabilities,
    canonical_rows,
    compare_orders,
    log_loss,
    split_counts,
    weighted_auc,
)
from attribution.mta.paths import PathTable

CHANNELS = ("a", "b", "c", "d")


def order2_process(seed: int = 0):
    """Next channel depends on the last two channels; so does converting."""
    rng = np.random.default_rng(seed)
    k = len(CHANNELS)
    nxt = rng.dirichlet(np.full(k, 0.4), size=(k, k))  # P(next | prev2, prev1)
    p_conv = rng.choice([0.02, 0.35], size=(k, k), p=[0.6, 0.4])
    p_null = np.full((k, k), 0.25)
    first = rng.dirichlet(np.ones(k), size=k)  # second touch given the first
    return nxt, p_conv, p_null, first


def simulate(n: int, seed: int = 0) -> tuple[PathTable, tuple]:
    nxt, p_conv, p_null, first = order2_process(seed)
    rng = np.random.default_rng(seed + 1)
    k = len(CHANNELS)
    counts: Counter = Counter()
    for _ in range(n):
        x = int(rng.integers(k))
        y = int(rng.choice(k, p=first[x]))
        path = [x, y]
        outcome = None
        while outcome is None:
            u = rng.random()
            if u < p_conv[x, y]:
                outcome = True
            elif u < p_conv[x, y] + p_null[x, y] or len(path) >= 30:
                outcome = False
            else:
                x, y = y, int(rng.choice(k, p=nxt[x, y]))
                path.append(y)
        counts[(tuple(CHANNELS[i] for i in path), outcome)] += 1
    keys = sorted({p for p, _ in counts})
    table = PathTable.from_paths(
        keys, [counts[(p, True)] for p in keys], None, [counts[(p, False)] for p in keys]
    )
    return table, (nxt, p_conv, p_null)


@pytest.fixture(scope="module")
def order2_data():
    return simulate(12_000, seed=3)


def test_auto_order_picks_two_on_order_two_data(order2_data) -> None:
    table, _ = order2_data
    chosen, comparison = compare_orders(table, (1, 2, 3, 4), holdout=0.3, seed=0)
    assert chosen == 2
    loss = comparison.set_index("order")["holdout_log_loss"]
    assert loss[2] < loss[1] * 0.95  # order 1 cannot see the pair effect
    assert comparison["chosen"].sum() == 1
    assert set(comparison.columns) >= {"order", "n_states", "holdout_log_loss", "holdout_auc"}


def test_order_comparison_does_not_depend_on_row_order(order2_data) -> None:
    table, _ = order2_data
    perm = np.random.default_rng(5).permutation(table.n_paths)
    frame = table.to_frame()
    shuffled = PathTable.from_frame(frame.iloc[perm].reset_index(drop=True))
    assert [shuffled.path(i) for i in canonical_rows(shuffled)] == [
        table.path(i) for i in canonical_rows(table)
    ]
    _, a = compare_orders(table, (1, 2, 3), seed=4)
    _, b = compare_orders(shuffled, (1, 2, 3), seed=4)
    pd.testing.assert_frame_equal(a, b)


def test_auto_order_picks_one_on_order_one_data() -> None:
    rng = np.random.default_rng(5)
    k = 4
    p = rng.dirichlet(np.ones(k), size=k)
    conv = np.array([0.05, 0.3, 0.1, 0.2])
    counts: Counter = Counter()
    for _ in range(8000):
        path = [int(rng.integers(k))]
        while True:
            u = rng.random()
            if u < conv[path[-1]]:
                counts[(tuple(CHANNELS[i] for i in path), True)] += 1
                break
            if u < conv[path[-1]] + 0.3:
                counts[(tuple(CHANNELS[i] for i in path), False)] += 1
                break
            path.append(int(rng.choice(k, p=p[path[-1]])))
    keys = sorted({q for q, _ in counts})
    table = PathTable.from_paths(
        keys, [counts[(q, True)] for q in keys], None, [counts[(q, False)] for q in keys]
    )
    chosen, _ = compare_orders(table, (1, 2, 3), seed=1)
    assert chosen == 1


def test_order2_fit_recovers_transition_probabilities(order2_data) -> None:
    table, (nxt, p_conv, p_null) = order2_data
    tm = fit_markov(table, 2).transition_table()
    tm = tm[tm["count"] >= 400]  # well-observed transitions only
    checked = 0
    for f, t, prob in tm[["from", "to", "probability"]].itertuples(index=False):
        prev = f.split(" > ")
        if len(prev) != 2:
            continue  # first-touch states follow another law
        x, y = (CHANNELS.index(c) for c in prev)
        cont = 1 - p_conv[x, y] - p_null[x, y]
        if t == "(conversion)":
            truth = p_conv[x, y]
        elif t == "(null)":
            truth = p_null[x, y]
        else:
            y2, z = (CHANNELS.index(c) for c in t.split(" > "))
            assert y2 == y
            truth = cont * nxt[x, y, z]
        assert prob == pytest.approx(truth, abs=0.04), (f, t)
        checked += 1
    assert checked >= 20


def test_split_counts_keeps_totals_and_is_seeded() -> None:
    c = np.array([10.0, 3.0, 0.0, 2.5])
    a = split_counts(c, 0.3, np.random.default_rng(7))
    b = split_counts(c, 0.3, np.random.default_rng(7))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_allclose(a[0] + a[1], c)
    assert (a[0] >= 0).all() and (a[1] >= 0).all()


def test_backoff_uses_shorter_history_for_unseen_states() -> None:
    t = PathTable.from_paths([("a", "b"), ("c", "b")], [3, 0], None, [1, 0])
    # (c, b) has no training journeys: falls back to the order-1 estimate of b
    p2 = backoff_probabilities(t, t.conversions, t.nulls, 2, alpha=2.0)
    p1 = backoff_probabilities(t, t.conversions, t.nulls, 1, alpha=2.0)
    assert p2[1] == pytest.approx(p1[1])
    overall = (3 + 0.5) / (4 + 1)
    assert p1[0] == pytest.approx((3 + 2 * overall) / (4 + 2))


def test_log_loss_and_auc_by_hand() -> None:
    assert log_loss(
        np.array([0.8, 0.2]), np.array([1.0, 0.0]), np.array([0.0, 1.0])
    ) == pytest.approx(-np.log(0.8))
    # 2 positives at scores .9/.4, 2 negatives at .5/.1: pairs won 1+1+0+1 = 3 of 4
    auc = weighted_auc(
        np.array([0.9, 0.4, 0.5, 0.1]), np.array([1.0, 1, 0, 0]), np.array([0.0, 0, 1, 1])
    )
    assert auc == pytest.approx(0.75)
    # ties count one half; weights act as counts
    assert weighted_auc(np.array([0.5]), np.array([2.0]), np.array([3.0])) == 0.5
