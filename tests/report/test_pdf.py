"""PDF: same content as the HTML, paginated A4, sections on new pages, numbers as in the tables."""

from __future__ import annotations

import builtins
import io
import re
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
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    return [" ".join((p.extract_text() or "").split()) for p in reader.pages]


PAGE1 = re.compile(
    r"Data \d{1,2} \w{3} \d{4} – \d{1,2} \w{3} \d{4} \(\d+ weeks\) · "
    r"Generated \d{1,2} \w{3} \d{4}"
)
SAMPLE_PDF = Path(__file__).resolve().parents[2] / "reports" / "sample" / "report.pdf"


def test_pdf_structure(pages: list[str]) -> None:
    """Structural snapshot: page count, page 1's key lines, section order, no blank pages."""
    assert 5 <= len(pages) <= 10, len(pages)
    p1 = pages[0]
    assert "Marketing effectiveness report: " in p1 and PAGE1.search(p1)
    for line in (
        W.SECTION_TITLES["summary"],
        W.FLAGS_TITLE,
        W.TABLE_PLAN_SCALE,
        W.H_PER_WEEK,
        W.H_PER_QUARTER,
        W.H_PER_YEAR,
        "per year",
    ):
        assert line in p1, line
    assert "Wording is in English" not in " ".join(pages)  # no developer note
    assert all(W.SECTION_TITLES["summary"] not in p for p in pages[1:])  # page 1 stands alone
    assert pages[1].startswith(W.SECTION_TITLES["contribution"])
    text = " ".join(pages)
    at = [
        text.index(W.SECTION_TITLES[sid])
        for sid in ("contribution", "roi", "attribution", "budget", "comparison", "appendix")
    ]
    assert at == sorted(at)
    assert all(len(p) > 600 for p in pages[:-1])  # no page left mostly blank
    assert pages[-1].rstrip().endswith(f"{len(pages)} / {len(pages)}")  # page numbers


@pytest.mark.skipif(not SAMPLE_PDF.exists(), reason="no checked-in sample report")
def test_checked_in_sample_pdf() -> None:
    """The sample a visitor opens: A4, 8-12 pages, scale stated on page 1, no blank page."""
    reader = pypdf.PdfReader(SAMPLE_PDF)
    pages = [" ".join((p.extract_text() or "").split()) for p in reader.pages]
    assert 8 <= len(pages) <= 12, len(pages)
    p1 = pages[0]
    assert "Marketing effectiveness report: demo" in p1 and PAGE1.search(p1)
    for line in (
        "Total sales, 104 weeks to",
        "baseline (without media)",
        "of sales",
        "Expected gain of the plan, per year",
        "per week",
        "per quarter",
        W.TABLE_PLAN_SCALE,
    ):
        assert line in p1, line
    assert "ROI nan" not in " ".join(pages) and "tv contributed" not in " ".join(pages)
    assert all(len(p) > 600 for p in pages[:-1])


def test_numbers_match_the_run_tables(run_dir: Path, pages: list[str]) -> None:
    text = " ".join(pages)
    f = Formatter("EUR", "en")
    ch = pd.read_csv(run_dir / "mmm/channels.csv")
    for _, r in ch.iterrows():
        assert f.money(r["contribution"]) in text
        assert f.money_interval(r["contribution_low"], r["contribution_high"]) in text
        if pd.notna(r["roi"]):
            assert f.ratio_interval(r["roi_low"], r["roi_high"]) in text
    assert f"media drove an estimated {f.money(ch['contribution'].sum())} of sales" in text
    plan = pd.read_csv(run_dir / "plan.csv")
    for _, r in plan.iterrows():  # a 13-week plan is shown per week
        assert f.money(r["recommended_spend"] / 13) in text
        assert f.money(r["recommended_weekly_spend"]) in text
    # gain 53,740 over 13 weeks: 4,134 a week, 53,740 a quarter, 214,960 a year (hand-computed)
    assert "+€4,134 per week" in text and "+€215K per year" in text and "+€54K" in text
    assert "probability it beats the current plan under the model: 87%" in text
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
