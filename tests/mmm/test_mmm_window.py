"""Channel totals over a reporting window: a quarter of a model fitted on two years."""

from __future__ import annotations

import numpy as np
import pytest

from attribution.mmm.analysis import channel_table


def test_window_totals_add_up_and_follow_the_weeks(fitted) -> None:
    res = fitted
    T, n = res.panel.n_weeks, res.n_train
    full = channel_table(res)
    first = np.arange(T) < 13  # a quarter
    rest = ~first & (np.arange(T) < n)  # the other fitted weeks
    a, b = channel_table(res, weeks=first), channel_table(res, weeks=rest)
    # per-draw sums are linear: the two windows' mean contributions add up to the whole fit
    np.testing.assert_allclose(a.contribution + b.contribution, full.contribution, rtol=1e-9)
    # spend is the panel's spend in the window's fitted weeks (holdout weeks never count)
    np.testing.assert_allclose(a.spend, res.panel.media[:13].sum(axis=(0, 1)), rtol=1e-12)
    np.testing.assert_allclose(b.spend, res.panel.media[13:n].sum(axis=(0, 1)), rtol=1e-12)
    assert a.contribution.sum() < 0.3 * full.contribution.sum()  # 13 of 96 fitted weeks
    held_out = channel_table(res, weeks=np.arange(T) >= n)  # a window in the holdout counts
    np.testing.assert_allclose(held_out.spend, res.panel.media[n:].sum(axis=(0, 1)), rtol=1e-12)
    assert (held_out.contribution > 0).all()
    np.testing.assert_allclose(a.roi, a.contribution / a.spend, rtol=0.25)  # mean of ratios
    assert (a.contribution_low <= a.contribution).all() and (
        a.contribution <= a.contribution_high
    ).all()
    pd_all = channel_table(res, weeks=np.arange(T) < n)  # the fitted weeks: the default
    assert pd_all.contribution.tolist() == pytest.approx(full.contribution.tolist(), rel=1e-12)
