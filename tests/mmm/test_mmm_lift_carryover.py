"""Lift tests measured over an outcome window that runs past the test (carry-over).

Hand-computed case: one channel, geometric adstock (alpha = 0.5, l_max = 4,
normalised weights 8/15, 4/15, 2/15, 1/15), logistic saturation with lam = 1
(``tanh(x / 2)``), beta = 2 (scaled units), scales of 1. Spend 1 in weeks 4 and
5 (the test window) and nowhere else, so switching it off removes everything:

    week 4: adstock 8/15            week 6: 4/15 + 2/15 = 6/15
    week 5: 8/15 + 4/15 = 12/15     week 7: 2/15 + 1/15 = 3/15

A test measured over weeks 4-5 sees ``2 (tanh(4/15) + tanh(6/15))``; measured
until the end of week 7 it also sees the tail ``2 (tanh(3/15) + tanh(1.5/15))``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from attribution.errors import InputError
from attribution.mmm.lift import parse_lift_tests
from attribution.mmm.model import Layout, lift_data, lift_effect
from attribution.mmm.panel import Panel, Scaling
from attribution.mmm.spec import ChannelSpec, MMMSpec

T = 12
DATES = np.datetime64("2024-01-01", "D") + 7 * np.arange(T)  # Mondays


def _setup(spend: np.ndarray, geos: tuple[str, ...] = ("all",)):
    spec = MMMSpec(channels=(ChannelSpec("tv", "spend_tv", l_max=4),), fourier_modes=0)
    G = len(geos)
    media = np.broadcast_to(spend.reshape(T, -1, 1), (T, G, 1)).copy()
    panel = Panel(DATES, geos, np.ones((T, G)), media, np.zeros((T, G, 0)), ("tv",), ())
    scaling = Scaling(1.0, (1.0,), (), str(DATES[0]), float(T - 1))
    return spec, panel, scaling, Layout.from_spec(spec)


def _frame(until=None, **extra):
    row = {
        "channel": "tv",
        "start": str(DATES[4]),
        "end": str(DATES[5] + np.timedelta64(6, "D")),  # the Sunday closing week 5
        "lift": 1.0,
        "lift_se": 0.1,
        **extra,
    }
    if until is not None:
        row["measured_until"] = until
    return pd.DataFrame([row])


def _effect(spend, frame, beta=2.0, alpha=0.5, lam=1.0, geos=("all",)):
    spec, panel, scaling, layout = _setup(spend, geos)
    tests, _ = parse_lift_tests(frame, spec, panel, T)
    ld = lift_data(tests, panel, scaling, layout, T)
    params = {"alpha": np.array([[alpha]]), "lam": np.array([[lam]])}
    b = np.full((1, len(geos), 1), beta)
    return lift_effect(params, b, ld, layout)[0], ld, tests


def _pulse():
    spend = np.zeros(T)
    spend[[4, 5]] = 1.0
    return spend


def test_window_only_by_default():
    eff, ld, tests = _effect(_pulse(), _frame())
    assert tests[0]["measured_until"] is None
    assert eff[0] == pytest.approx(2 * (math.tanh(4 / 15) + math.tanh(6 / 15)), abs=1e-12)
    assert ld.select.shape[1] == 2  # two outcome weeks


def test_outcome_window_two_weeks_after_includes_the_tail_exactly():
    until = str(DATES[7] + np.timedelta64(6, "D"))  # the Sunday closing week 7
    eff, ld, _ = _effect(_pulse(), _frame(until))
    window = 2 * (math.tanh(4 / 15) + math.tanh(6 / 15))
    tail = 2 * (math.tanh(3 / 15) + math.tanh(1.5 / 15))
    assert eff[0] == pytest.approx(window + tail, abs=1e-12)
    assert tail / window > 0.3  # a tail a wrong implementation could not hide
    assert ld.select.shape[1] == 4
    # a blank measured_until is the window itself
    blank, _, _ = _effect(_pulse(), _frame(""))
    assert blank[0] == pytest.approx(window, abs=1e-12)


def test_tail_with_spend_around_the_window_matches_a_brute_force_loop():
    rng = np.random.default_rng(4)
    spend = rng.uniform(0.2, 1.0, T)
    until = str(DATES[8])  # a Monday: week 8 overlaps the outcome window
    alpha, lam, beta = 0.6, 1.7, 0.8
    eff, _, _ = _effect(spend, _frame(until), beta=beta, alpha=alpha, lam=lam)
    w = alpha ** np.arange(4)
    w = w / w.sum()

    def weekly(x):
        return [
            beta * math.tanh(lam * sum(w[j] * x[t - j] for j in range(4) if t >= j) / 2)
            for t in range(T)
        ]

    off = spend.copy()
    off[[4, 5]] = 0.0
    on_, off_ = weekly(spend), weekly(off)
    expected = sum(on_[t] - off_[t] for t in range(4, 9))
    assert eff[0] == pytest.approx(expected, rel=1e-12)
    assert on_[3] == off_[3]  # nothing changes before the window


def test_geo_test_switches_off_only_its_geo():
    until = str(DATES[7] + np.timedelta64(6, "D"))
    one, _, _ = _effect(_pulse(), _frame(until, geo="north"), geos=("north", "south"))
    both, _, _ = _effect(_pulse(), _frame(until), geos=("north", "south"))
    window_tail = 2 * (
        math.tanh(4 / 15) + math.tanh(6 / 15) + math.tanh(3 / 15) + math.tanh(1.5 / 15)
    )
    assert one[0] == pytest.approx(window_tail, abs=1e-12)
    assert both[0] == pytest.approx(2 * window_tail, abs=1e-12)


def test_the_model_uses_the_same_formula():
    import pytensor.tensor as pt

    until = str(DATES[7] + np.timedelta64(6, "D"))
    eff, ld, _ = _effect(_pulse(), _frame(until))
    _, _, _, layout = _setup(_pulse())
    sym = lift_effect(
        {"alpha": pt.as_tensor(np.array([0.5])), "lam": pt.as_tensor(np.array([1.0]))},
        pt.as_tensor(np.array([[2.0]])),
        ld,
        layout,
        xp=pt,
    )
    assert float(sym.eval()[0]) == pytest.approx(float(eff[0]), abs=1e-10)


def test_outcome_window_is_checked():
    spec, panel, _, _ = _setup(_pulse())
    with pytest.raises(InputError) as e:
        parse_lift_tests(_frame(str(DATES[3])), spec, panel, T)  # before the end
    assert e.value.row == 2 and e.value.column == "measured_until"
    with pytest.raises(InputError) as e:
        parse_lift_tests(_frame("2030-01-01"), spec, panel, T)  # past the panel
    assert e.value.column == "measured_until" and "panel" in e.value.what
    with pytest.raises(InputError) as e:
        parse_lift_tests(_frame("soon"), spec, panel, T)
    assert e.value.reason == "bad_date"


def test_lift_test_loader_reads_the_new_columns(tmp_path):
    from attribution.data import load_lift_tests

    p = tmp_path / "lift.csv"
    p.write_text(
        "channel,start,end,lift,lift_se,metric,value_per_conversion,measured_until\n"
        "paid_social,2026-03-02,2026-03-29,84200,21000,sales,,2026-04-12\n"
        "search_brand,2026-05-04,2026-05-31,1210,300,conversions,68.5,\n"
    )
    f = load_lift_tests(p).frame
    assert f["value_per_conversion"].isna().tolist() == [True, False]
    assert f["value_per_conversion"].iloc[1] == 68.5
    assert str(f["measured_until"].iloc[0].date()) == "2026-04-12"
    assert f["measured_until"].isna().tolist() == [False, True]
    p.write_text(
        "channel,start,end,lift,lift_se,measured_until\ntv,2026-03-02,2026-03-29,10,2,2026-03-20\n"
    )
    with pytest.raises(InputError) as e:
        load_lift_tests(p)
    assert (e.value.row, e.value.column) == (2, "measured_until")
    p.write_text(
        "channel,start,end,lift,lift_se,metric,value_per_conversion\n"
        "tv,2026-03-02,2026-03-29,10,2,conversions,0\n"
    )
    with pytest.raises(InputError) as e:
        load_lift_tests(p)
    assert (e.value.row, e.value.column) == (2, "value_per_conversion")
    assert "greater than 0" in e.value.fix


def test_outcome_window_checked_against_the_panel(tmp_path):
    from attribution.data import check_lift_tests_against_panel, load_lift_tests, load_media

    media = tmp_path / "m.csv"
    pd.DataFrame({"date": DATES.astype(str), "sales": 100.0, "spend_tv": 1.0}).to_csv(
        media, index=False
    )
    lift = tmp_path / "l.csv"
    lift.write_text(
        "channel,start,end,lift,lift_se,measured_until\n"
        f"tv,{DATES[2]},{DATES[3]},10,2,{DATES[11] + np.timedelta64(6, 'D')}\n"
        f"tv,{DATES[4]},{DATES[5]},10,2,{DATES[11] + np.timedelta64(7, 'D')}\n"
    )
    with pytest.raises(InputError) as e:
        check_lift_tests_against_panel(load_lift_tests(lift), load_media(media))
    assert (e.value.row, e.value.column) == (3, "measured_until")
