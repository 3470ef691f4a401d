"""MTA -> MMM: contribution-share priors for the channels journeys see.

Path credit is not incremental: it also credits sales that would have happened
anyway, so it overstates what a channel causes. The prior therefore takes the
*split* from the journeys and discounts its *level*:

    prior mean share_c = r * path_value_c / total_sales
    prior sd           = cv * mean  (capped so the Beta prior exists)

``r`` is the incrementality ratio. Where lift tests exist for channels that
journeys also see, ``r`` is estimated from them: the median over tested
channels of ``measured lift / path credit over the test window`` (path credit
pro-rated to the window's weeks). Without lift tests, ``r`` defaults to 0.5 and
``cv`` to 1, i.e. a weak prior centred at half the path credit, whose 90% range
spans roughly 0 to 3x its mean: it nudges the MMM where the panel cannot
separate channels and yields to the data where it can.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from attribution.findings import Finding
from attribution.mmm.priors import ChannelPriors

DEFAULT_RATIO = 0.5
DEFAULT_CV = 1.0


def incrementality_ratio(
    lift_tests: pd.DataFrame | None, path_value: Mapping[str, float], n_weeks: float
) -> tuple[float | None, dict[str, float]]:
    """Median of ``lift / (path credit pro-rated to the test window)`` over tested channels.

    Returns ``(ratio or None, per-channel ratios)``. Only sales-metric tests of
    channels with positive path credit count.

    Example
    -------
    >>> lt = pd.DataFrame({"channel": ["a"], "start": ["2024-01-01"], "end": ["2024-01-28"],
    ...                    "lift": [100.0], "lift_se": [10.0]})
    >>> incrementality_ratio(lt, {"a": 1040.0}, 52)[0]
    1.25
    """
    if lift_tests is None or len(lift_tests) == 0 or n_weeks <= 0:
        return None, {}
    per: dict[str, list[float]] = {}
    for row in lift_tests.itertuples(index=False):
        metric = getattr(row, "metric", "sales")
        credit = path_value.get(str(row.channel), 0.0)
        if (isinstance(metric, str) and metric != "sales") or credit <= 0:
            continue
        weeks = (pd.Timestamp(row.end) - pd.Timestamp(row.start)).days / 7.0 + 1 / 7.0
        expected = credit * weeks / n_weeks
        per.setdefault(str(row.channel), []).append(float(row.lift) / expected)
    ratios = {ch: float(np.mean(v)) for ch, v in per.items()}
    if not ratios:
        return None, {}
    return max(float(np.median(list(ratios.values()))), 0.0), ratios


def priors_from_mta(
    path_value: Mapping[str, float],
    total_sales: float,
    mmm_channels: Sequence[str],
    *,
    ratio: float | None = None,
    cv: float = DEFAULT_CV,
) -> tuple[ChannelPriors, tuple[Finding, ...]]:
    """Contribution-share priors for the MMM channels that also appear in journeys.

    Parameters
    ----------
    path_value : path value credit per channel (the reference path model).
    total_sales : total sales of the fitted period (same units as the credit).
    mmm_channels : channel names in the MMM.
    ratio : incrementality ratio (see module doc); None -> ``DEFAULT_RATIO``.
    cv : prior coefficient of variation (sd / mean).

    Returns
    -------
    (ChannelPriors, findings).
    """
    r = DEFAULT_RATIO if ratio is None else ratio
    shares: dict[str, tuple[float, float]] = {}
    findings: list[Finding] = []
    for ch in mmm_channels:
        credit = float(path_value.get(ch, 0.0))
        if credit <= 0 or total_sales <= 0:
            continue
        mean = min(max(r * credit / total_sales, 1e-4), 0.9)
        sd = cv * mean
        cap = 0.95 * math.sqrt(mean * (1 - mean))
        if sd >= cap:
            sd = cap
        shares[ch] = (mean, sd)
    if shares:
        findings.append(
            Finding(
                "info",
                "combine.mta_priors",
                f"path attribution set contribution-share priors for {len(shares)} MMM channels "
                f"(incrementality ratio {r:.2f}, "
                f"{'from lift tests' if ratio is not None else 'default'})",
                "",
                "combine",
            )
        )
    return ChannelPriors(shares, source="mta"), tuple(findings)
