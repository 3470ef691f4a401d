"""Checks across inputs, run before any expensive step (journeys, path models, MMM).

Each check returns :class:`~attribution.findings.Finding` objects that name the
items concerned; error-level findings stop a run (exit status 2) through
:func:`raise_errors`. What is checked:

* the panel's columns: a numeric column that looks like spend (``*spend*``,
  ``*cost*``, ``*impressions*``) but has no role is an error; columns taken as
  controls by default are named; controls that duplicate the model's built-in terms
  (trend, day of year / seasonality) or are constant within each geo are warnings;
* journeys against the panel: channels on one side only; no channel in common is
  an error (nothing would reconcile) unless the run opts out (``reconcile = "warn"``);
* lift tests against the panel: channels not in the panel;
* date ranges of journeys, panel and lift tests that do not overlap (error) or
  overlap little (warning);
* lenient loads that rejected everything, or more than a configured share.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attribution.data.contracts import ACTIVITY_PREFIX, IMPRESSIONS_PREFIX, SPEND_PREFIX
from attribution.errors import InputError
from attribution.findings import Finding

_NOT_CONTROLS = {"date", "sales", "geo", "population"}
_MEDIA = (SPEND_PREFIX, ACTIVITY_PREFIX, IMPRESSIONS_PREFIX)
TREND_NAMES = {"t", "time", "trend", "index", "week", "week_index", "t_index", "time_index"}
SEASON_NAMES = {
    "dayofyear",
    "day_of_year",
    "doy",
    "weekofyear",
    "week_of_year",
    "woy",
    "month",
    "season",
    "seasonality",
    "yearday",
}
DUPLICATE_R = 0.99  # |correlation| with a built-in term above which a control duplicates it
LITTLE_OVERLAP = 0.5  # share of the shorter range below which two ranges "overlap little"
STAGE = "inputs"


def raise_errors(findings: Iterable[Finding], file: str | None = None) -> None:
    """Raise ``InputError`` (exit 2) for the first error-level finding, naming how many."""
    errors = [f for f in findings if f.level == "error"]
    if errors:
        more = f" (and {len(errors) - 1} more error(s))" if len(errors) > 1 else ""
        raise InputError(
            errors[0].message + more, fix=errors[0].action, file=file, reason=errors[0].code
        )


def _spend_like(name: str) -> bool:
    return bool(re.search(r"spend|cost|impression", name, re.IGNORECASE))


def panel_role_findings(
    frame: pd.DataFrame,
    controls: Sequence[str] | None,
    *,
    source: str = "media panel",
    sources: Mapping[str, Sequence[str]] | None = None,
) -> list[Finding]:
    """Columns of a (contract-named) panel without a role, and doubtful controls.

    Parameters
    ----------
    frame : the validated panel (``date``, ``sales``, ``spend_<ch>`` ...).
    controls : the model's controls; None: every other numeric column (the default).
    sources : {frame column: the user's columns} (for messages in the user's names).

    Example
    -------
    >>> df = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=4, freq="7D"),
    ...                    "sales": [1., 2, 3, 4], "spend_tv": [1., 0, 1, 0],
    ...                    "facebook_spend": [3., 1, 2, 5]})
    >>> [f.code for f in panel_role_findings(df, None)]
    ['inputs.spend_without_role']
    """

    def user(c: str) -> str:
        return ", ".join(sources[c]) if sources and c in sources else c

    cols = [str(c) for c in frame.columns]
    numeric = [
        c
        for c in cols
        if c not in _NOT_CONTROLS
        and not c.lower().startswith(_MEDIA)
        and pd.api.types.is_numeric_dtype(frame[c])
    ]
    chosen = list(numeric) if controls is None else [c for c in controls if c in cols]
    out: list[Finding] = []
    for c in numeric:
        if _spend_like(c) and (controls is None or c not in controls):
            bare = (
                re.sub(r"[_\s-]*(spend|cost|impressions?)[_\s-]*", "", c, flags=re.IGNORECASE) or c
            )
            out.append(
                Finding(
                    "error",
                    "inputs.spend_without_role",
                    f"{source}: column '{user(c)}' looks like media spend or delivery but has no "
                    "role" + (" (it would become a control)" if controls is None else ""),
                    f"give it a role: rename it spend_{bare} (or impressions_{bare}), or map it in "
                    f'[mapping.panel] spend = {{ {bare} = "{user(c)}" }}; if it really is a '
                    "control, list it in [mapping.panel] controls",
                    STAGE,
                )
            )
    defaulted = [c for c in chosen if not _spend_like(c)]
    if controls is None and defaulted:
        out.append(
            Finding(
                "info",
                "inputs.default_controls",
                f"{source}: columns taken as controls because they have no other "
                f"role: {', '.join(user(c) for c in defaulted)}",
                "list the controls in [mapping.panel] controls (and other columns "
                "in ignore) so no column becomes a control by accident",
                STAGE,
            )
        )
    out += _control_quality(frame, [c for c in chosen if not _spend_like(c)], user, source)
    return out


def _control_quality(frame: pd.DataFrame, controls: list[str], user, source: str) -> list[Finding]:
    out: list[Finding] = []
    if not controls or "date" not in frame.columns:
        return out
    d = pd.to_datetime(frame["date"])
    t = ((d - d.min()).dt.days / 7.0).to_numpy(float)
    doy = d.dt.day_of_year.to_numpy(float)
    woy = d.dt.isocalendar().week.to_numpy(float)
    month = d.dt.month.to_numpy(float)
    geo = frame["geo"] if "geo" in frame.columns else None
    for c in controls:
        v = frame[c].to_numpy(float)
        lower = c.lower()
        if lower in TREND_NAMES or _corr(v, t) >= DUPLICATE_R:
            out.append(
                Finding(
                    "warning",
                    "inputs.control_duplicates_trend",
                    f"{source}: control '{user(c)}' duplicates the model's built-in "
                    "trend (it rises with time)",
                    "drop it (the model has a trend), or set [model] trend = false",
                    STAGE,
                )
            )
        elif (
            lower in SEASON_NAMES
            or max(_corr(v, doy), _corr(v, woy), _corr(v, month)) >= DUPLICATE_R
        ):
            out.append(
                Finding(
                    "warning",
                    "inputs.control_duplicates_season",
                    f"{source}: control '{user(c)}' duplicates the model's built-in "
                    "seasonality (day/week/month of the year)",
                    "drop it (the model has yearly Fourier terms), or set [model] "
                    "fourier_modes = 0",
                    STAGE,
                )
            )
        if geo is not None and geo.nunique() > 1:
            spread = frame.groupby(geo.to_numpy())[c].nunique()
            if (spread <= 1).all():
                out.append(
                    Finding(
                        "warning",
                        "inputs.control_constant_in_geo",
                        f"{source}: control '{user(c)}' is constant within each geo "
                        "(a size or a label, not a weekly driver)",
                        "drop it from the controls (geo intercepts absorb it); a "
                        "geo's size belongs in [mapping.panel] population",
                        STAGE,
                    )
                )
    return out


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3 or np.std(a[ok]) == 0 or np.std(b[ok]) == 0:
        return 0.0
    return float(abs(np.corrcoef(a[ok], b[ok])[0, 1]))


# ---- across inputs ------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """What one input contributes to the cross-checks: its channels and date range."""

    name: str
    channels: frozenset[str] = frozenset()
    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None


def channel_findings(
    journeys: Side | None, panel: Side | None, lift: Side | None, *, reconcile: str = "error"
) -> list[Finding]:
    """Channels on one side only; none in common is an error (``reconcile="warn"``: warning).

    Example
    -------
    >>> j = Side("journeys", frozenset({"google / cpc"}))
    >>> p = Side("panel", frozenset({"facebook"}))
    >>> [f.level for f in channel_findings(j, p, None)]
    ['warning', 'warning', 'error']
    """
    out: list[Finding] = []
    if journeys is not None and panel is not None and journeys.channels and panel.channels:
        only_j = sorted(journeys.channels - panel.channels)
        only_p = sorted(panel.channels - journeys.channels)
        if only_j:
            out.append(
                Finding(
                    "warning",
                    "inputs.channels_not_in_panel",
                    f"channels in the journeys but not in the media panel: "
                    f"{', '.join(only_j)} (their path credit gets no MMM check)",
                    "map raw values to the panel's channel names in "
                    "[mapping.channels], or add their spend/activity to the panel",
                    STAGE,
                )
            )
        if only_p:
            out.append(
                Finding(
                    "warning",
                    "inputs.channels_not_in_journeys",
                    f"channels in the media panel but not in the journeys: "
                    f"{', '.join(only_p)} (no path credit to compare with)",
                    "expected for mass media (TV, print); otherwise map the journeys' "
                    "raw values to these names in [mapping.channels]",
                    STAGE,
                )
            )
        if not journeys.channels & panel.channels:
            level = "warning" if reconcile == "warn" else "error"
            out.append(
                Finding(
                    level,
                    "inputs.nothing_reconciles",
                    "the journeys and the media panel have no channel in common "
                    f"(journeys: {', '.join(sorted(journeys.channels)[:8])}; panel: "
                    f"{', '.join(sorted(panel.channels)[:8])}), so nothing would "
                    "reconcile",
                    "map both to the same channel names in [mapping.channels] "
                    "(see 'attribution init'), or set [run] reconcile = \"warn\" to "
                    "run them side by side anyway",
                    STAGE,
                )
            )
    if lift is not None and panel is not None and lift.channels:
        missing = sorted(lift.channels - panel.channels)
        if missing:
            out.append(
                Finding(
                    "error",
                    "inputs.lift_channel_not_in_panel",
                    f"lift-test channels not in the media panel: {', '.join(missing)}"
                    f" (panel channels: {', '.join(sorted(panel.channels))})",
                    "use the panel's channel names in the lift tests, or map them "
                    "in [mapping.channels]",
                    STAGE,
                )
            )
    return out


def date_findings(sides: Sequence[Side]) -> list[Finding]:
    """Pairs of inputs whose date ranges do not overlap (error) or overlap little (warning).

    Example
    -------
    >>> a = Side("journeys", first=pd.Timestamp("2025-09-01"), last=pd.Timestamp("2025-12-31"))
    >>> b = Side("panel", first=pd.Timestamp("2024-01-01"), last=pd.Timestamp("2025-06-30"))
    >>> [f.code for f in date_findings([a, b])]
    ['inputs.dates_do_not_overlap']
    """
    out: list[Finding] = []
    dated = [s for s in sides if s.first is not None and s.last is not None]
    for i, a in enumerate(dated):
        for b in dated[i + 1 :]:
            lo, hi = max(a.first, b.first), min(a.last, b.last)
            span = (
                f"{a.name} {a.first.date()} to {a.last.date()}, {b.name} "
                f"{b.first.date()} to {b.last.date()}"
            )
            if hi < lo:
                out.append(
                    Finding(
                        "error",
                        "inputs.dates_do_not_overlap",
                        f"the dates of the {a.name} and the {b.name} do not overlap ({span})",
                        "export both for the same period",
                        STAGE,
                    )
                )
                continue
            shorter = min(a.last - a.first, b.last - b.first)
            days = max(shorter / pd.Timedelta(days=1), 1.0)
            share = ((hi - lo) / pd.Timedelta(days=1)) / days
            if share < LITTLE_OVERLAP:
                out.append(
                    Finding(
                        "warning",
                        "inputs.dates_overlap_little",
                        f"the {a.name} and the {b.name} overlap on {share:.0%} of the "
                        f"shorter period ({span})",
                        "export both for the same period",
                        STAGE,
                    )
                )
    return out


def reject_share_error(what: str, read: int, rejected: int, max_share: float) -> None:
    """Raise ``InputError`` when a lenient load rejected everything or more than max_share.

    Example
    -------
    >>> reject_share_error("touchpoints", 10, 2, 0.5)
    """
    if read <= 0:
        return
    share = rejected / read
    if rejected >= read or share > max_share:
        raise InputError(
            f"{rejected} of {read} rows ({share:.0%}) were rejected, more than the "
            f"allowed {max_share:.0%}",
            fix="a wrong column, format or time zone "
            "usually explains it: rerun with a higher --max-reject-share "
            "([run] max_reject_share) to get the rejected rows file",
            file=what,
            reason="too_many_rejected",
        )
