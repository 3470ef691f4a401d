"""View-models: plain frozen dataclasses the templates render, built from a run directory.

The blocks themselves live in :mod:`attribution.report.blocks` (re-exported
here); builders for the sections live in :mod:`attribution.report.sections`.

Example
-------
>>> from attribution.report.rundata import load_run          # doctest: +SKIP
>>> view = build_report(load_run("reports/demo"))             # doctest: +SKIP
>>> [s.id for s in view.sections][:2]                         # doctest: +SKIP
['summary', 'contribution']
"""

from __future__ import annotations

from importlib import metadata

from attribution.report import sections as S
from attribution.report import sections_more as M
from attribution.report import wording as W
from attribution.report.banner import run_banner
from attribution.report.blocks import (  # re-exported: the view-model's public names
    Banner,
    Block,
    Card,
    Cards,
    Chart,
    Flags,
    Heading,
    Missing,
    Paragraph,
    ReportSettings,
    ReportView,
    Section,
    Table,
)
from attribution.report.rundata import RunData

__all__ = ["Banner", "Block", "Card", "Cards", "Chart", "Flags", "Heading", "Missing",
           "Paragraph", "ReportSettings", "ReportView", "Section", "Table", "build_report"]


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
    settings = settings or ReportSettings()
    ctx = S.Context(run=run, fmt=settings.formatter(), settings=settings)
    secs = [S.summary(ctx), S.contribution(ctx), S.roi(ctx), M.attribution(ctx), M.budget(ctx)]
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
        banner=run_banner(run),
    )


def _version() -> str:
    try:
        return metadata.version("attribution")
    except metadata.PackageNotFoundError:
        return "unknown"
