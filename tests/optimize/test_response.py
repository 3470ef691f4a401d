"""Curve math and the parametric response model, against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from attribution.errors import UsageError
from attribution.optimize.horizon import HorizonOutcome, interval_stats
from attribution.optimize.response import (
    ParametricResponse,
    adstock_path,
    exp_saturation,
    geometric_fraction,
    hill,
    hill_derivative,
    load_parametric,
    log_saturation,
    ramp_in,
)

from .conftest import NoGradient, hill_model


def test_hill_hand_values() -> None:
    # x=k -> 1/2; x=2k, s=2 -> 4/5; x=0 -> 0
    assert hill(
        np.array([10.0, 20.0, 0.0]), 10.0, np.array([1.0, 2.0, 2.0])
    ).tolist() == pytest.approx([0.5, 0.8, 0.0])
    # derivative s x^(s-1) k^s / (x^s + k^s)^2 at x=20, k=10, s=2: 2*20*100/500^2 = 0.016
    assert float(hill_derivative(np.array(20.0), 10.0, 2.0)) == pytest.approx(0.016)
    assert float(hill_derivative(np.array(0.0), 10.0, 1.0)) == pytest.approx(0.1)
    assert float(hill_derivative(np.array(0.0), 10.0, 2.0)) == 0.0


def test_exp_and_log_saturation_hand_values() -> None:
    assert float(exp_saturation(np.array(2.0), np.log(2.0))) == pytest.approx(0.75)
    assert float(log_saturation(np.array(3.0), 1.0)) == pytest.approx(np.log(4.0))


def test_ramp_in_matches_simulated_adstock() -> None:
    cur, new, decay = np.array([10.0, 0.0]), np.array([4.0, 8.0]), np.array([0.5, 0.9])
    frac = geometric_fraction(decay, 6)
    ramp = ramp_in(cur, new, frac)
    sim = adstock_path(np.tile(new, (6, 1)), frac, cur)
    np.testing.assert_allclose(ramp, sim)
    # first week of channel 0: 0.5*10 + 0.5*4 = 7
    assert ramp[0, 0] == pytest.approx(7.0)
    # the recursion a_t = d a_{t-1} + (1 - d) x_t, by hand, for a varying path
    path = np.array([[4.0, 8.0], [0.0, 2.0], [6.0, 1.0]])
    level, manual = cur.copy(), []
    for x in path:
        level = decay * level + (1 - decay) * x
        manual.append(level.copy())
    np.testing.assert_allclose(adstock_path(path, geometric_fraction(decay, 3), cur), manual)


@pytest.mark.parametrize(
    "curve,params",
    [
        ("hill", {"half": [[2.0, 5.0]], "shape": [[1.7, 0.9]]}),
        ("exponential", {"lam": [[0.3, 0.05]]}),
        ("log", {"k": [[2.0, 7.0]]}),
    ],
)
def test_gradient_matches_finite_differences(curve: str, params: dict) -> None:
    m = ParametricResponse(
        ("a", "b"),
        np.array([3.0, 4.0]),
        beta=np.array([[2.0, 5.0]]),
        curve=curve,
        params={k: np.array(v) for k, v in params.items()},
    )
    x = np.array([3.0, 4.0])
    h = 1e-6
    fd = [(m.response(x + h * e) - m.response(x - h * e))[0] / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(m.gradient(x)[0], fd, rtol=1e-6)


def test_response_shapes_and_batches() -> None:
    m = hill_model(n_draws=5)
    assert m.response(np.ones(3)).shape == (5,)
    assert m.response(np.ones((4, 2, 3))).shape == (5, 4, 2)
    batch = m.response(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    np.testing.assert_allclose(batch[:, 1], m.response(np.array([4.0, 5.0, 6.0])))


def test_horizon_steady_and_ramp_totals() -> None:
    m = ParametricResponse(
        ("a",),
        np.array([0.0]),
        beta=np.array([1.0]),
        curve="log",
        params={"k": np.array([1.0])},
        decay=np.array([0.5]),
    )
    steady = HorizonOutcome(m, 2).totals(np.array([1.0]))
    assert steady[0] == pytest.approx(2 * np.log(2.0))
    # from 0 to 1: effective 0.5 then 0.75
    ramp = HorizonOutcome(m, 2, "ramp").totals(np.array([1.0]))
    assert ramp[0] == pytest.approx(np.log(1.5) + np.log(1.75))
    # ramp gradient: d/ds [log(1+s/2) + log(1+3s/4)] at s=1 = (1/2)/1.5 + (3/4)/1.75
    g = HorizonOutcome(m, 2, "ramp").gradient(np.array([1.0]))
    assert g[0, 0] == pytest.approx(0.5 / 1.5 + 0.75 / 1.75)


def test_finite_difference_fallback_and_removal_contributions() -> None:
    m = hill_model(n_draws=20)
    bare = NoGradient(m)
    x = np.array([90.0, 60.0, 30.0])
    for mode in ("steady",):
        a, b = HorizonOutcome(m, 13, mode), HorizonOutcome(bare, 13, mode)
        np.testing.assert_allclose(b.gradient(x), a.gradient(x), rtol=1e-5)
        np.testing.assert_allclose(b.channel_totals(x), a.channel_totals(x), rtol=1e-9)


def test_ramp_needs_decay() -> None:
    with pytest.raises(UsageError, match="adstock information"):
        HorizonOutcome(NoGradient(hill_model(n_draws=3)), 4, "ramp")


def test_interval_stats() -> None:
    d = np.arange(1001.0)
    np.testing.assert_allclose(interval_stats(d, 0.8), [500.0, 100.0, 900.0])


def test_save_and_load_round_trip(tmp_path) -> None:
    m = hill_model(n_draws=4)
    m.save(tmp_path / "response.json")
    back = load_parametric(tmp_path / "response.json")
    x = np.array([[10.0, 20.0, 30.0]])
    np.testing.assert_allclose(back.response(x), m.response(x))
    assert back.channels == m.channels
    np.testing.assert_allclose(back.decay, m.decay)


def test_bad_parametric_model() -> None:
    with pytest.raises(UsageError, match="needs parameter"):
        ParametricResponse(
            ("a",),
            np.array([1.0]),
            beta=np.array([1.0]),
            curve="hill",
            params={"half": np.array([1.0])},
        )
    with pytest.raises(UsageError, match="unknown response curve"):
        ParametricResponse(("a",), np.array([1.0]), beta=np.array([1.0]), curve="cubic")
