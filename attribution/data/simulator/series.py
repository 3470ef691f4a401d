"""Weekly series of the simulated world: calendar, controls and channel drivers.

Pure functions of a numpy Generator; the world draws them once from its own stream.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from attribution.data.simulator.config import ChannelSpec


def week_starts(start: dt.date, weeks: int) -> list[dt.date]:
    """Mondays ``start, start + 7 days, ...`` (``weeks`` of them).

    Example
    -------
    >>> week_starts(dt.date(2024, 1, 1), 2)
    [datetime.date(2024, 1, 1), datetime.date(2024, 1, 8)]
    """
    return [start + dt.timedelta(weeks=i) for i in range(weeks)]


def easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm).

    Example
    -------
    >>> easter(2024)
    datetime.date(2024, 3, 31)
    """
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month = (h + ell - 7 * m + 114) // 31
    day = (h + ell - 7 * m + 114) % 31 + 1
    return dt.date(year, month, day)


def holiday_flags(weeks: list[dt.date]) -> np.ndarray:
    """1.0 for weeks containing New Year, Easter, Black Friday or Christmas, else 0.0."""
    days: set[dt.date] = set()
    for year in {w.year for w in weeks} | {weeks[-1].year + 1}:
        nov1 = dt.date(year, 11, 1)
        thanksgiving = nov1 + dt.timedelta(days=(3 - nov1.weekday()) % 7 + 21)
        days |= {
            dt.date(year, 1, 1),
            easter(year),
            thanksgiving + dt.timedelta(days=1),
            dt.date(year, 12, 25),
        }
    return np.array([float(any(w <= d < w + dt.timedelta(days=7) for d in days)) for w in weeks])


def controls(rng: np.random.Generator, weeks: list[dt.date]) -> dict[str, np.ndarray]:
    """Controls and the baseline multiplier.

    Returns ``price`` (index around 1), ``promo`` (0/1), ``holiday`` (0/1) and
    ``multiplier``: seasonality x price^-1.5 x (1 + 0.3 promo) x (1 + 0.2 holiday) x trend,
    normalised to mean 1; it scales every customer's baseline purchase rate.
    """
    n = len(weeks)
    doy = np.array([w.timetuple().tm_yday for w in weeks], dtype=float)
    season = 1 + 0.15 * np.sin(2 * np.pi * (doy / 365.25 - 0.2))
    season += np.array([0.25 if (w.month == 12 and w.day <= 24) else 0.0 for w in weeks])
    walk = np.cumsum(rng.normal(0.0, 0.01, n))
    price = np.round(1.0 + walk - walk.mean(), 4)
    promo = (rng.random(n) < 0.12).astype(float)
    holiday = holiday_flags(weeks)
    trend = 1 + 0.1 * np.arange(n) / 52
    mult = season * price**-1.5 * (1 + 0.3 * promo) * (1 + 0.2 * holiday) * trend
    return {"price": price, "promo": promo, "holiday": holiday, "multiplier": mult / mult.mean()}


def driver(rng: np.random.Generator, spec: ChannelSpec, n: int) -> np.ndarray:
    """Weekly driver of a channel, mean ``spec.level`` (per customer for spend channels).

    Patterns: ``always_on`` (seasonal wave x noise), ``bursts`` (TV flights: on 3-6
    weeks, off 2-6), ``monthly`` (a drop every 4 weeks), ``constant``, ``organic``
    (posts x engagement per post).
    """
    t = np.arange(n)
    if spec.pattern == "constant":
        return np.full(n, spec.level)
    if spec.pattern == "always_on":
        wave = 1 + 0.3 * np.sin(2 * np.pi * t / 52 + rng.uniform(0, 2 * np.pi))
        noise = np.exp(np.convolve(rng.normal(0, 0.25, n + 3), np.ones(4) / 2, "valid"))
        raw = wave * noise[:n]
    elif spec.pattern == "bursts":
        raw = np.zeros(n)
        i = int(rng.integers(0, 4))
        while i < n:
            on = int(rng.integers(3, 7))
            raw[i : i + on] = rng.uniform(1.5, 2.5)
            i += on + int(rng.integers(2, 7))
    elif spec.pattern == "monthly":
        raw = np.where(t % 4 == int(rng.integers(0, 4)), rng.lognormal(0, 0.3, n), 0.0)
    else:  # organic: engagement = posts x engagement per post
        posts = rng.poisson(6, n) + 1
        raw = posts * rng.lognormal(0, 0.3, n)
    if raw.sum() <= 0:
        raw = np.ones(n)
    return spec.level * raw / raw.mean()


def organic_detail(rng: np.random.Generator, engagement: np.ndarray) -> dict[str, np.ndarray]:
    """Posts and mentions that go with an organic engagement series (descriptive only)."""
    n = engagement.size
    posts = np.maximum(
        1, np.round(engagement / max(engagement.mean(), 1e-9) * 6 + rng.normal(0, 1, n))
    )
    mentions = np.round(engagement * 25 * rng.lognormal(0, 0.2, n))
    return {"posts": posts, "engagement": np.round(engagement, 3), "mentions": mentions}
