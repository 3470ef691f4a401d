"""Channels whose effect the panel cannot separate from demand: partial identification.

A paid channel whose weekly spend follows demand (brand search bought per click), or
whose journey touches mostly come within hours of the purchase (navigational search,
store visits on the way to the till), moves with sales whether or not it causes them.
The media-mix model then credits it with the association, which bounds the causal
effect from above (the selection is positive: demand raises both), not the effect.
Without a lift test nothing in the panel tells how much of that association is causal.

So, for such a channel, each posterior draw's effect is multiplied by an *identified
share* drawn uniformly on [0, 1]: the causal effect lies anywhere between zero and the
association, and the intervals say so. The remainder moves to the baseline (it is
demand), so fitted sales, and every fit statistic, are unchanged. A lift test on the
channel identifies it and the channel is no longer treated this way.

The shares are drawn from a fixed seed, so the same fit gives the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: salt mixed into the seed so the shares never reuse the sampler's stream
_SALT = 0x1D5


def identified_share(
    n_draws: int, channels: Sequence[str], unidentified: Sequence[str], seed: int
) -> np.ndarray:
    """Per-draw share of each channel's fitted effect that counts as causal, ``(D, C)``.

    1 for identified channels; Uniform(0, 1) draws, one per posterior draw, for the
    ``unidentified`` ones (drawn in ``channels`` order, so the result does not depend
    on the order ``unidentified`` is given in).

    Example
    -------
    >>> s = identified_share(4, ["tv", "brand"], ["brand"], seed=1)
    >>> s[:, 0].tolist(), bool(((s[:, 1] >= 0) & (s[:, 1] <= 1)).all())
    ([1.0, 1.0, 1.0, 1.0], True)
    """
    unknown = set(unidentified) - set(channels)
    if unknown:
        raise ValueError(f"unidentified channels not in the model: {sorted(unknown)}")
    out = np.ones((n_draws, len(channels)))
    cols = [i for i, c in enumerate(channels) if c in set(unidentified)]
    if cols:
        rng = np.random.default_rng([int(seed), _SALT])
        out[:, cols] = rng.uniform(0.0, 1.0, size=(n_draws, len(cols)))
    return out


def zero_low(low: np.ndarray, unidentified: np.ndarray) -> np.ndarray:
    """Interval low ends (channels on the last axis) with each unidentified channel's set
    to 0: its identification region starts at no effect at all, whatever the quantile of
    its uniform identified share says (docs/methods-demand.md). The one rule for the
    model's tables and the plan's.

    Example
    -------
    >>> zero_low(np.array([2.0, 1.0]), np.array([False, True])).tolist()
    [2.0, 0.0]
    """
    return np.where(np.asarray(unidentified, dtype=bool), 0.0, low)
