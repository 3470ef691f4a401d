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

from collections.abc import Mapping
from importlib import metadata
from typing import Any

from attribution.report import sections as S
from attribution.report import sections_appendix as A
from attribution.report import sections_experiments as X
from attribution.report import sections_more as M
from attribution.report import sections_segments
from attribution.report import summary as SUM
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
from attribution.report.names import ChannelStyle
from attribution.report.rundata import RunData, run_name
from attribution.report.scale import day

__all__ = [
    "Banner",
    "Block",
    "Card",
    "Cards",
    "Chart",
    "Flags",
    "Heading",
    "Missing",
    "Paragraph",
    "ReportSettings",
    "ReportView",
    "Section",
    "Table",
    "build_report",
]


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
    kw["style"] = ChannelStyle(
        names=table("channel_names"), colours=table("channel_colours"), units=table("channel_units")
    )
    kw.update({k: v for k, v in override.items() if v is not None})
    return ReportSettings(**kw)


def build_report(
    run: RunData, previous: RunData | None = None, settings: ReportSettings | None = None
) -> ReportView:
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
    if settings is None:
        cfg = run.manifest.get("config")
        settings = report_settings(cfg.get("report") if isinstance(cfg, dict) else None)
    ctx = S.Context(run=run, fmt=settings.formatter(), settings=settings)
    secs = [SUM.summary(ctx), S.contribution(ctx), S.roi(ctx), M.attribution(ctx), M.budget(ctx)]
    secs.append(X.experiments(ctx))
    secs += [x for x in [sections_segments.segments(ctx)] if x]  # segments, pressure, caps
    if previous is not None:
        secs.append(M.comparison(ctx, previous))
    secs.append(A.appendix(ctx))
    period = ctx.scale.report
    return ReportView(
        title=W.TITLE_WITH_RUN.format(name=run_name(run)),
        subtitle=W.SUBTITLE.format(
            period=W.SUBTITLE_PERIOD.format(period=period.label()) if period else "",
            generated=day(settings.today),
            level=ctx.level,
        ),
        note="",
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
