"""Choosing the Markov order by out-of-sample predictive accuracy.

Journeys (not path rows) are split at random into a training part and a holdout
part (seeded): each row's conversions and nulls are split binomially, rows taken in
the order of their paths (channel names), so the split does not depend on the order of
the table's rows (a path table and the journeys it came from split alike). For each
candidate order ``k`` the chain is estimated on the training journeys and
predicts, for each holdout journey, the probability that it converts: the
order-k chain's conversion probability on leaving the journey's final state,
``P(conversion | final state) = conv_s / (conv_s + null_s)``. States unseen in
training back off to shorter histories (Dirichlet smoothing with prior weight
``alpha`` towards the order ``k-1`` estimate, down to the overall rate), so no
holdout journey gets probability 0 or 1. The comparison reports holdout
log-loss (lower is better) and AUC; the order with the lowest log-loss wins,
and a higher order must improve it by more than ``tolerance`` (relative).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from attribution.lazy import lazy_module

if TYPE_CHECKING:
    import pandas as pd
else:  # imported on first use (attribution.lazy)
    pd = lazy_module("pandas")
import pyarrow as pa
import pyarrow.compute as pc

from attribution.mta.markov import state_codes
from attribution.mta.paths import PathTable


def split_counts(
    counts: np.ndarray, fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Split (possibly fractional) counts into (train, holdout) by journey.

    The integer part is split binomially; a fractional remainder goes whole to
    the holdout with probability ``fraction``.

    Example
    -------
    >>> tr, ho = split_counts(np.array([10.0, 0.5]), 0.3, np.random.default_rng(0))
    >>> (tr + ho).tolist()
    [10.0, 0.5]
    """
    whole = np.floor(counts)
    rest = counts - whole
    held = rng.binomial(whole.astype(np.int64), fraction).astype(float)
    held += np.where(rng.random(len(counts)) < fraction, rest, 0.0)
    return counts - held, held


def canonical_rows(table: PathTable) -> np.ndarray:
    """Row indices sorted by path content (channel names, step by step).

    Example
    -------
    >>> t = PathTable.from_paths([("b",), ("a", "b"), ("a",)], [1.0, 1.0, 1.0])
    >>> canonical_rows(t).tolist()
    [2, 1, 0]
    """
    rank = np.argsort(np.argsort(np.array(table.channels, dtype=object)))
    data = rank[table.steps].astype(">u4").tobytes()  # big-endian: bytes sort as numbers
    keys = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(),
        table.n_paths,
        [None, pa.py_buffer(table.offsets.astype(np.int64) * 4), pa.py_buffer(data)],
    )
    return pc.sort_indices(keys).to_numpy()


def final_state_codes(table: PathTable, order: int) -> np.ndarray:
    """Order-``order`` state code of each path's last step."""
    return state_codes(table.offsets, table.steps, table.n_channels, order)[table.offsets[1:] - 1]


def backoff_probabilities(
    table: PathTable, conv: np.ndarray, null: np.ndarray, order: int, alpha: float = 2.0
) -> np.ndarray:
    """Smoothed P(conversion | last ``order`` channels) for every path, from training counts.

    Example
    -------
    >>> t = PathTable.from_paths([("a",), ("b",)], [1, 0], None, [1, 2])
    >>> backoff_probabilities(t, t.conversions, t.nulls, 1, alpha=0.0).tolist()
    [0.5, 0.0]
    """
    total = float(conv.sum() + null.sum())
    p = np.full(table.n_paths, (conv.sum() + 0.5) / (total + 1.0))
    for k in range(1, order + 1):
        codes = final_state_codes(table, k)
        uniq, inv = np.unique(codes, return_inverse=True)
        c = np.bincount(inv, weights=conv, minlength=len(uniq))[inv]
        n = np.bincount(inv, weights=null, minlength=len(uniq))[inv]
        denom = c + n + alpha
        p = np.where(denom > 0, (c + alpha * p) / np.where(denom > 0, denom, 1.0), p)
    return p


def log_loss(p: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> float:
    """Weighted binary log-loss of predictions ``p`` with ``pos``/``neg`` journey counts.

    Example
    -------
    >>> round(log_loss(np.array([0.5]), np.array([1.0]), np.array([1.0])), 4)
    0.6931
    """
    p = np.clip(p, 1e-12, 1 - 1e-12)
    w = pos.sum() + neg.sum()
    return float(-(pos @ np.log(p) + neg @ np.log1p(-p)) / w) if w > 0 else float("nan")


def weighted_auc(score: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> float:
    """Area under the ROC curve with per-row positive/negative weights (ties count 1/2).

    Example
    -------
    >>> weighted_auc(np.array([0.9, 0.1]), np.array([1.0, 0.0]), np.array([0.0, 1.0]))
    1.0
    """
    uniq, inv = np.unique(score, return_inverse=True)
    p = np.bincount(inv, weights=pos, minlength=len(uniq))
    n = np.bincount(inv, weights=neg, minlength=len(uniq))
    below = np.concatenate([[0.0], np.cumsum(n)[:-1]])  # negatives with a lower score
    tp, tn = p.sum(), n.sum()
    if tp == 0 or tn == 0:
        return float("nan")
    return float((p @ below + 0.5 * (p @ n)) / (tp * tn))


def compare_orders(
    table: PathTable,
    orders: tuple[int, ...] = (1, 2, 3, 4),
    *,
    holdout: float = 0.3,
    seed: int = 0,
    alpha: float = 2.0,
    tolerance: float = 1e-3,
) -> tuple[int, pd.DataFrame]:
    """Holdout comparison of Markov orders; returns (chosen order, comparison table).

    The table has one row per order: order, n_states, holdout_log_loss,
    holdout_auc, train_journeys, holdout_journeys, chosen.
    """
    if not 0 < holdout < 1:
        raise ValueError("holdout must be between 0 and 1")
    rng = np.random.default_rng(seed)
    canon = canonical_rows(table)
    back = np.empty_like(canon)
    back[canon] = np.arange(len(canon))
    c_tr, c_ho = (a[back] for a in split_counts(table.conversions[canon], holdout, rng))
    n_tr, n_ho = (a[back] for a in split_counts(table.nulls[canon], holdout, rng))
    rows = []
    for k in orders:
        p = backoff_probabilities(table, c_tr, n_tr, k, alpha)
        codes = state_codes(table.offsets, table.steps, table.n_channels, k)
        n_states = len(np.unique(codes)) + 1  # + the start state
        rows.append(
            {
                "order": k,
                "n_states": n_states,
                "holdout_log_loss": log_loss(p, c_ho, n_ho),
                "holdout_auc": weighted_auc(p, c_ho, n_ho),
                "train_journeys": float(c_tr.sum() + n_tr.sum()),
                "holdout_journeys": float(c_ho.sum() + n_ho.sum()),
            }
        )
    frame = pd.DataFrame(rows)
    losses = frame["holdout_log_loss"].to_numpy()
    chosen = int(orders[0])
    best = losses[0]
    for k, loss in zip(orders[1:], losses[1:], strict=True):
        if np.isfinite(loss) and loss < best * (1 - tolerance):
            chosen, best = int(k), loss
    frame["chosen"] = frame["order"] == chosen
    return chosen, frame
