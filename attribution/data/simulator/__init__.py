"""A simulated marketing world with known truth.

Customers have a latent purchase intent (segment) that sets their baseline purchase
rate, a susceptibility to marketing and a mean order value. Each week, channel
exposures are Poisson draws whose mean follows the channel's weekly spend through a
diminishing-returns curve, targeted by intent (brand search and retargeting display
reach mostly customers who would buy anyway). Exposures carry over (geometric adstock)
and saturate per customer; the purchase rate is additive::

    rate_i(t) = b_i * m(t) + sum_c beta_c * s_i * (1 - exp(-adstock_c,i(t) / k_c))

so expected sales split exactly into a baseline and one term per channel, and the
expected response of sales to any channel's spend has a closed form
(:mod:`attribution.data.simulator.truth`). Brand search and store visits also get
non-causal touches placed just before purchases (navigational search, in-store buys).
TV and organic social act on everyone but never appear in journeys. Lift tests hold
out a random share of customers from a channel for a window, in the world itself.

Public API: :func:`simulate`, :class:`SimulationConfig`, :class:`World`,
:func:`load_truth`, :func:`expected_sales`, :func:`channel_response`,
:func:`optimal_allocation`, :func:`truth_frame`; a journey world with contact fatigue
and a known peak frequency: :func:`simulate_fatigue` (:mod:`.fatigue`).
"""

from attribution.data.simulator.config import (
    DEFAULT_CHANNELS,
    ChannelSpec,
    LiftTestSpec,
    SimulationConfig,
)
from attribution.data.simulator.fatigue import FatigueConfig, simulate_fatigue
from attribution.data.simulator.truth import (
    channel_response,
    expected_sales,
    load_truth,
    optimal_allocation,
    truth_frame,
)
from attribution.data.simulator.world import World, simulate

__all__ = [
    "DEFAULT_CHANNELS",
    "ChannelSpec",
    "FatigueConfig",
    "LiftTestSpec",
    "SimulationConfig",
    "World",
    "channel_response",
    "expected_sales",
    "load_truth",
    "optimal_allocation",
    "simulate",
    "simulate_fatigue",
    "truth_frame",
]
