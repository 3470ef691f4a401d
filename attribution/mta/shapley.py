"""Shapley-value path attribution: count-based, rate-based and ordered.

Notation: path ``p`` has conversions ``c_p``, conversion value ``r_p``,
non-converting journeys ``z_p`` and journeys ``J_p = c_p + z_p``; ``C_p`` is the
set of distinct channels it touches and ``N`` is the set of all channels.
Players are channels; a coalition ``S`` is a set of channels.

Count-based (model ``"shapley"``)
    ``v(S) = sum_{p: C_p ⊆ S} c_p``: the conversions of the journeys that only use
    channels of ``S``. Closed form, at any number of channels::

        phi_i = sum_{p: i ∈ C_p} c_p / |C_p|

    Derivation: ``v = sum_p c_p u_{C_p}`` where ``u_T(S) = 1[T ⊆ S]`` is the
    unanimity game of ``T``. In a uniformly random order of the players, ``i``
    changes ``u_T`` (from 0 to 1) exactly when ``i ∈ T`` and ``i`` is the last
    member of ``T`` to arrive, which happens with probability ``1/|T|`` by
    symmetry; players outside ``T`` never change it. So the Shapley value of
    ``u_T`` is ``1/|T|`` on ``T`` and 0 elsewhere, and linearity of the Shapley
    value gives the formula: each path's conversions are split equally among its
    distinct channels (repeat touches do not add credit). Efficiency:
    ``sum_i phi_i = v(N) = sum_p c_p``. Value credit: the same with ``r_p``.

Rate-based (model ``"shapley_rate"``)
    Uses the non-converting journeys too. With ``A(S) = sum_{p: C_p ⊆ S} c_p`` and
    ``J(S) = sum_{p: C_p ⊆ S} J_p``::

        v(S) = A(S) / J(S)   (v(S) = 0 when J(S) = 0, so v(∅) = 0)

    the conversion rate of the journeys that only use channels of ``S``. Then
    ``phi_i = sum_{S ⊆ N \\ {i}} w(|S|) (v(S ∪ {i}) - v(S))`` with
    ``w(s) = s! (n-s-1)! / n!`` and ``sum_i phi_i = v(N)``, the overall rate.
    Credit in conversions is ``J(N) phi_i`` (sums to the total conversions); the
    value credit uses ``R(S) / J(S)`` in place of ``A(S) / J(S)``. A channel
    whose journeys convert less than those without it gets negative credit (and
    a warning finding). Exact for ``n <= max_exact_channels``: per-mask totals by
    ``bincount``, subset sums (zeta transform) over the ``2^n`` lattice, then
    the weighted differences along each bit (:mod:`attribution.mta.subsets`);
    beyond, an unbiased permutation-sampling estimate with its CLT standard
    error and Hoeffding bound (:mod:`attribution.mta.shapley_mc`).

Ordered (model ``"shapley_ordered"``, after Zhao, Mahboobi & Bagheri 2018)
    The count-based share ``c_p / |C_p|`` of channel ``i`` in path ``p`` is
    credited to the *position* where ``i`` acts. With ``position="stage"``
    (default) the path is read as its distinct channels in order of first touch
    and ``i`` at stage ``k`` (1-based) gets the whole share::

        phi_i^k = sum_p c_p / |C_p| · 1[i is the k-th distinct channel of p]

    With ``position="touch"`` the share is spread equally over the touches of
    ``i`` and credited at their positions ``k`` in the raw path. Either way
    ``sum_k phi_i^k = phi_i`` (the count-based value); the per-position credit is
    in ``Credit.tables["by_position"]`` (channel, position, conversions, value).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

import numpy as np

from attribution.lazy import lazy_module

if TYPE_CHECKING:
    import pandas as pd
else:  # imported on first use (attribution.lazy)
    pd = lazy_module("pandas")

from attribution.errors import UsageError
from attribution.findings import Finding
from attribution.mta.paths import PathTable
from attribution.mta.results import Credit
from attribution.mta.shapley_mc import permutation_shapley
from attribution.mta.subsets import shapley_from_game, subset_sums

log = logging.getLogger("attribution")

MAX_LATTICE_CHANNELS = 26  # 2^26 float64 = 512 MB per array: the hard ceiling
DEFAULT_PERMUTATIONS = 2000


# --------------------------------------------------------------------- pure math
def distinct_pairs(
    path_of_step: np.ndarray, channel_of_step: np.ndarray, n_channels: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (path, channel) pairs of a CSR path encoding.

    Parameters
    ----------
    path_of_step, channel_of_step : path index and channel code of every step
        (path indices non-decreasing).
    n_channels : number of channel codes.

    Returns
    -------
    ``(pair_path, pair_channel, first_step, inverse)``: pairs sorted by path then
    channel, the index of each pair's first step, and for each step its pair.

    Example
    -------
    >>> distinct_pairs(np.array([0, 0, 0, 1]), np.array([1, 0, 1, 1]), 2)[:3]
    (array([0, 0, 1]), array([0, 1, 1]), array([1, 0, 3]))
    """
    keys = np.asarray(path_of_step, dtype=np.int64) * n_channels + channel_of_step
    uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return uniq // n_channels, uniq % n_channels, first, inverse


def count_shapley(
    pair_path: np.ndarray, pair_channel: np.ndarray, weights: np.ndarray, n_channels: int
) -> np.ndarray:
    """Closed-form count-based Shapley values: ``phi_i = sum_{p: i ∈ C_p} w_p / |C_p|``.

    Parameters
    ----------
    pair_path, pair_channel : the distinct (path, channel) pairs.
    weights : (k, n_paths) per-path amounts (conversions, value).
    n_channels : number of channels.

    Returns
    -------
    (k, n_channels) credits; each row sums to the row total of ``weights``.

    Example
    -------
    >>> count_shapley(np.array([0, 0, 1]), np.array([0, 1, 1]), np.array([[2.0, 3.0]]), 2)
    array([[1., 4.]])
    """
    weights = np.atleast_2d(np.asarray(weights, dtype=float))
    size = np.bincount(pair_path, minlength=weights.shape[1]).astype(float)
    share = np.divide(weights, size, out=np.zeros_like(weights), where=size > 0)
    return np.stack(
        [np.bincount(pair_channel, weights=s[pair_path], minlength=n_channels) for s in share]
    )


def ratio_game_lattice(
    masks: np.ndarray, numerators: np.ndarray, denominators: np.ndarray, n_players: int
) -> np.ndarray:
    """Ratio games ``v_k(S) = A_k(S) / D(S)`` on the whole lattice (``v = 0`` where ``D = 0``).

    ``A_k(S)`` and ``D(S)`` sum the groups whose player mask is a subset of ``S``:
    per-mask totals by ``bincount``, then one zeta transform.

    Parameters
    ----------
    masks : (U,) integer player masks; numerators : (k, U); denominators : (U,).
    n_players : number of players (the lattice has ``2**n_players`` entries).

    Returns
    -------
    (k, 2**n_players) game values.

    Example
    -------
    >>> ratio_game_lattice(np.array([1, 3]), np.array([[1.0, 3.0]]), np.array([4.0, 4.0]), 2)
    array([[0.  , 0.25, 0.  , 0.5 ]])
    """
    size = 1 << n_players
    idx = np.asarray(masks, dtype=np.int64)
    numerators = np.atleast_2d(np.asarray(numerators, dtype=float))
    stacked = np.stack(
        [np.bincount(idx, weights=a, minlength=size) for a in numerators]
        + [np.bincount(idx, weights=denominators, minlength=size)]
    )
    sums = subset_sums(stacked)
    den = sums[-1]
    return np.divide(sums[:-1], den, out=np.zeros_like(sums[:-1]), where=den > 0)


# --------------------------------------------------------------------- models
def _pairs(table: PathTable) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return distinct_pairs(table.path_index, table.steps, max(1, table.n_channels))


def shapley_count(table: PathTable) -> Credit:
    """Count-based Shapley credit (closed form; any number of channels).

    ``v(S)`` = conversions of journeys whose channel set lies within ``S``; each
    path's conversions (and value) are split equally among its distinct
    channels (derivation in the module docstring).

    Parameters
    ----------
    table : the path table.

    Returns
    -------
    ``Credit`` with model ``"shapley"``; conversions sum to the total conversions.

    Example
    -------
    >>> t = PathTable.from_paths([("a", "b", "a"), ("b",)], [2.0, 1.0])
    >>> shapley_count(t).conversions.tolist()
    [1.0, 2.0]
    """
    pair_path, pair_channel, _, _ = _pairs(table)
    credit = count_shapley(
        pair_path, pair_channel, np.stack([table.conversions, table.value]), table.n_channels
    )
    return Credit("shapley", table.channels, credit[0], credit[1])


def shapley_ordered(table: PathTable, *, position: Literal["stage", "touch"] = "stage") -> Credit:
    """Ordered (position-aware) Shapley credit after Zhao et al. (2018).

    Each path's count-based share ``c_p / |C_p|`` for channel ``i`` is credited at
    the position where ``i`` acts: its stage (rank of first touch among the
    path's distinct channels, ``position="stage"``) or, spread equally, at each
    of its touch positions (``position="touch"``). Summed over positions the
    credit equals :func:`shapley_count`.

    Parameters
    ----------
    table : the path table.
    position : ``"stage"`` or ``"touch"`` (1-based positions).

    Returns
    -------
    ``Credit`` with model ``"shapley_ordered"`` and ``tables["by_position"]``:
    channel, position, conversions, value (rows with credit only).

    Example
    -------
    >>> t = PathTable.from_paths([("a", "b")], [2.0])
    >>> shapley_ordered(t).tables["by_position"]["position"].tolist()
    [1, 2]
    """
    if position not in ("stage", "touch"):
        raise UsageError(f"position must be 'stage' or 'touch', not {position!r}")
    pair_path, pair_channel, first, inverse = _pairs(table)
    size = np.bincount(pair_path, minlength=table.n_paths).astype(float)
    amounts = np.stack([table.conversions, table.value])
    share = np.divide(amounts, size, out=np.zeros_like(amounts), where=size > 0)
    if position == "stage":
        order = np.argsort(first, kind="stable")  # pairs in order of first touch
        path_sorted = pair_path[order]
        starts = np.concatenate([[0], np.cumsum(size.astype(np.int64))])[:-1]
        stage = np.empty(len(order), dtype=np.int64)
        stage[order] = np.arange(len(order)) - starts[path_sorted] + 1
        pos, chan, credit = stage, pair_channel, share[:, pair_path]
    else:
        touches = np.bincount(inverse, minlength=len(pair_path)).astype(float)
        path_of_step = table.path_index
        pos = np.arange(len(table.steps)) - table.offsets[path_of_step] + 1
        chan = table.steps.astype(np.int64)
        credit = share[:, path_of_step] / touches[inverse]
    n_pos = int(pos.max()) if len(pos) else 0
    key = chan * max(1, n_pos) + (pos - 1)
    grid = np.stack(
        [np.bincount(key, weights=c, minlength=table.n_channels * max(1, n_pos)) for c in credit]
    ).reshape(2, table.n_channels, max(1, n_pos))
    used = np.flatnonzero((grid != 0).any(axis=0).ravel())
    by_position = pd.DataFrame(
        {
            "channel": np.array(table.channels, dtype=object)[used // max(1, n_pos)],
            "position": (used % max(1, n_pos)) + 1,
            "conversions": grid[0].ravel()[used],
            "value": grid[1].ravel()[used],
        }
    )
    totals = grid.sum(axis=2)
    return Credit(
        "shapley_ordered", table.channels, totals[0], totals[1], tables={"by_position": by_position}
    )


def _channel_groups(table: PathTable) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct channel sets as CSR (offsets, members) + per-set index of each path + masks."""
    n = table.n_channels
    if n <= 64:
        masks = table.channel_sets()
        uniq, group = np.unique(masks, return_inverse=True)
        bits = ((uniq[:, None] >> np.arange(n, dtype=np.uint64)[None, :]) & np.uint64(1)) > 0
        rows, members = np.nonzero(bits)
        offsets = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=len(uniq)))])
        return offsets, members, group, uniq
    pair_path, pair_channel, _, _ = _pairs(table)
    size = np.bincount(pair_path, minlength=table.n_paths)
    offsets = np.concatenate([[0], np.cumsum(size)])
    no_masks = np.zeros(0, dtype=np.uint64)
    group, first = _group_equal_sets(pair_path, pair_channel, offsets, table.n_channels)
    offsets = np.concatenate([[0], np.cumsum(size[first])])
    chosen = np.flatnonzero(np.isin(pair_path, first))  # pairs of each group's first path
    chosen = chosen[np.argsort(group[pair_path[chosen]], kind="stable")]
    members = pair_channel[chosen]
    return offsets, members, group, no_masks


def _group_equal_sets(
    pair_path: np.ndarray, pair_channel: np.ndarray, offsets: np.ndarray, n_channels: int
) -> tuple[np.ndarray, np.ndarray]:
    """Exact grouping of paths with equal channel sets: (group of each path, first path per group).

    Each path's sorted channel codes (+1, 0 = padding) are packed into uint64 words,
    rows are sorted with ``lexsort`` and equal neighbours share a group.
    """
    n_paths = len(offsets) - 1
    bits = max(1, int(n_channels).bit_length())
    per_word = 64 // bits
    slot = np.arange(len(pair_path)) - offsets[pair_path]
    width = int(np.max(slot)) + 1 if len(slot) else 1
    words = np.zeros((-(-width // per_word), n_paths), dtype=np.uint64)
    shift = ((slot % per_word) * bits).astype(np.uint64)
    np.bitwise_or.at(
        words,
        (slot // per_word, pair_path),
        (pair_channel.astype(np.uint64) + np.uint64(1)) << shift,
    )
    order = np.lexsort(words[::-1])
    ordered = words[:, order]
    new = np.ones(n_paths, dtype=bool)
    if n_paths > 1:
        new[1:] = np.any(ordered[:, 1:] != ordered[:, :-1], axis=0)
    group = np.empty(n_paths, dtype=np.int64)
    group[order] = np.cumsum(new) - 1
    return group, order[new]


def shapley_rate(
    table: PathTable,
    *,
    max_exact_channels: int = 20,
    n_permutations: int | None = None,
    seed: int = 0,
    confidence: float = 0.95,
) -> Credit:
    """Rate-based Shapley credit: ``v(S)`` = conversion rate of journeys within ``S``.

    ``v(S) = A(S) / J(S)`` over the journeys (converting or not) whose channel set
    lies within ``S`` (``v = 0`` where there are none); the Shapley values sum to
    the overall conversion rate and are scaled by the total number of journeys,
    so the credit sums to the total conversions (value: the same with value in
    place of conversions). See the module docstring for the formulas.

    Parameters
    ----------
    table : the path table (non-converting counts are used).
    max_exact_channels : exact lattice computation up to this many channels
        (at most 26; memory and time grow as ``2^n``), Monte Carlo beyond.
    n_permutations : permutations sampled in the Monte-Carlo case (default 2000).
    seed : seed of the numpy Generator used for sampling.
    confidence : level of the reported Hoeffding half-width.

    Returns
    -------
    ``Credit`` with model ``"shapley_rate"``; ``tables["rate"]`` holds per channel
    the raw Shapley values (rate units), the method, and for Monte Carlo the
    standard errors and Hoeffding half-widths in conversion/value units.

    Example
    -------
    >>> t = PathTable.from_paths([("a",), ("b",), ("a", "b")], [1, 1, 3], nulls=[3, 1, 1])
    >>> shapley_rate(t).conversions.tolist()
    [1.25, 3.75]
    """
    if not 0 <= max_exact_channels <= MAX_LATTICE_CHANNELS:
        raise UsageError(
            f"max_exact_channels must be between 0 and {MAX_LATTICE_CHANNELS}, "
            f"not {max_exact_channels}"
        )
    n = table.n_channels
    journeys = table.conversions + table.nulls
    scale = float(journeys.sum())
    offsets, members, group, masks = _channel_groups(table)
    n_groups = len(offsets) - 1
    nums = np.stack(
        [
            np.bincount(group, weights=a, minlength=n_groups)
            for a in (table.conversions, table.value)
        ]
    )
    dens = np.bincount(group, weights=journeys, minlength=n_groups)
    findings: list[Finding] = []
    nan = np.full((2, n), np.nan)
    if n <= max_exact_channels:
        log.debug("shapley_rate: exact over 2^%d coalitions", n)
        phi = shapley_from_game(ratio_game_lattice(masks, nums, dens, n))
        se, half, method = nan, nan, "exact"
    else:
        m = DEFAULT_PERMUTATIONS if n_permutations is None else int(n_permutations)
        if m < 2:
            raise UsageError(f"n_permutations must be at least 2, not {m}")
        log.info(
            "shapley_rate: %d channels > %d, sampling %d permutations", n, max_exact_channels, m
        )
        est = permutation_shapley(
            offsets,
            members,
            nums,
            dens,
            n,
            n_permutations=m,
            rng=np.random.default_rng(seed),
            confidence=confidence,
        )
        phi, se = est.mean, est.se * scale
        half = np.repeat(est.hoeffding[:, None] * scale, n, axis=1)
        method = "monte_carlo"
        findings.append(
            Finding(
                "info",
                "mta.shapley_rate.monte_carlo",
                f"rate-based Shapley over {n} channels estimated from {m} random permutations "
                f"(seed {seed}); largest standard error {np.max(se[0]):.3g} conversions, "
                f"Hoeffding {confidence:.0%} half-width {np.max(half[0]):.3g} conversions",
                "raise n_permutations for tighter estimates",
                "mta",
            )
        )
    credit = phi * scale
    negative = [table.channels[i] for i in np.flatnonzero(credit[0] < 0)]
    if negative:
        findings.append(
            Finding(
                "warning",
                "mta.shapley_rate.negative",
                f"rate-based Shapley credit is negative for {', '.join(negative[:5])}"
                + (" …" if len(negative) > 5 else "")
                + ": journeys with these channels convert less often than journeys without them",
                "check whether these channels reach low-intent customers; compare with the "
                "count-based and Markov credit",
                "mta",
            )
        )
    detail = pd.DataFrame(
        {
            "channel": list(table.channels),
            "method": method,
            "phi_conversion_rate": phi[0],
            "phi_value_per_journey": phi[1],
            "conversions": credit[0],
            "value": credit[1],
            "se_conversions": se[0],
            "se_value": se[1],
            "hoeffding_conversions": half[0],
            "hoeffding_value": half[1],
        }
    )
    return Credit(
        "shapley_rate",
        table.channels,
        credit[0],
        credit[1],
        tables={"rate": detail},
        findings=tuple(findings),
    )
