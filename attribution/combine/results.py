"""The reconciled result: a frozen object holding the table and its own findings.

:func:`combine` runs :func:`~attribution.combine.reconcile.reconcile` and says, as
findings, what the table means for a reader: channels the data cannot separate
(too uncertain, by the one rule in :mod:`attribution.combine.uncertainty`) and
channels measured by path credit only (not incremental).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from attribution import rundir as R
from attribution.combine.reconcile import reconcile
from attribution.findings import Finding

STAGE = "combine"

FLAG_ACTION = {
    "path_only": "treat its path credit as an upper bound; add its activity to the media panel "
    "or run a holdout test to measure it",
    "mmm_uncertain": "run a lift test on this channel, or vary its spend, so the model can "
    "separate it",
}
FLAG_LEVEL = {"path_only": "info", "mmm_uncertain": "warning"}


@dataclass(frozen=True)
class CombineResults:
    """The reconciled per-channel table (``combined.csv``) and its findings (immutable).

    Example
    -------
    >>> mmm = pd.DataFrame({"channel": ["tv"], "spend": [10.0], "contribution": [5.0],
    ...                     "contribution_low": [-20.0], "contribution_high": [30.0]})
    >>> res = combine(None, mmm)
    >>> res.uncertain_channels, [f.code for f in res.findings]
    (('tv',), ['combine.mmm_uncertain'])
    """

    table: pd.DataFrame
    findings: tuple[Finding, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "table", self.table.copy())
        object.__setattr__(self, "findings", tuple(self.findings))

    def to_frame(self) -> pd.DataFrame:
        """The reconciled table (a copy)."""
        return self.table.copy()

    @property
    def uncertain_channels(self) -> tuple[str, ...]:
        """Channels whose estimate is too uncertain to rank or act on."""
        t = self.table
        return tuple(str(c) for c in t.loc[t[R.TOO_UNCERTAIN].astype(bool), R.CHANNEL])

    def summary(self) -> str:
        """One line per channel: final contribution, its interval and flag."""
        return "\n".join(
            f"{r.channel}: {r.final_contribution:,.0f} ({r.final_contribution_low:,.0f} to "
            f"{r.final_contribution_high:,.0f}) [{r.flag}]"
            for r in self.table.itertuples(index=False)
        )

    def _repr_html_(self) -> str:
        notes = "".join(f"<li>{html.escape(f.message)}</li>" for f in self.findings)
        table = self.table.to_html(index=False, float_format="{:,.4g}".format)
        return f"{table}<ul>{notes}</ul>" if notes else table


def combine(
    mta_long: pd.DataFrame | None,
    mmm_channels: pd.DataFrame | None,
    *,
    reference_model: str = "markov",
) -> CombineResults:
    """Reconcile path attribution with the MMM; returns the table with its findings.

    Parameters are those of :func:`~attribution.combine.reconcile.reconcile`.
    """
    table = reconcile(mta_long, mmm_channels, reference_model=reference_model)
    findings = tuple(
        Finding(
            FLAG_LEVEL[row.flag],
            f"combine.{row.flag}",
            f"{row.channel}: {row.flag_text}",
            FLAG_ACTION[row.flag],
            STAGE,
        )
        for row in table.itertuples(index=False)
        if row.flag in FLAG_ACTION
    )
    return CombineResults(table=table, findings=findings)
