"""Validation of a table against its contract, vectorised, with row accounting.

Strict mode (default) raises ``InputError`` for the first problem in file order,
naming the row, the column, the raw value and a fix. Lenient mode quarantines bad
rows (reason per row) and keeps the rest; problems with the whole file (missing
column, gaps in a weekly panel, ...) are errors in both modes.

Clean types: identifiers and text are pandas ``str``; amounts, counts and numbers
are ``float64``; timestamps are tz-aware UTC ``datetime64[us, UTC]`` (naive input
is read in the zone ``tz``, UTC by default); dates are naive, normalised
``datetime64[us]``; paths use the canonical separator ``" > "``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attribution.data import contracts as C
from attribution.data.accounting import REASON_COL, Loaded, RowAccounting, rejected_rows
from attribution.data.columns import resolve_columns, show
from attribution.data.panel_checks import check_panel_weeks
from attribution.errors import InputError, UsageError
from attribution.findings import Finding

PATH_SEP = " > "
KINDS: dict[str, C.Contract] = {
    "touchpoints": C.TOUCHPOINTS, "conversions": C.CONVERSIONS, "id-map": C.ID_MAP,
    "paths": C.PATHS, "media": C.MEDIA, "lift-tests": C.LIFT_TESTS,
}
TS_UNIT = "datetime64[us, UTC]"
DATE_UNIT = "datetime64[us]"
_OFFSET = r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)"
_HAS_OFFSET = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*" + _OFFSET + r"$")
_NAN_WORDS = ("nan", "-nan", "+nan")
_ISO_TS = "write timestamps in ISO 8601, e.g. 2024-03-01 14:05:00 or 2024-03-01T14:05:00+01:00"
_ISO_DATE = "write dates as YYYY-MM-DD, e.g. 2024-03-04"


def contract_for(kind: str | C.Contract) -> C.Contract:
    """The contract for a command-line kind (``"id-map"``) or contract name."""
    if isinstance(kind, C.Contract):
        return kind
    found = KINDS.get(kind) or C.CONTRACTS.get(kind)
    if found is None:
        raise ValueError(f"unknown input kind {kind!r}; one of {', '.join(KINDS)}")
    return found


@dataclass
class _Issue:
    reason: str
    column: str | None
    mask: np.ndarray
    what: Callable[[int], str]
    fix: str | Callable[[int], str] = ""
    file_level: bool = False


def _is_text(s: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s)


def _text(s: pd.Series) -> pd.Series:
    """Stripped text, missing as NA; numbers (Parquet ids) become their text."""
    if _is_text(s):
        return s.astype("str").str.strip()
    if pd.api.types.is_float_dtype(s) and (s.dropna() % 1 == 0).all():
        s = s.astype("Int64")
    return s.astype("str").where(s.notna())


def _regex(t: pd.Series, pattern: str) -> np.ndarray:
    """Vectorised regex search (pyarrow RE2; pandas falls back to Python for some patterns)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(t.astype("str"), from_pandas=True)
    hit = pc.fill_null(pc.match_substring_regex(arr, pattern), False)
    return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)


def _regex_replace(t: pd.Series, pattern: str, repl: str) -> pd.Series:
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(t.astype("str"), from_pandas=True)
    out = pc.replace_substring_regex(arr, pattern, repl)
    return pd.Series(out.to_pandas(), index=t.index).astype("str")


def _blank(t: pd.Series) -> np.ndarray:
    return (t.isna() | (t == "")).to_numpy(dtype=bool)


class _Checker:
    """Collects per-row issues for one table (masks over its rows)."""

    def __init__(self, raw: pd.DataFrame, source: str, rows: np.ndarray, tz: str) -> None:
        self.raw, self.source, self.rows, self.tz = raw, source, rows, tz
        self.issues: list[_Issue] = []
        self.findings: list[Finding] = []
        self.n = len(raw)

    def add(self, reason: str, column: str | None, mask: np.ndarray,
            what: Callable[[int], str], fix: str | Callable[[int], str] = "") -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.issues.append(_Issue(reason, column, mask, what, fix))

    def val(self, col: str, i: int) -> str:
        return show(self.raw[col].iloc[i])

    # ---- column parsers --------------------------------------------------------------
    def ids(self, col: str, required: bool, label: str = "identifier") -> pd.Series:
        t = _text(self.raw[col])
        blank = _blank(t)
        if required:
            self.add("missing_value", col, blank, lambda i: f"{label} is empty",
                     f"fill in the {label} or remove the row")
        return t.where(~blank)

    def choices(self, col: str, allowed: tuple[str, ...]) -> pd.Series:
        t = _text(self.raw[col]).str.lower()
        blank = _blank(t)
        bad = ~blank & ~t.isin(allowed).to_numpy(dtype=bool)
        self.add("invalid_value", col, bad, lambda i: f"value {self.val(col, i)} is not allowed",
                 f"use one of {', '.join(allowed)} (or leave it empty)")
        return t.where(~blank)

    def numbers(self, col: str, kind: C.Kind, required: bool) -> pd.Series:
        s = self.raw[col]
        if pd.api.types.is_bool_dtype(s):
            self.add("not_a_number", col, np.ones(self.n, bool),
                     lambda i: f"value {self.val(col, i)} is true/false, not a number",
                     "write numbers")
            return pd.Series(np.nan, index=s.index)
        if _is_text(s):
            t = s.astype("str").str.strip()
            blank = _blank(t)
            v = pd.to_numeric(t.where(~blank), errors="coerce").astype("float64")
            nan_word = t.str.lower().isin(_NAN_WORDS).to_numpy(dtype=bool)
            notnum = ~blank & ~nan_word & np.isnan(v.to_numpy())
            self.add("not_a_number", col, notnum,
                     lambda i: f"value {self.val(col, i)} is not a number",
                     lambda i: _number_fix(str(t.iloc[i])))
        else:
            v = s.astype("float64")
            blank = np.isnan(v.to_numpy()) & s.isna().to_numpy()
            nan_word = np.isnan(v.to_numpy()) & ~blank
        arr = v.to_numpy()
        if required:
            self.add("missing_value", col, blank, lambda i: "value is empty",
                     "fill in a number (0 if there was none) or remove the row")
            self.add("not_finite", col, nan_word | np.isinf(arr),
                     lambda i: f"value {self.val(col, i)} is not a finite number",
                     "replace NaN/inf with a real number")
        else:
            self.add("not_finite", col, np.isinf(arr),
                     lambda i: f"value {self.val(col, i)} is not a finite number",
                     "replace inf with a real number or leave the cell empty")
        with np.errstate(invalid="ignore"):
            if kind in (C.Kind.AMOUNT, C.Kind.COUNT):
                self.add("negative", col, arr < 0,
                         lambda i: f"value {self.val(col, i)} is negative",
                         "amounts and counts must be 0 or more; correct or remove the row")
            elif kind is C.Kind.POSITIVE:
                self.add("not_positive", col, arr <= 0,
                         lambda i: f"value {self.val(col, i)} is not greater than 0",
                         "a standard error must be a positive number")
        return pd.Series(np.where(np.isinf(arr), np.nan, arr), index=s.index, dtype="float64")

    def timestamps(self, col: str, required: bool) -> pd.Series:
        s = self.raw[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            ts = s if s.dt.tz is not None else self._localize(s, col)
            out = ts.dt.tz_convert("UTC")
            if required:
                self.add("missing_value", col, s.isna().to_numpy(), lambda i: "timestamp is empty",
                         "fill in the timestamp or remove the row")
            return out.astype(TS_UNIT)
        t = _text(s)
        blank = _blank(t)
        has_off = _regex(t, _HAS_OFFSET.pattern)
        naive_idx = ~blank & ~has_off
        aware = pd.to_datetime(t.where(has_off), format="ISO8601", utc=True, errors="coerce")
        naive = pd.to_datetime(t.where(naive_idx), format="ISO8601", errors="coerce")
        if naive.dt.tz is not None:  # e.g. " UTC" suffixes parsed as aware
            naive = naive.dt.tz_convert("UTC").dt.tz_localize(None)
        naive = self._localize(naive, col)
        out = aware.astype(TS_UNIT).where(has_off, naive.dt.tz_convert("UTC").astype(TS_UNIT))
        if required:
            self.add("missing_value", col, blank, lambda i: "timestamp is empty",
                     "fill in the timestamp or remove the row")
        self.add("bad_timestamp", col, ~blank & out.isna().to_numpy(),
                 lambda i: f"value {self.val(col, i)} is not a timestamp", _ISO_TS)
        self._mixed_zones(col, t, has_off, naive_idx)
        return out

    def _localize(self, s: pd.Series, col: str) -> pd.Series:
        if self.tz == "UTC":
            return s.dt.tz_localize("UTC")
        out = s.dt.tz_localize(self.tz, ambiguous="NaT", nonexistent="shift_forward")
        self.add("ambiguous_time", col, (out.isna() & s.notna()).to_numpy(),
                 lambda i: f"local time {self.val(col, i)} happens twice in {self.tz} "
                           "(clocks go back)", "write the timestamp with its offset, e.g. +01:00")
        return out

    def _mixed_zones(self, col: str, t: pd.Series, has_off: np.ndarray,
                     naive: np.ndarray) -> None:
        n_off, n_naive = int(has_off.sum()), int(naive.sum())
        if n_off and n_naive:
            minority = has_off if n_off < n_naive else naive
            example = int(np.flatnonzero(~minority & (has_off | naive))[0])
            kind = "has a time-zone offset" if n_off < n_naive else "has no time-zone offset"
            self.add("mixed_timezone", col, minority,
                     lambda i: f"timestamp {self.val(col, i)} {kind}, unlike "
                               f"{max(n_off, n_naive)} other rows (e.g. row "
                               f"{self.rows[example]}: {self.val(col, example)})",
                     "export every timestamp the same way, all with an offset (UTC preferred) "
                     "or all without")
            return
        if not n_off:
            if n_naive:
                self.findings.append(Finding(
                    "info", "data.naive_timestamps",
                    f"{self.source}: timestamps in '{col}' have no time zone; read as {self.tz}",
                    "pass tz=... (--tz) if they are local times of another zone", "data"))
            return
        minutes = _offset_minutes(t, has_off)
        counts = pd.Series(minutes[has_off]).value_counts()
        main = int(counts.index[0])
        ok = {main} | {int(m) for m in counts.index if abs(int(m) - main) == 60}
        if len(ok) > 2:  # keep only the most frequent daylight-saving partner
            partner = next(int(m) for m in counts.index if int(m) != main and int(m) in ok)
            ok = {main, partner}
        bad = has_off & ~np.isin(minutes, list(ok))
        self.add("mixed_timezone", col, bad,
                 lambda i: f"timestamp {self.val(col, i)} has offset {_fmt_offset(minutes[i])} "
                           f"but most rows use {_fmt_offset(main)}",
                 "export all timestamps in one time zone (UTC preferred)")
        if len(ok) > 1 or main != 0:
            self.findings.append(Finding(
                "info", "data.offsets", f"{self.source}: timestamps in '{col}' carry offsets "
                f"{', '.join(_fmt_offset(m) for m in sorted(ok))}; converted to UTC", "", "data"))

    def dates(self, col: str, required: bool) -> pd.Series:
        s = self.raw[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            d = s.dt.tz_localize(None) if s.dt.tz is not None else s
            blank = s.isna().to_numpy()
        else:
            t = _text(s)
            blank = _blank(t)
            d = pd.to_datetime(t.where(~blank), format="ISO8601", errors="coerce", utc=False)
            if getattr(d.dt, "tz", None) is not None:
                d = d.dt.tz_localize(None)
            self.add("bad_date", col, ~blank & d.isna().to_numpy(),
                     lambda i: f"value {self.val(col, i)} is not a date", _ISO_DATE)
        if required:
            self.add("missing_value", col, blank, lambda i: "date is empty",
                     "fill in the date or remove the row")
        return d.dt.normalize().astype(DATE_UNIT)

    def paths(self, col: str, sep: str) -> pd.Series:
        t = _text(self.raw[col])
        blank = _blank(t)
        core = sep.strip() or sep
        c = re.escape(core)
        self.add("empty_path", col, blank, lambda i: "path is empty",
                 "remove the row or fill in its channels")
        empty_step = _regex(t, rf"^\s*{c}|{c}\s*{c}|{c}\s*$")
        self.add("empty_step", col, empty_step & ~blank,
                 lambda i: f"path {self.val(col, i)} has an empty step (two separators "
                           f"{core!r} in a row, or one at an end)",
                 "remove the empty step; every step must name a channel")
        if core != PATH_SEP.strip():  # the canonical separator inside a step would split it
            clash = _regex(t, r"\s>\s")
            self.add("separator_in_channel", col, clash & ~blank,
                     lambda i: f"path {self.val(col, i)} has a step containing ' > ', which is "
                               "the separator paths are rewritten with",
                     "rename that channel (no ' > ' inside channel names)")
        pattern = r"\s*" + c + r"\s*" if sep.strip() else c + "+"
        return _regex_replace(t, pattern, PATH_SEP).where(~blank)


def _number_fix(text: str) -> str:
    if re.fullmatch(r"[-+]?\d{1,3}([,.' ]\d{3})+([.,]\d+)?", text) or re.fullmatch(
            r"[-+]?\d+,\d+", text):
        return ("write plain numbers with '.' as the decimal mark and no thousands "
                "separators, e.g. 1234.50")
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


def _parse(ck: _Checker, contract: C.Contract, sep: str) -> dict[str, pd.Series]:
    clean: dict[str, pd.Series] = {}
    for col in contract.columns:
        if col.name not in ck.raw.columns:
            continue
        k, name, req = col.kind, col.name, col.required
        if col.choices:
            clean[name] = ck.choices(name, col.choices)
        elif k in (C.Kind.ID, C.Kind.CHANNEL):
            clean[name] = ck.ids(name, req, "channel" if k is C.Kind.CHANNEL else "identifier")
        elif k is C.Kind.TEXT:
            clean[name] = ck.ids(name, False)
        elif k is C.Kind.TIMESTAMP:
            clean[name] = ck.timestamps(name, req)
        elif k is C.Kind.DATE:
            clean[name] = ck.dates(name, req)
        elif k is C.Kind.PATH:
            clean[name] = ck.paths(name, sep)
        else:
            clean[name] = ck.numbers(name, k, req)
    for name in ck.raw.columns:
        if name in clean:
            continue
        s = ck.raw[name]
        if contract.extra_columns == "numeric":
            lower = name.lower()
            if _is_text(s):
                t = s.astype("str").str.strip()
                nonblank = ~_blank(t)
                if nonblank.any() and pd.to_numeric(t[nonblank], errors="coerce").isna().all():
                    j = int(np.flatnonzero(nonblank)[0])
                    raise InputError(f"column '{name}' holds text ({ck.val(name, j)}), but every "
                                     "column other than date and geo must be numeric",
                                     fix="remove the column or encode it as numbers (e.g. 0/1)",
                                     file=ck.source, row=int(ck.rows[j]), column=name,
                                     reason="not_numeric_column")
            paid = lower.startswith((C.SPEND_PREFIX, C.ACTIVITY_PREFIX))
            clean[name] = ck.numbers(name, C.Kind.AMOUNT if paid else C.Kind.NUMBER, True)
        elif _is_text(s):
            t = s.astype("str").str.strip()
            v = pd.to_numeric(t.where(~_blank(t)), errors="coerce")
            numeric = (v.notna() | pd.Series(_blank(t), index=t.index)).all() and v.notna().any()
            clean[name] = v.astype("float64") if numeric else t
        elif pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            clean[name] = s.astype("float64")
        else:
            clean[name] = s
    return clean


def _duplicated(frame: pd.DataFrame, subset: list[str] | None,
                keep: str | bool) -> np.ndarray:
    """``DataFrame.duplicated`` made fast: hash rows, then compare exactly only hash twins."""
    cols = frame if subset is None else frame[subset]
    if len(cols) == 0:
        return np.zeros(0, dtype=bool)
    h = pd.util.hash_pandas_object(cols, index=False)
    twins = h.duplicated(keep=False).to_numpy()
    out = np.zeros(len(cols), dtype=bool)
    if twins.any():
        out[twins] = cols.loc[twins].duplicated(keep=keep).to_numpy()  # type: ignore[arg-type]
    return out


_KEY_REASON = {"conversions": "duplicate_order_id", "id-map": "conflicting_id",
               "path table": "duplicate_path", "media panel": "duplicate_week",
               "lift tests": "duplicate_test"}


def _key_checks(ck: _Checker, contract: C.Contract, clean: pd.DataFrame,
                valid: np.ndarray) -> None:
    """Exact duplicate rows (later copies) and duplicate keys (all copies) among valid rows."""
    idx = np.flatnonzero(valid)
    dup = _duplicated(clean.iloc[idx], None, "first")
    mask = np.zeros(ck.n, bool)
    mask[idx[dup]] = True

    def first_copy(i: int) -> int:
        same = (clean.iloc[idx] == clean.iloc[i]) | (clean.iloc[idx].isna() & clean.iloc[i].isna())
        return int(ck.rows[idx[np.flatnonzero(same.all(axis=1).to_numpy())[0]]])

    ck.add("duplicate_row", None, mask, lambda i: f"row repeats row {first_copy(i)} exactly",
           "remove the duplicate row")
    key = [k for k in contract.key if k in clean.columns]
    if contract.name == "id-map":
        key = ["id"]
    if not key:
        return
    rest = idx[~dup]
    sub = clean.iloc[rest]
    has_key = sub[key].notna().all(axis=1).to_numpy()
    rest = rest[has_key]
    kd = _duplicated(clean.iloc[rest], key, False)
    kmask = np.zeros(ck.n, bool)
    kmask[rest[kd]] = True
    reason = _KEY_REASON.get(contract.name, "duplicate_key")

    def other(i: int) -> int:
        same = (clean.iloc[rest][key] == clean.iloc[i][key]).all(axis=1).to_numpy()
        rows = [int(ck.rows[j]) for j in rest[same] if j != i]
        return rows[0]

    def what(i: int) -> str:
        vals = ", ".join(f"{k}={show(clean[k].iloc[i])}" for k in key)
        if contract.name == "id-map":
            return (f"id {show(clean['id'].iloc[i])} is mapped to customer "
                    f"{show(clean['customer_id'].iloc[i])} here and to another customer in "
                    f"row {other(i)}")
        return f"{vals} also appears in row {other(i)} with different values"

    fixes = {"id-map": "map every id to exactly one customer_id",
             "media panel": "keep one row per week (and geo); sum or correct the duplicates"}
    before = len(ck.issues)
    ck.add(reason, key[0], kmask, what, fixes.get(contract.name, "keep one row per "
                                                  + ", ".join(key)))
    if contract.name == "media panel" and len(ck.issues) > before:
        ck.issues[-1].file_level = True  # a panel cannot lose a week: error even in lenient


def _check_settings(tz: str, sep: str) -> None:
    try:
        pd.Timestamp("2024-01-01").tz_localize(tz)
    except Exception:
        raise UsageError(f"unknown time zone {tz!r} (use a name such as 'UTC' or "
                         "'Europe/Paris')") from None
    if not sep:
        raise UsageError("the path separator must not be empty")


def _error(ck: _Checker, issue: _Issue, i: int, names: dict[str, str]) -> InputError:
    fix = issue.fix(i) if callable(issue.fix) else issue.fix
    col = names.get(issue.column, issue.column) if issue.column else None
    return InputError(issue.what(i), fix=fix, file=ck.source, row=int(ck.rows[i]), column=col,
                      reason=issue.reason)


def _assign(issues: list[_Issue], assigned: np.ndarray, first: int = 0) -> None:
    """Give each row the first issue (in check order) that applies to it, in place."""
    for k in range(first, len(issues)):
        sel = issues[k].mask & (assigned < 0)
        assigned[sel] = k


def _bad_line_error(bad_lines: pd.DataFrame, source: str, n_cols: int) -> InputError:
    row = bad_lines.iloc[0]
    return InputError(f"row has {int(row['_fields'])} fields but the header has {n_cols} "
                      f"(line {show(row['_raw'], 60)})",
                      fix="check the delimiter and quoting: a value that contains the delimiter "
                          "must be in double quotes", file=source, row=int(row["_row"]),
                      reason="field_count")


def validate_frame(frame: pd.DataFrame, contract: str | C.Contract, *, source: str = "table",
                   lenient: bool = False, tz: str = "UTC", sep: str = PATH_SEP,
                   rename: dict[str, str] | None = None, rows: np.ndarray | None = None,
                   bad_lines: pd.DataFrame | None = None, blank: int = 0) -> Loaded:
    """Check a table against its contract and return clean, typed rows with accounting.

    Parameters
    ----------
    frame : the table, as text (from CSV) or typed (from Parquet or memory).
    contract : a ``Contract`` or its kind (``"touchpoints"``, ``"conversions"``, ``"id-map"``,
        ``"paths"``, ``"media"``, ``"lift-tests"``).
    source : the name used in messages (usually the file).
    lenient : quarantine bad rows instead of raising at the first one.
    tz : time zone of timestamps written without an offset (default UTC).
    sep : path separator of the ``path`` column (paths are rewritten with ``" > "``).
    rename : {column in the file: contract column} for tables using other names.
    rows : spreadsheet row numbers of the frame's rows (default 2, 3, ...).
    bad_lines, blank : lines the reader could not split, and blank lines skipped.

    Returns
    -------
    Loaded

    Raises
    ------
    InputError : the first bad row (strict), or any problem with the whole table.

    Example
    -------
    >>> df = pd.DataFrame({"customer_id": ["a"], "timestamp": ["2024-01-01 10:00"],
    ...                    "value": ["12.5"]})
    >>> validate_frame(df, "conversions", source="mem").frame["value"].tolist()
    [12.5]
    """
    contract = contract_for(contract)
    _check_settings(tz, sep)
    raw = frame.reset_index(drop=True)
    raw.columns = [str(c).strip() for c in raw.columns]
    n = len(raw)
    rows = np.arange(2, n + 2) if rows is None else np.asarray(rows, dtype=np.int64)
    bad_lines = bad_lines if bad_lines is not None else pd.DataFrame(
        {"_row": pd.Series(dtype="int64"), "_raw": pd.Series(dtype="str"),
         "_fields": pd.Series(dtype="int64")})
    raw, names = resolve_columns(raw, contract, source, rename)
    ck = _Checker(raw, source, rows, tz)
    clean = pd.DataFrame(_parse(ck, contract, sep))
    if contract.name == "lift tests":
        with np.errstate(invalid="ignore"):
            ck.add("end_before_start", "end", (clean["end"] < clean["start"]).to_numpy(bool),
                   lambda i: f"end {show(clean['end'].iloc[i].date())} is before start "
                             f"{show(clean['start'].iloc[i].date())}",
                   "swap start and end, or correct the dates")
    if contract.name == "media panel":
        chans = [c for c in clean.columns if c.lower().startswith((C.SPEND_PREFIX,
                                                                   C.ACTIVITY_PREFIX))]
        if not chans:
            raise InputError("has no channel columns (spend_<channel> or activity_<channel>)",
                             fix="name each media column spend_<channel> (money) or "
                                 "activity_<channel> (posts, impressions ...)", file=source,
                             row=1, reason="no_channels")
    assigned = np.full(n, -1, dtype=np.int64)
    _assign(ck.issues, assigned)
    n_col_issues = len(ck.issues)
    _key_checks(ck, contract, clean, assigned < 0)
    _assign(ck.issues, assigned, n_col_issues)
    bad = assigned >= 0
    if not lenient and (bad.any() or len(bad_lines)):
        first = int(np.flatnonzero(bad)[0]) if bad.any() else -1
        if len(bad_lines) and (first < 0 or int(bad_lines["_row"].iloc[0]) < rows[first]):
            raise _bad_line_error(bad_lines, source, len(frame.columns))
        raise _error(ck, ck.issues[int(assigned[first])], first, names)
    for k, issue in enumerate(ck.issues):
        if issue.file_level and (assigned == k).any():
            raise _error(ck, issue, int(np.flatnonzero(assigned == k)[0]), names)
    used = clean.loc[~bad].reset_index(drop=True)
    used_rows = rows[~bad]
    if contract.name == "media panel":
        check_panel_weeks(clean, ~bad, rows, source,
                          lambda j: ck.issues[int(assigned[j])].reason)
        order = [c for c in ("geo", "date") if c in used.columns]
        perm = np.lexsort([used[c].to_numpy() for c in reversed(order)])
        used, used_rows = used.iloc[perm].reset_index(drop=True), used_rows[perm]
    labels = [(i.reason, names.get(i.column, i.column) if i.column else "") for i in ck.issues]
    rejected_frame = rejected_rows(raw.rename(columns=names), rows, bad, assigned, labels,
                                   bad_lines)
    counts = rejected_frame[REASON_COL].value_counts()
    acc = RowAccounting(source=source, read=n + len(bad_lines), used=int((~bad).sum()),
                        rejected={str(k): int(v) for k, v in counts.items()}, blank=blank)
    if len(rejected_frame):
        ck.findings.append(Finding(
            "warning", "data.rejected", f"{acc}", "see the rejected rows file", "data"))
    return Loaded(frame=used, accounting=acc, rejected_frame=rejected_frame,
                  contract=contract.name, findings=tuple(ck.findings), rows=used_rows)
