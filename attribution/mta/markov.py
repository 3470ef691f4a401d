"""Exact Markov-chain attribution of order k (removal effects from the absorbing chain).

States are the last ``k`` channels of a journey (a tuple, padded at the start),
so ``a > b > c`` of order 2 visits ``(start) -> (·,a) -> (a,b) -> (b,c)`` and then
``(conversion)`` or ``(null)``. A path row with ``c`` conversions and ``n``
nulls walks its transitions ``c + n`` times; its last state moves ``c`` times to
conversion and ``n`` times to null. Transition probabilities are the observed
frequencies (the maximum-likelihood chain).

Removal effects are solved *exactly*, no simulated random walks: with ``Q`` the
transient block and ``r`` the one-step conversion probabilities, the conversion
probability from the start is ``x = (I - Q)^{-1} r`` at the start state.
Removing channel ``c`` removes every state that contains ``c``: transitions into
those states go to null. Then ``RE_c = 1 - P_c / P``. Credit follows the
ChannelAttribution convention: removal effects are normalised to sum to the
total conversions, ``credit_c = RE_c / sum(RE) * total_conversions``, so the
numbers are directly comparable with that tool (whose removal effects are
estimated by simulation).

Value: a second reward ``r_v`` (conversion value per visit of the last state)
is solved with the same matrix; ``RE^v_c = 1 - V_c / V`` is normalised to the
total conversion value. This is the value-weighted chain (transitions to
conversion weighted by value), not a split of each path's value.

Three deterministic solvers give the same numbers (tested against each other
and a direct dense solve): ``dense`` inverts ``I - Q`` once and gets every
removal by the Woodbury identity ``P_c = x_s - G[s, S] G[S, S]^{-1} x[S]``
(``G = (I - Q)^{-1}``, ``S`` the removed states, ``s`` the start); ``sparse``
factorises the kept block of ``I - Q`` per channel with
``scipy.sparse.linalg.splu``; ``iterative`` sums the Neumann series of all
channels at once (one sparse product per step) until the remaining tail is below
1e-13 relative (a rigorous bound), for large order-k state spaces where LU fill-in explodes. None
of them simulates random walks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from threadpoolctl import threadpool_limits

from attribution.lazy import lazy_module

if TYPE_CHECKING:
    import pandas as pd
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla
else:  # imported on first use (attribution.lazy)
    pd = lazy_module("pandas")
    sp = lazy_module("scipy.sparse")
    spla = lazy_module("scipy.sparse.linalg")

from attribution.mta.paths import PathTable, distinct_by_path
from attribution.mta.results import Credit

DENSE_MAX_STATES = 300
TINY_STATES = 64  # up to this many states the dense inverse runs without thread limits
START, CONVERSION, NULL = "(start)", "(conversion)", "(null)"


# ------------------------------------------------------------------ state encoding
def state_codes(offsets: np.ndarray, steps: np.ndarray, n_channels: int, order: int) -> np.ndarray:
    """Integer code of the order-``k`` state at each step (mixed radix, 0 = padding).

    Digit ``m`` (weight ``base**m``, ``base = n_channels + 1``) holds the channel
    ``m`` steps back plus one, or 0 before the path start. The start state is 0.

    Example
    -------
    >>> state_codes(np.array([0, 2]), np.array([0, 1]), 2, 2).tolist()   # a > b
    [1, 5]
    """
    if order < 1:
        raise ValueError("order must be >= 1")
    base = n_channels + 1
    if order * np.log2(base) >= 62:
        raise ValueError(f"order {order} with {n_channels} channels overflows the state code")
    if order == 1:  # the one digit is the channel itself
        return steps.astype(np.int64) + 1
    lengths = np.diff(offsets)
    owner = np.repeat(np.arange(len(lengths)), lengths)
    pos = np.arange(len(steps)) - offsets[:-1][owner]
    digits = steps.astype(np.int64) + 1
    code = np.zeros(len(steps), dtype=np.int64)
    for m in range(order):
        shifted = np.zeros(len(steps), dtype=np.int64)
        ok = pos >= m
        shifted[ok] = digits[np.flatnonzero(ok) - m]
        code += shifted * base**m
    return code


def state_digits(codes: np.ndarray, n_channels: int, order: int) -> np.ndarray:
    """(n_states, order) channel codes (-1 = padding), oldest first."""
    base = n_channels + 1
    cols = [(codes // base**m) % base - 1 for m in range(order - 1, -1, -1)]
    return np.stack(cols, axis=1) if cols else np.zeros((len(codes), 0), dtype=np.int64)


# ------------------------------------------------------------------ chain structure
@dataclass(frozen=True, eq=False)
class ChainStructure:
    """Which transitions each path makes; counts for any path weights are ``A @ w``.

    ``states[0]`` is the start. ``pair_from``/``pair_to`` index ``states``; step ``i``
    of the table makes transition ``step_pair[i]`` (``step_path[i]`` is its path);
    ``last`` is each path's final state.
    """

    order: int
    channels: tuple[str, ...]
    states: np.ndarray
    pair_from: np.ndarray
    pair_to: np.ndarray
    step_pair: np.ndarray
    step_path: np.ndarray
    last: np.ndarray

    @classmethod
    def from_table(cls, table: PathTable, order: int) -> ChainStructure:
        """Encode the transitions of every path of ``table`` for an order-``order`` chain."""
        k = table.n_channels
        if order == 1 and k and bool(np.bincount(table.steps, minlength=k).all()):
            # every channel is a state: state i + 1 is channel i (what _compact gives)
            states, step_state = np.arange(k + 1), table.steps + np.int32(1)
        else:
            codes = state_codes(table.offsets, table.steps, k, order)
            states, inv = _compact(np.concatenate([[0], codes]))
            step_state = inv[1:]
        prev = np.empty_like(step_state)
        prev[1:] = step_state[:-1]
        prev[table.offsets[:-1][table.lengths > 0]] = 0  # start state index (code 0 is first)
        n = len(states)
        if n * n < 2**31:  # half the memory for the per-step transition codes
            pair, pair_id = _compact(prev.astype(np.int32) * np.int32(n) + step_state)
            pair_id = pair_id.astype(np.int32)
        else:
            pair, pair_id = _compact(prev.astype(np.int64) * n + step_state)
        return cls(
            order,
            table.channels,
            states,
            pair // n,
            pair % n,
            pair_id,
            table.path_index,
            step_state[table.offsets[1:] - 1],
        )

    @cached_property
    def entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(pair, path, count): each path makes transition ``pair`` ``count`` times; one
        entry per path and transition, ordered by path (the incidence's nonzeros)."""
        pair, path, count = distinct_by_path(
            self.step_pair, self.step_path, len(self.pair_from), counts=True
        )
        return pair, path, np.asarray(count, dtype=np.float64)

    @property
    def n_states(self) -> int:
        return len(self.states)

    @cached_property
    def incidence(self) -> sp.csc_matrix:
        """(n_pairs x n_paths): how many times each path makes each transition."""
        pair, path, count = self.entries
        return sp.csc_matrix((count, (pair, path)), shape=(len(self.pair_from), len(self.last)))

    def contains(self) -> np.ndarray:
        """Boolean (n_states, n_channels): does the state contain the channel."""
        dig = state_digits(self.states, len(self.channels), self.order)
        out = np.zeros((self.n_states, len(self.channels)), dtype=bool)
        for m in range(self.order):
            ok = dig[:, m] >= 0
            out[np.flatnonzero(ok), dig[ok, m]] = True
        return out

    def labels(self) -> list[str]:
        """Readable state names: channels joined by ' > ' (padding dropped), '(start)'."""
        dig = state_digits(self.states, len(self.channels), self.order)
        names = np.array(self.channels, dtype=object)
        return [" > ".join(names[d[d >= 0]]) or START for d in dig]

    def counts(
        self, conversions: np.ndarray, nulls: np.ndarray, value: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Transition counts per pair and per-state (conversion, null, value) exits.

        ``conversions`` etc. may be (n_paths,) or (n_paths, B) for B weightings.
        """
        w = np.asarray(conversions) + np.asarray(nulls)
        n_pairs = len(self.pair_from)
        per_step = w[self.step_path] if w.ndim == 1 and _whole(w) else None
        if per_step is not None and float(per_step.sum()) < 2.0**53:
            # whole counts with exact sums: any order of summation gives the same numbers
            pair_counts = np.bincount(self.step_pair, per_step, n_pairs)
        elif w.ndim == 1:  # the sums of ``incidence @ w``, term by term in the same order
            pair, path, count = self.entries
            pair_counts = np.bincount(pair, count * w[path], n_pairs)
        else:
            pair_counts = self.incidence @ w
        exits = [_group_sum(self.last, a, self.n_states) for a in (conversions, nulls, value)]
        return pair_counts, np.stack(exits, axis=1)

    def matrices(
        self, pair_counts: np.ndarray, exits: np.ndarray, dense: bool = False
    ) -> tuple[sp.csr_matrix | np.ndarray, np.ndarray]:
        """Row-normalised transient block ``Q`` and rewards ``R`` (n_states x 2: conv, value).

        ``Q`` is a sparse matrix, or with ``dense=True`` the same values as an array.
        """
        n = self.n_states
        out = np.bincount(self.pair_from, weights=pair_counts, minlength=n)
        out = out + exits[:, 0] + exits[:, 1]
        scale = np.divide(1.0, out, out=np.zeros(n), where=out > 0)
        values = pair_counts * scale[self.pair_from]
        if dense:  # one entry per transition: nothing to sum
            q = np.zeros((n, n))
            q[self.pair_from, self.pair_to] = values
        else:
            q = sp.csr_matrix((values, (self.pair_from, self.pair_to)), shape=(n, n))
        rewards = np.stack([exits[:, 0] * scale, exits[:, 2] * scale], axis=1)
        return q, rewards

    def dense_solve(self, method: str) -> bool:
        """Whether ``removal_outcomes(..., method)`` solves this chain with dense algebra."""
        return method == "dense" or (method == "auto" and self.n_states <= DENSE_MAX_STATES)


def _whole(w: np.ndarray) -> bool:
    """Whether every weight is a whole number >= 0 (so sums below 2**53 are exact)."""
    return bool(np.all(w >= 0) and np.array_equal(w, np.floor(w)))


def _compact(values: np.ndarray, dense_limit: int = 20_000_000) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` for ints >= 0; O(n) for a small range."""
    top = int(values.max()) + 1 if len(values) else 0
    if top > dense_limit:
        return np.unique(values, return_inverse=True)
    present = np.zeros(top, dtype=bool)
    present[values] = True
    rank = np.cumsum(present) - 1
    return np.flatnonzero(present).astype(values.dtype), rank[values]


def _group_sum(index: np.ndarray, a: np.ndarray, n: int) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    if a.ndim == 1:
        return np.bincount(index, weights=a, minlength=n)
    out = np.zeros((n, a.shape[1]))
    np.add.at(out, index, a)
    return out


# ------------------------------------------------------------------ exact solvers
def absorption(q: sp.spmatrix | np.ndarray, rewards: np.ndarray) -> np.ndarray:
    """Expected reward until absorption from every state: ``(I - Q)^{-1} R``.

    Example
    -------
    >>> absorption(np.array([[0.0, 0.5], [0.0, 0.0]]), np.array([[0.5], [0.4]])).tolist()
    [[0.7], [0.4]]
    """
    n = q.shape[0]
    if sp.issparse(q):
        return spla.splu(sp.identity(n, format="csc") - q.tocsc()).solve(np.asarray(rewards))
    return np.linalg.solve(np.eye(n) - q, rewards)


def removal_outcomes(
    q: sp.spmatrix, rewards: np.ndarray, contains: np.ndarray, method: str = "auto"
) -> tuple[np.ndarray, np.ndarray]:
    """Expected rewards from the start (state 0) with all states, and with each channel removed.

    Parameters
    ----------
    q : transient transition block (state 0 is the start).
    rewards : (n_states, r) one-step rewards (conversion probability, value ...).
    contains : (n_states, n_channels) which states a channel's removal deletes.
    method : "dense" (one inverse + Woodbury), "sparse" (splu per channel),
        "iterative" (Neumann series for all channels at once, to 1e-13) or "auto"
        (dense up to 300 states, else iterative, falling back to sparse).

    Returns
    -------
    base : (r,) rewards from the start; removed : (n_channels, r).
    """
    n = q.shape[0]
    if method == "auto":
        method = "dense" if n <= DENSE_MAX_STATES else "iterative"
    n_ch = contains.shape[1]
    removed = np.empty((n_ch, rewards.shape[1]))
    if method == "dense":
        a = np.eye(n) - (q if isinstance(q, np.ndarray) else q.toarray())
        if n <= TINY_STATES:  # BLAS stays single-threaded here; skip threadpoolctl's
            g = np.linalg.inv(a)  # ~15 ms library scan on first use
        else:
            with threadpool_limits(1, user_api="blas"):  # small matrices: threads contend
                g = np.linalg.inv(a)
        x = g @ rewards
        for c in range(n_ch):
            s = np.flatnonzero(contains[:, c])
            if len(s) == 0:
                removed[c] = x[0]
            elif len(s) == 1:
                removed[c] = x[0] - g[0, s[0]] * x[s[0]] / g[s[0], s[0]]
            else:
                removed[c] = x[0] - g[0, s] @ np.linalg.solve(g[np.ix_(s, s)], x[s])
        return x[0], removed
    if method == "iterative":
        out = neumann_start_values(sp.csr_matrix(q), rewards, ~contains)
        if out is not None:
            return out
        method = "sparse"  # did not converge: fall back to the direct solver
    if method != "sparse":
        raise ValueError("method must be 'auto', 'dense', 'sparse' or 'iterative'")
    a = (sp.identity(n, format="csr") - sp.csr_matrix(q)).tocsr()
    base = spla.splu(a.tocsc()).solve(rewards)[0]
    for c in range(n_ch):
        keep = np.flatnonzero(~contains[:, c])
        sub = a[keep][:, keep].tocsc()
        removed[c] = spla.splu(sub).solve(rewards[keep])[0]
    return base, removed


def neumann_start_values(
    q: sp.csr_matrix,
    rewards: np.ndarray,
    keep: np.ndarray,
    *,
    rtol: float = 1e-13,
    max_iter: int = 20_000,
) -> tuple[np.ndarray, np.ndarray] | None:
    """All channel removals at once by the Neumann series ``X = sum_i Q_c^i R`` (no sampling).

    ``Q_c = Q diag(keep_c)``; every removal is one column block of one sparse
    product per step. Stopping rule (rigorous, rewards >= 0): with
    ``u = max_s (Q^{i+1} 1)_s`` the largest chance of still being in the chain
    after ``i + 1`` steps (``Q_c <= Q``), the unsummed tail is at most
    ``u / (1 - u) * max X``; iteration stops when that is below ``rtol * max X``.
    Returns None if that takes more than ``max_iter`` steps.
    """
    n, r = rewards.shape
    mask = np.repeat(np.concatenate([np.ones((n, 1), dtype=bool), keep], axis=1), r, axis=1)
    term = np.tile(rewards, (1, keep.shape[1] + 1)) * mask
    total = term.copy()
    alive = np.ones(n)
    for _ in range(max_iter):
        alive = q @ alive
        u = float(alive.max())
        if u < 1 and u <= rtol * (1 - u):
            break
        term = (q @ term) * mask
        total += term
    else:
        return None
    start = total[0].reshape(keep.shape[1] + 1, r)
    return start[0], start[1:]


def removal_effects(base: np.ndarray, removed: np.ndarray) -> np.ndarray:
    """``1 - removed / base`` column-wise (0 where the base is 0).

    Example
    -------
    >>> removal_effects(np.array([0.5]), np.array([[0.25], [0.5]])).tolist()
    [[0.5], [0.0]]
    """
    base = np.asarray(base, dtype=float)
    safe = np.where(base > 0, base, 1.0)
    return np.where(base > 0, 1.0 - removed / safe, 0.0)


def normalised_credit(effects: np.ndarray, total: float) -> np.ndarray:
    """Removal effects scaled to sum to ``total`` (the ChannelAttribution convention).

    Example
    -------
    >>> normalised_credit(np.array([0.5, 0.25]), 6.0).tolist()
    [4.0, 2.0]
    """
    s = float(np.sum(effects))
    return effects / s * total if s > 0 else np.zeros_like(effects, dtype=float)


# ------------------------------------------------------------------ the model
@dataclass(frozen=True, eq=False)
class MarkovFit:
    """An exact order-k Markov attribution: chain, removal effects and credit."""

    table: PathTable
    structure: ChainStructure
    pair_counts: np.ndarray
    exits: np.ndarray
    q: sp.csr_matrix | np.ndarray
    rewards: np.ndarray
    base: np.ndarray
    removed: np.ndarray
    credit: Credit

    @property
    def order(self) -> int:
        return self.structure.order

    @property
    def effects(self) -> np.ndarray:
        """(n_channels, 2) removal effects for conversions and value."""
        return removal_effects(self.base, self.removed)

    def transition_table(self) -> pd.DataFrame:
        """Long table: from, to, probability, count (absorbing targets included)."""
        s = self.structure
        labels = np.array(s.labels(), dtype=object)
        out_total = np.bincount(s.pair_from, weights=self.pair_counts, minlength=s.n_states)
        out_total = out_total + self.exits[:, 0] + self.exits[:, 1]
        safe = np.where(out_total > 0, out_total, 1.0)
        frames = [
            pd.DataFrame(
                {
                    "from": labels[s.pair_from],
                    "to": labels[s.pair_to],
                    "probability": self.pair_counts / safe[s.pair_from],
                    "count": self.pair_counts,
                }
            )
        ]
        for j, name in ((0, CONVERSION), (1, NULL)):
            keep = self.exits[:, j] > 0
            frames.append(
                pd.DataFrame(
                    {
                        "from": labels[keep],
                        "to": name,
                        "probability": self.exits[keep, j] / safe[keep],
                        "count": self.exits[keep, j],
                    }
                )
            )
        out = pd.concat(frames, ignore_index=True)
        out = out[out["count"] > 0]
        return out.sort_values(["from", "to"], kind="stable").reset_index(drop=True)

    def removal_table(self) -> pd.DataFrame:
        """channel, removal_effect, removal_effect_value, conversions, value."""
        re = self.effects
        return pd.DataFrame(
            {
                "channel": list(self.structure.channels),
                "removal_effect": re[:, 0],
                "removal_effect_value": re[:, 1],
                "conversions": self.credit.conversions,
                "value": self.credit.value,
            }
        )

    def journey_credit(self) -> pd.DataFrame:
        """Per journey (path row): path, channel, conversions, value; sums to each row."""
        m = journey_fractions(self.table, self.effects[:, 0]).tocoo()
        names = np.array(self.table.channels, dtype=object)
        return (
            pd.DataFrame(
                {
                    "path_row": m.col,
                    "channel": names[m.row],
                    "conversions": m.data * self.table.conversions[m.col],
                    "value": m.data * self.table.value[m.col],
                }
            )
            .sort_values(["path_row", "channel"])
            .reset_index(drop=True)
        )


def fit_markov(
    table: PathTable,
    order: int = 1,
    *,
    method: str = "auto",
    structure: ChainStructure | None = None,
) -> MarkovFit:
    """Fit the exact order-``order`` Markov attribution on a path table.

    Example
    -------
    >>> t = PathTable.from_paths([("a", "b"), ("b",)], [1, 1], [10, 20], [1, 1])
    >>> fit_markov(t).credit.conversions.round(4).tolist()
    [0.6667, 1.3333]
    """
    s = structure or ChainStructure.from_table(table, order)
    counts, exits = s.counts(table.conversions, table.nulls, table.value)
    q, rewards = s.matrices(counts, exits, dense=s.dense_solve(method))
    base, removed = removal_outcomes(q, rewards, s.contains(), method)
    re = removal_effects(base, removed)
    credit = Credit(
        "markov",
        table.channels,
        normalised_credit(re[:, 0], float(table.conversions.sum())),
        normalised_credit(re[:, 1], float(table.value.sum())),
    )
    return MarkovFit(table, s, counts, exits, q, rewards, base, removed, credit)


def markov_credit(table: PathTable, order: int = 1, method: str = "auto") -> Credit:
    """Channel credit of the exact order-``order`` Markov model (see module docstring)."""
    return fit_markov(table, order, method=method).credit


def journey_fractions(table: PathTable, effects: np.ndarray) -> sp.csr_matrix:
    """Per-journey credit split: (n_channels x n_paths) matrix whose columns sum to 1.

    Each path's conversions go to the *distinct* channels it contains, in
    proportion to their removal effects (equal split if those are all 0), so
    ``M @ conversions`` gives channel totals and every journey's credit sums to
    its conversions.
    """
    key = np.unique(table.path_index.astype(np.int64) * table.n_channels + table.steps)
    path, ch = key // table.n_channels, key % table.n_channels
    w = np.asarray(effects, dtype=float)[ch]
    tot = np.bincount(path, weights=w, minlength=table.n_paths)
    cnt = np.bincount(path, minlength=table.n_paths)
    frac = np.where(tot[path] > 0, w / np.where(tot[path] > 0, tot[path], 1.0), 1.0 / cnt[path])
    return sp.csr_matrix((frac, (ch, path)), shape=(table.n_channels, table.n_paths))
