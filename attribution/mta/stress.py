"""Stress checks on a path table: cases where path attribution cannot be read at face value.

Each check is a pure function ``PathTable -> list[Finding]`` (empty when all is
well) with a concrete action for the user; :func:`stress_findings` runs them all.
The numbers they rest on are small pure functions on arrays, tested on
hand-computed tables.

Checks
------
``mta.never_converts``    a channel appears only on non-converting journeys: rules and
                          Shapley give it 0; Markov too, unless the chain's short
                          memory links it to later touches that convert elsewhere
                          (:func:`reaches`).
``mta.all_converting``    no non-converting journeys: a conversion-only log, so the
                          Markov chain and rate-based Shapley cannot see what a
                          channel changes in the chance to convert.
``mta.single_channel``    one channel gets all credit from every model.
``mta.few_conversions``   too few conversions for stable shares (threshold below).
``mta.thin_channels``     channels seen on very few converting journeys.
``mta.long_paths``        very long journeys (journeys never caps their length).
``mta.no_touch_share``    a large share of conversions had no recorded touch.

Example
-------
>>> t = PathTable.from_paths([("a",), ("b",)], [5, 0], nulls=[5, 5])
>>> [f.code for f in stress_findings(t)]
['mta.never_converts', 'mta.few_conversions']
"""

from __future__ import annotations

import math
import weakref

import numpy as np

from attribution.findings import Finding
from attribution.mta.paths import PathTable, distinct_by_path

STAGE = "mta"
_TOTALS: weakref.WeakKeyDictionary[PathTable, tuple[np.ndarray, np.ndarray]] = (
    weakref.WeakKeyDictionary()
)
NO_TOUCH = "(none)"
#: below this many conversions, a channel holding a fifth of the credit has a 90%
#: interval of more than about +-33% of its estimate (see :func:`share_halfwidth`)
MIN_CONVERSIONS = 100
#: a channel on fewer converting journeys than this has credit resting on a handful of cases
MIN_CHANNEL_CONVERSIONS = 10
#: a zero count is called unlikely by chance when it had under this probability
CHANCE = 0.05
#: journeys longer than this many touches are "very long"
LONG_PATH_STEPS = 50
#: ... and they matter when they carry more than this share of conversions or journeys
LONG_PATH_SHARE = 0.01
#: share of conversions without any touch above which path attribution covers too little
NO_TOUCH_SHARE = 0.2


# ------------------------------------------------------------------ pure numbers
def channel_totals(table: PathTable) -> tuple[np.ndarray, np.ndarray]:
    """Conversions and journeys (conversions + nulls) on the paths that touch each channel.

    A path counts once per channel however often the channel repeats on it.

    Example
    -------
    >>> t = PathTable.from_paths([("a", "a", "b"), ("b",)], [2, 0], nulls=[1, 3])
    >>> [x.tolist() for x in channel_totals(t)]
    [[2.0, 2.0], [3.0, 6.0]]
    """
    k = table.n_channels
    if k == 0 or table.n_paths == 0:
        return np.zeros(k), np.zeros(k)
    if table in _TOTALS:  # the checks ask more than once per table
        return _TOTALS[table]
    _TOTALS[table] = totals = _channel_totals(table, k)
    return totals


def _channel_totals(table: PathTable, k: int) -> tuple[np.ndarray, np.ndarray]:
    journeys = table.conversions + table.nulls
    if k <= 64 and bool(np.all(table.lengths > 0)):  # one bit set per path: no sorting
        bits = np.left_shift(np.uint64(1), table.steps.astype(np.uint64))
        sets = np.bitwise_or.reduceat(bits, table.offsets[:-1])
        conv, seen = np.empty(k), np.empty(k)
        for c in range(k):
            on = ((sets >> np.uint64(c)) & np.uint64(1)).astype(bool)
            conv[c], seen[c] = table.conversions[on].sum(), journeys[on].sum()
        return conv, seen
    # one entry per distinct (channel, path) touch; each channel sums its paths in order
    channel, path, _ = distinct_by_path(table.steps, table.path_index, k)
    conv = np.bincount(channel, weights=table.conversions[path], minlength=k)
    seen = np.bincount(channel, weights=journeys[path], minlength=k)
    conv.setflags(write=False)
    seen.setflags(write=False)
    return conv, seen


def prob_zero(journeys: float, rate: float) -> float:
    """Chance of 0 conversions in ``journeys`` journeys converting at ``rate`` each.

    Example
    -------
    >>> round(prob_zero(10, 0.5), 6)
    0.000977
    """
    if journeys <= 0 or rate <= 0:
        return 1.0
    if rate >= 1:
        return 0.0
    return float(math.exp(journeys * math.log1p(-rate)))


def share_halfwidth(n: float, share: float, ci: float = 0.9) -> float:
    """Relative half-width of a ``ci`` interval of a credit share from ``n`` conversions.

    Normal approximation of a binomial share: ``z * sqrt((1 - p) / (n p))``. It is
    the floor on what a bootstrap of the path table can give; Markov and Shapley
    credit, which depend on several paths at once, vary more.

    Example
    -------
    >>> round(share_halfwidth(100, 0.2), 2)
    0.33
    """
    if n <= 0 or share <= 0:
        return math.inf
    from statistics import NormalDist

    z = NormalDist().inv_cdf(0.5 + ci / 2)
    return z * math.sqrt((1 - share) / (n * share))


def _names(names: list[str], limit: int = 6) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def reaches(table: PathTable, targets: np.ndarray) -> np.ndarray:
    """For each channel: whether observed steps lead from it, touch by touch, to a target.

    ``targets`` is a boolean mask over channels. This is when an order-1 Markov chain
    can credit a channel whose own journeys never convert.

    Example
    -------
    >>> t = PathTable.from_paths([("c", "d", "a"), ("b",)], [0, 1])
    >>> reaches(t, np.array([True, False, False, False])).tolist()
    [True, False, True, True]
    """
    k = table.n_channels
    same = table.path_index[1:] == table.path_index[:-1]
    src, dst = table.steps[:-1][same], table.steps[1:][same]
    out = np.asarray(targets, dtype=bool).copy()
    while True:  # propagate backwards along edges until nothing changes (<= k rounds)
        new = out.copy()
        new[src[out[dst]]] = True
        if (new == out).all() or k == 0:
            return out
        out = new


def _touch_channels(table: PathTable) -> list[int]:
    """Codes of real channels (the no-touch marker is not a channel)."""
    return [i for i, c in enumerate(table.channels) if c != NO_TOUCH]


# ------------------------------------------------------------------ checks
def never_converting(table: PathTable, chance: float = CHANCE) -> list[Finding]:
    """Channels that appear only on journeys that did not convert.

    Rule-based and Shapley credit is 0; Markov credit too unless observed steps lead
    from the channel to converting ones (:func:`reaches`), which is then an artefact of
    the chain's memory. When, at the table's overall conversion rate,
    zero conversions on that many journeys had under ``chance`` probability, the
    zero is not luck: a tracking gap or a real non-performer.

    Example
    -------
    >>> t = PathTable.from_paths([("a",), ("b",)], [50, 0], nulls=[50, 100])
    >>> never_converting(t)[0].message.split(":")[0]
    'b'
    """
    total = float(table.conversions.sum())
    if total <= 0:
        return []  # no conversions at all: mta.no_conversions says so
    conv, seen = channel_totals(table)
    rate = total / float((table.conversions + table.nulls).sum())
    idle = [i for i in _touch_channels(table) if conv[i] <= 0 and seen[i] > 0]
    if not idle:
        return []
    names = [table.channels[i] for i in idle]
    sure = [table.channels[i] for i in idle if prob_zero(seen[i], rate) < chance]
    on = np.isin(table.steps, idle)
    touched = np.bincount(table.path_index, weights=on, minlength=table.n_paths) > 0
    journeys = float((table.conversions + table.nulls)[touched].sum())
    verb = "appears" if len(names) == 1 else "appear"
    lead = reaches(table, conv > 0)
    mixed = [table.channels[i] for i in idle if lead[i]]
    them = "it" if len(names) == 1 else "them"
    msg = (
        f"{_names(names)}: {verb} only in journeys that did not convert ({journeys:,.0f} journeys)"
    )
    if mixed:
        msg += (
            f", so rule-based and Shapley credit is 0; Markov credit for {_names(mixed)} is "
            "an artefact of the chain's short memory (touches that follow convert in other "
            "journeys): read it as 0"
        )
    else:
        msg += f", so every method credits {them} with 0 (Markov removal effect included)"
    unsure = [n for n in names if n not in sure]
    if sure:
        msg += (
            f"; at the overall conversion rate of {rate:.1%}, so many journeys without a "
            f"sale is not chance for {_names(sure)}"
        )
    if unsure:
        msg += (
            f"; too few journeys to tell a real zero from chance for {_names(unsure)}"
            if sure
            else "; too few journeys to tell a real zero from chance"
        )
    action = (
        "if the channel should drive sales, suspect a tracking gap first: check that its "
        "touches and the later conversions share customer ids (id-map), that the "
        "lookback window covers its usual delay, and that its conversions are recorded; "
        "if tracking is complete it is a real non-performer: test pausing it"
    )
    return [Finding("warning", "mta.never_converts", msg, action, STAGE)]


def all_converting(table: PathTable) -> list[Finding]:
    """No non-converting journeys: the table is a conversion-only log.

    Example
    -------
    >>> all_converting(PathTable.from_paths([("a", "b")], [3]))[0].code
    'mta.all_converting'
    """
    if table.conversions.sum() <= 0 or table.nulls.sum() > 0:
        return []
    msg = (
        "every journey in the path table converted; there are no non-converting journeys, "
        "so the Markov removal effects and rate-based Shapley cannot measure how a channel "
        "changes the chance to convert: they only count how often it appears before a sale"
    )
    action = (
        "add non-converting journeys (touches and impressions of customers who did not "
        "buy): build the paths from the full touchpoint log, not from orders only"
    )
    return [Finding("warning", "mta.all_converting", msg, action, STAGE)]


def single_channel(table: PathTable) -> list[Finding]:
    """Only one channel in the journeys: it gets all credit from every model.

    Example
    -------
    >>> single_channel(PathTable.from_paths([("a",), ("a", "a")], [1, 2]))[0].message[:3]
    'a: '
    """
    real = _touch_channels(table)
    if len(real) != 1 or table.conversions.sum() <= 0:
        return []
    name = table.channels[real[0]]
    msg = (
        f"{name}: the only channel in the journeys, so every method gives it all the credit; "
        "path attribution cannot say which channel works"
    )
    action = (
        "add the touchpoints of the other channels, or measure this channel's incremental "
        "effect with the media-mix model or a lift test"
    )
    return [Finding("warning", "mta.single_channel", msg, action, STAGE)]


def few_conversions(
    table: PathTable, minimum: float = MIN_CONVERSIONS, ci: float = 0.9
) -> list[Finding]:
    """Fewer than ``minimum`` conversions: credit shares are too noisy to act on.

    Example
    -------
    >>> few_conversions(PathTable.from_paths([("a",), ("b",)], [20, 30]))[0].code
    'mta.few_conversions'
    """
    n = float(table.conversions.sum())
    if n <= 0 or n >= minimum:
        return []
    hw = share_halfwidth(n, 0.2, ci)
    msg = (
        f"only {n:,.0f} conversions: even a channel with a fifth of the credit has a "
        f"{ci:.0%} interval of about ±{hw:.0%} of its estimate"
    )
    action = (
        f"use a longer period or more journeys (at least {minimum:,.0f} conversions) "
        "before moving budget on these shares; read the bootstrap intervals"
    )
    return [Finding("warning", "mta.few_conversions", msg, action, STAGE)]


def thin_channels(table: PathTable, minimum: float = MIN_CHANNEL_CONVERSIONS) -> list[Finding]:
    """Channels on fewer than ``minimum`` (but more than 0) converting journeys.

    Example
    -------
    >>> t = PathTable.from_paths([("a",), ("b",)], [200, 3], nulls=[10, 10])
    >>> thin_channels(t)[0].message.split(":")[0]
    'b'
    """
    conv, _ = channel_totals(table)
    thin = [table.channels[i] for i in _touch_channels(table) if 0 < conv[i] < minimum]
    if not thin or table.conversions.sum() < MIN_CONVERSIONS:
        return []  # with few conversions overall, few_conversions already says it
    msg = (
        f"{_names(thin)}: on fewer than {minimum:g} converting journeys each; their credit "
        "rests on a handful of customers"
    )
    action = "read their credit with the bootstrap interval; do not rank them on this data alone"
    return [Finding("info", "mta.thin_channels", msg, action, STAGE)]


def long_paths(
    table: PathTable, steps: int = LONG_PATH_STEPS, share: float = LONG_PATH_SHARE
) -> list[Finding]:
    """Very long journeys (more than ``steps`` touches) on more than ``share`` of journeys
    or conversions. Journeys are never truncated, so they reach every model in full.

    Example
    -------
    >>> long_paths(PathTable.from_paths([("a",) * 60, ("b",)], [1, 1]))[0].code
    'mta.long_paths'
    """
    if table.n_paths == 0:
        return []
    long_ = table.lengths > steps
    weight = table.conversions + table.nulls
    conv_share = (
        table.conversions[long_].sum() / table.conversions.sum()
        if table.conversions.sum() > 0
        else 0.0
    )
    journey_share = weight[long_].sum() / weight.sum() if weight.sum() > 0 else 0.0
    if max(conv_share, journey_share) <= share:
        return []
    msg = (
        f"very long journeys: the longest has {int(table.lengths.max()):,} touches and "
        f"{journey_share:.1%} of journeys ({conv_share:.1%} of conversions) have more than "
        f"{steps}; such paths are often bots, repeated impressions or sessions never split"
    )
    action = (
        "set collapse_repeats = true or drop_impressions = true in [journeys], shorten "
        "inactivity_days, or filter bot traffic before attribution"
    )
    return [Finding("warning", "mta.long_paths", msg, action, STAGE)]


def no_touch_share(
    table: PathTable, threshold: float = NO_TOUCH_SHARE, label: str = NO_TOUCH
) -> list[Finding]:
    """A large share of conversions whose journey has no touch (path ``(none)``).

    Example
    -------
    >>> t = PathTable.from_paths([("(none)",), ("a",)], [30, 70], nulls=[0, 100])
    >>> no_touch_share(t)[0].code
    'mta.no_touch_share'
    """
    total = float(table.conversions.sum())
    if total <= 0 or label not in table.channels:
        return []
    code = table.channels.index(label)
    hits = np.bincount(table.path_index, weights=table.steps == code, minlength=table.n_paths)
    only = (hits == table.lengths) & (table.lengths > 0)
    s = float(table.conversions[only].sum()) / total
    if s <= threshold:
        return []
    msg = (
        f"{s:.0%} of conversions had no recorded touch before them (path '{label}'); path "
        f"attribution splits only the other {1 - s:.0%}"
    )
    action = (
        "check tracking coverage (consent, cookies, id stitching, offline touches) and the "
        "lookback window; the media-mix model measures what journeys cannot see"
    )
    return [Finding("warning", "mta.no_touch_share", msg, action, STAGE)]


CHECKS = (
    never_converting,
    all_converting,
    single_channel,
    few_conversions,
    thin_channels,
    long_paths,
    no_touch_share,
)


def stress_findings(table: PathTable) -> list[Finding]:
    """Run every stress check on ``table``; returns their findings (empty when all is well).

    Example
    -------
    >>> stress_findings(PathTable.from_paths([("a",), ("b",)], [500, 400], nulls=[900, 900]))
    []
    """
    out: list[Finding] = []
    for check in CHECKS:
        out.extend(check(table))
    return out
