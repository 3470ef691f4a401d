"""Path attribution per customer segment, and where the channel mix differs.

Every configured model runs on each segment's own path table, with its own bootstrap
intervals (the same :class:`~attribution.mta.model.PathAttribution` settings as the whole
run). A segment with fewer than ``min_conversions`` converting journeys is not
estimated: it is named in a finding instead of being shown as noise.

A channel's *share* in a segment is its credited conversions over the segment's
conversions; its interval divides the bootstrap interval of the conversions by the same
total. The mix *differs* between the values of a segment when, for a channel, the share
interval of the value with the highest share lies entirely above that of the value with
the lowest share (non-overlapping intervals: a conservative test).

Example
-------
>>> paths = {"a": pd.DataFrame({"path": ["x", "y"], "total_conversions": [40, 5],
...          "total_conversion_value": [400.0, 50.0], "total_null": [10, 10]})}
>>> res = SegmentAttribution(PathAttribution(models=("last",)), min_conversions=10).fit(
...     {"tier": paths})
>>> res.to_frame()[["segment", "value", "channel", "conversions"]].values.tolist()
[['tier', 'a', 'x', 40.0], ['tier', 'a', 'y', 5.0]]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attribution.findings import Finding
from attribution.mta.model import PathAttribution
from attribution.mta.paths import PathTable
from attribution.rundir import MTA_BY_SEGMENT_COLUMNS

SEGMENT_COLUMNS = MTA_BY_SEGMENT_COLUMNS


@dataclass(frozen=True)
class SegmentResults:
    """Credit per segment value, model and channel (``mta_by_segment.csv``) and findings."""

    frame: pd.DataFrame
    too_small: tuple[tuple[str, str, int], ...]  # (segment, value, converting journeys)
    findings: tuple[Finding, ...]

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def differences(self, model: str) -> pd.DataFrame:
        """Rows of one model where the channel mix differs between a segment's values."""
        f = self.frame
        return f[(f["model"] == model) & f["mix_differs"]].reset_index(drop=True)

    def summary(self) -> str:
        n = self.frame.groupby(["segment", "value"]).ngroups if len(self.frame) else 0
        return (
            f"attribution by segment: {n} segment values estimated, {len(self.too_small)} too small"
        )

    def _repr_html_(self) -> str:
        return self.frame.round(3).to_html(index=False)


@dataclass(frozen=True)
class SegmentAttribution:
    """Run path attribution per segment value.

    Parameters
    ----------
    model : the path attribution settings (models, order, bootstrap, seed, interval).
    min_conversions : converting journeys a segment value needs to be estimated.
    """

    model: PathAttribution
    min_conversions: int = 50

    def fit(self, segments: Mapping[str, Mapping[str, pd.DataFrame]]) -> SegmentResults:
        """``segments``: segment column -> value -> its aggregated path table."""
        frames, small, findings = [], [], []
        for seg, values in segments.items():
            for value, paths in values.items():
                n_conv = int(pd.to_numeric(paths["total_conversions"]).sum())
                n_jour = n_conv + int(pd.to_numeric(paths["total_null"]).sum())
                if n_conv < self.min_conversions:
                    small.append((seg, value, n_conv))
                    continue
                table = PathTable.from_frame(paths, source=f"segment {seg}={value}")
                res = self.model.fit(table)
                f = res.to_frame()
                total = f.groupby("model")["conversions"].transform("sum").to_numpy()
                with np.errstate(invalid="ignore", divide="ignore"):
                    share = np.where(total != 0, f["conversions"] / total, np.nan)
                    lo = np.where(total != 0, f["ci_low"] / total, np.nan)
                    hi = np.where(total != 0, f["ci_high"] / total, np.nan)
                frames.append(
                    pd.DataFrame(
                        {
                            "segment": seg,
                            "value": value,
                            "model": f["model"],
                            "channel": f["channel"],
                            "conversions": f["conversions"],
                            "ci_low": f["ci_low"],
                            "ci_high": f["ci_high"],
                            "value_credit": f["value"],
                            "share": share,
                            "share_low": lo,
                            "share_high": hi,
                            "segment_conversions": n_conv,
                            "segment_journeys": n_jour,
                        }
                    )
                )
        for seg, value, n in small:
            findings.append(
                Finding(
                    "info",
                    "segments.too_small",
                    f"segment {seg} = {value} has {n} converting journeys, fewer than the "
                    f"{self.min_conversions} needed: not estimated (its credit would be noise)",
                    "merge it with a similar segment, or analyse a longer period",
                    "segments",
                )
            )
        frame = (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame(columns=list(SEGMENT_COLUMNS[:-1]))
        )
        frame["mix_differs"] = mix_differs(frame)
        return SegmentResults(frame[list(SEGMENT_COLUMNS)], tuple(small), tuple(findings))


def mix_differs(frame: pd.DataFrame) -> np.ndarray:
    """Per row: whether its channel's share differs between the segment's values.

    For each (segment, model, channel) with two or more values, the value with the highest
    share and the one with the lowest are compared; both rows are flagged when their share
    intervals do not overlap. Rows without intervals are never flagged.

    Example
    -------
    >>> f = pd.DataFrame({"segment": ["s", "s"], "value": ["a", "b"], "model": ["m", "m"],
    ...     "channel": ["c", "c"], "share": [0.6, 0.2], "share_low": [0.5, 0.1],
    ...     "share_high": [0.7, 0.3]})
    >>> mix_differs(f).tolist()
    [True, True]
    """
    out = np.zeros(len(frame), dtype=bool)
    if frame.empty:
        return out
    pos = pd.Series(np.arange(len(frame)), index=frame.index)
    for _, g in frame.groupby(["segment", "model", "channel"], sort=False):
        if len(g) < 2 or g["share_low"].isna().any():
            continue
        top, bottom = g["share"].idxmax(), g["share"].idxmin()
        if frame.at[top, "share_low"] > frame.at[bottom, "share_high"]:
            out[pos[top]] = out[pos[bottom]] = True
    return out
