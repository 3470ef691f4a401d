"""The aggregated path table, encoded for fast attribution math.

A path table has one row per distinct journey path with its conversions,
conversion value and non-converting count (``total_null``). ``PathTable``
encodes the paths as integer channel codes in one flat array with offsets
(CSR layout), so a million rows cost a few arrays, not a million lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from attribution.lazy import lazy_module

if TYPE_CHECKING:
    import pandas as pd
else:  # imported on first use (attribution.lazy)
    pd = lazy_module("pandas")
import pyarrow as pa
import pyarrow.compute as pc

from attribution.errors import InputError

DEFAULT_SEP = " > "
MAX_COUNT = 1e15  # as attribution.data.parsers.LARGEST: beyond it counts overflow int64 sums


def frozen_array(a: np.ndarray, dtype: type | np.dtype) -> np.ndarray:
    """A contiguous, read-only copy (or view) of ``a`` as ``dtype``."""
    out = np.ascontiguousarray(a, dtype=dtype)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class PathTable:
    """Distinct paths with their counts.

    ``steps[offsets[i]:offsets[i+1]]`` are the channel codes of path ``i``
    (indices into ``channels``, sorted by name). ``conversions``, ``value`` and
    ``nulls`` are per path.

    Example
    -------
    >>> t = PathTable.from_frame(pd.DataFrame({"path": ["a > b", "b"],
    ...     "total_conversions": [1, 0], "total_null": [0, 2]}))
    >>> t.channels, t.path(0)
    (('a', 'b'), ('a', 'b'))
    """

    channels: tuple[str, ...]
    offsets: np.ndarray
    steps: np.ndarray
    conversions: np.ndarray
    value: np.ndarray
    nulls: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "offsets", frozen_array(self.offsets, np.int64))
        object.__setattr__(self, "steps", frozen_array(self.steps, np.int32))
        for name in ("conversions", "value", "nulls"):
            object.__setattr__(self, name, frozen_array(getattr(self, name), np.float64))
        n = len(self.offsets) - 1
        if not (len(self.conversions) == len(self.value) == len(self.nulls) == n):
            raise ValueError("PathTable arrays disagree in length")

    # ---------------------------------------------------------------- build
    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        sep: str = DEFAULT_SEP,
        path_col: str = "path",
        conv_col: str = "total_conversions",
        value_col: str = "total_conversion_value",
        null_col: str = "total_null",
        source: str = "path table",
    ) -> PathTable:
        """Encode a path-table DataFrame (missing value/null columns count as 0).

        Duplicate paths are summed. Steps are stripped of surrounding blanks;
        an empty path or empty step raises ``InputError``.
        """
        if path_col not in frame.columns:
            raise InputError(
                f"no column '{path_col}'",
                "name the path column with --path-col",
                file=source,
                column=path_col,
                reason="missing_column",
            )
        n = len(frame)
        raw = frame[path_col].astype("string").fillna("")
        conv = _numeric(frame, conv_col, n, source)
        val = _numeric(frame, value_col, n, source)
        nul = _numeric(frame, null_col, n, source)
        channels, offsets, steps, group, keep = _encode(raw, sep, source, path_col)
        return cls._build(channels, offsets, steps, group, keep, [conv, val, nul])

    @classmethod
    def from_paths(
        cls,
        paths: list[tuple[str, ...]] | list[list[str]],
        conversions: np.ndarray | list[float],
        value: np.ndarray | list[float] | None = None,
        nulls: np.ndarray | list[float] | None = None,
    ) -> PathTable:
        """Build from Python sequences of channel names (handy in tests and notebooks)."""
        frame = pd.DataFrame(
            {
                "path": [DEFAULT_SEP.join(p) for p in paths],
                "total_conversions": conversions,
                "total_conversion_value": np.zeros(len(paths)) if value is None else value,
                "total_null": np.zeros(len(paths)) if nulls is None else nulls,
            }
        )
        return cls.from_frame(frame)

    @classmethod
    def from_strings(
        cls,
        paths: pd.Series | np.ndarray | list[str],
        conversions: np.ndarray | list[float],
        value: np.ndarray | list[float] | None = None,
        nulls: np.ndarray | list[float] | None = None,
        *,
        sep: str = DEFAULT_SEP,
        source: str = "path table",
        distinct: bool = False,
    ) -> PathTable:
        """Fast encoding of path strings (same result as ``from_frame``; added for speed).

        ``distinct=True``: the caller knows no path string repeats (a validated table,
        whose duplicate rows were summed); the search for repeated paths is then
        skipped unless stripping blanks made two step names equal.

        Splitting and coding run in Arrow's C++ kernels (zero copy for Arrow-backed
        string Series); stripping and sorting touch only the distinct step names,
        and duplicate paths are found by hashing their integer code sequences.

        Example
        -------
        >>> t = PathTable.from_strings(["a > b", "b", "a > b"], [1, 0, 2], nulls=[0, 3, 1])
        >>> t.n_paths, t.conversions.tolist(), t.nulls.tolist()
        (2, [3.0, 0.0], [1.0, 3.0])
        """
        texts = _as_text(paths)
        counts = _checked_counts(len(texts), (conversions, value, nulls), source)
        channels, offsets, steps, group, keep = _encode(texts, sep, source, "path", distinct)
        return cls._build(channels, offsets, steps, group, keep, counts)

    @classmethod
    def from_codes(
        cls,
        names: tuple[str, ...] | list[str],
        offsets: np.ndarray,
        codes: np.ndarray,
        conversions: np.ndarray,
        value: np.ndarray | None = None,
        nulls: np.ndarray | None = None,
        *,
        source: str = "path table",
    ) -> PathTable:
        """Build from distinct paths already split and coded: ``codes[offsets[i]:
        offsets[i+1]]`` index ``names`` (step names without surrounding blanks).

        The same table as ``from_strings(..., distinct=True)`` on the joined strings
        (channels sorted by name), without splitting the strings again.

        Example
        -------
        >>> t = PathTable.from_codes(("b", "a"), np.array([0, 2, 3]), np.array([0, 1, 1]),
        ...     np.array([1.0, 2.0]))
        >>> t.channels, t.path(0), t.path(1)
        (('a', 'b'), ('b', 'a'), ('a',))
        """
        counts = _checked_counts(len(offsets) - 1, (conversions, value, nulls), source)
        channels, remap = np.unique(np.array(names, dtype=object), return_inverse=True)
        steps = remap.astype(np.int32)[np.asarray(codes)]
        return cls(tuple(str(c) for c in channels), offsets, steps, *counts)

    @classmethod
    def _build(
        cls,
        channels: tuple[str, ...],
        offsets: np.ndarray,
        steps: np.ndarray,
        group: np.ndarray | None,
        keep: np.ndarray | None,
        counts: list[np.ndarray],
    ) -> PathTable:
        """Make the table from ``_encode``'s output, summing duplicate paths' counts."""
        if group is not None and keep is not None:
            counts = [np.bincount(group, weights=a, minlength=len(keep)) for a in counts]
        return cls(channels, offsets, steps, *counts)

    def merged(self) -> PathTable:
        """Sum rows whose paths are identical (keeps the first occurrence's order)."""
        keys = [
            self.steps[a:b].tobytes()
            for a, b in zip(self.offsets[:-1], self.offsets[1:], strict=True)
        ]
        uniq, first, inverse = np.unique(
            np.array(keys, dtype=object), return_index=True, return_inverse=True
        )
        if len(uniq) == self.n_paths:
            return self
        order = np.argsort(first)
        remap = np.empty_like(order)
        remap[order] = np.arange(len(order))
        group = remap[inverse]
        keep = first[order]

        def summed(a: np.ndarray) -> np.ndarray:
            return np.bincount(group, weights=a, minlength=len(keep))

        lengths = np.diff(self.offsets)[keep]
        steps = np.concatenate([self.steps[self.offsets[i] : self.offsets[i + 1]] for i in keep])
        return PathTable(
            self.channels,
            np.concatenate([[0], np.cumsum(lengths)]),
            steps,
            summed(self.conversions),
            summed(self.value),
            summed(self.nulls),
        )

    # ---------------------------------------------------------------- views
    @property
    def n_paths(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_channels(self) -> int:
        return len(self.channels)

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    @cached_property
    def path_index(self) -> np.ndarray:
        """For each step, the index of the path it belongs to (computed once, read-only)."""
        return frozen_array(np.repeat(np.arange(self.n_paths), self.lengths), np.int64)

    def path(self, i: int) -> tuple[str, ...]:
        return tuple(self.channels[c] for c in self.steps[self.offsets[i] : self.offsets[i + 1]])

    def channel_sets(self) -> np.ndarray:
        """Bit mask (uint64) of the channels each path touches; needs <= 64 channels."""
        if self.n_channels > 64:
            raise ValueError("channel_sets needs at most 64 channels")
        bits = np.left_shift(np.uint64(1), self.steps.astype(np.uint64))
        out = np.zeros(self.n_paths, dtype=np.uint64)
        np.bitwise_or.at(out, self.path_index, bits)
        return out

    def with_weights(
        self, conversions: np.ndarray, value: np.ndarray, nulls: np.ndarray
    ) -> PathTable:
        """Same paths with new counts (bootstrap resamples)."""
        return PathTable(self.channels, self.offsets, self.steps, conversions, value, nulls)

    def to_frame(self, sep: str = DEFAULT_SEP) -> pd.DataFrame:
        """Back to the contract's columns (path, total_conversions, ..., total_null)."""
        names = np.array(self.channels, dtype=object)[self.steps]
        joined = [
            sep.join(names[a:b]) for a, b in zip(self.offsets[:-1], self.offsets[1:], strict=True)
        ]
        return pd.DataFrame(
            {
                "path": joined,
                "total_conversions": self.conversions,
                "total_conversion_value": self.value,
                "total_null": self.nulls,
            }
        )


def distinct_by_path(
    labels: np.ndarray, path: np.ndarray, n_labels: int, counts: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Distinct (label, path) pairs, ordered by path and then label (and their counts).

    ``labels`` (0 .. n_labels - 1) and ``path`` are per step, ``path`` non-decreasing
    (steps in path order), so the combined keys are nearly sorted and a stable sort
    (timsort) is quick. Sums over the result's rows (``np.bincount(label, w[path])``)
    add each label's paths in path order, term by term as a sparse label x path
    matrix product does. ``counts``: also how often each pair occurs (else None).

    Example
    -------
    >>> distinct_by_path(np.array([2, 0, 2, 0]), np.array([0, 0, 0, 1]), 3, counts=True)
    (array([0, 2, 0]), array([0, 0, 1]), array([1, 2, 1]))
    """
    n = len(labels)
    bits = max(1, int(n_labels - 1).bit_length())
    key = np.left_shift(path, bits, dtype=np.int64)
    key |= labels
    key.sort(kind="stable")
    first = np.empty(n, dtype=bool)
    first[:1] = True
    np.not_equal(key[1:], key[:-1], out=first[1:])
    many = None
    if counts:
        starts = np.flatnonzero(first)
        many = np.diff(starts, append=n)
        key = key[starts]
    else:
        key = key[first]
    label = key & ((1 << bits) - 1)
    np.right_shift(key, bits, out=key)
    return label, key, many


def _checked_counts(
    n: int, arrays: tuple[np.ndarray | list[float] | None, ...], source: str
) -> list[np.ndarray]:
    """Conversions, value and nulls as float arrays (None -> zeros); InputError if bad."""
    counts = []
    names = ("total_conversions", "total_conversion_value", "total_null")
    for name, arr in zip(names, arrays, strict=True):
        a = np.zeros(n) if arr is None else np.asarray(arr, dtype=float)
        bad = ~np.isfinite(a) | (a < 0) | (a > MAX_COUNT)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"'{a[i]}' is not a non-negative number up to {MAX_COUNT:.0e}",
                "counts and values must be finite numbers from 0 to 1e15",
                file=source,
                row=i + 2,
                column=name,
                reason="bad_number",
            )
        counts.append(a)
    return counts


def _numeric(frame: pd.DataFrame, col: str, n: int, source: str) -> np.ndarray:
    if col not in frame.columns:
        return np.zeros(n)
    vals = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(vals) | (vals < 0) | (vals > MAX_COUNT)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"'{frame[col].iloc[i]}' is not a non-negative number up to {MAX_COUNT:.0e}",
            "counts and values must be finite numbers from 0 to 1e15",
            file=source,
            row=i + 2,
            column=col,
            reason="bad_number",
        )
    return vals


def _as_text(paths: pd.Series | np.ndarray | list[str]) -> pa.Array:
    """Path strings as one Arrow string array (missing -> ""; non-strings via ``str``)."""
    if isinstance(paths, pd.Series) and isinstance(paths.dtype, pd.StringDtype):
        arr = pa.array(paths)  # zero copy for Arrow-backed strings
    else:
        objs = pd.Series(paths, dtype=object).fillna("").astype(str).to_numpy(dtype=object)
        arr = pa.array(objs, type=pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pc.fill_null(arr, "") if arr.null_count else arr


def _encode(
    paths: pd.Series | np.ndarray | list[str] | pa.Array,
    sep: str,
    source: str,
    column: str,
    distinct: bool = False,
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Split, strip and code path strings; find duplicate paths (exact, after stripping).

    The string work runs in Arrow's C++ kernels; Python only touches the distinct
    raw step names. Returns ``(channels, offsets, steps, group, keep)`` for the
    distinct paths in first-occurrence order; ``group`` (row -> distinct path) and
    ``keep`` (first row of each distinct path) are None when no path repeats.

    Example
    -------
    >>> _encode(["b > a", "a"], " > ", "t", "path")[:3]
    (('a', 'b'), array([0, 2, 3]), array([1, 0, 0], dtype=int32))
    """
    if not sep:
        raise ValueError("empty separator")
    arr = paths if isinstance(paths, pa.Array) else _as_text(paths)
    n = len(arr)
    if n == 0:
        return (), np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32), None, None
    split = pc.split_pattern(arr, sep)
    lengths = pc.list_value_length(split).to_numpy(zero_copy_only=False).astype(np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    coded = pc.dictionary_encode(pc.list_flatten(split))
    raw_names = coded.dictionary.to_pylist()
    codes = coded.indices.to_numpy(zero_copy_only=False)
    stripped = np.array([x.strip() for x in raw_names], dtype=object)
    empty = stripped == ""
    if empty.any():
        first_bad = int(np.flatnonzero(empty[codes])[0])
        row = int(np.searchsorted(offsets, first_bad, side="right")) - 1
        raise InputError(
            "empty path or empty step in a path",
            f"remove the row or check the separator (now {sep!r})",
            file=source,
            row=row + 2,
            column=column,
            reason="empty_path",
        )
    channels, remap = np.unique(stripped, return_inverse=True)
    steps = remap.astype(np.int32)[codes]
    names = tuple(str(c) for c in channels)
    if distinct and stripped.tolist() == raw_names:
        # distinct strings split into distinct step sequences, and names are codes 1:1
        return names, offsets, steps, None, None
    # exact duplicate detection: each path's code sequence as one binary value
    keys = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), n, [None, pa.py_buffer(offsets * 4), pa.py_buffer(steps)]
    )
    group = pc.dictionary_encode(keys).indices.to_numpy(zero_copy_only=False)
    if int(group.max()) + 1 == n:
        return names, offsets, steps, None, None
    seen = np.maximum.accumulate(group)  # ids are numbered by first occurrence
    is_first = np.empty(n, dtype=bool)
    is_first[0] = True
    np.greater(group[1:], seen[:-1], out=is_first[1:])
    keep = np.flatnonzero(is_first)
    kept_len = lengths[keep]
    steps = steps[np.repeat(is_first, lengths)]
    offsets = np.zeros(len(keep) + 1, dtype=np.int64)
    np.cumsum(kept_len, out=offsets[1:])
    return names, offsets, steps, group.astype(np.int64), keep
