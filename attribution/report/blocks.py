"""The report's building blocks: plain frozen dataclasses the templates render.

A report is a title and a tuple of :class:`Section`; a section is a heading and
a tuple of blocks (:class:`Heading`, :class:`Paragraph`, :class:`Cards`,
:class:`Flags`, :class:`Table`, :class:`Chart`, :class:`Missing`,
:class:`Banner`). Every string is final (formatted, worded); the templates only
lay them out. The section builders (:mod:`attribution.report.sections`) import
these; :mod:`attribution.report.viewmodels` assembles the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import ClassVar

from attribution.report.analysis import OFFLINE_DEFAULT
from attribution.report.fmt import Formatter
from attribution.report.names import ChannelStyle


@dataclass(frozen=True)
class Banner:
    """A warning across the page: the run (or its plan) is not for decisions, and the fix."""

    kind: ClassVar[str] = "banner"
    title: str
    text: str
    fix: str = ""


@dataclass(frozen=True)
class Paragraph:
    """A sentence or paragraph of plain text."""

    kind: ClassVar[str] = "paragraph"
    text: str


@dataclass(frozen=True)
class Heading:
    """A sub-heading inside a section."""

    kind: ClassVar[str] = "heading"
    text: str


@dataclass(frozen=True)
class Card:
    """A headline number: label, value and a line of detail."""

    label: str
    value: str
    detail: str = ""


@dataclass(frozen=True)
class Cards:
    kind: ClassVar[str] = "cards"
    cards: tuple[Card, ...]


@dataclass(frozen=True)
class Flags:
    """Confidence flags: (level, text) pairs under a title."""

    kind: ClassVar[str] = "flags"
    title: str
    items: tuple[tuple[str, str], ...]
    empty: str = ""


@dataclass(frozen=True)
class Table:
    """A table of formatted cells; ``numeric`` marks right-aligned columns."""

    kind: ClassVar[str] = "table"
    id: str
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Chart:
    """An inline SVG chart with its title (also the accessible label)."""

    kind: ClassVar[str] = "chart"
    id: str
    title: str
    svg: str


@dataclass(frozen=True)
class Missing:
    """A plain statement that an analysis was not run."""

    kind: ClassVar[str] = "missing"
    text: str


Block = Heading | Paragraph | Cards | Flags | Table | Chart | Missing | Banner


@dataclass(frozen=True)
class Section:
    """One report section (a page break precedes it in print)."""

    id: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class ReportView:
    """The whole report, ready to render."""

    title: str
    subtitle: str
    note: str
    sections: tuple[Section, ...]
    footer: str
    lang: str = "en"
    banner: Banner | None = None


@dataclass(frozen=True)
class ReportSettings:
    """How to present a run: currency, locale, offline channels, channel names/colours/units.

    ``generated`` is the report's date (today when None).
    """

    currency: str = "EUR"
    locale: str = "en"
    offline: frozenset[str] = field(default=OFFLINE_DEFAULT)
    top_paths: int = 10
    style: ChannelStyle = field(default_factory=ChannelStyle)
    generated: date | None = None

    def formatter(self) -> Formatter:
        return Formatter(self.currency, self.locale)

    @property
    def today(self) -> date:
        return self.generated or datetime.now(UTC).date()
