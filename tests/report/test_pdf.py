"""PDF: same content as the HTML, paginated A4, sections on new pages, numbers as in the tables."""

from __future__ import annotations

import builtins
import io
from pathlib import Path

import pandas as pd
import pytest

from attribution.errors import UsageError
from attribution.report import wording as W
from attribution.report.fmt import Formatter
from attribution.report.html import render_html
from attribution.report.rundata import load_run
from attribution.report.viewmodels import build_report

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("weasyprint")


@pytest.fixture(scope="module")
def pages(run_dir: Path, previous_dir: Path) -> list[str]:
    from attribution.report.pdf import html_to_pdf

    data = html_to_pdf(render_html(build_report(load_run(run_dir), load_run(previous_dir))))
    assert data[:5] == b"%PDF-"
    reader = pypdf.PdfReader(io.BytesIO(data))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)   # A4 in points
    return [" ".join((p.extract_text() or "").split()) for p in reader.pages]


def test_sections_start_new_pages_in_order(pages: list[str]) -> None:
    assert W.REPORT_TITLE in pages[0] and W.SECTION_TITLES["summary"] in pages[0]
    firsts = []
    for sid in ("contribution", "roi", "attribution", "budget", "comparison", "appendix"):
        title = W.SECTION_TITLES[sid]
        hits = [i for i, text in enumerate(pages) if text.startswith(title)]
        assert hits, f"section '{title}' does not start a page"
        firsts.append(hits[0])
    assert firsts == sorted(firsts) and firsts[0] >= 1
    assert all(f"{W.SECTION_TITLES['summary']}" not in p for p in pages[1:])
    assert pages[-1].rstrip().endswith(f"{len(pages)} / {len(pages)}")   # page numbers


def test_numbers_match_the_run_tables(run_dir: Path, pages: list[str]) -> None:
    text = " ".join(pages)
    f = Formatter("EUR", "en")
    ch = pd.read_csv(run_dir / "mmm/channels.csv")
    for _, r in ch.iterrows():
        assert f.money(r["contribution"]) in text
        assert f.money_interval(r["contribution_low"], r["contribution_high"]) in text
        if pd.notna(r["roi"]):
            assert f.ratio_interval(r["roi_low"], r["roi_high"]) in text
    assert f"Media drove an estimated {f.money(ch['contribution'].sum())} of sales" in text
    plan = pd.read_csv(run_dir / "plan.csv")
    for _, r in plan.iterrows():
        assert f.money(r["recommended_spend"]) in text
    assert "probability it beats the current plan: 87%" in text
    assert "Rows rejected" in text and "120,450" in text and "bad_timestamp" in text


def test_missing_weasyprint_gives_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    from attribution.report import pdf

    real_import = builtins.__import__

    def fake_import(name: str, *args, **kwargs):
        if name == "weasyprint":
            raise ImportError("No module named 'weasyprint'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(UsageError, match=r"pip install 'attribution\[pdf\]'"):
        pdf.html_to_pdf("<p>x</p>")
