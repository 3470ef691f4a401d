"""A proof of cleanliness for a path-table CSV, in Arrow, without pandas.

Most path tables are clean: every path written with ``" > "`` between non-empty
channel names, every count a plain decimal number >= 0. For those, the full
validator (:func:`attribution.data.validate.validate_frame`) rejects nothing,
rewrites nothing and sums nothing, so its whole result is the raw columns cast to
numbers. :func:`read_clean_paths` establishes exactly that, with Arrow's kernels on
the file as read, and returns the columns (paths already split and coded, the split
that path attribution needs anyway) with their row accounting.

It is a gate, not a second validator: every condition it checks is one under which
the full reader and validator provably find nothing to report. Anything else (a BOM,
a gzip or Parquet file, an odd number of double quotes, a row with the wrong number
of fields, a column name that needs resolving, a number that is not a plain finite
decimal in [0, 1e15], a path step that is empty, padded or contains ``'>'``, a path
written twice) returns None, and the caller runs the full reader and validator,
which name the row, column and reason. The tests compare both on planted bad rows.

Why each check suffices for paths: the full validator flags a path when a regex
finds an empty step or a ``'>'`` not written as ``" > "`` between two non-blank
names. Split at ``" > "``, such a path always has a piece that is empty, starts or
ends with white space, or contains ``'>'``; so when no distinct piece does (and
trimming changes none), no path is flagged and none is rewritten.
"""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from attribution.data.accounting import RowAccounting
from attribution.data.parsers import LARGEST, PATH_SEP
from attribution.data.read import parse_csv_text
from attribution.data.sniff import detect_delimiter

NUMBERS = ("total_conversions", "total_conversion_value", "total_null")
COLUMNS = ("path", *NUMBERS)
REQUIRED = ("path", "total_conversions")
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)  # UTF-32's start so too
_OTHER_FORMATS = (b"\x1f\x8b", b"PK\x03\x04", b"PAR1")
#: Arrow's allocator for this module's work: the C library's. (pyarrow's default,
#: mimalloc, asks for transparent huge pages; zeroing them cost this command twice
#: the CPU time of its whole numerical work on the benchmark machine.)
POOL = pa.system_memory_pool()
_NUMPY = {pa.float64(): np.float64, pa.int32(): np.int32, pa.int64(): np.int64}
_HEAD_BYTES = 4 * 65536 + 8
_BASE = 0x9E3779B97F4A7C15  # odd, so invertible modulo 2**64
_BASE_INVERSE = pow(
    _BASE, -1, 1 << 64
)  # at least the 65,536 characters the delimiter sniffer reads


@dataclass(frozen=True, eq=False)
class CleanPaths:
    """A clean path table: its paths split and coded, its counts, its accounting.

    ``codes[offsets[i]:offsets[i+1]]`` index ``names`` (the distinct step names, in
    first-seen order) for row ``i``; no path string repeats. A number column the
    file does not have is None.
    """

    names: tuple[str, ...]
    offsets: np.ndarray
    codes: np.ndarray
    numbers: dict[str, np.ndarray | None]
    accounting: RowAccounting


def read_clean_paths(
    path: str | Path, *, sep: str = PATH_SEP, rename: dict[str, str] | None = None
) -> CleanPaths | None:
    """The path table at ``path`` if it is provably clean, else None (see module doc).

    Parameters
    ----------
    path : a CSV file.
    sep : the path separator the user gave; only ``" > "`` and ``">"`` (whose clean
        form is ``" > "``) take this route.
    rename : {column in the file: contract column}, as given to ``validate_frame``.

    Example
    -------
    >>> read_clean_paths("paths.csv").accounting.used   # doctest: +SKIP
    836625
    """
    if sep.strip() != PATH_SEP.strip():
        return None
    p = Path(path)
    if not p.is_file() or p.suffix.lower() in (".parquet", ".pq", ".parq", ".xlsx", ".xls"):
        return None
    data = p.read_bytes()
    if not data or data.startswith(_OTHER_FORMATS) or data.startswith(_BOMS):
        return None
    if data[:1] in (b"\r", b"\n") or b"\x00" in data or data.count(b'"') % 2:
        return None
    header = _header(data)
    if header is None:
        return None
    delim, names = header
    targets = _targets(names, rename or {})
    if targets is None:
        return None
    table = _parse(data, delim, len(names))
    if table is None or table.num_rows == 0:
        return None
    columns = dict(zip(targets, table.columns, strict=True))
    numbers: dict[str, np.ndarray | None] = {}
    for name in NUMBERS:
        numbers[name] = None
        if name in columns:
            numbers[name] = _plain_counts(columns[name])
            if numbers[name] is None:
                return None
    coded = _split(columns["path"])
    if coded is None:
        return None
    names_, offsets, codes = coded
    n = table.num_rows
    acc = RowAccounting(source=str(path), read=n, used=n, rejected={}, blank=0, notes={})
    return CleanPaths(names_, offsets, codes, numbers, acc)


def _header(data: bytes) -> tuple[str, list[str]] | None:
    """Delimiter and stripped column names, as the full reader finds them."""
    head = data[:_HEAD_BYTES]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a character cut at the end of the sample only
        if exc.start < len(head) - 3:
            return None
        text = head[: exc.start].decode("utf-8")
    sample = text[:65536]
    if not sample or sample.isspace():
        return None
    delim = detect_delimiter(sample)
    first = sample.splitlines()[0]
    names = [c.strip() for c in next(csv.reader([first], delimiter=delim))]
    if first != data[: len(first.encode("utf-8"))].decode("utf-8"):
        return None
    return delim, names


def _targets(names: list[str], rename: dict[str, str]) -> list[str] | None:
    """Contract name of each column when every name is exact (or renamed), else None."""
    for user, target in rename.items():
        if user != target and user not in names:
            return None  # the full resolver names the missing column
    mapping = {u: t for u, t in rename.items() if u != t}
    targets = [mapping.get(c, c) for c in names]
    if (
        len(set(targets)) != len(targets)
        or len(set(names)) != len(names)
        or not set(targets) <= set(COLUMNS)
        or not set(REQUIRED) <= set(targets)
    ):
        return None
    return targets


def _parse(data: bytes, delim: str, n_cols: int) -> pa.Table | None:
    """Every column as text, as the full reader parses it; None if any row is odd."""
    try:
        table, bad = parse_csv_text(data, delim, n_cols, memory_pool=POOL)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return None if bad else table


def _plain_counts(column: pa.ChunkedArray) -> np.ndarray | None:
    """float64 values when every one is a plain decimal in [0, LARGEST], else None.

    The same cast as the full parser's fast path (``parsers.plain_decimals``); a
    value it declines, or one the full parser would flag (negative, too large),
    sends the table to the full parser.
    """
    if column.null_count:
        return None
    try:
        values = to_numpy(pc.cast(column, pa.float64(), memory_pool=POOL))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    ok = np.isfinite(values) & (values >= 0) & (values <= LARGEST)
    return values if bool(ok.all()) else None


def to_numpy(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A null-free Arrow array of fixed-width numbers as numpy, read from its data buffer.

    (``Array.to_numpy`` asks pandas whether it is installed, which imports it.)

    Example
    -------
    >>> to_numpy(pa.chunked_array([[1.5, 2.0], [3.0]])).tolist()
    [1.5, 2.0, 3.0]
    """
    dtype = np.dtype(_NUMPY[values.type])
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    parts = []
    for chunk in chunks:
        if chunk.null_count:
            raise ValueError("to_numpy needs an array without nulls")
        buf = chunk.buffers()[1]
        parts.append(
            np.frombuffer(buf, dtype=dtype, count=chunk.offset + len(chunk))[chunk.offset :]
        )
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def _split(paths: pa.ChunkedArray) -> tuple[tuple[str, ...], np.ndarray, np.ndarray] | None:
    """Split every path at ``" > "`` once: distinct step names, offsets and codes.

    None when a step is empty, padded or holds ``'>'`` (the full validator flags or
    rewrites such paths), or when a path string repeats (the validator sums them).
    """
    split = pc.split_pattern(paths, PATH_SEP, memory_pool=POOL)
    lengths = to_numpy(pc.list_value_length(split, memory_pool=POOL)).astype(np.int64)
    flat = pc.list_flatten(split, memory_pool=POOL)
    coded = pc.dictionary_encode(flat, memory_pool=POOL).combine_chunks(memory_pool=POOL)
    del split, flat
    names = coded.dictionary.to_pylist()
    trimmed = pc.utf8_trim_whitespace(coded.dictionary).to_pylist()
    for name, arrow_trim in zip(names, trimmed, strict=True):
        if not name or ">" in name or name.strip() != name or arrow_trim != name:
            return None
    codes = to_numpy(coded.indices)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    codes = codes.astype(np.int32, copy=False)
    return (tuple(names), offsets, codes) if _distinct(offsets, codes) else None


def _distinct(offsets: np.ndarray, codes: np.ndarray) -> bool:
    """Whether no two paths have the same code sequence (distinct strings split into
    distinct code sequences and back).

    Each path gets a 64-bit polynomial hash of its codes (wrapping arithmetic, base
    ``_BASE``: ``sum (code + 1) * base**position``); equal paths hash equal, so
    distinct hashes prove distinct paths. Only if two hashes agree are the code
    sequences compared exactly.

    Example
    -------
    >>> _distinct(np.array([0, 2, 3, 5]), np.array([0, 1, 1, 1, 0]))
    True
    >>> _distinct(np.array([0, 2, 4]), np.array([0, 1, 0, 1]))
    False
    """
    n = len(offsets) - 1
    start = offsets[:-1]
    with np.errstate(over="ignore"):  # arithmetic modulo 2**64
        power = np.full(len(codes), _BASE, dtype=np.uint64)
        np.cumprod(power, out=power)  # base**(i + 1) at global step i
        sums = codes.astype(np.uint64)
        sums += np.uint64(1)
        sums *= power
        del power
        np.cumsum(sums, out=sums)
        before = np.zeros(n, dtype=np.uint64)
        inner = start > 0
        before[inner] = sums[start[inner] - 1]
        hashes = sums[offsets[1:] - 1] - before
        del sums
        hashes *= np.power(np.uint64(_BASE_INVERSE), start.astype(np.uint64))  # from path start
    hashed = pa.Array.from_buffers(pa.uint64(), n, [None, pa.py_buffer(hashes)])
    if pc.count_distinct(hashed, memory_pool=POOL).as_py() == n:
        return True
    keys = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(),
        n,
        [None, pa.py_buffer(offsets * 4), pa.py_buffer(codes.astype(np.int32))],
    )
    return bool(pc.count_distinct(keys).as_py() == n)
