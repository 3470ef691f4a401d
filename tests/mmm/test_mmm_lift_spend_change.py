"""Lift tests of a budget change (``spend_change``): the model's predicted lift for that
change, through adstock and saturation, and the contract's checks.

Hand-computed case (as in ``test_mmm_lift_carryover``): one channel, geometric adstock
(alpha = 0.5, l_max = 4, normalised weights 8/15, 4/15, 2/15, 1/15), logistic
saturation with lam = 1 (``tanh(x / 2)``), beta = 2 (scaled units), scales of 1. Spend 1
in weeks 4 and 5 (the test window) and nowhere else. Spend +50% there (times 1.5):

    week 4: adstock 8/15 -> 12/15      week 6: 6/15 -> 9/15
    week 5: 12/15 -> 18/15             week 7: 3/15 -> 4.5/15

so a test measured over weeks 4-5 gains ``2 (tanh(6/15) - tanh(4/15) + tanh(9/15) -
tanh(6/15)) = 2 (tanh(9/15) - tanh(4/15))``, and measured until the end of week 7 also
``2 (tanh(4.5/15) - tanh(3/15) + tanh(2.25/15) - tanh(1.5/15))``. Half the switch-off
lift (a linear scaling) would be ``tanh(4/15) + tanh(6/15)``, 12% more.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from attribution.data import load_lift_tests
from attribution.errors import InputError
from attribution.mmm.lift import parse_lift_tests
from attribution.mmm.model import Layout, lift_data, lift_effect
from attribution.mmm.panel import Panel, Scaling
from attribution.mmm.spec import ChannelSpec, MMMSpec

T = 12
DATES = np.datetime64("2024-01-01", "D") + 7 * np.arange(T)  # Mondays
TAIL_END = str(DATES[7] + np.timedelta64(6, "D"))  # the Sunday closing week 7


def _setup(spend: np.ndarray, geos: tuple[str, ...] = ("all",)):
    spec = MMMSpec(channels=(ChannelSpec("tv", "spend_tv", l_max=4),), fourier_modes=0)
    G = len(geos)
    media = np.broadcast_to(spend.reshape(T, -1, 1), (T, G, 1)).copy()
    panel = Panel(DATES, geos, np.ones((T, G)), media, np.zeros((T, G, 0)), ("tv",), ())
    scaling = Scaling(1.0, (1.0,), (), str(DATES[0]), float(T - 1))
    return spec, panel, scaling, Layout.from_spec(spec)


def _frame(**extra) -> pd.DataFrame:
    row = {
        "channel": "tv",
        "start": str(DATES[4]),
        "end": str(DATES[5] + np.timedelta64(6, "D")),  # the Sunday closing week 5
        "lift": 1.0,
        "lift_se": 0.1,
        **extra,
    }
    return pd.DataFrame([row])


def _effect(spend, frame, geos=("all",), beta=2.0, alpha=0.5, lam=1.0):
    spec, panel, scaling, layout = _setup(spend, geos)
    tests, _ = parse_lift_tests(frame, spec, panel, T, file="lift_tests.csv")
    ld = lift_data(tests, panel, scaling, layout, T)
    params = {"alpha": np.array([[alpha]]), "lam": np.array([[lam]])}
    b = np.full((1, len(geos), 1), beta)
    return lift_effect(params, b, ld, layout)[0], ld


def _pulse() -> np.ndarray:
    spend = np.zeros(T)
    spend[[4, 5]] = 1.0
    return spend


def test_spend_increase_predicts_the_hand_computed_gain():
    eff, _ = _effect(_pulse(), _frame(spend_change=0.5))
    window = 2 * (math.tanh(9 / 15) - math.tanh(4 / 15))
    assert eff[0] == pytest.approx(window, abs=1e-12)
    linear = 0.5 * 2 * (math.tanh(4 / 15) + math.tanh(6 / 15))  # a scaled switch-off
    assert abs(eff[0] - linear) > 0.1 * window  # saturation, not a linear scaling


def test_spend_change_carry_over_counts_up_to_measured_until():
    eff, ld = _effect(_pulse(), _frame(spend_change=0.5, measured_until=TAIL_END))
    window = 2 * (math.tanh(9 / 15) - math.tanh(4 / 15))
    tail = 2 * (
        math.tanh(4.5 / 15) - math.tanh(3 / 15) + math.tanh(2.25 / 15) - math.tanh(1.5 / 15)
    )
    assert eff[0] == pytest.approx(window + tail, abs=1e-12)
    assert tail / window > 0.3
    assert ld.select.shape[1] == 4


def test_spend_cut_reads_as_a_negative_lift():
    eff, _ = _effect(_pulse(), _frame(spend_change=-0.3))
    x = 0.7
    want = 2 * (
        math.tanh(x * 4 / 15) - math.tanh(4 / 15) + math.tanh(x * 6 / 15) - math.tanh(6 / 15)
    )
    assert want < 0
    assert eff[0] == pytest.approx(want, abs=1e-12)


def test_spend_change_matches_a_brute_force_loop_with_spend_around_the_window():
    rng = np.random.default_rng(7)
    spend = rng.uniform(0.2, 1.0, T)
    alpha, lam, beta, x = 0.6, 1.7, 0.8, 0.8
    eff, _ = _effect(
        spend,
        _frame(spend_change=x, measured_until=str(DATES[8])),
        beta=beta,
        alpha=alpha,
        lam=lam,
    )
    w = alpha ** np.arange(4)
    w = w / w.sum()

    def weekly(s):
        return [
            beta * math.tanh(lam * sum(w[j] * s[t - j] for j in range(4) if t >= j) / 2)
            for t in range(T)
        ]

    up = spend.copy()
    up[[4, 5]] *= 1 + x
    expected = sum(a - b for a, b in zip(weekly(up)[4:9], weekly(spend)[4:9], strict=True))
    assert eff[0] == pytest.approx(expected, rel=1e-12)


def test_geo_spend_change_changes_only_its_geo():
    geos = ("north", "south")
    one, _ = _effect(_pulse(), _frame(spend_change=0.5, geo="north"), geos=geos)
    both, _ = _effect(_pulse(), _frame(spend_change=0.5), geos=geos)
    window = 2 * (math.tanh(9 / 15) - math.tanh(4 / 15))
    assert one[0] == pytest.approx(window, abs=1e-12)
    assert both[0] == pytest.approx(2 * window, abs=1e-12)


def test_without_spend_change_the_switch_off_meaning_is_unchanged_bit_for_bit():
    spend = np.random.default_rng(3).uniform(0.1, 1.0, T)
    plain, ld_plain = _effect(spend, _frame())
    blank, ld_blank = _effect(spend, _frame(spend_change=""))
    nan, ld_nan = _effect(spend, _frame(spend_change=np.nan))
    for ld in (ld_blank, ld_nan):
        assert np.array_equal(ld.factual, ld_plain.factual)
        assert np.array_equal(ld.counter, ld_plain.counter)
    assert plain[0] == blank[0] == nan[0]
    # the switch-off lift: the channel's whole contribution over weeks 4-5
    assert np.array_equal(ld_plain.counter[:, 0, :, 0, 0][0], [0.0, 0.0])


@pytest.mark.parametrize("bad", ["abc", "-1", "-1.5", "0", "inf"])
def test_bad_spend_change_is_one_clear_error(bad):
    spec, panel, _, _ = _setup(_pulse())
    with pytest.raises(InputError) as exc:
        parse_lift_tests(_frame(spend_change=bad), spec, panel, T, file="lift_tests.csv")
    e = exc.value
    assert (e.file, e.row, e.column, e.reason) == (
        "lift_tests.csv",
        2,
        "spend_change",
        "invalid_change",
    )
    assert "\n" not in str(e) and "0.5 for +50%" in str(e)


@pytest.mark.parametrize(
    ("value", "reason"),
    [("lots", "not_a_number"), ("-1", "invalid_change"), ("0", "invalid_change")],
)
def test_loader_rejects_a_bad_spend_change(tmp_path, value, reason):
    path = tmp_path / "lift_tests.csv"
    path.write_text(
        "channel,start,end,lift,lift_se,spend_change\n"
        "tv,2024-01-29,2024-02-11,100,10,0.5\n"
        f"tv,2024-03-04,2024-03-17,100,10,{value}\n"
    )
    with pytest.raises(InputError) as exc:
        load_lift_tests(path)
    assert (exc.value.row, exc.value.column, exc.value.reason) == (3, "spend_change", reason)
    ok = load_lift_tests(path, lenient=True)
    assert ok.accounting.used == 1
    assert ok.frame["spend_change"].tolist() == [0.5]
