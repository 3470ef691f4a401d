"""Reading input files (CSV or Parquet) into raw tables, without judging the values.

CSV files are read with every column as text, so that validation can name the
offending row and show the raw value. Accepted: UTF-8 with or without a byte-order
mark, UTF-16/UTF-32 with a byte-order mark, gzip-compressed files, and the
delimiters ``,`` ``;`` tab and ``|`` (detected from the header line). Row numbers are
those a spreadsheet shows: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from attribution.lazy import lazy_module

if TYPE_CHECKING:
    import pandas as pd
else:  # imported on first use (attribution.lazy)
    pd = lazy_module("pandas")
import pyarrow as pa
import pyarrow.csv as pacsv

from attribution.data.sniff import DELIMITERS as DELIMITERS  # re-exported (interface)
from attribution.data.sniff import delimiter_name as delimiter_name
from attribution.data.sniff import detect_delimiter
from attribution.data.sniff import guess_separator as guess_separator
from attribution.errors import InputError, UsageError

log = logging.getLogger("attribution")

PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
_SAVE_UTF8 = "save the file as UTF-8 (in Excel: Save As > 'CSV UTF-8 (Comma delimited)')"


@dataclass(frozen=True)
class RawTable:
    """A table as read, before validation.

    Attributes
    ----------
    frame : CSV: every column as text (pandas ``str``); Parquet: the stored types.
    rows : spreadsheet row number of each frame row (header = 1).
    source : file name used in messages.
    bad_lines : rows that could not be split into the header's columns
        (``_row``, ``_raw``, ``_fields``); validation rejects or reports them.
    blank : number of fully empty lines skipped.
    delimiter : the delimiter used (None for Parquet).
    """

    frame: pd.DataFrame
    rows: np.ndarray
    source: str
    bad_lines: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {
                "_row": pd.Series(dtype="int64"),
                "_raw": pd.Series(dtype="str"),
                "_fields": pd.Series(dtype="int64"),
            }
        )
    )
    blank: int = 0
    delimiter: str | None = None
    notes: dict[str, int] = field(default_factory=dict)


def read_table(path: str | Path, *, delimiter: str | None = None) -> RawTable:
    """Read a CSV or Parquet file into a ``RawTable`` (file-level problems raise).

    Parameters
    ----------
    path : the file; ``.parquet``/``.pq`` (or Parquet magic bytes) is Parquet, else CSV.
    delimiter : force a CSV delimiter instead of detecting it.

    Returns
    -------
    RawTable

    Raises
    ------
    InputError : missing, empty, undecodable or unreadable file; header problems.

    Example
    -------
    >>> read_table("touchpoints.csv").frame.columns   # doctest: +SKIP
    """
    p = Path(path)
    source = str(path)
    if not p.exists():
        raise InputError("file not found", fix="check the path", file=source, reason="missing_file")
    if p.is_dir():
        raise InputError(
            "is a folder, not a file",
            fix="give the path of a CSV or Parquet file",
            file=source,
            reason="missing_file",
        )
    data = p.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InputError(
                f"the gzip file is damaged ({exc})",
                fix="compress it again",
                file=source,
                reason="unreadable",
            ) from None
    if p.suffix.lower() in (".xlsx", ".xls", ".xlsm") or data[:4] == b"PK\x03\x04":
        raise InputError(
            "is a spreadsheet workbook, not a CSV file",
            fix="save the sheet as 'CSV UTF-8' or Parquet",
            file=source,
            reason="unreadable",
        )
    if p.suffix.lower() in PARQUET_SUFFIXES or data[:4] == b"PAR1":
        return _read_parquet(data, source)
    return _read_csv(data, source, delimiter)


def _read_parquet(data: bytes, source: str) -> RawTable:
    import pyarrow.parquet as pq  # only Parquet input pays for this import

    if not data:
        raise InputError(
            "is empty (0 bytes)", fix="export the table again", file=source, reason="empty_file"
        )
    try:
        table = pq.read_table(pa.BufferReader(data))
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise InputError(
            f"is not a readable Parquet file ({type(exc).__name__})",
            fix="write it again with pandas.DataFrame.to_parquet or save it as CSV",
            file=source,
            reason="unreadable",
        ) from None
    frame = table.to_pandas()
    named_index = any(n is not None for n in frame.index.names)
    frame = frame.reset_index(drop=not named_index)  # a named index is a column
    frame.columns = [str(c).strip() for c in frame.columns]
    _check_header(list(frame.columns), source)
    if len(frame) == 0:
        raise InputError(
            "has columns but no data rows",
            fix="export the table with its rows",
            file=source,
            reason="no_rows",
        )
    return RawTable(frame=frame, rows=np.arange(2, len(frame) + 2), source=source)


def decode(data: bytes, source: str) -> tuple[str, bytes]:
    """Decode file bytes; return (text, the same text as UTF-8 bytes without BOM).

    Raises ``InputError`` naming the byte offset and line of the first byte that is
    not UTF-8 (and says "save it as UTF-8").
    """
    for bom, enc in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"starts with a {enc.upper()} byte-order mark but byte offset "
                    f"{exc.start} is not valid {enc.upper()}",
                    fix=_SAVE_UTF8,
                    file=source,
                    reason="encoding",
                ) from None
            _check_nul(text, source)
            return text, text.encode("utf-8")
    head = data[:4096]
    if head.count(b"\x00") > len(head) // 4:
        raise InputError(
            "looks like UTF-16 without a byte-order mark (every other byte is zero)",
            fix=_SAVE_UTF8,
            file=source,
            reason="encoding",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        what = (
            f"byte 0x{data[exc.start]:02X} at byte offset {exc.start} (line {line}) is "
            "not valid UTF-8 (perhaps Latin-1/Windows-1252)"
        )
        raise InputError(what, fix=_SAVE_UTF8, file=source, row=line, reason="encoding") from None
    _check_nul(text, source)
    return text, data


def _check_nul(text: str, source: str) -> None:
    """A NUL character is never text: a damaged export or a binary file; name its line."""
    at = text.find("\x00")
    if at >= 0:
        line = text.count("\n", 0, at) + 1
        raise InputError(
            "contains a NUL byte (character code 0), which text files never hold "
            "(a damaged or binary export?)",
            fix="export the table again as CSV UTF-8, or remove the NUL bytes",
            file=source,
            row=line,
            reason="nul_byte",
        )


def sniff_text(path: str | Path, limit: int = 1 << 20) -> None:
    """Check the start of a CSV file for what engines reading it directly choke on.

    For readers that do not go through ``read_table`` (e.g. DuckDB scanning a large
    CSV): raises the same ``InputError`` as ``decode`` for a UTF-16/UTF-32 file, a byte
    that is not UTF-8, or a NUL byte within the first ``limit`` bytes; an empty file
    is ``empty_file``. Parquet and gzip files pass (their readers check them).

    Example
    -------
    >>> sniff_text("touchpoints.csv")   # doctest: +SKIP
    """
    p = Path(path)
    source = str(path)
    if not p.is_file():
        return
    with p.open("rb") as fh:
        data = fh.read(limit)
    if not data:
        raise InputError(
            "is empty (0 bytes)",
            fix="export the table again with its header row",
            file=source,
            reason="empty_file",
        )
    if data[:4] == b"PAR1" or data[:2] == b"\x1f\x8b":
        return
    for bom in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if data.startswith(bom):
            raise InputError(
                "is UTF-16/UTF-32 encoded (it starts with a byte-order mark)",
                fix=_SAVE_UTF8,
                file=source,
                reason="encoding",
            )
    if len(data) == limit:  # do not cut a multi-byte character at the end of the sample
        cut = len(data)
        while cut > len(data) - 4 and cut > 0 and (data[cut - 1] & 0xC0) == 0x80:
            cut -= 1
        if cut > 0 and data[cut - 1] >= 0xC0:
            cut -= 1
        data = data[:cut]
    decode(data, source)


def _check_header(names: list[str], source: str) -> None:
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in seen:
            raise InputError(
                f"column '{name}' appears twice in the header (columns "
                f"{seen[name] + 1} and {i + 1})",
                fix="rename or remove one of them",
                file=source,
                row=1,
                column=name,
                reason="duplicate_column",
            )
        seen[name] = i


def _unclosed_quote(frame: pd.DataFrame, source: str, lead_lines: int, bad_row: int | None) -> None:
    """Odd number of double quotes: if a value swallowed lines after it, raise naming the row.

    A stray quote inside an unquoted value (``12" screen``) swallows nothing and passes.
    """
    hits = [
        int(np.flatnonzero(m)[0])
        for m in (
            frame[c].str.contains("\n", regex=False).fillna(False).to_numpy(bool)
            for c in frame.columns
        )
        if m.any()
    ]
    # rows are approximate when lines were skipped before the hit; good enough to look at
    row = min(hits) + 2 + lead_lines if hits else None
    if row is None and bad_row is None:
        return
    row = bad_row if row is None else row
    raise InputError(
        "a double quote opens a value that is never closed, so the lines after it "
        "are read as part of one value",
        fix='close the quote, or write a quote inside a value as two quotes ("")',
        file=source,
        row=row,
        reason="unclosed_quote",
    )


def parse_csv_text(
    body: bytes,
    delim: str,
    n_cols: int,
    *,
    use_threads: bool = True,
    memory_pool: pa.MemoryPool | None = None,
) -> tuple[pa.Table, list[tuple[int | None, str, int]]]:
    """Every column as text, header skipped; rows with the wrong number of fields are
    collected as (row number, text, fields) instead of read. The one Arrow parse of a
    CSV body, for the full reader and for the clean-path-table gate alike."""
    bad: list[tuple[int | None, str, int]] = []

    def on_bad(row: pacsv.InvalidRow) -> str:
        bad.append((row.number, row.text, row.actual_columns))
        return "skip"

    names = [f"c{i}" for i in range(n_cols)]
    table = pacsv.read_csv(
        io.BytesIO(body),
        read_options=pacsv.ReadOptions(use_threads=use_threads, skip_rows=1, column_names=names),
        parse_options=pacsv.ParseOptions(
            delimiter=delim,
            newlines_in_values=True,
            ignore_empty_lines=False,
            invalid_row_handler=on_bad,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
        memory_pool=memory_pool,
    )
    return table, bad


def _read_csv(data: bytes, source: str, delimiter: str | None) -> RawTable:
    if not data:
        raise InputError(
            "is empty (0 bytes)",
            fix="export the table again with its header row",
            file=source,
            reason="empty_file",
        )
    text, utf8 = decode(data, source)
    if not text or text.isspace():
        raise InputError(
            "contains no header and no rows (only blank space)",
            fix="export the table again with its header row",
            file=source,
            reason="empty_file",
        )
    if delimiter is not None and len(delimiter) != 1:
        raise UsageError(f"the delimiter must be one character, not {delimiter!r}")
    sample = text[:65536]  # (slices of the head only: no copy of a large file)
    lead = len(sample) - len(sample.lstrip("\r\n"))
    if lead == len(sample):  # nothing but line breaks so far: look further
        lead = len(text) - len(text.lstrip("\r\n"))
    lead_lines = text[:lead].count("\n") or (1 if lead else 0)  # blank lines before the header
    delim = delimiter or detect_delimiter(text[lead : lead + 65536])
    first = text[lead : lead + 65536].splitlines()[0]
    names = [c.strip() for c in next(csv.reader([first], delimiter=delim))]
    _check_header(names, source)
    body = utf8.lstrip(b"\r\n")
    try:
        # parallel parsing first; rows that do not split into the header's columns only
        # have exact numbers in a sequential pass, so a file with such rows is read again
        table, bad = parse_csv_text(body, delim, len(names), use_threads=True)
        if bad:
            table, bad = parse_csv_text(body, delim, len(names), use_threads=False)
    except pa.ArrowInvalid as exc:
        raise InputError(
            f"cannot be read as CSV ({str(exc).splitlines()[0]})",
            fix="check quoting: a field that starts with a quote must end with one",
            file=source,
            reason="unreadable",
        ) from None
    frame = table.to_pandas()
    frame.columns = names
    if text.count('"') % 2:
        quoted_bad = [b[0] for b in bad if '"' in b[1] and b[0] is not None]
        _unclosed_quote(
            frame, source, lead_lines, quoted_bad[0] + lead_lines if quoted_bad else None
        )
    # spreadsheet row numbers: records are numbered from 2; skipped records take their number
    n_total = len(frame) + len(bad)
    bad_rows = np.array([b[0] if b[0] is not None else -1 for b in bad], dtype=np.int64)
    bad_rows = np.where(bad_rows > 0, bad_rows + lead_lines, bad_rows)
    # pyarrow numbers records counting the (skipped) header as 1 when skip_rows=1 is used
    keep = np.ones(n_total, dtype=bool)
    known = bad_rows[bad_rows > 0] - lead_lines
    known = known[(known >= 2) & (known < n_total + 2)]
    keep[known - 2] = False
    rows = np.arange(2, n_total + 2)[keep[:n_total]][: len(frame)] + lead_lines
    # fully empty lines carry no data: skip them but keep their row numbers
    if len(frame.columns) > 0:
        blank = (frame == "").all(axis=1).to_numpy()
    else:
        blank = np.zeros(len(frame), dtype=bool)
    n_blank = int(blank.sum())
    if n_blank:
        frame = frame.loc[~blank].reset_index(drop=True)
        rows = rows[~blank]
    notes: dict[str, int] = {}
    if names and names[0] == "" and is_row_index(frame.iloc[:, 0]):
        # a row index written by a data-frame library (pandas' to_csv): an unnamed first
        # column numbering the rows 0, 1, 2 ... carries no data; dropped and counted
        frame = frame.iloc[:, 1:]
        names = names[1:]
        notes["row_index_column_dropped"] = len(frame)
    # a trailing delimiter makes an unnamed, empty last column (Excel does this): drop it
    for name in [c for c in frame.columns if c == ""]:
        if (frame[name] == "").all():
            frame = frame.drop(columns=[name])
        else:
            raise InputError(
                f"column {names.index(name) + 1} has values but no name in the header",
                fix="give every column a name in row 1",
                file=source,
                row=1,
                reason="unnamed_column",
            )
    bad_frame = pd.DataFrame(
        {
            "_row": bad_rows,
            "_raw": pd.Series([b[1] for b in bad], dtype="str"),
            "_fields": np.array([b[2] for b in bad], dtype=np.int64),
        }
    )
    if len(frame) == 0 and len(bad_frame) == 0:
        raise InputError(
            "has a header but no data rows",
            fix="export the table with its rows",
            file=source,
            reason="no_rows",
        )
    return RawTable(
        frame=frame,
        rows=rows.astype(np.int64),
        source=source,
        bad_lines=bad_frame,
        blank=n_blank,
        delimiter=delim,
        notes=notes,
    )


def is_row_index(values: pd.Series) -> bool:
    """True when text values are the row numbers 0, 1, 2 ... (or 1, 2, 3 ...) in order.

    Example
    -------
    >>> is_row_index(pd.Series(["0", "1", "2"])), is_row_index(pd.Series(["3", "1"]))
    (True, False)
    """
    if len(values) == 0 or not values.str.fullmatch(r"\d{1,12}").all():
        return False
    n = values.astype("int64").to_numpy()
    return bool(n[0] in (0, 1) and (np.diff(n) == 1).all())
