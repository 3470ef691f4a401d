"""Lift-test calibration, MTA contribution-share priors and ROI priors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from attribution.mmm import MMM, ChannelPriors
from attribution.mmm.lift import parse_lift_tests
from attribution.mmm.panel import read_panel


def _lift_frame(df, truth, channel, start, end, rel_se=0.03):
    lift = truth.lift(channel, start, end)
    return pd.DataFrame(
        {
            "channel": [truth.channels[channel]],
            "start": [df["date"].iloc[start]],
            "end": [df["date"].iloc[end]],
            "lift": [lift],
            "lift_se": [rel_se * lift],
        }
    )


def test_lift_test_narrows_interval_and_moves_toward_truth(fitted, world, spec, settings):
    df, truth = world
    c = 2  # ch3: the widest interval without calibration
    tests = pd.concat([_lift_frame(df, truth, c, 30, 41), _lift_frame(df, truth, c, 70, 81)])
    cal = MMM(spec, **settings).fit(df, lift_tests=tests)
    true_total = truth.contribution[: fitted.n_train, :, c].sum()
    base, new = fitted.to_frame().iloc[c], cal.to_frame().iloc[c]
    width = lambda r: r["contribution_high"] - r["contribution_low"]  # noqa: E731
    assert width(new) < 0.8 * width(base)
    assert (
        abs(new["contribution"] - true_total)
        <= abs(base["contribution"] - true_total) + 0.03 * true_total
    )
    assert new["contribution_low"] <= true_total <= new["contribution_high"]
    assert cal.settings["lift_tests"] == 2


def test_lift_tests_are_checked(world, spec):
    df, _ = world
    panel, _ = read_panel(df, spec)
    bad = pd.DataFrame(
        {
            "channel": ["ch1", "radio", "ch2"],
            "start": ["2023-03-06", "2023-03-06", "2030-01-01"],
            "end": ["2023-04-03", "2023-04-03", "2030-02-01"],
            "lift": [100.0, 50.0, 10.0],
            "lift_se": [10.0, 5.0, 1.0],
        }
    )
    tests, findings = parse_lift_tests(bad, spec, panel, 96)
    assert [t["channel"] for t in tests] == ["ch1"]
    assert {f.code for f in findings} == {"mmm.lift_unknown_channel", "mmm.lift_outside"}
    from attribution.errors import InputError

    neg = bad.iloc[[0]].assign(lift_se=[-1.0])
    with pytest.raises(InputError) as e:
        parse_lift_tests(neg, spec, panel, 96)
    assert e.value.row == 2 and e.value.column == "lift_se"


def test_share_prior_and_roi_prior_pull_the_posterior(fitted, world, spec, settings):
    df, truth = world
    n = fitted.n_train
    sales = df["sales"][:n].sum()
    true_share = truth.contribution[:n].sum(axis=(0, 1)) / sales
    true_roi = truth.contribution[:n].sum(axis=(0, 1)) / truth.spend[:n].sum(axis=(0, 1))
    # MTA seam: ch1's share stated firmly at 1.6x the truth; ROI prior on ch2 at 1.4x truth
    target_share = 1.6 * true_share[0]
    target_roi = 1.4 * true_roi[1]
    chans = list(spec.channels)
    chans[1] = dataclasses.replace(chans[1], roi_prior=(target_roi, 0.01 * target_roi))
    roi_spec = dataclasses.replace(spec, prior_mode="roi", channels=tuple(chans))
    res = MMM(roi_spec, **settings).fit(
        df, channel_priors=ChannelPriors({"ch1": (target_share, 0.01 * target_share)})
    )
    t = res.to_frame()
    assert t["share"].iloc[0] == pytest.approx(target_share, rel=0.05)
    assert t["roi"].iloc[1] == pytest.approx(target_roi, rel=0.05)
    base = fitted.to_frame()
    assert abs(base["share"].iloc[0] - target_share) > 0.2 * target_share
    assert "share_ch1" in res.posterior and "roi_ch2" in res.posterior
    assert res.settings["channel_priors"]["shares"] == {"ch1": [target_share, 0.01 * target_share]}


def test_prior_predictive_covers_observed(world, spec):
    df, _ = world
    pp = MMM(spec, seed=3).prior_predictive(df, samples=200)
    assert len(pp) == 96
    inside = ((pp["prior_low"] <= pp["observed"]) & (pp["observed"] <= pp["prior_high"])).mean()
    assert inside > 0.9  # weakly informative: the observed sales are plausible a priori
    assert (pp["prior_high"] - pp["prior_low"]).min() > 0
    assert np.isfinite(pp[["prior_low", "prior_median", "prior_high"]].to_numpy()).all()
