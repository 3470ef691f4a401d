"""Settings of the simulated world (frozen dataclasses).

A world is described by :class:`SimulationConfig`; its channels by :class:`ChannelSpec`.
Driver levels of spend channels are per customer and week, so sales and spend scale
with the number of customers while ROIs stay the same.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import numpy as np

from attribution.errors import UsageError

KINDS = ("paid_online", "paid_offline", "owned", "offline_touch", "mass_media", "organic")
DRIVERS = ("spend", "activity", "none")
PATTERNS = ("always_on", "bursts", "monthly", "constant", "organic")


@dataclass(frozen=True)
class ChannelSpec:
    """One channel of the world.

    Parameters
    ----------
    name : channel name (as in touchpoints and ``spend_<name>`` / ``activity_<name>``).
    kind : one of ``KINDS``.
    interaction : touch interaction written to touchpoints, or None (never in journeys).
    driver : ``"spend"`` (money), ``"activity"`` (organic units), ``"none"`` (constant).
    level : mean weekly driver: spend per customer and week, or activity units per week.
    pattern : weekly pattern of the driver, one of ``PATTERNS``.
    max_exposures : exposures per customer-week at infinite driver level.
    half_level : driver level (per customer for spend) at 63% of ``max_exposures``,
        as a multiple of ``level``.
    targeting : slope of log exposure intensity over intent segments (0 = untargeted;
        large = shown mostly to customers who would buy anyway).
    beta : causal effect, conversions per customer-week at full individual saturation.
    decay : geometric carry-over of an exposure per week (adstock).
    saturation : individual saturation scale ``k`` in ``1 - exp(-adstock / k)``.
    triggered_share : share of conversions preceded by a non-causal touch of this channel
        (navigational brand search, in-store purchase); only while the channel is active.
    campaigns : campaign names drawn uniformly for touches.
    role : one sentence on the channel's causal role, copied into truth.json.
    """

    name: str
    kind: str
    interaction: str | None
    driver: str
    level: float
    pattern: str
    max_exposures: float
    half_level: float
    targeting: float
    beta: float
    decay: float
    saturation: float
    triggered_share: float = 0.0
    campaigns: tuple[str, ...] = ()
    role: str = ""


@dataclass(frozen=True)
class LiftTestSpec:
    """A lift experiment on ``holdout`` share of customers (the treated group) for the
    window: they see no ``channel`` (``spend_change`` None), or see it as if its spend
    were multiplied by ``1 + spend_change`` (a budget-change test; the measured lift is
    then the sales gained by the change, in full-market terms)."""

    channel: str
    start_week: int
    weeks: int = 8
    holdout: float = 0.3
    spend_change: float | None = None


DEFAULT_CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec(
        "search_generic",
        "paid_online",
        "click",
        "spend",
        0.020,
        "always_on",
        max_exposures=0.040,
        half_level=1.0,
        targeting=0.4,
        beta=0.060,
        decay=0.3,
        saturation=1.0,
        campaigns=("generic_category", "generic_product"),
        role="clicks on non-brand search ads; a real causal effect",
    ),
    ChannelSpec(
        "search_brand",
        "paid_online",
        "click",
        "spend",
        0.012,
        "always_on",
        max_exposures=0.030,
        half_level=1.0,
        targeting=1.6,
        beta=0.002,
        decay=0.2,
        saturation=1.0,
        triggered_share=0.35,
        campaigns=("brand_exact",),
        role="selection bias: shown to customers who would buy anyway and clicked "
        "on the way to a purchase; almost no causal effect",
    ),
    ChannelSpec(
        "display",
        "paid_online",
        "impression",
        "spend",
        0.015,
        "always_on",
        max_exposures=0.060,
        half_level=1.5,
        targeting=0.9,
        beta=0.012,
        decay=0.5,
        saturation=1.0,
        campaigns=("retargeting", "prospecting"),
        role="retargeting-heavy display: targeted by intent, small causal effect",
    ),
    ChannelSpec(
        "social_paid",
        "paid_online",
        "impression",
        "spend",
        0.015,
        "always_on",
        max_exposures=0.050,
        half_level=1.0,
        targeting=0.0,
        beta=0.035,
        decay=0.5,
        saturation=1.0,
        campaigns=("social_video", "social_carousel"),
        role="paid social, untargeted reach; a real causal effect",
    ),
    ChannelSpec(
        "email",
        "owned",
        "click",
        "spend",
        0.005,
        "always_on",
        max_exposures=0.040,
        half_level=0.5,
        targeting=0.5,
        beta=0.040,
        decay=0.3,
        saturation=1.0,
        campaigns=("newsletter", "promo_mail"),
        role="e-mail clicks (spend = sending cost); a real causal effect",
    ),
    ChannelSpec(
        "direct_mail",
        "paid_offline",
        "impression",
        "spend",
        0.012,
        "monthly",
        max_exposures=0.030,
        half_level=1.0,
        targeting=0.3,
        beta=0.080,
        decay=0.6,
        saturation=1.0,
        campaigns=("catalogue",),
        role="monthly catalogue drops; a real causal effect with long carry-over",
    ),
    ChannelSpec(
        "call_centre",
        "offline_touch",
        "visit",
        "none",
        1.0,
        "constant",
        max_exposures=0.006,
        half_level=0.0,
        targeting=1.0,
        beta=0.050,
        decay=0.2,
        saturation=1.0,
        campaigns=("inbound",),
        role="inbound calls of interested customers, no spend; agents sell, so a "
        "modest causal effect",
    ),
    ChannelSpec(
        "store_visit",
        "offline_touch",
        "visit",
        "none",
        1.0,
        "constant",
        max_exposures=0.010,
        half_level=0.0,
        targeting=0.8,
        beta=0.0,
        decay=0.2,
        saturation=1.0,
        triggered_share=0.25,
        campaigns=("store",),
        role="store visits of interested customers and in-store purchases, no "
        "spend; no causal effect",
    ),
    ChannelSpec(
        "tv",
        "mass_media",
        None,
        "spend",
        0.040,
        "bursts",
        max_exposures=1.5,
        half_level=1.0,
        targeting=0.0,
        beta=0.004,
        decay=0.7,
        saturation=2.0,
        role="TV flights reach everyone; never appears in journeys",
    ),
    ChannelSpec(
        "organic_social",
        "organic",
        None,
        "activity",
        20.0,
        "organic",
        max_exposures=0.8,
        half_level=1.0,
        targeting=0.0,
        beta=0.002,
        decay=0.4,
        saturation=2.0,
        role="organic social engagement (thousands per week), no spend, no journeys",
    ),
)


#: unpaid intent touches added by ``Pitfalls.organic_touches``: searches and visits of
#: customers already in the market; they follow demand and cause nothing
ORGANIC_TOUCH_CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec(
        "organic_search",
        "organic",
        "click",
        "none",
        1.0,
        "constant",
        max_exposures=0.9,
        half_level=30.0,
        targeting=1.2,
        beta=0.0,
        decay=0.2,
        saturation=1.0,
        triggered_share=0.2,
        campaigns=("organic",),
        role="unpaid search clicks of in-market customers: follows demand; no causal effect",
    ),
    ChannelSpec(
        "direct",
        "organic",
        "visit",
        "none",
        1.0,
        "constant",
        max_exposures=0.6,
        half_level=30.0,
        targeting=1.4,
        beta=0.0,
        decay=0.2,
        saturation=1.0,
        triggered_share=0.15,
        campaigns=("direct",),
        role="typed-in visits of customers who know the brand: follows demand; no causal effect",
    ),
)
#: channels whose budgets follow the planned season under ``Pitfalls.seasonal_budgets``
SEASONAL_CHANNELS = ("tv", "social_paid", "display")
#: channels bought per click on demand under ``Pitfalls.demand_search``
DEMAND_SEARCH_CHANNELS = ("search_brand",)
#: CRM channels sent to past buyers under ``Pitfalls.crm_past_buyers``
CRM_CHANNELS = ("email",)
CRM_TARGETING = 2.2


@dataclass(frozen=True)
class Pitfalls:
    """What makes a simulated world look like a real advertiser's data; each off or on.

    The defaults reproduce the plain world (the demo): only the store touches are on.

    Parameters
    ----------
    demand_search : paid brand search bought on demand: weekly clicks follow the
        latent demand and spend = clicks x a noisy cost per click.
    seasonal_budgets : TV, paid social and display budgets planned higher in the high
        season (they follow the forecast baseline, not the latent shocks).
    crm_past_buyers : e-mail is sent to past buyers: strongly targeted at high-intent
        customers, its weekly volume following the last four weeks of demand.
    organic_touches : unpaid ``organic_search`` and ``direct`` touches in the logs,
        their volume following demand (no causal effect).
    store_touches : offline ``store_visit`` touches in the logs.
    intent_strength : log-scale sd of the latent weekly demand shock (AR(1), 0.8
        autocorrelation) that moves every customer's baseline; no control sees it.
        0 switches it off.
    query_volume : also write ``query_volume.csv`` (date, query_volume): the demand a
        search-trends export would show (demand x 5% measurement noise).
    """

    demand_search: bool = False
    seasonal_budgets: bool = False
    crm_past_buyers: bool = False
    organic_touches: bool = False
    store_touches: bool = True
    intent_strength: float = 0.0
    query_volume: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.intent_strength <= 2.0:
            raise UsageError(f"intent_strength must be between 0 and 2, got {self.intent_strength}")

    @classmethod
    def realistic(cls, intent_strength: float = 0.25) -> Pitfalls:
        """Every pitfall on (a world built like a real advertiser's)."""
        return cls(True, True, True, True, True, intent_strength, True)

    def channels(self, channels: tuple[ChannelSpec, ...]) -> tuple[ChannelSpec, ...]:
        """The channel list under these settings (idempotent)."""
        out = [c for c in channels if self.store_touches or c.name != "store_visit"]
        if self.crm_past_buyers:
            out = [
                replace(c, targeting=CRM_TARGETING) if c.name in CRM_CHANNELS else c for c in out
            ]
        names = {c.name for c in out}
        if self.organic_touches:
            out += [c for c in ORGANIC_TOUCH_CHANNELS if c.name not in names]
        return tuple(out)


@dataclass(frozen=True)
class SimulationConfig:
    """Settings of one simulated world.

    Parameters
    ----------
    seed : random seed; the same config gives identical output.
    customers : number of customers.
    weeks : number of weeks (the panel has one row per week).
    start : first Monday of the period.
    channels : the channels (default: 10 channels, see ``DEFAULT_CHANNELS``).
    spend_multipliers : (channel, factor) pairs scaling a channel's driver (0 removes it).
    baseline_rate : mean purchases per customer and week without marketing.
    intent_sd : spread of latent purchase intent (log scale of the baseline rate).
    segments : number of intent segments used for targeting.
    value_mean : mean order value; ``value_sd`` the log-sd of order values.
    alt_id_share : share of touches logged under a cookie/device/loyalty id.
    lift_tests : holdout experiments run in the world; None places the default three
        (search_generic, social_paid, display; 8 weeks, 30% holdout) across the period.
    chunk_size : customers simulated at once (bounds memory).
    pitfalls : the settings that make the world realistic (:class:`Pitfalls`); they
        edit the channel list on construction.
    """

    seed: int = 0
    customers: int = 50_000
    weeks: int = 104
    start: dt.date = dt.date(2024, 1, 1)
    channels: tuple[ChannelSpec, ...] = DEFAULT_CHANNELS
    spend_multipliers: tuple[tuple[str, float], ...] = ()
    baseline_rate: float = 0.012
    intent_sd: float = 0.9
    segments: int = 5
    value_mean: float = 60.0
    value_sd: float = 0.5
    alt_id_share: float = 0.3
    lift_tests: tuple[LiftTestSpec, ...] | None = None
    chunk_size: int = 10_000
    pitfalls: Pitfalls = field(default_factory=Pitfalls)

    def __post_init__(self) -> None:
        object.__setattr__(self, "channels", self.pitfalls.channels(tuple(self.channels)))
        if self.customers < 1:
            raise UsageError("customers must be at least 1")
        if self.weeks < 2:
            raise UsageError("weeks must be at least 2")
        if self.start.weekday() != 0:
            raise UsageError(f"start {self.start} is not a Monday")
        names = [c.name for c in self.channels]
        if len(set(names)) != len(names):
            raise UsageError(f"duplicate channel names in {names}")
        for c in self.channels:
            if c.kind not in KINDS or c.driver not in DRIVERS or c.pattern not in PATTERNS:
                raise UsageError(f"channel {c.name}: bad kind/driver/pattern")
        for name, factor in self.spend_multipliers:
            if name not in names or factor < 0:
                raise UsageError(f"spend multiplier {name}={factor}: unknown channel or < 0")
        tested = [lt.channel for lt in self.tests()]
        if len(set(tested)) != len(tested):
            raise UsageError(f"at most one lift test per channel, got {tested}")
        for lt in self.tests():
            if lt.channel not in names:
                raise UsageError(f"lift test on unknown channel {lt.channel}")
            if not (lt.start_week >= 0 and lt.start_week + lt.weeks <= self.weeks):
                raise UsageError(f"lift test on {lt.channel} does not fit in {self.weeks} weeks")
            if not 0 < lt.holdout < 1:
                raise UsageError("lift test holdout must be between 0 and 1")
            if lt.spend_change is not None and not (
                np.isfinite(lt.spend_change) and lt.spend_change > -1 and lt.spend_change != 0
            ):
                raise UsageError(
                    f"lift test on {lt.channel}: spend_change must be above -1 and not 0 "
                    "(None: a holdout)"
                )

    def tests(self) -> tuple[LiftTestSpec, ...]:
        """The lift tests of this world (the default placement when ``lift_tests`` is None)."""
        if self.lift_tests is not None:
            return self.lift_tests
        names = {c.name for c in self.channels}
        length = max(1, min(8, self.weeks // 6))
        plan = (("search_generic", 0.3), ("social_paid", 0.55), ("display", 0.8))
        return tuple(
            LiftTestSpec(n, min(int(f * self.weeks), self.weeks - length), length, 0.3)
            for n, f in plan
            if n in names
        )

    def multiplier(self, name: str) -> float:
        """The driver multiplier of channel ``name`` (1 unless set)."""
        return float(dict(self.spend_multipliers).get(name, 1.0))

    def with_multiplier(self, name: str, factor: float) -> SimulationConfig:
        """A copy with channel ``name``'s driver scaled by ``factor``."""
        mult = dict(self.spend_multipliers)
        mult[name] = factor
        return replace(self, spend_multipliers=tuple(sorted(mult.items())))
