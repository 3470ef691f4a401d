"""Compare every method's estimates with a simulated world's truth.

Writes the long ``truth_comparison.csv``: channel, quantity, method, estimate,
truth, rel_error. Quantities: ``incremental_sales`` (path value credit, MMM
contribution, calibrated and final contribution) and ``roi``. The gain from
combining is measured here, not claimed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def compare_with_truth(combined: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Long comparison of each method's estimate against the truth, with relative error.

    ``truth`` is indexed by channel with columns ``incremental_sales`` and ``roi``
    (NaN ROI for channels without spend). Relative error is
    ``(estimate - truth) / |truth|``; NaN when the truth is 0 (the absolute error
    is then the estimate itself).
    """
    rows: list[dict[str, object]] = []
    c = combined.set_index("channel")
    methods = {
        f"path_{col.removeprefix('path_value_')}": col
        for col in c.columns
        if col.startswith("path_value_")
    }
    methods |= {
        "mmm": "mmm_contribution",
        "calibrated": "calibrated_value",
        "final": "final_contribution",
    }
    for channel in truth.index:
        if channel not in c.index:
            continue
        for method, col in methods.items():
            _add(
                rows,
                channel,
                "incremental_sales",
                method,
                c.at[channel, col],
                truth.at[channel, "incremental_sales"],
            )
        if "roi" in truth.columns:
            for method, col in (("mmm", "mmm_roi"), ("final", "final_roi")):
                _add(rows, channel, "roi", method, c.at[channel, col], truth.at[channel, "roi"])
    out = pd.DataFrame(
        rows, columns=["channel", "quantity", "method", "estimate", "truth", "rel_error"]
    )
    return out.sort_values(["quantity", "channel", "method"], kind="stable").reset_index(drop=True)


def _add(
    rows: list[dict[str, object]],
    channel: str,
    quantity: str,
    method: str,
    estimate: float,
    truth: float,
) -> None:
    if estimate is None or truth is None or pd.isna(estimate) or pd.isna(truth):
        return
    rel = (estimate - truth) / abs(truth) if truth != 0 else np.nan
    rows.append(
        {
            "channel": channel,
            "quantity": quantity,
            "method": method,
            "estimate": float(estimate),
            "truth": float(truth),
            "rel_error": rel,
        }
    )


def error_summary(comparison: pd.DataFrame) -> pd.DataFrame:
    """Median (and mean) absolute relative error per (quantity, method), best first.

    The median leads: one channel with a near-zero true effect (e.g. brand search)
    has a huge relative error under every method and would dominate a mean.
    """
    ok = comparison.dropna(subset=["rel_error"]).assign(
        abs_rel_error=lambda d: d["rel_error"].abs()
    )
    g = ok.groupby(["quantity", "method"], as_index=False)["abs_rel_error"]
    out = g.median().rename(columns={"abs_rel_error": "median_abs_rel_error"})
    out["mean_abs_rel_error"] = g.mean()["abs_rel_error"].to_numpy()
    out["channels"] = g.size()["size"].to_numpy()
    return out.sort_values(["quantity", "median_abs_rel_error"], kind="stable")
