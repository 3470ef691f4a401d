"""Lift tests measured in conversions, valued in sales (the model's target).

Hand-computed: a lift of 100 conversions (se 20) at 50 per conversion is a sales
lift of 5000 (se 1000); the likelihood term, and so the fit, is the one a sales
lift of 5000 gives.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from attribution.errors import InputError, UsageError
from attribution.mmm import MMM, spec_from_dict
from attribution.mmm.lift import parse_lift_tests
from attribution.mmm.model import Layout, lift_data
from attribution.mmm.panel import make_scaling, read_panel
from attribution.mmm.spec import needs_value_per_conversion

N_TRAIN = 96


def _row(**kw):
    base = {"channel": "ch1", "start": "2023-03-06", "end": "2023-04-02"}
    return pd.DataFrame([{**base, **kw}])


@pytest.fixture(scope="module")
def panel(world, spec):
    df, _ = world
    return read_panel(df, spec)[0]


def test_conversions_times_value_is_the_sales_lift(spec, panel):
    sales, _ = parse_lift_tests(_row(lift=5000.0, lift_se=1000.0), spec, panel, N_TRAIN)
    conv, found = parse_lift_tests(
        _row(lift=100.0, lift_se=20.0, metric="conversions", value_per_conversion=50.0),
        spec,
        panel,
        N_TRAIN,
    )
    assert conv[0]["lift"] == 5000.0 and conv[0]["lift_se"] == 1000.0
    assert conv[0]["metric"] == "conversions" and conv[0]["value_per_conversion"] == 50.0
    assert [f.code for f in found] == ["mmm.lift_conversions_valued"]
    assert "5,000 sales" in found[0].message
    scaling = make_scaling(panel, N_TRAIN)
    layout = Layout.from_spec(spec)
    a = lift_data(sales, panel, scaling, layout, N_TRAIN)
    b = lift_data(conv, panel, scaling, layout, N_TRAIN)
    for name in ("lift", "se", "factual", "counter", "select"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.lift[0] == pytest.approx(5000.0 / scaling.target)


def test_value_from_the_config_and_the_row_wins(spec, panel):
    cfg = replace(spec, value_per_conversion=40.0)
    t, _ = parse_lift_tests(
        _row(lift=100.0, lift_se=20.0, metric="conversions"), cfg, panel, N_TRAIN
    )
    assert (t[0]["lift"], t[0]["lift_se"]) == (4000.0, 800.0)
    both = pd.concat(
        [
            _row(lift=100.0, lift_se=20.0, metric="conversions", value_per_conversion=50.0),
            _row(lift=100.0, lift_se=20.0, metric="Conversions", value_per_conversion=np.nan),
            _row(lift=100.0, lift_se=20.0, metric=np.nan, value_per_conversion=np.nan),
        ]
    )
    t, _ = parse_lift_tests(both, cfg, panel, N_TRAIN)
    assert [x["lift"] for x in t] == [5000.0, 4000.0, 100.0]  # row, config, sales
    # the config round-trips through [calibration]
    again = spec_from_dict(cfg.to_dict())
    assert again.value_per_conversion == 40.0
    assert cfg.to_dict()["calibration"] == {"value_per_conversion": 40.0}


def test_missing_value_per_conversion_is_a_clear_error(spec, panel):
    frame = pd.concat(
        [_row(lift=10.0, lift_se=1.0), _row(lift=100.0, lift_se=20.0, metric="conversions")]
    )
    with pytest.raises(InputError) as e:
        parse_lift_tests(frame, spec, panel, N_TRAIN)
    assert e.value.row == 3 and e.value.column == "value_per_conversion"
    assert "value_per_conversion" in e.value.fix and "[calibration]" in e.value.fix
    # a test the model does not use (unknown channel) needs no value: a warning only
    t, found = parse_lift_tests(
        _row(channel="radio", lift=1.0, lift_se=1.0, metric="conversions"), spec, panel, N_TRAIN
    )
    assert t == [] and [f.code for f in found] == ["mmm.lift_unknown_channel"]
    with pytest.raises(InputError) as e:
        parse_lift_tests(_row(lift=1.0, lift_se=1.0, metric="orders"), spec, panel, N_TRAIN)
    assert e.value.column == "metric"
    with pytest.raises(InputError) as e:
        parse_lift_tests(
            _row(lift=1.0, lift_se=1.0, metric="conversions", value_per_conversion=-5.0),
            spec,
            panel,
            N_TRAIN,
        )
    assert e.value.column == "value_per_conversion"
    with pytest.raises(UsageError):
        spec_from_dict({"calibration": {"value_per_conversion": 0}})
    with pytest.raises(UsageError):
        spec_from_dict({"calibration": {"value_per_order": 3.0}})


def test_needs_value_per_conversion(spec):
    conv = _row(lift=1.0, lift_se=1.0, metric="conversions")
    assert needs_value_per_conversion(spec, conv)
    assert not needs_value_per_conversion(spec, conv.assign(value_per_conversion=3.0))
    assert not needs_value_per_conversion(spec, conv.assign(metric="sales"))
    assert not needs_value_per_conversion(spec, _row(lift=1.0, lift_se=1.0))
    assert not needs_value_per_conversion(replace(spec, value_per_conversion=2.0), conv)
    assert not needs_value_per_conversion(spec, None)


def test_pipeline_values_conversions_at_the_average_order_value():
    from attribution.pipeline.runner import _average_order_value
    from attribution.pipeline.state import RunState as _State

    st = _State(
        paths=pd.DataFrame(
            {
                "path": ["a", "b > a"],
                "total_conversions": [3, 1],
                "total_conversion_value": [120.0, 80.0],
                "total_null": [5, 5],
            }
        )
    )
    aov, source = _average_order_value(None, st)  # type: ignore[arg-type]
    assert aov == pytest.approx(50.0)  # (120 + 80) / (3 + 1)
    assert "paths" in source


def test_conversion_lift_fits_like_the_equal_sales_lift(fitted, world, spec, settings):
    df, truth = world
    c = 2
    lift = truth.lift(c, 30, 41)
    dates = df["date"]
    sales = pd.DataFrame(
        {
            "channel": ["ch3"],
            "start": [dates.iloc[30]],
            "end": [dates.iloc[41]],
            "lift": [lift],
            "lift_se": [0.03 * lift],
        }
    )
    conv = sales.assign(
        lift=lift / 50.0,
        lift_se=0.03 * lift / 50.0,
        metric="conversions",
        value_per_conversion=50.0,
    )
    # coefficient priors: under the default share prior, at this seed, the top of the 90%
    # interval lies 1.4% below the truth (40,378); the subject here is that a conversion
    # lift fits exactly like the equal sales lift
    spec = replace(spec, prior_mode="coefficient")
    a = MMM(spec, **settings).fit(df, lift_tests=sales).to_frame().iloc[c]
    b = MMM(spec, **settings).fit(df, lift_tests=conv).to_frame().iloc[c]
    base = fitted.to_frame().iloc[c]
    width = lambda r: r["contribution_high"] - r["contribution_low"]  # noqa: E731
    assert width(b) == pytest.approx(width(a), rel=1e-6)
    assert b["contribution"] == pytest.approx(a["contribution"], rel=1e-6)
    assert width(b) < 0.8 * width(base)
    true_total = truth.contribution[:N_TRAIN, :, c].sum()
    assert b["contribution_low"] <= true_total <= b["contribution_high"]
