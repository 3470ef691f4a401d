"""``attribution report``: render report.html (self-contained) and report.pdf from a run directory.

Usage: ``attribution report --run DIR [--out DIR] [--format html,pdf] [--previous DIR]
[--currency EUR] [--locale en] [--offline-channels tv,radio,...]``.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from attribution import rundir as R
from attribution.errors import UsageError
from attribution.io import write_text
from attribution.report.analysis import OFFLINE_DEFAULT, normalise_channel
from attribution.report.fmt import locale_spec
from attribution.report.html import render_html
from attribution.report.pdf import pdf_unavailable, write_pdf
from attribution.report.rundata import RunData, load_run
from attribution.report.viewmodels import ReportSettings, build_report, report_settings

log = logging.getLogger("attribution")
FORMATS = ("html", "pdf")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the command's options."""
    parser.add_argument("--run", required=True, metavar="DIR", help="run directory to report on")
    parser.add_argument(
        "--out", metavar="DIR", help="where to write the reports (default: the run directory)"
    )
    parser.add_argument(
        "--format", default="html,pdf", help="comma-separated: html, pdf (default: html,pdf)"
    )
    parser.add_argument("--previous", metavar="DIR", help="previous run directory to compare with")
    parser.add_argument(
        "--currency", help="ISO currency code (default: the run's [report] currency, else EUR)"
    )
    parser.add_argument(
        "--locale",
        help="number format: en, de, fr, es, it, nl (default: the run's [report] locale, else en)",
    )
    parser.add_argument(
        "--offline-channels",
        metavar="LIST",
        help="comma-separated channels counted as offline (default: "
        + ",".join(sorted(OFFLINE_DEFAULT))
        + ")",
    )


def parse_formats(text: str) -> tuple[str, ...]:
    """``"html,pdf"`` -> ``("html", "pdf")``; raises ``UsageError`` for unknown formats."""
    items = tuple(dict.fromkeys(p.strip().lower() for p in text.split(",") if p.strip()))
    bad = [p for p in items if p not in FORMATS]
    if bad or not items:
        raise UsageError(
            f"--format: unknown format '{','.join(bad) or text}'; use html, pdf or html,pdf"
        )
    return items


def render_reports(
    run_dir: str | Path,
    out_dir: str | Path | None = None,
    formats: tuple[str, ...] = FORMATS,
    previous: str | Path | None = None,
    settings: ReportSettings | None = None,
) -> dict[str, Path]:
    """Render the reports of a run; returns format -> written path.

    Example
    -------
    >>> render_reports("reports/demo", formats=("html",))   # doctest: +SKIP
    {'html': PosixPath('reports/demo/report.html')}
    """
    why_no_pdf = pdf_unavailable() if "pdf" in formats else ""
    if why_no_pdf and "html" not in formats:
        raise UsageError(why_no_pdf)
    run = load_run(run_dir)
    prev = load_run(previous) if previous else None
    if prev is not None:
        check_not_same_run(run, prev)
    out = Path(out_dir) if out_dir else Path(run_dir)
    t0 = time.perf_counter()
    html = render_html(build_report(run, prev, settings))
    log.info("report: built HTML in %.1f s", time.perf_counter() - t0)
    written: dict[str, Path] = {}
    if "html" in formats:
        written["html"] = write_text(out / R.REPORT_HTML, html)
    if why_no_pdf:
        log.warning("report: PDF skipped, HTML written. %s", why_no_pdf.split(" (")[0])
    elif "pdf" in formats:
        t1 = time.perf_counter()
        log.info("report: rendering PDF ...")
        written["pdf"] = write_pdf(out / R.REPORT_PDF, html)
        log.info("report: PDF rendered in %.1f s", time.perf_counter() - t1)
    return written


def check_not_same_run(run: RunData, previous: RunData) -> None:
    """Refuse a quarter-over-quarter comparison of a run with itself (``UsageError``, exit 2).

    The same folder, or a copy of it: a run whose recorded outputs (``run.json``
    ``outputs``, with checksums) are identical and non-empty.
    """
    same_dir = run.root.resolve() == previous.root.resolve()
    outs, prev_outs = run.manifest.get("outputs"), previous.manifest.get("outputs")
    same_outputs = bool(outs) and outs == prev_outs
    if same_dir or same_outputs:
        how = "is the run itself" if same_dir else "holds the same outputs (a copy of this run)"
        raise UsageError(
            f"--previous {previous.root} {how}; a comparison needs last quarter's run folder"
        )


def run(args: argparse.Namespace) -> int:
    """Entry point of ``attribution report``."""
    formats = parse_formats(args.format)
    if args.locale is not None:
        locale_spec(args.locale)  # fail early on an unknown locale
    if args.currency is not None and not args.currency.strip():
        raise UsageError("--currency must not be empty (e.g. EUR)")
    offline = None
    if args.offline_channels is not None:
        offline = frozenset(
            normalise_channel(c) for c in args.offline_channels.split(",") if c.strip()
        )
    cfg = load_run(args.run).manifest.get("config")
    settings = report_settings(
        cfg.get("report") if isinstance(cfg, dict) else None,
        currency=args.currency.strip().upper() if args.currency else None,
        locale=args.locale,
        offline=offline,
    )
    written = render_reports(args.run, args.out, formats, args.previous, settings)
    for fmt, path in written.items():
        log.info("report: wrote %s %s", fmt, path)
    return 0
