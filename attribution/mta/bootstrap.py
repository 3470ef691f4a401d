"""Bootstrap intervals for path attribution, by resampling journeys.

A path table counts journeys: row ``i`` holds ``conv_i`` converting and
``null_i`` non-converting journeys. A replicate redraws those ``2 x n_paths``
cells: ``multinomial`` (default) draws the same total number of journeys with
probabilities proportional to the cell counts; ``poisson`` draws each cell as
Poisson(count) (the total varies). A row's value follows its conversions at the
row's mean value per conversion. Every model is refitted on every replicate;
intervals are percentile intervals (``ci=0.9`` -> 5% and 95% quantiles).

Replicates are processed in chunks (matrices of n_paths x chunk), so rule-based
models are one sparse product per chunk and the Markov model reuses its chain
structure (transition counts are ``incidence @ weights``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

import numpy as np

from attribution.lazy import lazy_module

if TYPE_CHECKING:
    import scipy.sparse as sp
else:  # imported on first use (attribution.lazy)
    sp = lazy_module("scipy.sparse")

from attribution.mta.markov import (
    ChainStructure,
    normalised_credit,
    removal_effects,
    removal_outcomes,
)
from attribution.mta.paths import PathTable
from attribution.mta.results import Credit

# (conv, null, value), each (n_paths, b) -> credit (b, n_channels, 2): conversions, value
Replicator = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
CHUNK_CELLS = 20_000_000


def resample(
    table: PathTable,
    replicates: int,
    rng: np.random.Generator,
    method: str = "multinomial",
    chunk: int | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield resampled (conversions, nulls, value), each (n_paths, b), in chunks of replicates.

    Example
    -------
    >>> t = PathTable.from_paths([("a",), ("b",)], [3, 1], [30, 10], [2, 4])
    >>> c, n, v = next(resample(t, 5, np.random.default_rng(1)))
    >>> (c + n).sum(axis=0).tolist()       # multinomial keeps the journey total
    [10.0, 10.0, 10.0, 10.0, 10.0]
    """
    m = table.n_paths
    cells = np.concatenate([table.conversions, table.nulls])
    total = float(cells.sum())
    per_conv = np.divide(
        table.value, table.conversions, out=np.zeros(m), where=table.conversions > 0
    )
    step = chunk or max(1, min(replicates, CHUNK_CELLS // max(1, 2 * m)))
    done = 0
    while done < replicates:
        b = min(step, replicates - done)
        if method == "multinomial":
            draw = (
                rng.multinomial(round(total), cells / total, size=b)
                if total > 0
                else np.zeros((b, 2 * m))
            )
        elif method == "poisson":
            draw = rng.poisson(cells, size=(b, 2 * m))
        else:
            raise ValueError("method must be 'multinomial' or 'poisson'")
        draw = draw.T.astype(float)
        conv, null = draw[:m], draw[m:]
        yield conv, null, conv * per_conv[:, None]
        done += b


def percentile_interval(samples: np.ndarray, ci: float = 0.9) -> np.ndarray:
    """Percentile interval over axis 0: returns (..., 2) with the lower and upper bound.

    Example
    -------
    >>> percentile_interval(np.arange(101.0)[:, None], 0.9).round(6).tolist()
    [[5.0, 95.0]]
    """
    if not 0 < ci < 1:
        raise ValueError("ci must be between 0 and 1")
    lo, hi = np.quantile(samples, [(1 - ci) / 2, (1 + ci) / 2], axis=0)
    return np.stack([lo, hi], axis=-1)


# ------------------------------------------------------------------ replicators
def linear_replicator(matrix: sp.spmatrix) -> Replicator:
    """For models whose credit is linear in the counts: ``credit = M @ counts``."""

    def run(conv: np.ndarray, null: np.ndarray, value: np.ndarray) -> np.ndarray:
        return np.stack([(matrix @ conv).T, (matrix @ value).T], axis=-1)

    return run


def markov_replicator(structure: ChainStructure, method: str = "auto") -> Replicator:
    """Exact Markov credit per replicate, reusing the chain structure."""
    contains = structure.contains()

    def run(conv: np.ndarray, null: np.ndarray, value: np.ndarray) -> np.ndarray:
        counts = structure.incidence @ (conv + null)
        out = np.empty((conv.shape[1], contains.shape[1], 2))
        for j in range(conv.shape[1]):
            exits = np.stack(
                [
                    np.bincount(structure.last, weights=a[:, j], minlength=structure.n_states)
                    for a in (conv, null, value)
                ],
                axis=1,
            )
            q, rewards = structure.matrices(counts[:, j], exits, structure.dense_solve(method))
            base, removed = removal_outcomes(q, rewards, contains, method)
            re = removal_effects(base, removed)
            out[j, :, 0] = normalised_credit(re[:, 0], float(conv[:, j].sum()))
            out[j, :, 1] = normalised_credit(re[:, 1], float(value[:, j].sum()))
        return out

    return run


def table_replicator(table: PathTable, fit: Callable[[PathTable], Credit]) -> Replicator:
    """Any model given as ``PathTable -> Credit``: refit on re-weighted copies of the table."""

    def run(conv: np.ndarray, null: np.ndarray, value: np.ndarray) -> np.ndarray:
        out = np.empty((conv.shape[1], table.n_channels, 2))
        for j in range(conv.shape[1]):
            credit = fit(table.with_weights(conv[:, j], value[:, j], null[:, j]))
            out[j, :, 0] = credit.conversions
            out[j, :, 1] = credit.value
        return out

    return run


def bootstrap(
    table: PathTable,
    replicators: Mapping[str, Replicator],
    *,
    replicates: int,
    seed: int = 0,
    method: str = "multinomial",
) -> dict[str, np.ndarray]:
    """Run every replicator on the same resamples; returns name -> (B, n_channels, 2).

    Example
    -------
    >>> from attribution.mta.heuristics import fraction_matrix, step_fractions
    >>> t = PathTable.from_paths([("a",), ("b",)], [3, 1], [30, 10], [2, 4])
    >>> rep = linear_replicator(fraction_matrix(t, step_fractions(t, "last")))
    >>> bootstrap(t, {"last": rep}, replicates=4)["last"].shape
    (4, 2, 2)
    """
    if replicates < 1:
        raise ValueError("replicates must be >= 1")
    rng = np.random.default_rng(seed)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in replicators}
    for conv, null, value in resample(table, replicates, rng, method):
        for name, rep in replicators.items():
            parts[name].append(rep(conv, null, value))
    return {name: np.concatenate(p, axis=0) for name, p in parts.items()}
