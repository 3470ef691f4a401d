"""Errors the command line turns into one clear line and an exit status.

``InputError`` is bad input (exit status 2): it names the file, row and column,
what is wrong and how to fix it. ``UsageError`` is a bad command line or config
(exit status 2). Anything else escaping the CLI is an internal error (exit 1).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(eq=False)  # not frozen: contextlib sets __traceback__ on exceptions passing through
class InputError(Exception):
    """Bad input, reported as one line: ``file, row R, column 'C': what. Fix: how.``

    Parameters
    ----------
    what : what is wrong, e.g. ``"value 'abc' is not a number"``.
    fix : how to fix it, e.g. ``"write amounts as plain numbers such as 12.50"``.
    file : the input file (or a logical name such as ``"media panel"``).
    row : the row as a spreadsheet shows it (header is row 1, first data row is row 2;
        for Parquet the same numbering), or None for whole-file problems.
    column : the column concerned, or None.
    reason : a short machine-readable reason code used for row accounting.
    """

    what: str
    fix: str = ""
    file: str | None = None
    row: int | None = None
    column: str | None = None
    reason: str = "invalid"

    def __str__(self) -> str:
        where = [
            p
            for p in (
                self.file,
                f"row {self.row}" if self.row is not None else None,
                f"column '{self.column}'" if self.column is not None else None,
            )
            if p
        ]
        head = ", ".join(where)
        msg = f"{head}: {self.what}" if head else self.what
        if self.fix:
            msg += f". Fix: {self.fix}"
        return " ".join(msg.split())  # always one line


class UsageError(Exception):
    """Bad command-line usage or configuration (exit status 2)."""
