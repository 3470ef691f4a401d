"""Findings: what a stage noticed that the user must know (never silent).

Every stage returns findings with its results; the run manifest and the report
show them. ``level`` is ``"info"``, ``"warning"`` or ``"error"``; ``action`` says
what the user should do about it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Level = Literal["info", "warning", "error"]


@dataclass(frozen=True)
class Finding:
    """One diagnostic finding.

    Example
    -------
    >>> Finding("warning", "mmm.rhat", "R-hat 1.08 for beta[tv]", "sample longer").level
    'warning'
    """

    level: Level
    code: str
    message: str
    action: str = ""
    stage: str = ""

    def to_dict(self) -> dict[str, str]:
        return asdict(self)
