"""Row accounting: every row read is either used or rejected for a named reason.

``RowAccounting`` is the ledger one load produces; ``Loaded`` bundles it with the
clean frame and the quarantined rows. The invariant ``read == used + sum(rejected)``
holds by construction (it is checked when the object is made).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from attribution.lazy import lazy_module

if TYPE_CHECKING:
    import pandas as pd
else:  # imported on first use (attribution.lazy)
    pd = lazy_module("pandas")

from attribution import rundir as R
from attribution.findings import Finding
from attribution.io import write_csv

ROW_COL = "_row"
REASON_COL = "_reason"
COLUMN_COL = "_column"
_NEGATIVE_NUMBER = re.compile(r"^-\d+(\.\d+)?([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class RowAccounting:
    """Ledger of one load: ``read == used + sum(rejected.values())``.

    Parameters
    ----------
    source : the file (or logical name) read.
    read : data rows read (blank lines excluded; they are counted in ``blank``).
    used : rows that passed validation and are in ``Loaded.frame``.
    rejected : rows quarantined, by reason code (e.g. ``{"negative": 3}``).
    blank : fully empty lines skipped (they carry no data).
    notes : what was done to used rows, counted (``{"duplicate_paths_summed": 2}``,
        ``{"epoch_microseconds": 120}``).

    Example
    -------
    >>> RowAccounting("t.csv", read=10, used=8, rejected={"negative": 2}).n_rejected
    2
    """

    source: str
    read: int
    used: int
    rejected: dict[str, int] = field(default_factory=dict)
    blank: int = 0
    notes: dict[str, int] = field(default_factory=dict)  # e.g. duplicate rows summed

    def __post_init__(self) -> None:
        if self.read != self.used + sum(self.rejected.values()):
            raise ValueError(f"row accounting does not add up: {self.to_dict()}")

    @property
    def n_rejected(self) -> int:
        """Total rows rejected, all reasons together."""
        return sum(self.rejected.values())

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for ``run.json`` (reasons sorted by name)."""
        return {
            R.ACC_SOURCE: self.source,
            R.ACC_READ: self.read,
            R.ACC_USED: self.used,
            R.ACC_REJECTED: dict(sorted(self.rejected.items())),
            R.ACC_REJECTED_TOTAL: self.n_rejected,
            R.ACC_BLANK: self.blank,
            **({R.ACC_NOTES: dict(sorted(self.notes.items()))} if self.notes else {}),
        }

    def __str__(self) -> str:
        text = (
            f"{self.source}: {self.read} rows read = {self.used} used + {self.n_rejected} rejected"
        )
        if self.rejected:
            text += " (" + ", ".join(f"{k}: {v}" for k, v in sorted(self.rejected.items())) + ")"
        if self.blank:
            text += f"; {self.blank} blank lines skipped"
        if self.notes:
            text += "; " + ", ".join(f"{k}: {v}" for k, v in sorted(self.notes.items()))
        return text


@dataclass(frozen=True)
class Loaded:
    """A validated input: clean frame, its row accounting, and the rejected rows.

    Attributes
    ----------
    frame : clean, typed table (see ``attribution.data`` for the types).
    accounting : the ``RowAccounting`` of this load.
    rejected_frame : rejected rows with their original (raw) values plus ``_row``
        (spreadsheet row number), ``_reason`` and ``_column``; empty in strict mode.
    contract : name of the contract the table was checked against.
    findings : things noticed that are not errors (e.g. time-zone handling).
    rows : spreadsheet row number (header = 1) of each row of ``frame``.

    Example
    -------
    >>> from attribution.data import validate_frame      # doctest: +SKIP
    >>> validate_frame(df, "conversions", source="mem").accounting.used   # doctest: +SKIP
    """

    frame: pd.DataFrame
    accounting: RowAccounting
    rejected_frame: pd.DataFrame
    contract: str = ""
    findings: tuple[Finding, ...] = ()
    rows: np.ndarray | None = None

    def _repr_html_(self) -> str:
        head = f"<p><b>{html.escape(self.contract)}</b> — {html.escape(str(self.accounting))}</p>"
        return head + self.frame.head(10).to_html()

    def summary(self) -> str:
        """One line per fact: the accounting, then any findings."""
        lines = [str(self.accounting)]
        lines += [f"{f.level}: {f.message}" for f in self.findings]
        return "\n".join(lines)


def write_rejected(path: str | Path, rejected_frame: pd.DataFrame) -> Path:
    """Write rejected rows (original columns + ``_row``, ``_reason``, ``_column``) as CSV.

    Raw negative numbers such as ``-5`` are written as numbers, so the formula
    neutralisation of ``attribution.io.write_csv`` does not quote them.

    Example
    -------
    >>> write_rejected("rejected.csv", loaded.rejected_frame)   # doctest: +SKIP
    """
    out = rejected_frame.copy()
    for col in out.columns:
        if col in (ROW_COL, REASON_COL, COLUMN_COL):
            continue
        s = out[col]
        if pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s):
            neg = s.astype("str").str.match(_NEGATIVE_NUMBER.pattern).fillna(False)
            if neg.any():
                obj = s.astype(object)
                obj[neg.to_numpy()] = pd.to_numeric(s[neg]).to_numpy()
                out[col] = obj
    return write_csv(path, out)


def rejected_rows(
    raw: pd.DataFrame,
    rows: np.ndarray,
    bad: np.ndarray,
    assigned: np.ndarray,
    labels: list[tuple[str, str]],
    bad_lines: pd.DataFrame,
) -> pd.DataFrame:
    """The rejected rows: raw values + ``_row``, ``_reason``, ``_column`` (sorted by row).

    ``assigned[i]`` indexes ``labels`` ((reason, column) per issue) for each bad row;
    ``bad_lines`` (``_row``, ``_raw``) are lines that could not be split into columns.
    """
    out = raw.loc[bad].reset_index(drop=True)
    reasons = np.array([r for r, _ in labels] + [""], dtype=object)
    columns = np.array([c for _, c in labels] + [""], dtype=object)
    out[ROW_COL] = rows[bad]
    out[REASON_COL] = pd.Series(reasons[assigned[bad]], dtype="str")
    out[COLUMN_COL] = pd.Series(columns[assigned[bad]], dtype="str")
    if len(bad_lines):
        extra = pd.DataFrame(
            {
                ROW_COL: bad_lines["_row"].to_numpy(),
                REASON_COL: "field_count",
                COLUMN_COL: "",
                "_raw": bad_lines["_raw"].to_numpy(),
            }
        )
        out = pd.concat([out, extra], ignore_index=True).sort_values(ROW_COL, kind="stable")
    return out.reset_index(drop=True)
