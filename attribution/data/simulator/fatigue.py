"""A journey world with contact fatigue and known truth (frequency response per channel).

Each customer ``i`` has a latent intent ``u_i ~ Normal(0, intent_sd)``. Every week
``t`` and channel ``c`` the customer gets ``n_ict ~ Poisson(mean_c * w_ct * exp(
targeting * u_i))`` touches: ``w_ct`` is a campaign multiplier that varies from week
to week (so one customer sees different frequencies in different weeks), and
``targeting > 0`` sends more contacts to customers who would buy anyway. A customer
converts in week ``t`` with probability::

    sigmoid(base_logit + u_i + sum_c f_c(n_ict)),
    f_c(n) = gain_c * min(n, peak_c) - fatigue_c * max(n - peak_c, 0)

so each touch helps up to ``peak_c`` touches a week and every touch beyond it hurts.
Intent drives both frequency and conversion, so the raw conversion rate by frequency
keeps rising past the peak: only a model that holds the customer fixed recovers
``peak_c``. The truth (``peak``, ``gain``, ``fatigue``, ``f_c(n)``) is returned with the
logs. Touches fall Monday to Saturday, conversions on Sunday evening, so a week's
touches precede its conversion.

Example
-------
>>> w = simulate_fatigue(FatigueConfig(customers=200, weeks=8, seed=1))
>>> sorted(w.truth["peak"].items())
[('display', 3), ('email', 2)]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from attribution.errors import UsageError


@dataclass(frozen=True)
class FatigueChannel:
    """One channel of the fatigue world: weekly mean touches and its frequency response."""

    name: str
    mean: float = 1.5
    peak: int = 2
    gain: float = 0.35
    fatigue: float = 0.30
    online: bool = True


DEFAULT_FATIGUE_CHANNELS = (
    FatigueChannel("email", mean=1.6, peak=2, gain=0.40, fatigue=0.12),
    FatigueChannel("display", mean=2.0, peak=3, gain=0.30, fatigue=0.12),
)


@dataclass(frozen=True)
class FatigueConfig:
    """Settings of the fatigue world.

    Parameters
    ----------
    customers, weeks, seed : size and random seed.
    channels : the channels and their true frequency response.
    base_logit : weekly conversion log-odds of an average customer without touches.
    intent_sd : spread of the latent intent (log-odds scale).
    targeting : how strongly touch frequency follows intent (0 = untargeted).
    campaign_sd : log-sd of the week-to-week campaign multiplier.
    start : first Monday.
    """

    customers: int = 3000
    weeks: int = 26
    seed: int = 0
    channels: tuple[FatigueChannel, ...] = DEFAULT_FATIGUE_CHANNELS
    base_logit: float = -3.4
    intent_sd: float = 1.5
    targeting: float = 0.8
    campaign_sd: float = 0.45
    value_mean: float = 50.0
    start: dt.date = dt.date(2024, 1, 1)

    def __post_init__(self) -> None:
        if self.customers < 1 or self.weeks < 2:
            raise UsageError("the fatigue world needs at least 1 customer and 2 weeks")
        if self.start.weekday() != 0:
            raise UsageError(f"start {self.start} is not a Monday")
        for c in self.channels:
            if c.peak < 0 or c.mean <= 0:
                raise UsageError(f"channel {c.name}: peak must be >= 0 and mean > 0")


def touch_effect(n: np.ndarray, channel: FatigueChannel) -> np.ndarray:
    """True log-odds effect of ``n`` touches a week: rises to the peak, then falls.

    Example
    -------
    >>> touch_effect(np.arange(5), FatigueChannel("x", peak=2, gain=0.5, fatigue=0.25)).tolist()
    [0.0, 0.5, 1.0, 0.75, 0.5]
    """
    n = np.asarray(n, dtype=float)
    return channel.gain * np.minimum(n, channel.peak) - channel.fatigue * np.maximum(
        n - channel.peak, 0.0
    )


@dataclass(frozen=True)
class FatigueWorld:
    """Touchpoints, conversions, customer attributes and the truth of a fatigue world."""

    config: FatigueConfig
    touchpoints: pd.DataFrame
    conversions: pd.DataFrame
    customers: pd.DataFrame
    panel: pd.DataFrame  # customer-week: customer_id, week, converted, one count per channel
    truth: dict[str, Any]


def simulate_fatigue(config: FatigueConfig | None = None) -> FatigueWorld:
    """Simulate the fatigue world (deterministic for a given config)."""
    cfg = config or FatigueConfig()
    rng = np.random.default_rng(cfg.seed)
    n, w = cfg.customers, cfg.weeks
    intent = rng.normal(0.0, cfg.intent_sd, n)
    eta = np.full((n, w), cfg.base_logit) + intent[:, None]
    counts = {}
    for c in cfg.channels:
        camp = np.exp(rng.normal(-0.5 * cfg.campaign_sd**2, cfg.campaign_sd, w))
        lam = c.mean * camp[None, :] * np.exp(cfg.targeting * intent)[:, None]
        k = rng.poisson(lam)
        counts[c.name] = k
        eta = eta + touch_effect(k, c)
    converted = rng.random((n, w)) < 1.0 / (1.0 + np.exp(-eta))
    width = len(str(n))
    ids = np.array([f"f{i:0{width}d}" for i in range(n)])
    start = pd.Timestamp(cfg.start)
    touch_frames = []
    for c in cfg.channels:
        k = counts[c.name]
        cust, week = np.nonzero(k)
        reps = k[cust, week]
        cust, week = np.repeat(cust, reps), np.repeat(week, reps)
        secs = rng.integers(0, 6 * 86400, len(cust))  # Monday to Saturday
        touch_frames.append(
            pd.DataFrame(
                {
                    "customer_id": ids[cust],
                    "timestamp": start + pd.to_timedelta(week * 7 * 86400 + secs, unit="s"),
                    "channel": c.name,
                    "interaction": "click" if c.online else "visit",
                }
            )
        )
    touches = (
        pd.concat(touch_frames, ignore_index=True)
        .sort_values(["timestamp", "customer_id", "channel"], kind="mergesort")
        .reset_index(drop=True)
    )
    cc, cw = np.nonzero(converted)
    conv = (
        pd.DataFrame(
            {
                "customer_id": ids[cc],
                "timestamp": start
                + pd.to_timedelta(cw * 7 * 86400 + 6 * 86400 + 20 * 3600, unit="s"),
                "value": np.round(rng.lognormal(np.log(cfg.value_mean), 0.4, len(cc)), 2),
                "order_id": [f"fo{i}" for i in range(len(cc))],
            }
        )
        .sort_values(["timestamp", "customer_id"], kind="mergesort")
        .reset_index(drop=True)
    )
    tier = np.where(intent > np.quantile(intent, 0.7), "gold", "standard")
    region = rng.choice(np.array(["north", "south"]), n)
    customers = pd.DataFrame({"customer_id": ids, "tier": tier, "region": region})
    panel = pd.DataFrame(
        {
            "customer_id": np.repeat(ids, w),
            "week": np.tile(np.arange(w), n),
            "converted": converted.reshape(-1).astype(int),
            **{name: k.reshape(-1) for name, k in counts.items()},
        }
    )
    truth = {
        "model": "weekly conversion logit = base + intent + sum_c f_c(touches); f_c rises by "
        "gain_c per touch up to peak_c and falls by fatigue_c per touch beyond",
        "peak": {c.name: c.peak for c in cfg.channels},
        "gain": {c.name: c.gain for c in cfg.channels},
        "fatigue": {c.name: c.fatigue for c in cfg.channels},
        "effect": {c.name: touch_effect(np.arange(11), c).round(6).tolist() for c in cfg.channels},
        "targeting": cfg.targeting,
    }
    return FatigueWorld(cfg, touches, conv, customers, panel, truth)
