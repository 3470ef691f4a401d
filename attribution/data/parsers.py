"""Column parsers of the validation: each turns raw text into a clean typed column and
marks the rows it cannot use with a reason (see :mod:`attribution.data.validate`).

Clean types: identifiers and text are pandas ``str``; amounts, counts and numbers are
``float64``; timestamps are tz-aware UTC ``datetime64[us, UTC]`` (naive input is read in
the zone ``tz``); dates are naive, normalised ``datetime64[us]``; paths use ``" > "``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from attribution.lazy import lazy_module

if TYPE_CHECKING:
    import pandas as pd
else:  # imported on first use (attribution.lazy)
    pd = lazy_module("pandas")
import pyarrow as pa
import pyarrow.compute as pc

from attribution.data import contracts as C
from attribution.data.columns import show
from attribution.findings import Finding

PATH_SEP = " > "
TS_UNIT = "datetime64[us, UTC]"
DATE_UNIT = "datetime64[us]"
_OFFSET = r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)"
_HAS_OFFSET = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*" + _OFFSET + r"$")
_NAN_WORDS = ("nan", "-nan", "+nan")
_NOT_CANONICAL = r"[^ ]>|\s >|>[^ ]|> \s"  # a '>' not written as " > " between two names
_EPOCH = r"^([0-9]{10}|[0-9]{13}|[0-9]{16})$"
_ISO_TS = "write timestamps in ISO 8601, e.g. 2024-03-01 14:05:00 or 2024-03-01T14:05:00+01:00"
_ISO_DATE = "write dates as YYYY-MM-DD, e.g. 2024-03-04"
LARGEST = 1e15  # larger amounts/numbers are typos or placeholders, and their sums overflow
EARLIEST = datetime(1990, 1, 1)  # earlier dates are placeholders (1900, 1970) or typos


def now_utc() -> pd.Timestamp:
    """The current time (naive UTC); a function so that tests can fix it."""
    return pd.Timestamp.now(tz="UTC").tz_localize(None)


@dataclass
class Issue:
    reason: str
    column: str | None
    mask: np.ndarray
    what: Callable[[int], str]
    fix: str | Callable[[int], str] = ""
    file_level: bool = False


def is_text(s: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s)


def _text(s: pd.Series) -> pd.Series:
    """Stripped text, missing as NA; numbers (Parquet ids) become their text."""
    if is_text(s):
        return s.astype("str").str.strip()
    if pd.api.types.is_float_dtype(s) and (s.dropna() % 1 == 0).all():
        s = s.astype("Int64")
    return s.astype("str").where(s.notna())


def _regex(t: pd.Series, pattern: str) -> np.ndarray:
    """Vectorised regex search (pyarrow RE2; pandas falls back to Python for some patterns)."""
    arr = pa.array(t.astype("str"), from_pandas=True)
    hit = pc.fill_null(pc.match_substring_regex(arr, pattern), False)
    return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)


def _regex_replace(t: pd.Series, pattern: str, repl: str) -> pd.Series:
    arr = pa.array(t.astype("str"), from_pandas=True)
    out = pc.replace_substring_regex(arr, pattern, repl).to_pandas()
    out.index = t.index  # positions match; labels as the input's (it may be a subset)
    return out.astype("str")


def _arrow_text(s: pd.Series) -> pa.Array:
    """A text column as one Arrow string array (zero copy for Arrow-backed strings)."""
    arr = pa.array(s.astype("str"), from_pandas=True)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def plain_decimals(s: pd.Series) -> np.ndarray | None:
    """The values as float64 when *every* one is a finite decimal number, else None.

    Arrow's cast from text reads decimal literals only (``12``, ``-3.5``, ``1e6``,
    ``.5``; no blanks, no thousands separators, no decimal commas) plus the words
    NaN/inf, with the same correctly rounded result as pandas. So when the cast
    succeeds and every value is finite, the column is clean: one pass in Arrow's
    kernels. Any other column (blanks, NaN, words, padding, decimal commas) goes
    to the full parser, which names each bad row.

    Example
    -------
    >>> plain_decimals(pd.Series(["1", "2.5", "-1e3"])).tolist()
    [1.0, 2.5, -1000.0]
    >>> plain_decimals(pd.Series(["1", ""])), plain_decimals(pd.Series(["nan"]))
    (None, None)
    """
    arr = _arrow_text(s)
    if arr.null_count or not len(arr):
        return None
    try:
        out = pc.cast(arr, pa.float64())
    except pa.ArrowInvalid:
        return None
    values = np.asarray(out.to_numpy(zero_copy_only=False), dtype=np.float64)
    return values if np.isfinite(values).all() else None


def is_blank(t: pd.Series) -> np.ndarray:
    return (t.isna() | (t == "")).to_numpy(dtype=bool)


class ColumnChecker:
    """Collects per-row issues for one table (masks over its rows)."""

    def __init__(self, raw: pd.DataFrame, source: str, rows: np.ndarray, tz: str) -> None:
        self.raw, self.source, self.rows, self.tz = raw, source, rows, tz
        self.issues: list[Issue] = []
        self.findings: list[Finding] = []
        self.notes: dict[str, int] = {}  # counted in the row accounting (e.g. epoch units)
        self.n = len(raw)

    def add(
        self,
        reason: str,
        column: str | None,
        mask: np.ndarray,
        what: Callable[[int], str],
        fix: str | Callable[[int], str] = "",
    ) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.issues.append(Issue(reason, column, mask, what, fix))

    def val(self, col: str, i: int) -> str:
        return show(self.raw[col].iloc[i])

    # ---- column parsers --------------------------------------------------------------
    def ids(self, col: str, required: bool, label: str = "identifier") -> pd.Series:
        t = _text(self.raw[col])
        blank = is_blank(t)
        if required:
            self.add(
                "missing_value",
                col,
                blank,
                lambda i: f"{label} is empty",
                f"fill in the {label} or remove the row",
            )
        return t.where(~blank)

    def choices(self, col: str, allowed: tuple[str, ...]) -> pd.Series:
        t = _text(self.raw[col]).str.lower()
        blank = is_blank(t)
        bad = ~blank & ~t.isin(allowed).to_numpy(dtype=bool)
        self.add(
            "invalid_value",
            col,
            bad,
            lambda i: f"value {self.val(col, i)} is not allowed",
            f"use one of {', '.join(allowed)} (or leave it empty)",
        )
        return t.where(~blank)

    def numbers(self, col: str, kind: C.Kind, required: bool) -> pd.Series:
        s = self.raw[col]
        if pd.api.types.is_bool_dtype(s):
            self.add(
                "not_a_number",
                col,
                np.ones(self.n, bool),
                lambda i: f"value {self.val(col, i)} is true/false, not a number",
                "write numbers",
            )
            return pd.Series(np.nan, index=s.index)
        plain = plain_decimals(s) if is_text(s) else None
        if plain is not None:  # every value a finite decimal: nothing blank, nothing to flag
            v = pd.Series(plain, index=s.index, dtype="float64")
            blank = nan_word = np.zeros(self.n, dtype=bool)
        elif is_text(s):
            t = s.astype("str").str.strip()
            blank = is_blank(t)
            v = pd.to_numeric(t.where(~blank), errors="coerce").astype("float64")
            nan_word = t.str.lower().isin(_NAN_WORDS).to_numpy(dtype=bool)
            notnum = ~blank & ~nan_word & np.isnan(v.to_numpy())
            self.add(
                "not_a_number",
                col,
                notnum,
                lambda i: f"value {self.val(col, i)} is not a number",
                lambda i: _number_fix(str(t.iloc[i])),
            )
        else:
            v = s.astype("float64")
            blank = np.isnan(v.to_numpy()) & s.isna().to_numpy()
            nan_word = np.isnan(v.to_numpy()) & ~blank
        arr = v.to_numpy()
        if required:
            self.add(
                "missing_value",
                col,
                blank,
                lambda i: "value is empty",
                "fill in a number (0 if there was none) or remove the row",
            )
            self.add(
                "not_finite",
                col,
                nan_word | np.isinf(arr),
                lambda i: f"value {self.val(col, i)} is not a finite number",
                "replace NaN/inf with a real number",
            )
        else:
            self.add(
                "not_finite",
                col,
                np.isinf(arr),
                lambda i: f"value {self.val(col, i)} is not a finite number",
                "replace inf with a real number or leave the cell empty",
            )
        with np.errstate(invalid="ignore"):
            if kind in (C.Kind.AMOUNT, C.Kind.COUNT):
                self.add(
                    "negative",
                    col,
                    arr < 0,
                    lambda i: f"value {self.val(col, i)} is negative",
                    "amounts and counts must be 0 or more; correct or remove the row",
                )
            elif kind is C.Kind.POSITIVE:
                self.add(
                    "not_positive",
                    col,
                    arr <= 0,
                    lambda i: f"value {self.val(col, i)} is not greater than 0",
                    f"'{col}' must be a number greater than 0",
                )
            elif kind is C.Kind.CHANGE:
                self.add(
                    "invalid_change",
                    col,
                    (arr <= -1) | (arr == 0),
                    lambda i: (
                        f"value {self.val(col, i)} is not a relative change above -1 and "
                        "other than 0"
                    ),
                    "write the change as a fraction, e.g. 0.5 for +50% or -0.3 for -30% "
                    "(leave it empty for a test that switched the channel off)",
                )
            self.add(
                "too_large",
                col,
                np.isfinite(arr) & (np.abs(arr) > LARGEST),
                lambda i: (
                    f"value {self.val(col, i)} is implausibly large (more than "
                    f"{LARGEST:.0e} in absolute value; sums of such values overflow)"
                ),
                "correct the value (a typo or a placeholder such as 9.99e+307?) or remove the row",
            )
        return pd.Series(np.where(np.isinf(arr), np.nan, arr), index=s.index, dtype="float64")

    def timestamps(self, col: str, required: bool) -> pd.Series:
        s = self.raw[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            ts = s if s.dt.tz is not None else self._localize(s, col)
            out = ts.dt.tz_convert("UTC")
            if required:
                self.add(
                    "missing_value",
                    col,
                    s.isna().to_numpy(),
                    lambda i: "timestamp is empty",
                    "fill in the timestamp or remove the row",
                )
            out = out.astype(TS_UNIT)
            self._in_range(col, out.dt.tz_localize(None), "timestamp")
            return out
        t = _text(s)
        blank = is_blank(t)
        epoch = _regex(t, _EPOCH)  # Unix epoch s / ms / us (UTC), counted by unit
        has_off = _regex(t, _HAS_OFFSET.pattern) | epoch
        naive_idx = ~blank & ~has_off
        aware = pd.to_datetime(
            t.where(has_off & ~epoch), format="ISO8601", utc=True, errors="coerce"
        )
        naive = pd.to_datetime(t.where(naive_idx), format="ISO8601", errors="coerce")
        if naive.dt.tz is not None:  # e.g. " UTC" suffixes parsed as aware
            naive = naive.dt.tz_convert("UTC").dt.tz_localize(None)
        naive = self._localize(naive, col)
        out = aware.astype(TS_UNIT).where(has_off, naive.dt.tz_convert("UTC").astype(TS_UNIT))
        if epoch.any():
            out = out.where(~epoch, self._epoch(col, t, epoch))
        if required:
            self.add(
                "missing_value",
                col,
                blank,
                lambda i: "timestamp is empty",
                "fill in the timestamp or remove the row",
            )
        self.add(
            "bad_timestamp",
            col,
            ~blank & out.isna().to_numpy(),
            lambda i: f"value {self.val(col, i)} is not a timestamp",
            _ISO_TS,
        )
        self._mixed_zones(col, t, has_off, naive_idx)
        self._in_range(col, out.dt.tz_localize(None), "timestamp")
        return out

    def _epoch(self, col: str, t: pd.Series, epoch: np.ndarray) -> pd.Series:
        """Timestamps of all-digit values: 10 digits seconds, 13 ms, 16 us since 1970 (UTC)."""
        n = t.str.len().to_numpy()
        v = pd.to_numeric(t.where(epoch), errors="coerce").to_numpy(dtype="float64")
        us = v * np.select([n == 10, n == 13], [1e6, 1e3], 1.0)
        units = {10: "seconds", 13: "milliseconds", 16: "microseconds"}
        for digits, unit in units.items():
            k = int((epoch & (n == digits)).sum())
            if k:
                self.notes[f"epoch_{unit}"] = self.notes.get(f"epoch_{unit}", 0) + k
                self.findings.append(
                    Finding(
                        "info",
                        "data.epoch_timestamps",
                        f"{self.source}: {k} values in '{col}' "
                        f"are Unix epoch {unit} (UTC) and were read as such",
                        "",
                        "data",
                    )
                )
        ts = pd.to_datetime(pd.Series(us, index=t.index), unit="us", utc=True)
        return ts.astype(TS_UNIT)

    def _in_range(self, col: str, naive_utc: pd.Series, what: str) -> None:
        """Reject dates before ``EARLIEST`` (placeholders) and after now (the future)."""
        now = now_utc()
        v = naive_utc.to_numpy(dtype="datetime64[us]")
        ok = ~np.isnat(v)
        early = ok & (v < np.datetime64(EARLIEST, "us"))
        late = ok & (v > (now + pd.Timedelta(days=1)).to_datetime64())
        self.add(
            "implausible_date",
            col,
            early,
            lambda i: (
                f"{what} {self.val(col, i)} is before {EARLIEST.year} (a placeholder "
                "such as 1900-01-01 or 1970-01-01, or a typo?)"
            ),
            "correct the date or remove the row",
        )
        self.add(
            "future_date",
            col,
            late,
            lambda i: f"{what} {self.val(col, i)} is in the future (after {now.date()})",
            "correct the date (a placeholder such as 9999-12-31, "
            "a wrong year or a day/month swap?) or remove the row",
        )

    def _localize(self, s: pd.Series, col: str) -> pd.Series:
        if self.tz == "UTC":
            return s.dt.tz_localize("UTC")
        out = s.dt.tz_localize(self.tz, ambiguous="NaT", nonexistent="shift_forward")
        self.add(
            "ambiguous_time",
            col,
            (out.isna() & s.notna()).to_numpy(),
            lambda i: f"local time {self.val(col, i)} happens twice in {self.tz} (clocks go back)",
            "write the timestamp with its offset, e.g. +01:00",
        )
        return out

    def _mixed_zones(self, col: str, t: pd.Series, has_off: np.ndarray, naive: np.ndarray) -> None:
        n_off, n_naive = int(has_off.sum()), int(naive.sum())
        if n_off and n_naive:
            minority = has_off if n_off < n_naive else naive
            example = int(np.flatnonzero(~minority & (has_off | naive))[0])
            kind = "has a time-zone offset" if n_off < n_naive else "has no time-zone offset"
            self.add(
                "mixed_timezone",
                col,
                minority,
                lambda i: (
                    f"timestamp {self.val(col, i)} {kind}, unlike "
                    f"{max(n_off, n_naive)} other rows (e.g. row "
                    f"{self.rows[example]}: {self.val(col, example)})"
                ),
                "export every timestamp the same way, all with an offset (UTC preferred) "
                "or all without",
            )
            return
        if not n_off:
            if n_naive:
                self.findings.append(
                    Finding(
                        "info",
                        "data.naive_timestamps",
                        f"{self.source}: timestamps in '{col}' have no time zone; "
                        f"read as {self.tz}",
                        "pass tz=... (--tz) if they are local times of another zone",
                        "data",
                    )
                )
            return
        minutes = _offset_minutes(t, has_off)
        counts = pd.Series(minutes[has_off]).value_counts()
        main = int(counts.index[0])
        ok = {main} | {int(m) for m in counts.index if abs(int(m) - main) == 60}
        if len(ok) > 2:  # keep only the most frequent daylight-saving partner
            partner = next(int(m) for m in counts.index if int(m) != main and int(m) in ok)
            ok = {main, partner}
        bad = has_off & ~np.isin(minutes, list(ok))
        self.add(
            "mixed_timezone",
            col,
            bad,
            lambda i: (
                f"timestamp {self.val(col, i)} has offset {_fmt_offset(minutes[i])} "
                f"but most rows use {_fmt_offset(main)}"
            ),
            "export all timestamps in one time zone (UTC preferred)",
        )
        if len(ok) > 1 or main != 0:
            self.findings.append(
                Finding(
                    "info",
                    "data.offsets",
                    f"{self.source}: timestamps in '{col}' carry offsets "
                    f"{', '.join(_fmt_offset(m) for m in sorted(ok))}; converted to UTC",
                    "",
                    "data",
                )
            )

    def dates(self, col: str, required: bool) -> pd.Series:
        s = self.raw[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            d = s.dt.tz_localize(None) if s.dt.tz is not None else s
            blank = s.isna().to_numpy()
        else:
            t = _text(s)
            blank = is_blank(t)
            d = pd.to_datetime(t.where(~blank), format="ISO8601", errors="coerce", utc=False)
            if getattr(d.dt, "tz", None) is not None:
                d = d.dt.tz_localize(None)
            self.add(
                "bad_date",
                col,
                ~blank & d.isna().to_numpy(),
                lambda i: f"value {self.val(col, i)} is not a date",
                _ISO_DATE,
            )
        if required:
            self.add(
                "missing_value",
                col,
                blank,
                lambda i: "date is empty",
                "fill in the date or remove the row",
            )
        out = d.dt.normalize().astype(DATE_UNIT)
        self._in_range(col, out, "date")
        return out

    def paths(self, col: str, sep: str) -> pd.Series:
        t = _text(self.raw[col])
        blank = is_blank(t)
        core = sep.strip() or sep
        c = re.escape(core)
        self.add(
            "empty_path",
            col,
            blank,
            lambda i: "path is empty",
            "remove the row or fill in its channels",
        )
        empty_pattern = rf"^\s*{c}|{c}\s*{c}|{c}\s*$"
        canonical = core == PATH_SEP.strip()
        # one pass for the usual clean table: no empty step, every '>' written as " > "
        odd = _regex(t, f"{empty_pattern}|{_NOT_CANONICAL}") if canonical else None
        clean = odd is not None and not odd.any()
        empty_step = np.zeros(self.n, dtype=bool) if clean else _regex(t, empty_pattern)
        self.add(
            "empty_step",
            col,
            empty_step & ~blank,
            lambda i: (
                f"path {self.val(col, i)} has an empty step (two separators "
                f"{core!r} in a row, or one at an end)"
            ),
            "remove the empty step; every step must name a channel",
        )
        if not canonical:  # the canonical separator inside a step would split it
            clash = _regex(t, r"\s>\s")
            self.add(
                "separator_in_channel",
                col,
                clash & ~blank,
                lambda i: (
                    f"path {self.val(col, i)} has a step containing ' > ', which is "
                    "the separator paths are rewritten with"
                ),
                "rename that channel (no ' > ' inside channel names)",
            )
        pattern = r"\s*" + c + r"\s*" if sep.strip() else c + "+"
        if not canonical:
            return _regex_replace(t, pattern, PATH_SEP).where(~blank)
        if clean:
            return t if not blank.any() else t.where(~blank)
        # rewrite only the paths not already written with " > ": a '>' with exactly one
        # space on each side and no more blank beyond is left as it is
        redo = _regex(t, _NOT_CANONICAL) & ~blank
        if redo.any():
            t = t.copy()
            t[redo] = _regex_replace(t[redo], pattern, PATH_SEP)
        return t.where(~blank)


DECIMAL_COMMA_FIX = (
    "the values use decimal commas: write 1234.5 (save the file with '.' as "
    "the decimal mark, e.g. a CSV export in English number format)"
)


def _number_fix(text: str) -> str:
    if re.fullmatch(r"[-+]?\d+,\d{1,2}", text) or re.fullmatch(r"[-+]?\d{1,3}(\.\d{3})+,\d+", text):
        return DECIMAL_COMMA_FIX
    if re.fullmatch(r"[-+]?\d{1,3}([,.' ]\d{3})+([.,]\d+)?", text) or re.fullmatch(
        r"[-+]?\d+,\d+", text
    ):
        return (
            "write plain numbers with '.' as the decimal mark and no thousands "
            "separators, e.g. 1234.50"
        )
    if re.search(r"[$€£¥%]", text):
        return "write plain numbers without currency or percent signs, e.g. 1234.50"
    return "write a plain number such as 12.50"


def _offset_minutes(t: pd.Series, has_off: np.ndarray) -> np.ndarray:
    """UTC offset in minutes of each timestamp text (0 where it has none)."""
    codes, uniques = pd.factorize(t.str.slice(-6).where(has_off))
    found = [re.search("(" + _OFFSET + ")$", str(u)) for u in uniques]
    mins = [0 if m is None or m.group(1) in "zZ" else _minutes(m.group(1)) for m in found]
    return np.asarray([*mins, 0], dtype=np.int64)[codes]


def _minutes(off: str) -> int:
    digits = off[1:].replace(":", "")
    value = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) >= 4 else 0)
    return -value if off[0] == "-" else value


def _fmt_offset(m: int) -> str:
    m = int(m)
    return f"{'+' if m >= 0 else '-'}{abs(m) // 60:02d}:{abs(m) % 60:02d}"
