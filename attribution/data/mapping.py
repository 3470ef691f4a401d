"""One mapping for every input: column names, panel column roles and the channel map.

In a run config (``[mapping]``) or a mapping file given on the command line
(``--mapping FILE``: a run config or a TOML file with a ``[mapping]`` table)::

    [mapping.columns.touchpoints]      # contract column = the column in your file
    customer_id = "user_pseudo_id"
    timestamp = "event_time"
    channel = "source_medium"

    [mapping.columns.lift_tests]
    lift = "incremental_revenue"

    [mapping.panel]                    # the weekly media panel's column roles
    date = "time"
    target = "revenue"
    geo = "region"                     # optional
    population = "population"          # optional; kept, never a control
    spend = "{channel}_spend"          # a pattern with {channel} ...
    impressions = "{channel}_impression"
    activity = { newsletter = "newsletter_sends" }   # ... or a table channel = column
    controls = ["competitor_sales", "promo"]
    ignore = ["revenue_per_conversion"]

    [mapping.channels]                 # raw values -> channels (see channel_map.py)
    default_grouping = true
    exact = { "fb" = "paid_social" }
    rules = [{ pattern = "*display*", field = "campaign", channel = "display" }]

Column tables: touchpoints, conversions, id_map, paths, media, lift_tests. Every
key is checked: an unknown one is an error naming it and the closest known key.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from attribution.data import contracts as C
from attribution.data.channel_map import ChannelMap
from attribution.errors import UsageError
from attribution.io import read_toml

#: mapping table -> contract
COLUMN_TABLES: dict[str, C.Contract] = {
    "touchpoints": C.TOUCHPOINTS,
    "conversions": C.CONVERSIONS,
    "id_map": C.ID_MAP,
    "paths": C.PATHS,
    "media": C.MEDIA,
    "lift_tests": C.LIFT_TESTS,
}
ROLE_KINDS = ("spend", "impressions", "activity")
PANEL_KEYS = ("date", "target", "geo", "population", *ROLE_KINDS, "controls", "ignore")
CHANNEL_TOKEN = "{channel}"


def _unknown(raw: Mapping[str, Any], known: tuple[str, ...] | list[str], where: str) -> None:
    for key in raw:
        if key not in known:
            close = difflib.get_close_matches(str(key), list(known), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known: {', '.join(known)}"
            raise UsageError(f"unknown key '{key}' in [{where}]{hint}")


@dataclass(frozen=True)
class PanelRoles:
    """Column roles of a weekly panel in the user's names.

    ``spend``/``impressions``/``activity``: a pattern with ``{channel}``
    (``"{channel}_spend"``) or a tuple of (channel, column) pairs.
    ``controls`` None: the numeric columns left over (each named in a finding).

    Example
    -------
    >>> PanelRoles(date="time", spend="{channel}_S").date
    'time'
    """

    date: str = "date"
    target: str = "sales"
    geo: str | None = None
    population: str | None = None
    spend: str | tuple[tuple[str, str], ...] = ()
    impressions: str | tuple[tuple[str, str], ...] = ()
    activity: str | tuple[tuple[str, str], ...] = ()
    controls: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], where: str = "mapping.panel") -> PanelRoles:
        _unknown(raw, PANEL_KEYS, where)
        kw: dict[str, Any] = {}
        for key in ("date", "target", "geo", "population"):
            if key in raw:
                if not isinstance(raw[key], str):
                    raise UsageError(f"[{where}] {key} must be a column name (text)")
                kw[key] = raw[key]
        for key in ROLE_KINDS:
            v = raw.get(key)
            if v is None:
                continue
            if isinstance(v, str):
                if CHANNEL_TOKEN not in v:
                    raise UsageError(
                        f"[{where}] {key} = {v!r}: a pattern needs {CHANNEL_TOKEN}"
                        f" (e.g. '{CHANNEL_TOKEN}_spend'), or give a table "
                        "channel = column"
                    )
                kw[key] = v
            elif isinstance(v, Mapping):
                kw[key] = tuple((str(k), str(c)) for k, c in v.items())
            else:
                raise UsageError(f"[{where}] {key} must be a pattern or a table channel = column")
        for key in ("controls", "ignore"):
            if key in raw:
                v = raw[key]
                if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                    raise UsageError(f"[{where}] {key} must be a list of column names")
                kw[key] = tuple(v)
        return cls(**kw)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"date": self.date, "target": self.target}
        for key in ("geo", "population"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        for key in ROLE_KINDS:
            v = getattr(self, key)
            if v:
                out[key] = v if isinstance(v, str) else dict(v)
        if self.controls is not None:
            out["controls"] = list(self.controls)
        if self.ignore:
            out["ignore"] = list(self.ignore)
        return out


@dataclass(frozen=True)
class MappingConfig:
    """The ``[mapping]`` section: column names per input, panel roles, channel map.

    Example
    -------
    >>> m = MappingConfig.from_config({"columns": {"media": {"date": "time"}}})
    >>> m.rename("media")
    {'time': 'date'}
    """

    columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    panel: PanelRoles | None = None
    # without [mapping.channels]: only source / medium pairs are grouped, names are kept
    channels: ChannelMap = field(default_factory=lambda: ChannelMap(group_names=False))

    @classmethod
    def from_config(cls, raw: Any, where: str = "mapping") -> MappingConfig:
        if not isinstance(raw, Mapping):
            raise UsageError(f"[{where}] must be a table")
        _unknown(raw, ("columns", "panel", "channels"), where)
        cols: dict[str, dict[str, str]] = {}
        for table, names in dict(raw.get("columns", {})).items():
            if table not in COLUMN_TABLES:
                close = difflib.get_close_matches(table, list(COLUMN_TABLES), n=1)
                hint = (
                    f"; did you mean '{close[0]}'?"
                    if close
                    else f"; known: {', '.join(COLUMN_TABLES)}"
                )
                raise UsageError(f"unknown key '{table}' in [{where}.columns]{hint}")
            if not isinstance(names, Mapping):
                raise UsageError(
                    f"[{where}.columns.{table}] must be a table of contract column = your column"
                )
            contract = [c.name for c in COLUMN_TABLES[table].columns]
            _unknown(names, contract, f"{where}.columns.{table}")
            cols[table] = {str(k): str(v) for k, v in names.items()}
        panel = PanelRoles.from_dict(raw["panel"], f"{where}.panel") if "panel" in raw else None
        channels = (
            ChannelMap.from_dict(raw["channels"], f"{where}.channels")
            if "channels" in raw
            else ChannelMap(group_names=False)
        )
        return cls(columns=cols, panel=panel, channels=channels)

    def rename(self, table: str) -> dict[str, str]:
        """{column in the file: contract column} for one input table."""
        return {user: contract for contract, user in self.columns.get(table, {}).items()}

    def file_columns(self, table: str) -> dict[str, str]:
        """{contract column: column in the file} for one input table."""
        return dict(self.columns.get(table, {}))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"channels": self.channels.to_dict()}
        if self.columns:
            out["columns"] = {k: dict(v) for k, v in self.columns.items()}
        if self.panel is not None:
            out["panel"] = self.panel.to_dict()
        return out


def load_mapping(path: str | Path) -> MappingConfig:
    """The ``[mapping]`` table of a TOML file (a run config or a mapping file).

    Example
    -------
    >>> load_mapping("run.toml").channels.default_grouping   # doctest: +SKIP
    True
    """
    raw = read_toml(path)
    if "mapping" not in raw:
        raise UsageError(f"{path}: has no [mapping] table (see 'attribution init' for one)")
    return MappingConfig.from_config(raw["mapping"])
