"""``prior_mode = "share"`` splits media's share across channels by spend (default) or
flat: with the spend split the paid channels' ROIs are exchangeable a priori, so the
prior alone never moves a budget (benchmarks/results/truth.md, docs/methods-priors.md)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pymc as pm
import pytest

from attribution.errors import UsageError
from attribution.mmm import MMM, spec_from_dict
from attribution.mmm.priors import share_split_weights


def test_weights_by_spend_hand_computed():
    # 3 paid channels (spend 6, 3, 1) and one activity channel, which gets the paid
    # channels' mean spend (10 / 3); weights are normalised to mean 1
    w = share_split_weights([6.0, 3.0, 1.0, 50.0], [True, True, True, False])
    raw = np.array([6.0, 3.0, 1.0, 10.0 / 3.0])
    np.testing.assert_allclose(w, raw / raw.mean())
    assert w.mean() == pytest.approx(1.0)


def test_weights_flat_and_degenerate_cases():
    np.testing.assert_allclose(share_split_weights([6.0, 1.0], [True, True], "flat"), 1.0)
    # fewer than two paid channels with spend: nothing to split by spend
    np.testing.assert_allclose(share_split_weights([5.0, 9.0], [True, False]), 1.0)
    np.testing.assert_allclose(share_split_weights([0.0, 0.0], [True, True]), 1.0)
    # a paid channel without spend in the window is weighted like an activity channel
    np.testing.assert_allclose(share_split_weights([3.0, 1.0, 0.0], [True] * 3), [1.5, 0.5, 1.0])
    with pytest.raises(UsageError, match="share_split must be one of"):
        share_split_weights([1.0], [True], "even")


def test_spec_reads_share_split_and_refuses_unknown(world):
    df, _ = world
    cols = list(df.columns)
    assert spec_from_dict({}, cols).share_split == "spend"
    assert spec_from_dict({"model": {"share_split": "flat"}}, cols).share_split == "flat"
    with pytest.raises(UsageError, match="share_split must be one of"):
        spec_from_dict({"model": {"share_split": "even"}}, cols)


def test_prior_rois_are_exchangeable_with_the_spend_split(world, spec):
    """Prior draws of the built model: share / spend (the ROI up to one common factor)
    has the same distribution for every channel with the spend split (spend shares
    here 0.17, 0.25, 0.58), while the flat split gives each channel a third whatever
    its spend, so ROIs 3.4 times apart a priori."""
    df, _ = world
    n_train = len(df) - spec.holdout_weeks
    spend = np.array([df[c.column].iloc[:n_train].sum() for c in spec.channels])
    model = MMM(replace(spec, prior_mode="share"), seed=1).build(df)
    split = pm.draw(model["media_split"], draws=6000, random_seed=5)
    np.testing.assert_allclose(split.sum(axis=1), 1.0, rtol=1e-9)
    roi = split / spend
    # every channel ranks first equally often a priori
    first = np.bincount(roi.argmax(axis=1), minlength=3) / len(roi)
    np.testing.assert_allclose(first, 1 / 3, atol=0.03)
    med = np.median(roi, axis=0)
    np.testing.assert_allclose(med / med.mean(), 1.0, atol=0.06)
    # flat: the mean split is a third each, whatever the spend
    flat = MMM(replace(spec, prior_mode="share", share_split="flat"), seed=1).build(df)
    fs = pm.draw(flat["media_split"], draws=6000, random_seed=5)
    np.testing.assert_allclose(fs.mean(axis=0), 1 / 3, atol=0.02)
    fmed = np.median(fs / spend, axis=0)
    assert fmed[0] / fmed[2] == pytest.approx(spend[2] / spend[0], rel=0.15)
