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

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import metadata
from typing import Any, ClassVar

from attribution.report.analysis import OFFLINE_DEFAULT
from attribution.report.fmt import Formatter
from attribution.report.names import ChannelStyle
from attribution.report.rundata import RunData
from attribution.report.scale import day


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


def report_settings(report_cfg: Mapping[str, Any] | None, **override: Any) -> ReportSettings:
    """Settings from a run config's ``[report]`` table (as in ``run.json``'s ``config``).

    Keys used: ``currency``, ``locale``, ``channel_names``, ``channel_colours``,
    ``channel_units``; ``override`` (non-None values) wins over the config.

    Example
    -------
    >>> report_settings({"channel_names": {"tv": "Television"}}).style.name("tv")
    'Television'
    """
    cfg = dict(report_cfg or {})

    def table(key: str) -> dict[str, str]:
        v = cfg.get(key)
        return {str(k): str(x) for k, x in v.items()} if isinstance(v, Mapping) else {}

    kw: dict[str, Any] = {k: cfg[k] for k in ("currency", "locale") if isinstance(cfg.get(k), str)}
    kw["style"] = ChannelStyle(names=table("channel_names"), colours=table("channel_colours"),
                               units=table("channel_units"))
    kw.update({k: v for k, v in override.items() if v is not None})
    return ReportSettings(**kw)


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
    from attribution.report import summary as SUM
    from attribution.report import wording as W

    if settings is None:
        cfg = run.manifest.get("config")
        settings = report_settings(cfg.get("report") if isinstance(cfg, dict) else None)
    ctx = S.Context(run=run, fmt=settings.formatter(), settings=settings)
    secs = [SUM.summary(ctx), S.contribution(ctx), S.roi(ctx), M.attribution(ctx), M.budget(ctx)]
    if previous is not None:
        secs.append(M.comparison(ctx, previous))
    secs.append(M.appendix(ctx))
    period = ctx.scale.report
    return ReportView(
        title=W.TITLE_WITH_RUN.format(name=run_name(run)),
        subtitle=W.SUBTITLE.format(
            period=W.SUBTITLE_PERIOD.format(period=period.label()) if period else "",
            generated=day(settings.today), level=ctx.level),
        note="",
        sections=tuple(secs),
        footer=W.FOOTER.format(version=_version()),
        lang="en",
    )


def run_name(run: RunData) -> str:
    """The run's ``[run] name`` from its config; the folder name when the run has none."""
    cfg = run.manifest.get("config")
    name = (cfg.get("run") or {}).get("name") if isinstance(cfg, dict) else None
    return str(name) if name else run.name


def _version() -> str:
    try:
        return metadata.version("attribution")
    except metadata.PackageNotFoundError:
        return "unknown"
