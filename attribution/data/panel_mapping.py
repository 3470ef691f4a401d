"""A panel in the user's column names -> the panel contract (date, sales, spend_<ch> ...).

:func:`apply_roles` renames the raw table by its :class:`~attribution.data.mapping.PanelRoles`
(channel names through the channel map, so they agree with the journeys), sums
columns that map to one channel, drops ignored columns and says so; every numeric
column left without a role is named in a finding (spend-like ones are errors, see
:mod:`attribution.data.cross_checks`). :func:`roles_from_spec` reads the roles an MMM
config (``[model] date/target/geo/controls``, ``[[channels]] column/impressions``)
gives, and :func:`contract_spec` rewrites that config into the contract's names, so
the config's mapping takes effect before any column is checked.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from attribution.data import contracts as C
from attribution.data.accounting import Loaded, write_rejected
from attribution.data.channel_map import ChannelMap
from attribution.data.load import with_read_notes
from attribution.data.mapping import CHANNEL_TOKEN, ROLE_KINDS, PanelRoles
from attribution.data.panel_findings import check_min_weeks, panel_findings
from attribution.data.read import read_table
from attribution.data.validate import validate_frame
from attribution.errors import InputError
from attribution.findings import Finding

_PREFIX = {
    "spend": C.SPEND_PREFIX,
    "impressions": C.IMPRESSIONS_PREFIX,
    "activity": C.ACTIVITY_PREFIX,
}


@dataclass(frozen=True)
class MappedPanel:
    """A panel renamed to the contract.

    Attributes
    ----------
    frame : the raw table with contract names (values untouched, except summed channels).
    controls : the control columns (in the frame's names).
    sources : {contract column: the user's columns it came from}.
    ignored : columns dropped by ``ignore``.
    findings : what the mapping did that a user must know.
    """

    frame: pd.DataFrame
    controls: tuple[str, ...]
    sources: Mapping[str, tuple[str, ...]]
    ignored: tuple[str, ...]
    findings: tuple[Finding, ...]


def _missing(col: str, cols: list[str], role: str, source: str) -> InputError:
    close = difflib.get_close_matches(col, cols, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return InputError(
        f"column '{col}' (mapped as {role}) is not in the panel (its columns: "
        f"{', '.join(cols[:15])}{' ...' if len(cols) > 15 else ''})",
        fix=f"{hint}correct [mapping.panel] {role}",
        file=source,
        row=1,
        column=col,
        reason="missing_column",
    )


def role_columns(roles: PanelRoles, kind: str, cols: list[str]) -> list[tuple[str, str]]:
    """(raw channel name, column) pairs for one role kind (patterns matched against cols).

    Example
    -------
    >>> role_columns(PanelRoles(spend="{channel}_S"), "spend", ["DATE", "tv_S", "ooh_S"])
    [('tv', 'tv_S'), ('ooh', 'ooh_S')]
    """
    spec = getattr(roles, kind)
    if isinstance(spec, str):
        head, tail = spec.split(CHANNEL_TOKEN, 1)
        pat = re.compile("^" + re.escape(head) + "(.+?)" + re.escape(tail) + "$")
        return [(m.group(1), c) for c in cols if (m := pat.match(c))]
    return list(spec.items()) if isinstance(spec, Mapping) else list(spec)


def apply_roles(
    raw: pd.DataFrame, roles: PanelRoles, cmap: ChannelMap | None, source: str
) -> MappedPanel:
    """Rename a raw panel by its roles; see the module docstring.

    Example
    -------
    >>> raw = pd.DataFrame({"time": ["2024-01-01"], "rev": ["5"], "facebook_S": ["1"]})
    >>> m = apply_roles(raw, PanelRoles(date="time", target="rev", spend="{channel}_S"),
    ...                 ChannelMap(), "m.csv")
    >>> list(m.frame.columns)
    ['date', 'sales', 'spend_paid_social']
    """
    cols = [str(c) for c in raw.columns]
    cmap = cmap or ChannelMap(default_grouping=False)
    rename: dict[str, str] = {}
    for role, target in (
        ("date", "date"),
        ("target", "sales"),
        ("geo", "geo"),
        ("population", "population"),
    ):
        col = getattr(roles, role)
        if col is None:
            continue
        if col not in cols:
            if role in ("date", "target") and col == target:
                continue  # the default name is absent: validation names what is missing
            raise _missing(col, cols, role, source)
        rename[col] = target
    groups: dict[str, list[str]] = {}
    used: set[str] = set(rename)
    # explicit tables first: a pattern never takes a column that has a role already
    order = sorted(ROLE_KINDS, key=lambda k: isinstance(getattr(roles, k), str))
    for kind in order:
        for name, col in role_columns(roles, kind, cols):
            if isinstance(getattr(roles, kind), str) and col in used:
                continue
            if col not in cols:
                raise _missing(col, cols, f"{kind} of channel '{name}'", source)
            channel = cmap.map(name)
            groups.setdefault(_PREFIX[kind] + _safe(channel), []).append(col)
            used.add(col)
    for col in (*(roles.controls or ()), *roles.ignore):
        if col not in cols:
            raise _missing(
                col, cols, "control" if col in (roles.controls or ()) else "ignore", source
            )
    ignored = tuple(c for c in roles.ignore if c not in used)
    clash = sorted(set(roles.controls or ()) & used)
    if clash:
        raise InputError(
            f"column '{clash[0]}' has two roles (a control and a date/target/channel column)",
            fix="give it one role in [mapping.panel]",
            file=source,
            row=1,
            column=clash[0],
            reason="two_roles",
        )
    findings: list[Finding] = []
    out = pd.DataFrame(index=raw.index)
    sources: dict[str, tuple[str, ...]] = {}
    for col in cols:
        if col in rename:
            out[rename[col]] = raw[col]
            sources[rename[col]] = (col,)
    for name, members in groups.items():
        out[name] = raw[members[0]] if len(members) == 1 else _sum(raw, members, source)
        sources[name] = tuple(members)
        if len(members) > 1:
            findings.append(
                Finding(
                    "info",
                    "mapping.summed",
                    f"{source}: columns {', '.join(members)} map to one channel "
                    f"and are summed into {name}",
                    "map them to different channels in [mapping.channels] to keep them apart",
                    "inputs",
                )
            )
    leftover = [
        c
        for c in cols
        if c not in used
        and c not in ignored
        and c not in (roles.controls or ())
        and c not in ("", "Unnamed: 0")
    ]
    controls = list(roles.controls or ())
    if roles.controls is None:
        controls = leftover
        if leftover:
            findings.append(
                Finding(
                    "warning",
                    "mapping.default_controls",
                    f"{source}: columns without a role are taken as controls: "
                    f"{', '.join(leftover)}",
                    "list the controls in [mapping.panel] controls and the other columns in ignore",
                    "inputs",
                )
            )
        leftover = []
    for col in controls:
        out[col] = raw[col]
        sources[col] = (col,)
    if leftover:
        findings.append(
            Finding(
                "warning",
                "mapping.unmapped_columns",
                f"{source}: columns without a role are not used: {', '.join(leftover)}",
                "add them to [mapping.panel] controls, or to ignore to silence this",
                "inputs",
            )
        )
    if ignored:
        findings.append(
            Finding(
                "info",
                "mapping.ignored",
                f"{source}: ignored columns {', '.join(ignored)}",
                "",
                "inputs",
            )
        )
    return MappedPanel(out, tuple(controls), sources, ignored, tuple(findings))


def _safe(channel: str) -> str:
    return re.sub(r"[^0-9A-Za-z_]+", "_", channel.strip()).strip("_") or "channel"


def _sum(raw: pd.DataFrame, members: list[str], source: str) -> pd.Series:
    total = np.zeros(len(raw))
    for col in members:
        s = raw[col]
        v = pd.to_numeric(
            s.astype("str").str.strip()
            if s.dtype == object or pd.api.types.is_string_dtype(s)
            else s,
            errors="coerce",
        )
        bad = np.flatnonzero(v.isna().to_numpy())
        if len(bad):
            i = int(bad[0])
            raise InputError(
                f"value {str(s.iloc[i])!r} is not a number (column '{col}' is "
                "summed with others into one channel)",
                fix="write plain numbers, 0 where nothing was spent",
                file=source,
                row=i + 2,
                column=col,
                reason="not_a_number",
            )
        total += v.to_numpy(dtype="float64")
    return pd.Series(total, index=raw.index)


# ---- the roles an MMM config gives ----------------------------------------------------


def roles_from_spec(config: Mapping[str, Any]) -> PanelRoles | None:
    """The panel roles an MMM config names, or None when it renames nothing.

    Example
    -------
    >>> r = roles_from_spec({"model": {"date": "time"},
    ...                      "channels": [{"name": "tv", "column": "x1"}]})
    >>> r.date, r.spend
    ('time', (('tv', 'x1'),))
    """
    model = dict(config.get("model", {}) or {})
    chans = list(config.get("channels", []) or [])
    spend, impr, act = [], [], []
    renames = any(
        model.get(k) not in (None, d)
        for k, d in (("date", "date"), ("target", "sales"), ("geo", "geo"))
    )
    for ch in chans:
        if not isinstance(ch, Mapping) or "name" not in ch:
            return None  # the spec parser reports the malformed entry
        name = str(ch["name"])
        kind = str(ch.get("kind", "paid"))
        prefix = C.ACTIVITY_PREFIX if kind == "activity" else C.SPEND_PREFIX
        col = str(ch.get("column", prefix + name))
        (act if kind == "activity" else spend).append((name, col))
        renames |= col != prefix + name
        if ch.get("impressions") is not None:
            impr.append((name, str(ch["impressions"])))
            renames |= str(ch["impressions"]) != C.IMPRESSIONS_PREFIX + name
    if not renames:
        return None
    controls = model.get("controls")
    return PanelRoles(
        date=str(model.get("date", "date")),
        target=str(model.get("target", "sales")),
        geo=model.get("geo"),
        spend=tuple(spend),
        impressions=tuple(impr),
        activity=tuple(act),
        controls=None if controls is None else tuple(map(str, controls)),
    )


def contract_spec(
    config: Mapping[str, Any],
    roles: PanelRoles | None = None,
    controls: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """The MMM config rewritten for a panel renamed to the contract.

    ``[model] date/target/geo`` become ``date``/``sales``/``geo``; each channel's
    ``column`` becomes ``spend_<name>`` (``activity_<name>``) and ``impressions``
    ``impressions_<name>``; ``controls`` (when given) replaces the model's controls.

    Example
    -------
    >>> contract_spec({"model": {"date": "time"}, "channels": [{"name": "tv",
    ...                "column": "x1"}]})["channels"]
    [{'name': 'tv', 'column': 'spend_tv'}]
    """
    out = {k: v for k, v in config.items()}
    model = dict(out.get("model", {}) or {})
    if roles is not None:
        model["date"], model["target"] = "date", "sales"
        if roles.geo is not None or "geo" in model:
            model["geo"] = "geo"
    if controls is not None:
        model["controls"] = list(controls)
    if model:
        out["model"] = model
    chans = []
    for ch in out.get("channels", []) or []:
        ch = dict(ch)
        if roles is not None and "name" in ch:
            kind = str(ch.get("kind", "paid"))
            prefix = C.ACTIVITY_PREFIX if kind == "activity" else C.SPEND_PREFIX
            ch["column"] = prefix + str(ch["name"])
            if ch.get("impressions") is not None:
                ch["impressions"] = C.IMPRESSIONS_PREFIX + str(ch["name"])
        chans.append(ch)
    if chans:
        out["channels"] = chans
    return out


def load_media_mapped(
    path: Any,
    roles: PanelRoles,
    cmap: ChannelMap | None = None,
    *,
    lenient: bool = False,
    rejected: Any = None,
    delimiter: str | None = None,
) -> tuple[Loaded, MappedPanel]:
    """Read a panel in the user's names, rename it by ``roles`` and load it as the contract.

    Returns the validated panel (findings of the mapping included) and the mapping done.

    Example
    -------
    >>> loaded, mapped = load_media_mapped("robyn.csv", PanelRoles(date="DATE",
    ...     target="revenue", spend="{channel}_S"))          # doctest: +SKIP
    """
    raw = read_table(path, delimiter=delimiter)
    mapped = apply_roles(raw.frame, roles, cmap, raw.source)
    loaded = validate_frame(
        mapped.frame,
        "media",
        source=raw.source,
        lenient=lenient,
        rows=raw.rows,
        bad_lines=raw.bad_lines,
        blank=raw.blank,
    )
    loaded = with_read_notes(loaded, raw)
    if rejected is not None:
        write_rejected(rejected, loaded.rejected_frame)
    check_min_weeks(loaded.frame, loaded.accounting.source)
    found = panel_findings(loaded.frame, loaded.accounting.source)
    return replace(loaded, findings=(*mapped.findings, *loaded.findings, *found)), mapped
