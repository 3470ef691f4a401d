"""Online <-> offline journeys: who researches online and buys offline, and the reverse.

A converting journey with at least two touches is classified by its *closing* touch (the
last touch before the conversion) and the touches before it:

* ``online_to_offline`` (research online, buy offline): some online touch before an
  offline closing touch;
* ``offline_to_online`` (the reverse): some offline touch before an online closing touch.

A journey can be neither (all online, all offline, or a single touch); with touches of
both kinds before the close it counts in the direction of its close. Shares are of the
converting journeys with a touch, with Wilson score intervals (statsmodels), overall and
per segment value. The channels that *start* (first touch) and *close* (last touch) the
journeys of each direction are counted too. Which channels are offline is a setting
(``offline``); market figures are context for the report, never an input here.

Example
-------
>>> p = pd.DataFrame({"path": ["search > store_visit", "store_visit > email", "email"],
...     "total_conversions": [3, 1, 6], "total_null": [5, 0, 2]})
>>> f = online_offline(p)
>>> f[f["role"] == "all"][["direction", "journeys", "base"]].values.tolist()
[['online_to_offline', 3, 10], ['offline_to_online', 1, 10]]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from attribution.mta.paths import DEFAULT_SEP
from attribution.rundir import ONLINE_OFFLINE_COLUMNS

OFFLINE_DEFAULT: frozenset[str] = frozenset(
    {
        "store_visit",
        "store",
        "call_centre",
        "call_center",
        "direct_mail",
        "tv",
        "print",
        "radio",
        "ooh",
        "catalogue",
        "event",
    }
)
DIRECTIONS = ("online_to_offline", "offline_to_online")
NO_TOUCH = "(none)"
O2O_COLUMNS = ONLINE_OFFLINE_COLUMNS


def _key(channel: str) -> str:
    return "_".join(channel.strip().lower().replace("-", " ").split())


def classify(steps: list[str], offline: frozenset[str] = OFFLINE_DEFAULT) -> str | None:
    """The direction of one converting journey's path, or None.

    Example
    -------
    >>> classify(["search", "email", "store_visit"]), classify(["tv", "search"])
    ('online_to_offline', 'offline_to_online')
    """
    if len(steps) < 2:
        return None
    off = [_key(s.split(":", 1)[0]) in offline for s in steps]
    if off[-1] and not all(off[:-1]):
        return "online_to_offline"
    if not off[-1] and any(off[:-1]):
        return "offline_to_online"
    return None


def wilson(k: np.ndarray, n: np.ndarray, ci: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of ``k`` successes in ``n`` (NaN where ``n`` is 0)."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    lo, hi = np.full(k.shape, np.nan), np.full(k.shape, np.nan)
    ok = n > 0
    if ok.any():
        lo[ok], hi[ok] = proportion_confint(k[ok], n[ok], alpha=1 - ci, method="wilson")
    return lo, hi


def online_offline(
    paths: pd.DataFrame,
    *,
    segment: str = "all",
    value: str = "all",
    offline: Iterable[str] = OFFLINE_DEFAULT,
    sep: str = DEFAULT_SEP,
    ci: float = 0.9,
) -> pd.DataFrame:
    """Shares of converting journeys by direction, with the starting and closing channels.

    Rows with ``role == "all"`` give each direction's share of the converting journeys
    with a touch (``base``); ``start``/``close`` rows give, per channel, the share of that
    direction's journeys it starts or closes.
    """
    off = frozenset(_key(c) for c in offline)
    conv = pd.to_numeric(paths["total_conversions"]).to_numpy(dtype=float)
    kinds, firsts, lasts = [], [], []
    for p in paths["path"].astype(str):
        steps = [] if p == NO_TOUCH else [s.strip() for s in p.split(sep) if s.strip()]
        kinds.append(classify(steps, off))
        firsts.append(steps[0] if steps else None)
        lasts.append(steps[-1] if steps else None)
    has_touch = np.array([f is not None for f in firsts])
    base = float(conv[has_touch].sum())
    rows = []
    for direction in DIRECTIONS:
        mask = np.array([k == direction for k in kinds])
        k = float(conv[mask].sum())
        lo, hi = wilson(np.array([k]), np.array([base]), ci)
        rows.append(
            (
                segment,
                value,
                direction,
                "all",
                "",
                k,
                base,
                k / base if base else np.nan,
                lo[0],
                hi[0],
            )
        )
        for role, chans in (("start", firsts), ("close", lasts)):
            counts: dict[str, float] = {}
            for c, m, n in zip(chans, mask, conv, strict=True):
                if m and n > 0:
                    counts[c] = counts.get(c, 0.0) + float(n)
            names = sorted(counts, key=lambda c: (-counts[c], c))
            ks = np.array([counts[c] for c in names])
            lo, hi = wilson(ks, np.full(len(ks), k), ci)
            for i, c in enumerate(names):
                rows.append((segment, value, direction, role, c, ks[i], k, ks[i] / k, lo[i], hi[i]))
    out = pd.DataFrame(rows, columns=list(O2O_COLUMNS))
    for c in ("journeys", "base"):
        out[c] = out[c].round().astype("int64")
    return out


def online_offline_by_segment(
    overall: pd.DataFrame, segments: Mapping[str, Mapping[str, pd.DataFrame]], **settings: object
) -> pd.DataFrame:
    """:func:`online_offline` for all journeys and for every segment value, stacked."""
    frames = [online_offline(overall, **settings)]  # type: ignore[arg-type]
    for seg, values in segments.items():
        for value, paths in values.items():
            frames.append(online_offline(paths, segment=seg, value=value, **settings))  # type: ignore[arg-type]
    return pd.concat(frames, ignore_index=True)
