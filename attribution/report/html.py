"""Render a :class:`~attribution.report.viewmodels.ReportView` as one self-contained HTML file.

CSS is inlined and charts are inline SVG, so the file opens offline and makes no
network request; Jinja2 autoescaping is on, so names from the data appear as text.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import jinja2

from attribution.report import wording as W
from attribution.report.viewmodels import ReportView

PAGE_LABEL = "Page"


@cache
def _env() -> jinja2.Environment:
    loader = jinja2.PackageLoader("attribution.report", "templates")
    return jinja2.Environment(
        loader=loader, autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True
    )


@cache
def stylesheet() -> str:
    """The report's CSS (shared by HTML and PDF)."""
    return resources.files("attribution.report").joinpath("report.css").read_text("utf-8")


def render_html(view: ReportView) -> str:
    """The report as an HTML document string (deterministic for a given view).

    Example
    -------
    >>> html = render_html(view)        # doctest: +SKIP
    >>> html.startswith("<!DOCTYPE html>")   # doctest: +SKIP
    True
    """
    tpl = _env().get_template("report.html.j2")
    out = tpl.render(view=view, css=stylesheet(), page_label=PAGE_LABEL, toc_title=W.TOC_TITLE)
    return out.lstrip()
