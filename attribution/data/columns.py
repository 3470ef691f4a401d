"""Column names: match a table's header to its contract, with helpful errors.

Configured renames are applied, case/space/dash variants of a contract name are
accepted, and a missing required column is reported with the closest existing
name, or with the delimiter the file seems to use when it reads as one column.
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING

import numpy as np

from attribution.lazy import lazy_module

if TYPE_CHECKING:
    import pandas as pd
else:  # imported on first use (attribution.lazy)
    pd = lazy_module("pandas")

from attribution.data import contracts as C
from attribution.data.sniff import delimiter_name, guess_separator
from attribution.errors import InputError


def show(v: object, limit: int = 40) -> str:
    if isinstance(v, pd.Timestamp) and v.tz is None and v == v.normalize():
        v = v.date()
    text = "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _norm(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def resolve_columns(
    raw: pd.DataFrame, contract: C.Contract, source: str, rename: dict[str, str] | None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename configured and case/space variants to contract names; missing -> InputError."""
    cols = [str(c) for c in raw.columns]
    mapping: dict[str, str] = {}
    for user, target in (rename or {}).items():
        if user == target:
            continue
        if user in cols:
            mapping[user] = target
        else:
            close = difflib.get_close_matches(user, cols, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"the columns are {_list(cols)}"
            raise InputError(
                f"column '{user}' (configured for '{target}') is missing; {hint}",
                fix="pass the right column name",
                file=source,
                row=1,
                column=user,
                reason="missing_column",
            )
    present = {mapping.get(c, c) for c in cols}
    for col in contract.columns:
        if col.name in present:
            continue
        variants = [c for c in cols if c not in mapping and _norm(c) == col.name]
        if variants:
            mapping[variants[0]] = col.name
            present.add(col.name)
    missing = [c.name for c in contract.columns if c.required and c.name not in present]
    if missing:
        name = missing[0]
        sep = _guess_sep(cols[0]) if len(cols) == 1 and len(contract.required) > 1 else None
        if sep:
            seems = f"; it seems to use {sep} as delimiter"
            raise InputError(
                f"the file reads as a single column {show(cols[0], 60)}{seems}",
                fix="save it with one of these delimiters: comma, semicolon, tab "
                "or '|' (or pass the delimiter explicitly)",
                file=source,
                row=1,
                reason="wrong_delimiter",
            )
        names = {c.name for c in contract.columns}
        unclaimed = [c for c in cols if c not in mapping and c not in names]
        close = difflib.get_close_matches(
            name, unclaimed, n=1, cutoff=0.6
        ) or difflib.get_close_matches(name, [_norm(c) for c in unclaimed], n=1, cutoff=0.6)
        if close:
            orig = next(c for c in unclaimed if c == close[0] or _norm(c) == close[0])
            what = f"required column '{name}' is missing, but there is a column '{orig}'"
            fix = f"rename column '{orig}' to '{name}'"
        else:
            what = f"required column '{name}' is missing (the columns are {_list(cols)})"
            fix = f"add a column '{name}' ({contract.name} need: {', '.join(contract.required)})"
        raise InputError(what, fix=fix, file=source, row=1, column=name, reason="missing_column")
    return raw.rename(columns=mapping), {v: k for k, v in mapping.items()}


def _guess_sep(header: str) -> str | None:
    sep = guess_separator(header)
    return delimiter_name(sep) if sep else None


def _list(cols: list[str], limit: int = 12) -> str:
    shown = ", ".join(f"'{c}'" for c in cols[:limit])
    return shown + (f" and {len(cols) - limit} more" if len(cols) > limit else "")
