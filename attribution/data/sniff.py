"""Delimiters: detect a CSV's delimiter and name it in messages (pure text functions).

A bottom module of ``attribution.data``: the loader and the column resolver both
use it, so neither imports the other for it.
"""

from __future__ import annotations

import re
from collections import Counter

DELIMITERS = (",", ";", "\t", "|")
_DELIM_NAMES = {
    ",": "comma ','",
    ";": "semicolon ';'",
    "\t": "tab",
    "|": "pipe '|'",
    ":": "colon ':'",
    " ": "space ' '",
}


def delimiter_name(d: str) -> str:
    """Human name of a delimiter, e.g. ``"semicolon ';'"``."""
    return _DELIM_NAMES.get(d, repr(d))


def _strip_quoted(line: str) -> str:
    return re.sub(r'"[^"]*"', "", line)


def detect_delimiter(text: str) -> str:
    """Pick the delimiter among ``, ; tab |`` from the header (ties: the second line).

    Example
    -------
    >>> detect_delimiter("a;b;c\\n1;2;3\\n")
    ';'
    """
    lines = text[:65536].splitlines()[:2]
    header = _strip_quoted(lines[0]) if lines else ""
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts.values())
    if best == 0:
        return ","
    tied = [d for d in DELIMITERS if counts[d] == best]
    if len(tied) > 1 and len(lines) > 1:
        second = _strip_quoted(lines[1])
        consistent = [d for d in tied if second.count(d) == best]
        if consistent:
            return consistent[0]
    return tied[0]


def guess_separator(header: str) -> str | None:
    """The character a one-column header seems to be separated by, if any.

    Example
    -------
    >>> guess_separator("customer_id:timestamp:channel")
    ':'
    """
    counts = Counter(ch for ch in header.strip() if not (ch.isalnum() or ch in "_\"'"))
    if not counts:
        return None
    ch, n = counts.most_common(1)[0]
    return ch if n >= 1 else None
