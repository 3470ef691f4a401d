"""The leadership report: a run directory -> one self-contained HTML file and an A4 PDF.

Pipeline, one way: :mod:`rundata` reads the run directory (only it) ->
:mod:`viewmodels` / :mod:`sections` build frozen dataclasses with final,
formatted strings (:mod:`fmt` for numbers, :mod:`wording` for every word) and
static SVG charts (:mod:`charts`) -> :mod:`html` renders them with Jinja2
(autoescape on, CSS and SVG inline) -> :mod:`pdf` converts that same HTML with
WeasyPrint (optional dependency, imported lazily).

Files read from the run directory (each missing one turns off only the part
that needs it, and the report says so): ``run.json``, ``paths.csv``,
``mta.csv``, ``mmm/channels.csv``, ``combined.csv``, ``plan.csv``,
``plan.json``, ``truth_comparison.csv``, and the optional extras
``mmm/contributions.csv`` (date, channel, contribution[, contribution_low,
contribution_high]), ``mmm/response_curves.csv`` (channel, spend, response,
response_low, response_high; weekly when ``plan.csv`` has weekly spend columns)
and ``sweep.csv`` (budget, expected, expected_low, expected_high). See
:mod:`attribution.report.rundata` for details.

Example
-------
>>> from attribution.report import render_reports             # doctest: +SKIP
>>> render_reports("reports/demo", formats=("html",))           # doctest: +SKIP
{'html': PosixPath('reports/demo/report.html')}
"""

from attribution.report.command import render_reports
from attribution.report.fmt import Formatter
from attribution.report.html import render_html
from attribution.report.rundata import RunData, load_run
from attribution.report.viewmodels import ReportSettings, ReportView, build_report

__all__ = [
    "Formatter",
    "ReportSettings",
    "ReportView",
    "RunData",
    "build_report",
    "load_run",
    "render_html",
    "render_reports",
]
