"""The one rule for "too uncertain to rank or act on", shared by combine, optimise and report.

A channel's estimate is too uncertain when its interval is wider than twice the
estimate's size, i.e. the interval spans more than ±100% of the estimate (or the
estimate is zero / missing). The reconciled table flags such channels, and the
report never puts them in a headline.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: An interval wider than this multiple of ``|estimate|`` is too uncertain.
MAX_WIDTH_RATIO = 2.0


def too_uncertain(estimate: npt.ArrayLike, low: npt.ArrayLike, high: npt.ArrayLike) -> np.ndarray:
    """Element-wise: True where ``high - low > 2 * |estimate|`` or a value is missing.

    Example
    -------
    >>> too_uncertain([10.0, 10.0], [5.0, -15.0], [15.0, 30.0]).tolist()
    [False, True]
    """
    est = np.abs(np.asarray(estimate, dtype=float))
    width = np.asarray(high, dtype=float) - np.asarray(low, dtype=float)
    missing = ~np.isfinite(est) | ~np.isfinite(width)
    with np.errstate(invalid="ignore"):
        wide = width > MAX_WIDTH_RATIO * est
    return np.asarray(missing | wide | (est == 0), dtype=bool)
