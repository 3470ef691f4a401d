"""The individual-level process of the simulated world, one chunk of customers at a time.

Per customer ``i`` and week ``t`` (see the package docstring for the full model)::

    x_c,i(t) ~ Poisson(mu_c,i(t)),  mu_c,i(t) = a_c,seg(i) * F_c(d_c(t)) * on_c,i(t)
    A_c,i(t) = x_c,i(t) + decay_c * A_c,i(t-1)                       (geometric adstock)
    rate_i(t) = b_i * m(t) + sum_c beta_c * s_i * (1 - exp(-A_c,i(t) / k_c))
    purchases_i(t) = PoissonInverse(U_i(t); rate_i(t))               (one uniform per cell)

Every random stream is keyed by (seed, purpose[, channel], chunk), so removing or
rescaling one channel leaves every other draw unchanged (common random numbers).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtri

from attribution.data.simulator.config import ChannelSpec, SimulationConfig
from attribution.data.simulator.truth import adstock

GOLDEN = 0.6180339887498949
STREAM_CUSTOMERS, STREAM_CONVERT, STREAM_VALUE, STREAM_TIME = 1, 2, 3, 4
STREAM_SERIES, STREAM_HOLDOUT, STREAM_EXPOSURE, STREAM_TRIGGER, STREAM_IDS = 5, 6, 7, 8, 9
WEEK_SECONDS = 7 * 24 * 3600


def stream(seed: int, *key: int) -> np.random.Generator:
    """An independent random stream for ``(seed, *key)``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def channel_key(name: str) -> int:
    """A stable integer key for a channel name (used in stream keys)."""
    return zlib.crc32(name.encode("utf-8"))


def hash_uniform(keys: np.ndarray, seed: int, purpose: int) -> np.ndarray:
    """Uniforms in [0, 1) from integer keys (splitmix64): the same key, the same number.

    Used for per-purchase draws, so a purchase keeps its value and time in every
    counterfactual world whatever other purchases exist.

    Example
    -------
    >>> u = hash_uniform(np.arange(3, dtype=np.uint64), 0, 1)
    >>> bool(((u >= 0) & (u < 1)).all())
    True
    """
    with np.errstate(over="ignore"):
        salt = np.uint64((seed * 0x9E3779B97F4A7C15 + purpose * 0xD1B54A32D192ED03) % 2**64)
        z = np.asarray(keys, dtype=np.uint64) + salt + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def poisson_inverse(u: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Poisson counts by inversion: the smallest ``k`` with ``CDF(k; rate) >= u``.

    Monotone in ``rate`` for a fixed ``u`` -- the basis of common random numbers.

    Example
    -------
    >>> poisson_inverse(np.array([0.1, 0.5, 0.99]), np.array([1.0, 1.0, 1.0])).tolist()
    [0, 1, 4]
    """
    u = np.asarray(u, dtype=float)
    rate = np.maximum(np.asarray(rate, dtype=float), 0.0)
    p = np.exp(-rate)
    count = np.zeros(u.shape, dtype=np.int64)
    active = np.flatnonzero(u > p)
    if active.size == 0:
        return count
    uu, rr, pp = u.ravel()[active], rate.ravel()[active], p.ravel()[active]
    cdf = pp.copy()
    flat = count.ravel()
    k = 0
    while active.size:
        flat[active] += 1
        k += 1
        pp = pp * rr / k
        cdf = cdf + pp
        keep = uu > cdf
        if k > 1000:  # numerical tail guard
            break
        active, uu, rr, pp, cdf = active[keep], uu[keep], rr[keep], pp[keep], cdf[keep]
    return flat.reshape(u.shape)


def segment_targeting(targeting: float, segments: int) -> np.ndarray:
    """Exposure intensity per intent segment, ``exp(targeting * centred rank)``, mean 1.

    Example
    -------
    >>> segment_targeting(0.0, 3).tolist()
    [1.0, 1.0, 1.0]
    """
    raw = np.exp(targeting * (np.arange(segments) - (segments - 1) / 2))
    return raw / raw.mean()


@dataclass(frozen=True)
class ChannelPlan:
    """A channel's weekly exposure intensity and carry-over, fixed for the whole world."""

    spec: ChannelSpec
    index: int
    mu: np.ndarray  # F_c(d_c(t)) per week, exposures per customer-week at a = 1
    a: np.ndarray  # targeting per segment
    weights: np.ndarray  # carry-over weights w_l
    active: np.ndarray  # weeks with driver > 0 (triggered touches only then)
    test_weeks: np.ndarray  # lift-test window (empty without a test)
    holdout: float  # lift-test treated share (0 without a test)
    # exposure intensity of the treated group in the test weeks, F_c((1 + change) d_c(t))
    # for a budget change; None: a holdout (no exposure)
    test_mu: np.ndarray | None = None
    spend_change: float | None = None  # the budget change's relative change (None: holdout)


@dataclass
class Accumulator:
    """Sums over chunks; everything the truth and the panel need."""

    weeks: int
    channels: int
    segments: int
    base_sales: float = 0.0  # sum_i v_i b_i
    base_conv: float = 0.0  # sum_i b_i
    w_sales: np.ndarray = field(default=None)  # type: ignore[assignment]  (C, S, 2)
    w_conv: np.ndarray = field(default=None)  # type: ignore[assignment]
    real_sales: np.ndarray = field(default=None)  # type: ignore[assignment]  (C,) CRN
    real_conv: np.ndarray = field(default=None)  # type: ignore[assignment]
    lift: dict[str, np.ndarray] = field(default_factory=dict)  # channel -> [n,sum,sumsq] x2

    def __post_init__(self) -> None:
        c, s = self.channels, self.segments
        self.w_sales, self.w_conv = np.zeros((c, s, 2)), np.zeros((c, s, 2))
        self.real_sales, self.real_conv = np.zeros(c), np.zeros(c)


@dataclass
class ChunkEvents:
    """Sparse events of one chunk (global customer indices)."""

    touch_customer: list[np.ndarray] = field(default_factory=list)
    touch_seconds: list[np.ndarray] = field(default_factory=list)
    touch_channel: list[np.ndarray] = field(default_factory=list)
    touch_campaign: list[np.ndarray] = field(default_factory=list)
    conv_customer: np.ndarray | None = None
    conv_seconds: np.ndarray | None = None
    conv_value: np.ndarray | None = None


def simulate_chunk(
    cfg: SimulationConfig,
    plans: list[ChannelPlan],
    base_mult: np.ndarray,
    chunk: int,
    first: int,
    n: int,
    acc: Accumulator,
) -> ChunkEvents:
    """Simulate customers ``first .. first + n - 1``; add their sums to ``acc``."""
    seed, nweeks, nseg = cfg.seed, cfg.weeks, cfg.segments
    rng = stream(seed, STREAM_CUSTOMERS, chunk)
    intent = rng.standard_normal(n)
    cuts = ndtri(np.arange(1, nseg) / nseg)
    seg = np.searchsorted(cuts, intent)
    base = cfg.baseline_rate * np.exp(cfg.intent_sd * intent - cfg.intent_sd**2 / 2)
    suscept = rng.gamma(4.0, 0.25, n)
    value = cfg.value_mean * np.exp(0.3 * rng.standard_normal(n) - 0.045)
    acc.base_sales += float(value @ base)
    acc.base_conv += float(base.sum())

    rate = base[:, None] * base_mult[None, :]
    effects = np.zeros((len(plans), n, nweeks))
    ev = ChunkEvents()
    cust_ids = np.arange(first, first + n, dtype=np.int64)
    for plan in plans:
        spec, ci = plan.spec, plan.index
        key = channel_key(spec.name)
        held = np.zeros(n, dtype=bool)
        if plan.holdout > 0:
            held = stream(seed, STREAM_HOLDOUT, key, chunk).random(n) < plan.holdout
        for flag in (0, 1):
            sel = held == bool(flag)
            vs, ss = value[sel] * suscept[sel], suscept[sel]
            acc.w_sales[ci, :, flag] += np.bincount(seg[sel], weights=vs, minlength=nseg)
            acc.w_conv[ci, :, flag] += np.bincount(seg[sel], weights=ss, minlength=nseg)
        mu = plan.a[seg][:, None] * plan.mu[None, :]
        if plan.test_weeks.size and held.any():
            mu[np.ix_(held, plan.test_weeks)] = (
                0.0 if plan.test_mu is None else plan.a[seg[held]][:, None] * plan.test_mu[None, :]
            )
        rng_c = stream(seed, STREAM_EXPOSURE, key, chunk)
        x = rng_c.poisson(mu)
        if spec.beta > 0:
            effects[ci] = (
                spec.beta * suscept[:, None] * -np.expm1(-adstock(x, spec.decay) / spec.saturation)
            )
            rate += effects[ci]
            # expected effects need no per-customer work: they follow from the group
            # weights in ``acc`` (truth.channel_response)
        if spec.interaction is not None:
            rows, weeks = np.nonzero(x)
            reps = x[rows, weeks]
            rows, weeks = np.repeat(rows, reps), np.repeat(weeks, reps)
            secs = weeks * WEEK_SECONDS + rng_c.integers(0, WEEK_SECONDS, rows.size)
            ev.touch_customer.append(cust_ids[rows])
            ev.touch_seconds.append(secs)
            ev.touch_channel.append(np.full(rows.size, ci, dtype=np.int16))
            ev.touch_campaign.append(rng_c.integers(0, max(1, len(spec.campaigns)), rows.size))

    u = stream(seed, STREAM_CONVERT, chunk).random((n, nweeks))
    count = poisson_inverse(u, rate)
    rows, weeks = np.nonzero(count)
    reps = count[rows, weeks]
    # values: the j-th purchase of a cell uses the cell's uniform rotated by j * golden ratio
    cell = (first + rows).astype(np.uint64) * np.uint64(nweeks) + weeks.astype(np.uint64)
    uv = hash_uniform(cell, seed, STREAM_VALUE)
    r_rows, r_weeks = np.repeat(rows, reps), np.repeat(weeks, reps)
    start = np.repeat(np.cumsum(reps) - reps, reps)
    j = np.arange(r_rows.size) - start
    uj = np.mod(np.repeat(uv, reps) + j * GOLDEN, 1.0)
    sd = cfg.value_sd
    vals = np.round(
        value[r_rows] * np.exp(sd * ndtri(np.clip(uj, 1e-12, 1 - 1e-12)) - sd**2 / 2), 2
    )
    cell_u, cell_rate = u[rows, weeks], rate[rows, weeks]
    for plan in plans:
        ci = plan.index
        if plan.spec.beta <= 0:
            continue
        minus = poisson_inverse(cell_u, cell_rate - effects[ci][rows, weeks])
        lost = j >= np.repeat(minus, reps)
        acc.real_conv[ci] += float((reps - minus).sum())
        acc.real_sales[ci] += float(vals[lost].sum())

    ev.conv_customer = cust_ids[r_rows]
    r_cell = np.repeat(cell, reps) * np.uint64(64) + j.astype(np.uint64)
    ev.conv_seconds = r_weeks * WEEK_SECONDS + (
        hash_uniform(r_cell, seed, STREAM_TIME) * WEEK_SECONDS
    ).astype(np.int64)
    ev.conv_value = vals
    for plan in plans:  # lift-test outcome sums: as-is (0) vs treated (1) customers
        if plan.holdout <= 0:
            continue
        held = (
            stream(seed, STREAM_HOLDOUT, channel_key(plan.spec.name), chunk).random(n)
            < plan.holdout
        )
        in_win = np.isin(r_weeks, plan.test_weeks)
        y = np.bincount(r_rows[in_win], weights=vals[in_win], minlength=n)
        sums = acc.lift.setdefault(plan.spec.name, np.zeros((2, 3)))
        for flag in (0, 1):
            yy = y[held == bool(flag)]
            sums[flag] += (yy.size, yy.sum(), (yy**2).sum())
    _triggered(cfg, plans, chunk, ev, r_weeks)
    return ev


def _triggered(
    cfg: SimulationConfig,
    plans: list[ChannelPlan],
    chunk: int,
    ev: ChunkEvents,
    conv_weeks: np.ndarray,
) -> None:
    """Non-causal touches placed just before purchases (navigational search, in-store)."""
    for plan in plans:
        spec = plan.spec
        if spec.triggered_share <= 0 or spec.interaction is None or ev.conv_seconds is None:
            continue
        rng = stream(cfg.seed, STREAM_TRIGGER, channel_key(spec.name), chunk)
        hit = (rng.random(conv_weeks.size) < spec.triggered_share) & plan.active[conv_weeks]
        lead = rng.integers(60, 3600, conv_weeks.size)[hit]
        ev.touch_customer.append(ev.conv_customer[hit])
        ev.touch_seconds.append(np.maximum(ev.conv_seconds[hit] - lead, 0))
        ev.touch_channel.append(np.full(int(hit.sum()), plan.index, dtype=np.int16))
        ev.touch_campaign.append(rng.integers(0, max(1, len(spec.campaigns)), int(hit.sum())))
