"""Response curves tabulated on a grid of spend multipliers, read back by cubic Hermite
interpolation (pure math).

A fitted model's exact response to a plan can be costly to evaluate (a plan that keeps
each channel's weekly flighting is a sum over every fitted week), while the optimiser
asks for thousands of plans. For a model whose channels add up, each channel's curve
depends on that channel's multiplier only, so it is tabulated once per draw on a
uniform grid ``0, h, 2h, ...`` and read back by cubic Hermite interpolation, whose
slopes also give the gradient.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GridCurves:
    """Per-draw, per-channel curves on the multiplier grid ``0, step, ..., (K-1) step``.

    ``values`` and ``slopes`` are ``(K, draws, channels)``; slopes are d value / d
    multiplier. Queries beyond the grid's end are an error (:attr:`top`).
    """

    step: float
    values: np.ndarray
    slopes: np.ndarray

    @property
    def top(self) -> float:
        """The largest multiplier the grid covers."""
        return self.step * (self.values.shape[0] - 1)

    @classmethod
    def from_values(cls, values: np.ndarray, step: float) -> GridCurves:
        """Curves from their values on the grid; slopes by second-order differences.

        Example
        -------
        >>> x = np.linspace(0.0, 2.0, 9)
        >>> g = GridCurves.from_values((x**2)[:, None, None], 0.25)
        >>> round(float(g.evaluate(np.array([1.1]))[0][0, 0]), 6)
        1.21
        """
        v = np.asarray(values, dtype=float)
        return cls(float(step), v, np.gradient(v, float(step), axis=0, edge_order=2))

    def evaluate(self, multiplier: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Values and derivatives at ``multiplier`` ``(..., channels)``, one multiplier per
        channel, each ``(draws, ..., channels)``.

        Example
        -------
        >>> g = GridCurves.from_values(np.array([[[0.0]], [[1.0]], [[2.0]]]), 1.0)
        >>> [a.ravel().tolist() for a in g.evaluate(np.array([[0.5], [1.5]]))]
        [[0.5, 1.5], [1.0, 1.0]]
        """
        m = np.maximum(np.asarray(multiplier, dtype=float), 0.0)
        if m.size and float(m.max()) > self.top * (1 + 1e-12):
            raise ValueError(f"multiplier {float(m.max()):.4g} is beyond the grid (top {self.top})")
        K, C = self.values.shape[0], self.values.shape[-1]
        u = m / self.step
        i = np.minimum(np.floor(u).astype(int), K - 2)
        t = u - i  # (..., C) in [0, 1]
        col = np.arange(C)
        # gather -> (..., C, D), then draws first
        y0, y1 = self.values[i, :, col], self.values[i + 1, :, col]
        s0, s1 = self.slopes[i, :, col] * self.step, self.slopes[i + 1, :, col] * self.step
        t = t[..., None]
        t2, t3 = t * t, t * t * t
        val = (2 * t3 - 3 * t2 + 1) * y0 + (t3 - 2 * t2 + t) * s0 + (3 * t2 - 2 * t3) * y1
        val = val + (t3 - t2) * s1
        der = (6 * t2 - 6 * t) * (y0 - y1) + (3 * t2 - 4 * t + 1) * s0 + (3 * t2 - 2 * t) * s1
        der = der / self.step
        return np.moveaxis(val, -1, 0), np.moveaxis(der, -1, 0)

    def take(self, draws: np.ndarray) -> GridCurves:
        """The same curves for a subset of draws."""
        return GridCurves(self.step, self.values[:, draws], self.slopes[:, draws])
