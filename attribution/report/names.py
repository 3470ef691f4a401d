"""Channel display names, colours and activity units for the report.

A run's config may set them (``[report] channel_names``, ``channel_colours``,
``channel_units``); otherwise readable defaults apply: known channel ids get
their usual name (``tv`` -> ``TV``, ``social_paid`` -> ``Paid social``), any
other id is turned into words (``store_visit`` -> ``Store visit``), colours
follow the colour-blind-safe palette in a stable order, and an activity channel
without a configured unit is counted in "activity units" (never in currency).

Example
-------
>>> ChannelStyle().name("social_paid")
'Paid social'
>>> ChannelStyle(names={"tv": "Television"}).name("tv")
'Television'
>>> ChannelStyle().name("my_new_channel")
'My new channel'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from attribution.errors import UsageError
from attribution.report import wording as W
from attribution.report.charts import OKABE_ITO

_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
_IDENT = re.compile(r"[a-z0-9]+(?:[_\-][a-z0-9]+)*")
_ACRONYMS = {"tv", "sms", "ooh", "seo", "sem", "crm", "ctv", "dm", "pr", "vod", "mmm", "mta"}


def words(channel_id: str) -> str:
    """A channel id in words: ``"search_generic"`` -> ``"Search generic"``, acronyms upper-case.

    Example
    -------
    >>> words("ctv_ads")
    'CTV ads'
    """
    parts = [p for p in re.split(r"[_\-\s]+", str(channel_id).strip()) if p]
    if not parts:
        return str(channel_id)
    out = [p.upper() if p.lower() in _ACRONYMS else p.lower() for p in parts]
    if out[0] == out[0].lower():
        out[0] = out[0][:1].upper() + out[0][1:]
    return " ".join(out)


@dataclass(frozen=True)
class ChannelStyle:
    """How channels are shown: display name, colour and (activity channels) unit.

    Parameters
    ----------
    names : channel id -> display name (from ``[report] channel_names``).
    colours : channel id -> ``#RRGGBB`` (from ``[report] channel_colours``).
    units : activity channel id -> unit, plural (``"posts"``; ``[report] channel_units``).
    """

    names: Mapping[str, str] = field(default_factory=dict)
    colours: Mapping[str, str] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for cid, c in self.colours.items():
            if not _HEX.match(str(c)):
                raise UsageError(f"[report] channel_colours: '{cid}' = '{c}' is not a colour; "
                                 "write it as #RRGGBB, e.g. \"#0072B2\"")

    def name(self, channel_id: object) -> str:
        """The display name of a channel id (configured, known default, or in words)."""
        cid = str(channel_id)
        if cid in self.names:
            return str(self.names[cid])
        if cid.lower() in W.CHANNEL_NAMES:
            return W.CHANNEL_NAMES[cid.lower()]
        # only identifier-like ids (snake_case) are put into words; a name that already
        # reads as text ("Cost $5 to $10", "Store Visits") is shown as it is
        return words(cid) if _IDENT.fullmatch(cid) else cid

    def unit(self, channel_id: object) -> str:
        """The unit an activity channel is counted in (``"activity units"`` by default)."""
        return str(self.units.get(str(channel_id), W.DEFAULT_ACTIVITY_UNIT))

    def palette(self, channel_ids: Iterable[object]) -> dict[str, str]:
        """Colour per channel id: configured first, then the palette in the given order
        (so a channel keeps its colour in every chart of the report)."""
        ids = list(dict.fromkeys(str(c) for c in channel_ids))
        free = [c for c in OKABE_ITO if c not in set(self.colours.values())] or list(OKABE_ITO)
        out, k = {}, 0
        for cid in ids:
            if cid in self.colours:
                out[cid] = str(self.colours[cid])
            else:
                out[cid] = free[k % len(free)]
                k += 1
        return out

    def rename_in(self, text: str, channel_ids: Iterable[object]) -> str:
        """Replace whole-word channel ids in a sentence (e.g. a finding) by display names."""
        for cid in sorted({str(c) for c in channel_ids}, key=len, reverse=True):
            shown = self.name(cid)
            if shown != cid:
                text = re.sub(rf"(?<![\w]){re.escape(cid)}(?![\w])", shown, text)
        return text
