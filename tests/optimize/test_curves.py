"""Tabulated response curves read back by cubic Hermite interpolation (exact cases)."""

from __future__ import annotations

import numpy as np
import pytest

from attribution.optimize.curves import GridCurves


def test_quadratics_are_reproduced_exactly_per_channel():
    # second-order slopes are exact for quadratics, and cubic Hermite then is too
    x = np.linspace(0.0, 4.0, 17)
    a = np.array([[1.0, -0.5], [2.0, 0.25]])  # (draws, channels): curve a x - 0.1 a x^2
    values = a[None] * (x - 0.1 * x**2)[:, None, None]
    g = GridCurves.from_values(values, 0.25)
    m = np.array([[0.3, 3.99], [2.5, 0.0], [4.0, 1.125]])  # one multiplier per channel
    val, der = g.evaluate(m)
    assert val.shape == der.shape == (2, 3, 2)
    np.testing.assert_allclose(val, a[:, None] * (m - 0.1 * m**2)[None], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(der, a[:, None] * (1 - 0.2 * m)[None], rtol=1e-12, atol=1e-12)


def test_beyond_the_grid_is_an_error_and_take_subsets_draws():
    g = GridCurves.from_values(np.arange(12.0).reshape(3, 2, 2), 0.5)
    assert g.top == 1.0
    with pytest.raises(ValueError, match="beyond the grid"):
        g.evaluate(np.array([0.5, 1.2]))
    sub = g.take(np.array([1]))
    np.testing.assert_allclose(
        sub.evaluate(np.array([0.25, 0.75]))[0], g.evaluate(np.array([0.25, 0.75]))[0][[1]]
    )
