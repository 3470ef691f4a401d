"""Render the report HTML as a paginated A4 PDF with WeasyPrint (optional dependency).

WeasyPrint is imported only here, when a PDF is asked for. Without it, a
request for HTML and PDF writes the HTML and says in one line how to add the
PDF; a request for the PDF alone stops with that line.
"""

from __future__ import annotations

import logging
from pathlib import Path

from attribution.errors import UsageError
from attribution.io import write_bytes

INSTALL_HINT = (
    "PDF output needs WeasyPrint and the Pango system libraries: pip install "
    "'attribution[pdf]' and, on Debian/Ubuntu, apt install libpango-1.0-0 "
    "libpangoft2-1.0-0 (macOS: brew install pango)"
)


def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the system libraries (Pango) are missing
        raise UsageError(f"{INSTALL_HINT} ({exc})") from None
    return weasyprint


def pdf_unavailable() -> str:
    """Why a PDF cannot be made here ('' when WeasyPrint and its libraries load)."""
    try:
        _weasyprint()
    except UsageError as exc:
        return str(exc)
    return ""


def html_to_pdf(html: str, base_url: str | Path | None = None) -> bytes:
    """Convert an HTML string (self-contained) to PDF bytes.

    Parameters: ``html`` the document; ``base_url`` for relative links (unused by
    the self-contained report). Returns the PDF bytes. Example:
    ``html_to_pdf("<p>hi</p>")[:4] == b"%PDF"``.
    """
    wp = _weasyprint()
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    # no protocol allowed: the report is self-contained and must never fetch anything
    fetcher = wp.urls.URLFetcher(allowed_protocols=("data",))
    doc = wp.HTML(string=html, base_url=str(base_url) if base_url else None, url_fetcher=fetcher)
    return doc.write_pdf()  # type: ignore[no-any-return]


def write_pdf(path: str | Path, html: str) -> Path:
    """Render ``html`` to PDF and write it atomically to ``path``."""
    return write_bytes(path, html_to_pdf(html))
