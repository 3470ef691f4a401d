"""Reconcile path attribution (MTA) with the media-mix model (MMM).

Method (documented in the README, "How MTA and MMM are combined"):

* The MMM measures incremental contribution (what would be lost without the
  channel); path credit measures presence on converting journeys, which also
  credits sales that would have happened anyway. For every channel both see,
  the **calibration factor** is ``mmm_contribution / path_value_credit`` of the
  reference path model (Markov by default). Multiplying a channel's path-level
  (or campaign-level) credit by its factor gives the **calibrated credit**: it
  keeps the journey detail underneath and sums to the MMM total per channel.
* The **final** contribution and ROI are the MMM's posterior (whose priors were
  informed by the path shares, and which lift tests calibrate), with its
  interval.
* Channels journeys never see (e.g. TV) are final from the MMM alone
  (flag ``mmm_only``). Channels the MMM does not model (no spend column, e.g.
  store visits) keep their path credit, flagged ``path_only`` as *not
  incremental*: a path credit is an upper bound, not a causal estimate.
  Channels whose MMM interval spans more than ±100% of the estimate (width
  above twice the estimate) are flagged ``mmm_uncertain`` (the data cannot
  separate them; a lift test would).
  Conversions with no recorded touch (the journeys' ``(none)`` path) are kept
  as their own row, flagged ``no_touch``: baseline or untracked demand, not a
  channel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from attribution.combine.uncertainty import too_uncertain
from attribution.journeys.options import NO_TOUCH_PATH
from attribution.rundir import TOO_UNCERTAIN

FLAG_TEXT = {
    "both": "path credit calibrated to the MMM's incremental contribution",
    "mmm_only": "not visible in journeys; MMM estimate only",
    "path_only": "not in the media-mix model; path credit only (not incremental, an upper bound)",
    "mmm_uncertain": "MMM interval spans more than ±100% of the estimate: the data cannot "
    "separate this channel",
    "no_touch": "conversions with no recorded touch: baseline or untracked demand, not a channel",
}


def path_credit_wide(mta_long: pd.DataFrame, column: str = "value") -> pd.DataFrame:
    """Pivot the long MTA table (model, channel, ...) to one column per model.

    Example
    -------
    >>> long = pd.DataFrame({"model": ["markov", "linear"], "channel": ["a", "a"],
    ...                      "value": [3.0, 2.0]})
    >>> float(path_credit_wide(long).loc["a", "markov"])
    3.0
    """
    wide = mta_long.pivot_table(index="channel", columns="model", values=column, aggfunc="sum")
    wide.columns = [str(c) for c in wide.columns]
    wide.columns.name = None
    return wide


def reconcile(
    mta_long: pd.DataFrame | None,
    mmm_channels: pd.DataFrame | None,
    *,
    reference_model: str = "markov",
) -> pd.DataFrame:
    """One row per channel: path credits, MMM estimates, calibrated credit, final, flag.

    Parameters
    ----------
    mta_long : the ``mta.csv`` table (model, channel, conversions, value, ...), or None.
    mmm_channels : the ``mmm/channels.csv`` table (channel, spend, contribution,
        contribution_low, contribution_high, roi, roi_low, roi_high, mroi), or None.
    reference_model : the path model whose credit is calibrated.

    Returns
    -------
    DataFrame with columns channel, flag, flag_text, spend, ``path_value_<model>`` and
    ``path_conversions_<model>`` per model, mmm_contribution (+_low/_high), mmm_roi
    (+_low/_high), mmm_mroi, calibration_factor, calibrated_value, final_contribution
    (+_low/_high), final_roi (+_low/_high). Sorted by final contribution, descending.
    """
    value = path_credit_wide(mta_long, "value") if mta_long is not None else pd.DataFrame()
    conv = path_credit_wide(mta_long, "conversions") if mta_long is not None else pd.DataFrame()
    mmm = (
        mmm_channels.set_index("channel")
        if mmm_channels is not None
        else pd.DataFrame(columns=["spend", "contribution"], dtype=float)
    )
    channels = sorted(set(value.index) | set(mmm.index))
    out = pd.DataFrame(index=pd.Index(channels, name="channel"))
    for model in value.columns:
        out[f"path_value_{model}"] = value[model]
        out[f"path_conversions_{model}"] = conv[model]
    mmm_cols = {
        "spend": "spend",
        "contribution": "mmm_contribution",
        "contribution_low": "mmm_contribution_low",
        "contribution_high": "mmm_contribution_high",
        "roi": "mmm_roi",
        "roi_low": "mmm_roi_low",
        "roi_high": "mmm_roi_high",
        "mroi": "mmm_mroi",
    }
    for src, dst in mmm_cols.items():
        out[dst] = mmm[src] if src in mmm.columns else np.nan

    in_paths = out.index.isin(value.index)
    in_mmm = out.index.isin(mmm.index)
    ref = f"path_value_{reference_model}"
    ref_credit = out[ref] if ref in out.columns else pd.Series(np.nan, index=out.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(
            in_paths & in_mmm & (ref_credit > 0), out["mmm_contribution"] / ref_credit, np.nan
        )
    out["calibration_factor"] = factor
    out["calibrated_value"] = np.where(in_paths & in_mmm, ref_credit * factor, np.nan)
    out.loc[in_paths & in_mmm & (ref_credit <= 0), "calibrated_value"] = 0.0

    flag = np.select(
        [in_paths & in_mmm, in_mmm, in_paths], ["both", "mmm_only", "path_only"], "none"
    )
    uncertain = in_mmm & too_uncertain(
        out["mmm_contribution"], out["mmm_contribution_low"], out["mmm_contribution_high"]
    )
    flag = np.where(uncertain, "mmm_uncertain", flag)
    flag = np.where(out.index == NO_TOUCH_PATH, "no_touch", flag)
    out["flag"] = flag
    out["flag_text"] = [FLAG_TEXT.get(f, "") for f in flag]

    path_final = ref_credit.where(~in_mmm)
    out["final_contribution"] = out["mmm_contribution"].where(in_mmm, path_final)
    out["final_contribution_low"] = out["mmm_contribution_low"].where(in_mmm, path_final)
    out["final_contribution_high"] = out["mmm_contribution_high"].where(in_mmm, path_final)
    for q in ("", "_low", "_high"):
        out[f"final_roi{q}"] = out[f"mmm_roi{q}"].where(in_mmm, np.nan)
    # path-only credit has no interval: an upper bound, never ranked as a measured effect
    out[TOO_UNCERTAIN] = (
        too_uncertain(
            out["final_contribution"], out["final_contribution_low"], out["final_contribution_high"]
        )
        | ~in_mmm
    )
    out = out.reset_index().sort_values(
        ["final_contribution", "channel"], ascending=[False, True], kind="stable"
    )
    lead = [
        "channel",
        "flag",
        "spend",
        "final_contribution",
        "final_contribution_low",
        "final_contribution_high",
        "final_roi",
        "final_roi_low",
        "final_roi_high",
        TOO_UNCERTAIN,
    ]
    rest = [c for c in out.columns if c not in lead]
    return out[lead + rest].reset_index(drop=True)


def calibrate_paths(path_credit: pd.DataFrame, mmm_contribution: pd.Series) -> pd.DataFrame:
    """Rescale path- or campaign-level credit so each channel sums to its MMM contribution.

    Parameters
    ----------
    path_credit : rows ``(..., channel, value)``, e.g. Markov credit per path.
    mmm_contribution : MMM incremental contribution, indexed by channel.

    Returns
    -------
    A copy with ``calibration_factor`` (MMM contribution / the channel's summed
    credit in this table), ``calibrated_value`` and ``calibrated`` (False where the
    channel is not in the MMM or has no credit: its credit is kept as is).

    Example
    -------
    >>> pc = pd.DataFrame({"channel": ["a", "a"], "value": [3.0, 1.0]})
    >>> calibrate_paths(pc, pd.Series({"a": 2.0}))["calibrated_value"].tolist()
    [1.5, 0.5]
    """
    totals = path_credit.groupby("channel")["value"].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        factors = (mmm_contribution.reindex(totals.index) / totals).where(totals > 0)
    f = path_credit["channel"].map(factors)
    out = path_credit.copy()
    out["calibrated"] = f.notna().to_numpy()
    out["calibration_factor"] = f.to_numpy()
    out["calibrated_value"] = np.where(f.notna(), out["value"] * f, out["value"])
    return out
