import numpy as np
import pandas as pd
import pytest

from attribution.combine import calibrate_paths, compare_with_truth, reconcile

MTA = pd.DataFrame(
    {
        "model": ["markov"] * 3 + ["last_touch"] * 3,
        "channel": ["search", "social", "store_visit"] * 2,
        "conversions": [10.0, 6.0, 4.0, 14.0, 2.0, 4.0],
        "value": [1000.0, 600.0, 400.0, 1400.0, 200.0, 400.0],
    }
)
MMM = pd.DataFrame(
    {
        "channel": ["search", "social", "tv"],
        "spend": [500.0, 300.0, 1000.0],
        "contribution": [250.0, 900.0, 1500.0],
        "contribution_low": [150.0, 700.0, 100.0],
        "contribution_high": [350.0, 1100.0, 3200.0],
        "roi": [0.5, 3.0, 1.5],
        "roi_low": [0.3, 2.33, 0.1],
        "roi_high": [0.7, 3.67, 3.0],
        "mroi": [0.2, 1.5, 0.9],
    }
)


def test_reconcile_hand_computed():
    out = reconcile(MTA, MMM).set_index("channel")
    # every channel kept, none dropped
    assert sorted(out.index) == ["search", "social", "store_visit", "tv"]
    # calibration factor = MMM contribution / Markov value credit
    assert out.at["search", "calibration_factor"] == pytest.approx(250 / 1000)
    assert out.at["social", "calibration_factor"] == pytest.approx(900 / 600)
    # calibrated credit equals the MMM total for channels seen by both
    assert out.at["search", "calibrated_value"] == pytest.approx(250)
    assert out.at["social", "calibrated_value"] == pytest.approx(900)
    # flags
    assert out.at["search", "flag"] == "both"
    assert out.at["store_visit", "flag"] == "path_only"
    assert out.at["tv", "flag"] == "mmm_uncertain"  # interval 3100 wide > 2 x estimate 1500
    assert out.at["social", "flag"] == "both"  # 400 wide, estimate 900
    # final: MMM where modelled, path credit (not incremental) otherwise
    assert out.at["tv", "final_contribution"] == 1500
    assert out.at["store_visit", "final_contribution"] == 400
    assert np.isnan(out.at["store_visit", "final_roi"])
    assert out.at["social", "final_roi_low"] == pytest.approx(2.33)
    # per-model path credit columns are present for both models
    assert out.at["search", "path_value_last_touch"] == 1400
    assert out.at["search", "path_conversions_markov"] == 10


def test_conversions_without_touch_are_flagged_not_a_channel():
    extra = pd.DataFrame(
        {"model": ["markov"], "channel": ["(none)"], "conversions": [5.0], "value": [500.0]}
    )
    out = reconcile(pd.concat([MTA, extra]), MMM).set_index("channel")
    assert out.at["(none)", "flag"] == "no_touch"
    assert out.at["(none)", "final_contribution"] == 500  # kept, visible, never dropped


def test_reconcile_sorted_by_final_contribution():
    out = reconcile(MTA, MMM)
    assert list(out["channel"]) == ["tv", "social", "store_visit", "search"]


def test_reconcile_without_mmm_or_mta():
    only_paths = reconcile(MTA, None).set_index("channel")
    assert set(only_paths["flag"]) == {"path_only"}
    assert only_paths.at["search", "final_contribution"] == 1000
    only_mmm = reconcile(None, MMM).set_index("channel")
    assert set(only_mmm["flag"]) <= {"mmm_only", "mmm_uncertain"}
    assert only_mmm.at["social", "final_contribution"] == 900


def test_calibrate_paths_keeps_detail_and_sums_to_mmm():
    per_path = pd.DataFrame(
        {
            "path": ["a", "b", "c", "d"],
            "channel": ["search", "search", "social", "store_visit"],
            "value": [700.0, 300.0, 600.0, 400.0],
        }
    )
    per_path.loc[0, "value"] = 1400.0  # path-level credit need not sum to the channel credit
    out = calibrate_paths(per_path, MMM.set_index("channel")["contribution"])
    by_channel = out.groupby("channel")["calibrated_value"].sum()
    assert by_channel["search"] == pytest.approx(250)
    assert by_channel["social"] == pytest.approx(900)
    assert by_channel["store_visit"] == 400 and not out.iloc[3]["calibrated"]
    # the split inside a channel is preserved (1400 : 300)
    ratio = out.iloc[0]["calibrated_value"] / out.iloc[1]["calibrated_value"]
    assert ratio == pytest.approx(14 / 3)
    assert out.iloc[0]["calibration_factor"] == pytest.approx(250 / 1700)


def test_truth_comparison_relative_errors():
    combined = reconcile(MTA, MMM)
    truth = pd.DataFrame(
        {"incremental_sales": [200.0, 1000.0, 0.0, 1500.0], "roi": [0.4, 3.333, np.nan, 1.5]},
        index=pd.Index(["search", "social", "store_visit", "tv"], name="channel"),
    )
    cmp = compare_with_truth(combined, truth)
    row = cmp[
        (cmp.channel == "search")
        & (cmp.method == "path_markov")
        & (cmp.quantity == "incremental_sales")
    ].iloc[0]
    assert row.estimate == 1000 and row.truth == 200 and row.rel_error == pytest.approx(4.0)
    final = cmp[
        (cmp.channel == "search") & (cmp.method == "final") & (cmp.quantity == "incremental_sales")
    ].iloc[0]
    assert final.rel_error == pytest.approx(0.25)
    # zero truth: relative error undefined, kept as NaN rather than dropped
    zero = cmp[(cmp.channel == "store_visit") & (cmp.quantity == "incremental_sales")]
    assert len(zero) > 0 and zero["rel_error"].isna().all()
    assert set(cmp.columns) == {"channel", "quantity", "method", "estimate", "truth", "rel_error"}


def test_error_summary_median_is_robust_to_a_near_zero_truth():
    from attribution.combine import error_summary

    cmp = pd.DataFrame(
        {
            "channel": ["a", "b", "c"],
            "quantity": "incremental_sales",
            "method": "m",
            "estimate": [1.1, 0.9, 50.0],
            "truth": [1.0, 1.0, 0.5],
            "rel_error": [0.1, -0.1, 99.0],
        }
    )
    row = error_summary(cmp).iloc[0]
    assert row.median_abs_rel_error == pytest.approx(0.1)
    assert row.mean_abs_rel_error == pytest.approx(33.0667, rel=1e-4)
    assert row.channels == 3


def test_reconcile_without_mmm_keeps_a_zero_credit_channel():
    # regression: with no MMM the empty MMM frame was object-typed, and a channel with 0
    # Markov credit (a channel that never converts) divided object NaN by 0 and crashed
    long = pd.DataFrame(
        {
            "model": ["markov"] * 2,
            "channel": ["a", "b"],
            "conversions": [1.0, 0.0],
            "value": [5.0, 0.0],
        }
    )
    out = reconcile(long, None).set_index("channel")
    assert out.at["a", "final_contribution"] == pytest.approx(5.0)
    assert out.at["b", "final_contribution"] == pytest.approx(0.0)
    assert out.at["b", "flag"] == "path_only"
