"""Small pure computations behind the report's sentences and tables.

Example
-------
>>> intervals_overlap((1.0, 2.0), (2.5, 3.0))
False
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

OFFLINE_DEFAULT: frozenset[str] = frozenset(
    {"store_visit", "call_centre", "direct_mail", "tv", "print", "radio", "ooh"}
)

MOVEMENT_KINDS = ("online_only", "online_to_offline", "offline_to_online", "offline_only")


def normalise_channel(name: str) -> str:
    """Lower-case, spaces and dashes as underscores: ``"Call Centre"`` -> ``"call_centre"``."""
    return "_".join(name.strip().lower().replace("-", " ").split())


def classify_movement(path: Sequence[str], offline: frozenset[str] = OFFLINE_DEFAULT) -> str:
    """Classify one journey by how it moves between online and offline channels.

    Returns ``"online_to_offline"`` when some online touch is followed later by an
    offline touch; ``"offline_to_online"`` when both kinds occur but every offline
    touch comes before every online touch; otherwise ``"online_only"`` /
    ``"offline_only"``.

    Example
    -------
    >>> classify_movement(["search", "tv", "email"])
    'online_to_offline'
    >>> classify_movement(["tv", "search"])
    'offline_to_online'
    """
    off = [normalise_channel(c) in offline for c in path]
    if not any(off):
        return "online_only"
    if all(off):
        return "offline_only"
    first_online = off.index(False)
    if any(off[first_online + 1 :]):
        return "online_to_offline"
    return "offline_to_online"


def movement_shares(
    paths: Iterable[Sequence[str]],
    journeys: Sequence[float],
    conversions: Sequence[float],
    offline: frozenset[str] = OFFLINE_DEFAULT,
) -> dict[str, tuple[float, float]]:
    """Share of journeys and of conversions in each movement kind.

    Parameters: ``paths`` channel sequences; ``journeys`` how many journeys follow
    each path (conversions + non-converting); ``conversions`` per path.
    Returns: kind -> (share of journeys, share of conversions); NaN where the total is 0.

    Example
    -------
    >>> movement_shares([["a", "tv"], ["a"]], [1, 3], [1, 0])["online_to_offline"]
    (0.25, 1.0)
    """
    j = {k: 0.0 for k in MOVEMENT_KINDS}
    c = {k: 0.0 for k in MOVEMENT_KINDS}
    for p, nj, nc in zip(paths, journeys, conversions, strict=True):
        k = classify_movement(p, offline)
        j[k] += float(nj)
        c[k] += float(nc)
    tj, tc = sum(j.values()), sum(c.values())
    return {
        k: (j[k] / tj if tj else float("nan"), c[k] / tc if tc else float("nan"))
        for k in MOVEMENT_KINDS
    }


def intervals_overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Whether two closed intervals share a point (NaN bounds count as overlapping)."""
    lo1, hi1 = sorted(a)
    lo2, hi2 = sorted(b)
    if not all(np.isfinite(v) for v in (lo1, hi1, lo2, hi2)):
        return True
    return lo1 <= hi2 and lo2 <= hi1


def shares(values: Sequence[float]) -> np.ndarray:
    """Values divided by their (non-NaN) sum; all NaN when the sum is 0.

    Example
    -------
    >>> shares([1.0, 3.0]).tolist()
    [0.25, 0.75]
    """
    v = np.asarray(values, float)
    total = np.nansum(v)
    return v / total if total else np.full_like(v, np.nan)


def includes(lo: float, hi: float, x: float) -> bool:
    """Whether ``x`` lies in ``[lo, hi]`` (False if a bound is missing)."""
    return bool(np.isfinite(lo) and np.isfinite(hi) and lo <= x <= hi)


def split_path(path: str, sep: str | None = None) -> list[str]:
    """Split a path string on ``sep`` (guessed from ``" > "``, ``">"``, ``","`` if not given).

    Example
    -------
    >>> split_path("search > tv")
    ['search', 'tv']
    """
    if sep is None:
        sep = next((s for s in (" > ", ">", "|", ",") if s in path), " > ")
    return [p.strip() for p in path.split(sep.strip() if sep.strip() else sep) if p.strip()]
