"""View-models: plain frozen dataclasses the templates render, built from a run directory.

A report is a title and a tuple of :class:`Section`; a section is a heading and
a tuple of blocks (:class:`Heading`, :class:`Paragraph`, :class:`Cards`, :class:`Flags`,
:class:`Table`, :class:`Chart`, :class:`Missing`). Every string is final
(formatted, worded); the templates only lay them out. Builders for the sections
live in :mod:`attribution.report.sections`.

Example
-------
>>> from attribution.report.rundata import load_run          # doctest: +SKIP
>>> view = build_report(load_run("reports/demo"))             # doctest: +SKIP
>>> [s.id for s in view.sections][:2]                         # doctest: +SKIP
['summary', 'contribution']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import metadata
from typing import ClassVar

from attribution.report.analysis import OFFLINE_DEFAULT
from attribution.report.fmt import Formatter
from attribution.report.rundata import RunData


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


Block = Heading | Paragraph | Cards | Flags | Table | Chart | Missing


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


@dataclass(frozen=True)
class ReportSettings:
    """How to present a run: currency, locale and which channels count as offline."""

    currency: str = "EUR"
    locale: str = "en"
    offline: frozenset[str] = field(default=OFFLINE_DEFAULT)
    top_paths: int = 10

    def formatter(self) -> Formatter:
        return Formatter(self.currency, self.locale)


def build_report(run: RunData, previous: RunData | None = None,
                 settings: ReportSettings | None = None) -> ReportView:
    """Build the report view-model from a :class:`~attribution.report.rundata.RunData`.

    Parameters
    ----------
    run : the run to report on.
    previous : an earlier run for the quarter-over-quarter comparison, or None.
    settings : currency, locale, offline channels (defaults: EUR, en, built-in set).

    Returns
    -------
    ReportView with sections in leadership order: summary, contribution, ROI,
    path attribution, budget, comparison (only with ``previous``), appendix.
    """
    from attribution.report import sections as S
    from attribution.report import sections_more as M
    from attribution.report import sections_segments
    from attribution.report import wording as W

    settings = settings or ReportSettings()
    ctx = S.Context(run=run, fmt=settings.formatter(), settings=settings)
    secs = [S.summary(ctx), S.contribution(ctx), S.roi(ctx), M.attribution(ctx), M.budget(ctx)]
    secs += [x for x in [sections_segments.segments(ctx)] if x]  # segments, pressure, caps
    if previous is not None:
        secs.append(M.comparison(ctx, previous))
    secs.append(M.appendix(ctx))
    return ReportView(
        title=W.REPORT_TITLE,
        subtitle=W.SUBTITLE.format(run=run.name, level=ctx.level),
        note=W.LANGUAGE_NOTE.format(locale=settings.locale, currency=settings.currency),
        sections=tuple(secs),
        footer=W.FOOTER.format(version=_version()),
        lang="en",
    )


def _version() -> str:
    try:
        return metadata.version("attribution")
    except metadata.PackageNotFoundError:
        return "unknown"
