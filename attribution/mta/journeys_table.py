"""Per-journey input of path attribution: paths plus the real age of every touch.

``attribution journeys --journeys-out F`` writes one row per journey: ``path``,
``converted`` (0/1), ``value`` and ``step_ages`` -- the hours from each path
step's touch to the conversion (a list in Parquet, numbers joined by ``;`` in
CSV). :class:`JourneyTable` reads it once: the aggregated :class:`PathTable` of
all journeys (every model but time-decay runs on it, exactly as on the path
table the journeys command writes) and, for the converting journeys, their
step channels and ages, so ``time_decay`` weighs each touch by its real age.

Bootstrap: the shared resampling draws, per path, how many of its converting
journeys a replicate holds (the path-table bootstrap); the time-decay replicator
then picks that many of the path's journeys uniformly with replacement. Together
this is the plain journey bootstrap (resampling journeys), and every other model
sees exactly the draws it sees on the path table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from attribution.lazy import lazy_module

if TYPE_CHECKING:
    import pandas as pd
    import scipy.sparse as sp
else:  # imported on first use (attribution.lazy)
    pd = lazy_module("pandas")
    sp = lazy_module("scipy.sparse")
import pyarrow as pa
import pyarrow.compute as pc

from attribution.errors import InputError
from attribution.mta.bootstrap import Replicator
from attribution.mta.heuristics import age_decay_fractions
from attribution.mta.paths import DEFAULT_SEP, PathTable, _as_text, _encode, frozen_array
from attribution.mta.results import Credit

#: CSV spelling of ``step_ages`` (as written by ``attribution journeys``)
AGES_SEP = ";"
#: path of a conversion without any touch (``attribution journeys``): one pseudo-step
NO_TOUCH_PATH = "(none)"
REQUIRED = ("path", "converted", "value", "step_ages")


@dataclass(frozen=True, eq=False)
class JourneyTable:
    """Journeys with touch ages (immutable): the aggregated paths + converting journeys.

    Attributes
    ----------
    paths : aggregated path table of all journeys (converting and not).
    path_row : per converting journey, its row in ``paths`` (ascending).
    offsets : CSR offsets of the converting journeys' steps into ``steps``/``ages``.
    steps : channel code (index into ``paths.channels``) of every step.
    ages : hours from every step's touch to its journey's conversion.
    value : conversion value per converting journey.
    sep : the path separator of the source.

    Example
    -------
    >>> jt = JourneyTable.from_frame(pd.DataFrame({"path": ["a > b", "b"],
    ...     "converted": [1, 0], "value": [10.0, 0.0], "step_ages": [[168.0, 0.0], [5.0]]}))
    >>> jt.paths.n_paths, jt.n_converting, jt.ages.tolist()
    (2, 1, [168.0, 0.0])
    """

    paths: PathTable
    path_row: np.ndarray
    offsets: np.ndarray
    steps: np.ndarray
    ages: np.ndarray
    value: np.ndarray
    sep: str = DEFAULT_SEP

    def __post_init__(self) -> None:
        for name, dtype in (
            ("path_row", np.int64),
            ("offsets", np.int64),
            ("steps", np.int32),
            ("ages", np.float64),
            ("value", np.float64),
        ):
            object.__setattr__(self, name, frozen_array(getattr(self, name), dtype))
        n = len(self.path_row)
        if (
            len(self.offsets) != n + 1
            or len(self.value) != n
            or len(self.steps) != len(self.ages)
            or self.offsets[-1] != len(self.ages)
        ):
            raise ValueError("JourneyTable arrays disagree in length")

    @property
    def channels(self) -> tuple[str, ...]:
        return self.paths.channels

    @property
    def n_converting(self) -> int:
        return len(self.path_row)

    # ---------------------------------------------------------------- build
    @classmethod
    def from_frame(
        cls, frame: pd.DataFrame, *, sep: str = DEFAULT_SEP, source: str = "journeys"
    ) -> JourneyTable:
        """Build from the per-journey table (``step_ages`` as lists or ``;``-joined text)."""
        for col in REQUIRED:
            if col not in frame.columns:
                raise InputError(
                    f"no column '{col}'",
                    "give the per-journey table that "
                    "'attribution journeys --journeys-out F' writes",
                    file=source,
                    column=col,
                    reason="missing_column",
                )
        ages = frame["step_ages"]
        arr = (
            pa.array(ages.to_numpy(dtype=object), from_pandas=True)
            if ages.dtype == object
            else pa.array(ages)
        )
        return cls._build(
            _as_text(frame["path"]),
            frame["converted"].to_numpy(),
            frame["value"].to_numpy(),
            arr,
            sep,
            source,
        )

    @classmethod
    def read(cls, path: str | Path, *, sep: str = DEFAULT_SEP) -> JourneyTable:
        """Read a per-journey table: Parquet (file or folder of parts) or CSV.

        Example
        -------
        >>> JourneyTable.read("journeys.parquet").n_converting    # doctest: +SKIP
        1234
        """
        p, source = Path(path), str(path)
        if not p.exists():
            raise InputError(
                "file not found", fix="check the path", file=source, reason="missing_file"
            )
        try:
            if p.is_dir() or p.suffix.lower() in (".parquet", ".pq"):
                import pyarrow.parquet as pq

                table = pq.read_table(p)
            else:
                from pyarrow import csv

                types = {"path": pa.string(), "step_ages": pa.string()}
                table = csv.read_csv(
                    p,
                    convert_options=csv.ConvertOptions(
                        column_types=types, strings_can_be_null=False
                    ),
                )
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(
                f"cannot read the journeys table ({str(exc).splitlines()[0]})",
                "give the CSV or Parquet file that 'attribution journeys --journeys-out F' writes",
                file=source,
                reason="unreadable",
            ) from None
        for col in REQUIRED:
            if col not in table.column_names:
                raise InputError(
                    f"no column '{col}'",
                    "give the per-journey table that "
                    "'attribution journeys --journeys-out F' writes",
                    file=source,
                    column=col,
                    reason="missing_column",
                )

        def column(name: str) -> pa.Array:
            return table.column(name).combine_chunks()

        def numbers(name: str) -> np.ndarray:
            c = column(name)
            if not (pa.types.is_integer(c.type) or pa.types.is_floating(c.type)):
                vals = pd.to_numeric(pd.Series(c.to_pylist(), dtype=object), errors="coerce")
                return vals.to_numpy(dtype=float)
            return c.to_numpy(zero_copy_only=False).astype(float)

        return cls._build(
            _as_text(column("path").to_pandas()),
            numbers("converted"),
            numbers("value"),
            column("step_ages"),
            sep,
            source,
        )

    @classmethod
    def _build(
        cls,
        texts: pa.Array,
        converted: np.ndarray,
        value: np.ndarray,
        ages: pa.Array,
        sep: str,
        source: str,
    ) -> JourneyTable:
        n = len(texts)
        conv = np.asarray(pd.to_numeric(pd.Series(converted), errors="coerce"), dtype=float)
        val = np.asarray(pd.to_numeric(pd.Series(value), errors="coerce"), dtype=float)
        _check(~np.isin(conv, (0.0, 1.0)), "converted is not 0 or 1", "converted", source)
        _check(~np.isfinite(val) | (val < 0), "value is not a number >= 0", "value", source)
        channels, offsets, steps, group, keep = _encode(texts, sep, source, "path")
        paths = PathTable._build(channels, offsets, steps, group, keep, [conv, val, 1.0 - conv])
        row_path = np.arange(n) if group is None else group
        flat, counts = _ages(ages, n, source)
        lengths = paths.lengths[row_path]
        none = np.array([c == NO_TOUCH_PATH for c in channels], dtype=bool)
        no_touch = (lengths == 1) & (counts == 0)
        if no_touch.any():  # "(none)": a conversion without touch, one pseudo-step of age 0
            first = paths.offsets[row_path[no_touch]]
            no_touch[no_touch] = none[paths.steps[first]]
        _check(
            (counts != lengths) & ~no_touch,
            "step_ages does not list one age per path step",
            "step_ages",
            source,
        )
        starts = np.concatenate([[0], np.cumsum(counts)])
        ages_full = flat
        if no_touch.any():  # insert the pseudo-step's 0
            ages_full = np.insert(flat, starts[:-1][no_touch], 0.0)
            counts = np.where(no_touch, 1, counts)
        owner = np.repeat(np.arange(n), counts)
        _check(
            np.bincount(owner[~np.isfinite(ages_full) | (ages_full < 0)], minlength=n) > 0,
            "step_ages holds a negative or missing age",
            "step_ages",
            source,
        )
        # converting journeys, ordered by path row (stable: input order within a path)
        rows = np.flatnonzero(conv == 1.0)
        rows = rows[np.argsort(row_path[rows], kind="stable")]
        full_starts = np.concatenate([[0], np.cumsum(counts)])
        take_len = counts[rows]
        j_offsets = np.concatenate([[0], np.cumsum(take_len)])
        within = np.arange(int(j_offsets[-1])) - np.repeat(j_offsets[:-1], take_len)
        src_idx = np.repeat(full_starts[rows], take_len) + within
        step_idx = np.repeat(paths.offsets[row_path[rows]], take_len) + within
        return cls(
            paths,
            row_path[rows],
            j_offsets,
            paths.steps[step_idx],
            ages_full[src_idx],
            val[rows],
            sep,
        )

    # ---------------------------------------------------------------- math
    def decay_matrix(self, half_life_hours: float) -> sp.csr_matrix:
        """(n_channels x n_converting) fractions: column ``j`` is journey ``j``'s credit split."""
        frac = age_decay_fractions(self.ages, self.offsets, half_life_hours)
        owner = np.repeat(np.arange(self.n_converting), np.diff(self.offsets))
        return sp.csr_matrix(
            (frac, (self.steps, owner)), shape=(len(self.channels), self.n_converting)
        )

    def time_decay(self, half_life_hours: float) -> Credit:
        """Time-decay credit by real touch ages (``half_life_hours`` in hours).

        Example
        -------
        >>> jt = JourneyTable.from_frame(pd.DataFrame({"path": ["a > b"], "converted": [1],
        ...     "value": [30.0], "step_ages": [[168.0, 0.0]]}))
        >>> jt.time_decay(168.0).value.round(6).tolist()
        [10.0, 20.0]
        """
        m = self.decay_matrix(half_life_hours)
        return Credit("time_decay", self.channels, m @ np.ones(self.n_converting), m @ self.value)


def time_decay_replicator(
    journeys: JourneyTable, half_life_hours: float, seed: int = 0
) -> Replicator:
    """Bootstrap replicator of real-time decay: resampled journeys within each path.

    Gets the shared per-path draws (conversions, nulls, value; each n_paths x b) and,
    for each path, picks its drawn number of converting journeys uniformly with
    replacement (seeded), then credits them by their own touch ages and values.
    """
    m = journeys.decay_matrix(half_life_hours)
    n_paths, n_j = journeys.paths.n_paths, journeys.n_converting
    size = np.bincount(journeys.path_row, minlength=n_paths)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    rng = np.random.default_rng([int(seed), 0x7D])
    value = journeys.value

    def run(conv: np.ndarray, null: np.ndarray, _value: np.ndarray) -> np.ndarray:
        out = np.empty((conv.shape[1], m.shape[0], 2))
        for j in range(conv.shape[1]):
            k = np.rint(conv[:, j]).astype(np.int64)
            if (k[size == 0] > 0).any():
                raise ValueError("a replicate drew conversions on a path without any")
            idx = np.repeat(start, k) + (rng.random(int(k.sum())) * np.repeat(size, k)).astype(
                np.int64
            )
            counts = np.bincount(idx, minlength=n_j).astype(float)
            out[j, :, 0] = m @ counts
            out[j, :, 1] = m @ (counts * value)
        return out

    return run


def _check(bad: np.ndarray, what: str, column: str, source: str) -> None:
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{what} ({int(bad.sum())} bad row{'s' if bad.sum() > 1 else ''})",
            "give the per-journey table that 'attribution journeys --journeys-out"
            " F' writes, unchanged",
            file=source,
            row=i + 2,
            column=column,
            reason="bad_journey",
        )


def _ages(arr: pa.Array, n: int, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Flat ages and the count per row from a list column or ``;``-joined text."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        text = pc.utf8_trim_whitespace(pc.fill_null(arr, ""))
        empty = pc.equal(text, "").to_numpy(zero_copy_only=False)
        split = pc.split_pattern(text, AGES_SEP)
        counts = pc.list_value_length(split).to_numpy(zero_copy_only=False).astype(np.int64)
        items = pc.list_flatten(split)
        keep = ~np.repeat(empty, counts)
        counts = np.where(empty, 0, counts)
        items = pc.utf8_trim_whitespace(items.filter(pa.array(keep)))
        try:
            flat = np.asarray(
                pc.cast(items, pa.float64()).to_numpy(zero_copy_only=False), dtype=float
            )
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # name the bad row below
            flat = pd.to_numeric(
                pd.Series(items.to_pylist(), dtype=object), errors="coerce"
            ).to_numpy(dtype=float)
    elif pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
        counts = (
            pc.list_value_length(arr).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        )
        flat = pc.list_flatten(arr).cast(pa.float64()).to_numpy(zero_copy_only=False)
        flat = np.asarray(flat, dtype=float)
    elif n == 0 or pa.types.is_null(arr.type):
        return np.zeros(0), np.zeros(n, dtype=np.int64)
    else:
        raise InputError(
            f"step_ages has type {arr.type}, not a list of numbers",
            "give the per-journey table that 'attribution journeys --journeys-out F' writes",
            file=source,
            column="step_ages",
            reason="bad_journey",
        )
    return flat, counts
