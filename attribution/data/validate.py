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

from typing import TYPE_CHECKING

import numpy as np

from attribution.lazy import lazy_module

if TYPE_CHECKING:
    import pandas as pd
else:  # imported on first use (attribution.lazy)
    pd = lazy_module("pandas")

from attribution.data import contracts as C
from attribution.data.accounting import REASON_COL, Loaded, RowAccounting, rejected_rows
from attribution.data.columns import resolve_columns, show
from attribution.data.panel_checks import check_impression_columns, check_panel_weeks
from attribution.data.panel_findings import check_has_values
from attribution.data.parsers import (
    DECIMAL_COMMA_FIX,
    PATH_SEP,
    ColumnChecker,
    Issue,
    is_blank,
    is_text,
)
from attribution.errors import InputError, UsageError
from attribution.findings import Finding

KINDS: dict[str, C.Contract] = {
    "touchpoints": C.TOUCHPOINTS,
    "conversions": C.CONVERSIONS,
    "id-map": C.ID_MAP,
    "paths": C.PATHS,
    "media": C.MEDIA,
    "lift-tests": C.LIFT_TESTS,
}


def contract_for(kind: str | C.Contract) -> C.Contract:
    """The contract for a command-line kind (``"id-map"``) or contract name."""
    if isinstance(kind, C.Contract):
        return kind
    found = KINDS.get(kind) or C.CONTRACTS.get(kind)
    if found is None:
        raise ValueError(f"unknown input kind {kind!r}; one of {', '.join(KINDS)}")
    return found


def _parse(ck: ColumnChecker, contract: C.Contract, sep: str) -> dict[str, pd.Series]:
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
            check_has_values(ck.raw[name], name, ck.source)
            if is_text(s):
                t = s.astype("str").str.strip()
                nonblank = ~is_blank(t)
                if nonblank.any() and pd.to_numeric(t[nonblank], errors="coerce").isna().all():
                    j = int(np.flatnonzero(nonblank)[0])
                    commas = t[nonblank].str.fullmatch(r"[-+]?[0-9.' ]*[0-9],[0-9]+").all()
                    raise InputError(
                        f"column '{name}' holds text ({ck.val(name, j)}), but every "
                        "column other than date and geo must be numeric",
                        fix=DECIMAL_COMMA_FIX
                        if commas
                        else "remove the column or encode it as numbers (e.g. 0/1)",
                        file=ck.source,
                        row=int(ck.rows[j]),
                        column=name,
                        reason="not_numeric_column",
                    )
            paid = lower.startswith((C.SPEND_PREFIX, C.ACTIVITY_PREFIX, C.IMPRESSIONS_PREFIX))
            clean[name] = ck.numbers(name, C.Kind.AMOUNT if paid else C.Kind.NUMBER, True)
        elif is_text(s):
            t = s.astype("str").str.strip()
            v = pd.to_numeric(t.where(~is_blank(t)), errors="coerce")
            numeric = (v.notna() | pd.Series(is_blank(t), index=t.index)).all() and v.notna().any()
            clean[name] = v.astype("float64") if numeric else t
        elif pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            clean[name] = s.astype("float64")
        else:
            clean[name] = s
    return clean


def _duplicated(frame: pd.DataFrame, subset: list[str] | None, keep: str | bool) -> np.ndarray:
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


_KEY_REASON = {
    "conversions": "duplicate_order_id",
    "id-map": "conflicting_id",
    "path table": "duplicate_path",
    "media panel": "duplicate_week",
    "lift tests": "duplicate_test",
}


def _key_checks(
    ck: ColumnChecker, contract: C.Contract, clean: pd.DataFrame, valid: np.ndarray
) -> None:
    """Exact duplicate rows (later copies) and duplicate keys (all copies) among valid rows."""
    idx = np.flatnonzero(valid)
    dup = _duplicated(clean.iloc[idx], None, "first")
    mask = np.zeros(ck.n, bool)
    mask[idx[dup]] = True

    def first_copy(i: int) -> int:
        same = (clean.iloc[idx] == clean.iloc[i]) | (clean.iloc[idx].isna() & clean.iloc[i].isna())
        return int(ck.rows[idx[np.flatnonzero(same.all(axis=1).to_numpy())[0]]])

    ck.add(
        "duplicate_row",
        None,
        mask,
        lambda i: f"row repeats row {first_copy(i)} exactly",
        "remove the duplicate row",
    )
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
    if contract.name == "id-map" and kd.any():  # the same id -> the same customer is no conflict
        n_cust = clean.iloc[rest].groupby("id", sort=False)["customer_id"].transform("nunique")
        kd &= n_cust.to_numpy() > 1
    kmask = np.zeros(ck.n, bool)
    kmask[rest[kd]] = True
    reason = _KEY_REASON.get(contract.name, "duplicate_key")

    def other(i: int) -> int:
        same = (clean.iloc[rest][key] == clean.iloc[i][key]).all(axis=1).to_numpy()
        if contract.name == "id-map":
            same = (
                same & (clean.iloc[rest]["customer_id"] != clean["customer_id"].iloc[i]).to_numpy()
            )
        rows = [int(ck.rows[j]) for j in rest[same] if j != i]
        return rows[0]

    def what(i: int) -> str:
        vals = ", ".join(f"{k}={show(clean[k].iloc[i])}" for k in key)
        if contract.name == "id-map":
            return (
                f"id {show(clean['id'].iloc[i])} is mapped to customer "
                f"{show(clean['customer_id'].iloc[i])} here and to another customer in "
                f"row {other(i)}"
            )
        return f"{vals} also appears in row {other(i)} with different values"

    fixes = {
        "id-map": "map every id to exactly one customer_id",
        "media panel": "keep one row per week (and geo); sum or correct the duplicates",
    }
    before = len(ck.issues)
    ck.add(
        reason, key[0], kmask, what, fixes.get(contract.name, "keep one row per " + ", ".join(key))
    )
    if contract.name == "media panel" and len(ck.issues) > before:
        ck.issues[-1].file_level = True  # a panel cannot lose a week: error even in lenient


def sum_duplicate_paths(
    used: pd.DataFrame, rows: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray, dict[str, int]]:
    """Rows of a path table with the same path summed into the first (its row number kept).

    Example
    -------
    >>> df = pd.DataFrame({"path": ["a", "b", "a"], "total_conversions": [1.0, 2, 3]})
    >>> out, rows, notes = sum_duplicate_paths(df, np.array([2, 3, 4]))
    >>> out["total_conversions"].tolist(), rows.tolist(), notes
    ([4.0, 2.0], [2, 3], {'duplicate_paths_summed': 1})
    """
    dup = used["path"].duplicated().to_numpy()
    if not dup.any():
        return used, rows, {}
    nums = [c for c in used.columns if c != "path" and pd.api.types.is_numeric_dtype(used[c])]
    first = used.loc[~dup].reset_index(drop=True)
    sums = used.groupby("path", sort=False)[nums].sum(min_count=1)
    for c in nums:
        first[c] = sums[c].reindex(first["path"]).to_numpy()
    return first, rows[~dup], {"duplicate_paths_summed": int(dup.sum())}


def _check_settings(tz: str, sep: str) -> None:
    try:
        pd.Timestamp("2024-01-01").tz_localize(tz)
    except Exception:
        raise UsageError(
            f"unknown time zone {tz!r} (use a name such as 'UTC' or 'Europe/Paris')"
        ) from None
    if not sep:
        raise UsageError("the path separator must not be empty")


def _error(ck: ColumnChecker, issue: Issue, i: int, names: dict[str, str]) -> InputError:
    fix = issue.fix(i) if callable(issue.fix) else issue.fix
    col = names.get(issue.column, issue.column) if issue.column else None
    return InputError(
        issue.what(i), fix=fix, file=ck.source, row=int(ck.rows[i]), column=col, reason=issue.reason
    )


def _assign(issues: list[Issue], assigned: np.ndarray, first: int = 0) -> None:
    """Give each row the first issue (in check order) that applies to it, in place."""
    for k in range(first, len(issues)):
        sel = issues[k].mask & (assigned < 0)
        assigned[sel] = k


def _bad_line_error(bad_lines: pd.DataFrame, source: str, n_cols: int) -> InputError:
    row = bad_lines.iloc[0]
    return InputError(
        f"row has {int(row['_fields'])} fields but the header has {n_cols} "
        f"(line {show(row['_raw'], 60)})",
        fix="check the delimiter and quoting: a value that contains the delimiter "
        "must be in double quotes",
        file=source,
        row=int(row["_row"]),
        reason="field_count",
    )


def validate_frame(
    frame: pd.DataFrame,
    contract: str | C.Contract,
    *,
    source: str = "table",
    lenient: bool = False,
    tz: str = "UTC",
    sep: str = PATH_SEP,
    rename: dict[str, str] | None = None,
    rows: np.ndarray | None = None,
    bad_lines: pd.DataFrame | None = None,
    blank: int = 0,
) -> Loaded:
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
    bad_lines = (
        bad_lines
        if bad_lines is not None
        else pd.DataFrame(
            {
                "_row": pd.Series(dtype="int64"),
                "_raw": pd.Series(dtype="str"),
                "_fields": pd.Series(dtype="int64"),
            }
        )
    )
    raw, names = resolve_columns(raw, contract, source, rename)
    ck = ColumnChecker(raw, source, rows, tz)
    clean = pd.DataFrame(_parse(ck, contract, sep))
    if contract.name == "lift tests":
        with np.errstate(invalid="ignore"):
            ck.add(
                "end_before_start",
                "end",
                (clean["end"] < clean["start"]).to_numpy(bool),
                lambda i: (
                    f"end {show(clean['end'].iloc[i].date())} is before start "
                    f"{show(clean['start'].iloc[i].date())}"
                ),
                "swap start and end, or correct the dates",
            )
        if "measured_until" in clean.columns:
            with np.errstate(invalid="ignore"):
                ck.add(
                    "measured_before_end",
                    "measured_until",
                    (clean["measured_until"] < clean["end"]).to_numpy(bool),
                    lambda i: (
                        f"measured_until {show(clean['measured_until'].iloc[i].date())}"
                        f" is before the test's end {show(clean['end'].iloc[i].date())}"
                    ),
                    "leave measured_until empty (outcome measured over the test window) "
                    "or give the last day the outcome was measured, on or after end",
                )
    if contract.name == "media panel":
        chans = [
            c for c in clean.columns if c.lower().startswith((C.SPEND_PREFIX, C.ACTIVITY_PREFIX))
        ]
        if not chans:
            raise InputError(
                "has no channel columns (spend_<channel> or activity_<channel>)",
                fix="name each media column spend_<channel> (money) or "
                "activity_<channel> (posts, impressions ...)",
                file=source,
                row=1,
                reason="no_channels",
            )
        check_impression_columns(clean.columns, source)
    assigned = np.full(n, -1, dtype=np.int64)
    _assign(ck.issues, assigned)
    n_col_issues = len(ck.issues)
    if contract.name != "path table":  # a path table is a count table: repeats are summed
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
        check_panel_weeks(clean, ~bad, rows, source, lambda j: ck.issues[int(assigned[j])].reason)
        order = [c for c in ("geo", "date") if c in used.columns]
        perm = np.lexsort([used[c].to_numpy() for c in reversed(order)])
        used, used_rows = used.iloc[perm].reset_index(drop=True), used_rows[perm]
    notes: dict[str, int] = dict(ck.notes)
    if contract.name == "path table":
        used, used_rows, summed = sum_duplicate_paths(used, used_rows)
        notes.update(summed)
        if summed:
            ck.findings.append(
                Finding(
                    "info",
                    "data.duplicate_paths_summed",
                    f"{source}: {notes['duplicate_paths_summed']} rows repeat an earlier path and "
                    "were added to it (a path table counts journeys; several files, partitions "
                    "or periods add up)",
                    "",
                    "data",
                )
            )
    labels = [(i.reason, names.get(i.column, i.column) if i.column else "") for i in ck.issues]
    rejected_frame = rejected_rows(
        raw.rename(columns=names), rows, bad, assigned, labels, bad_lines
    )
    counts = rejected_frame[REASON_COL].value_counts()
    acc = RowAccounting(
        source=source,
        read=n + len(bad_lines),
        used=int((~bad).sum()),
        rejected={str(k): int(v) for k, v in counts.items()},
        blank=blank,
        notes=notes,
    )
    if len(rejected_frame):
        ck.findings.append(
            Finding("warning", "data.rejected", f"{acc}", "see the rejected rows file", "data")
        )
    return Loaded(
        frame=used,
        accounting=acc,
        rejected_frame=rejected_frame,
        contract=contract.name,
        findings=tuple(ck.findings),
        rows=used_rows,
    )
