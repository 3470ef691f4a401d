"""HTML: self-contained, escaped, deterministic, and structurally stable (JSON snapshot).

Refresh the snapshot after an intended change with ``UPDATE_SNAPSHOT=1 pytest tests/report``.
"""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from attribution.report.fmt import Formatter
from attribution.report.html import render_html
from attribution.report.rundata import load_run
from attribution.report.viewmodels import build_report

SNAPSHOT = Path(__file__).with_name("snapshot_structure.json")
# real run directories: checked-in sample reports, plus any listed in REPORT_REAL_RUNS
REAL_RUNS = [
    p
    for p in (Path(__file__).resolve().parents[2] / "reports").glob("*")
    if (p / "run.json").is_file()
] + [Path(p) for p in os.environ.get("REPORT_REAL_RUNS", "").split(os.pathsep) if p]


class _Structure(HTMLParser):
    """Collects section ids, headings and table headers (not bytes)."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[dict] = []
        self._tag: str | None = None
        self._buf: list[str] = []
        self._table: list[str] | None = None
        self.figures: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section":
            self.sections.append({"id": a.get("id"), "headings": [], "tables": [], "charts": []})
        elif tag == "figure" and self.sections:
            self.sections[-1]["charts"].append(a.get("id"))
        elif tag in ("h2", "h3", "th"):
            self._tag, self._buf = tag, []
        elif tag == "table":
            self._table = []

    def handle_data(self, data: str) -> None:
        if self._tag:
            self._buf.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._tag:
            text = " ".join("".join(self._buf).split())
            if tag == "th" and self._table is not None:
                self._table.append(text)
            elif self.sections:
                self.sections[-1]["headings"].append(f"{tag}: {text}")
            self._tag = None
        elif tag == "table" and self._table is not None and self.sections:
            self.sections[-1]["tables"].append(self._table)
            self._table = None


def structure(html: str) -> list[dict]:
    p = _Structure()
    p.feed(html)
    return p.sections


@pytest.fixture(scope="module")
def html(run_dir: Path, previous_dir: Path) -> str:
    return render_html(build_report(load_run(run_dir), load_run(previous_dir)))


def assert_self_contained(doc: str) -> None:
    assert re.findall(r"https?://", doc) == []
    refs = re.findall(r"""\b(?:src|href)\s*=\s*(["']?)([^"'\s>]*)""", doc)
    assert refs and all(q and v.startswith("#") for q, v in refs)  # only in-page links
    assert "//" not in re.sub(r"<style.*?</style>", "", doc, flags=re.S).replace("</", "")
    assert "@import" not in doc
    assert re.findall(r"url\(\s*(?!#)", doc) == []  # only url(#clip) in SVG
    assert "<script" not in doc.lower() and "<link" not in doc.lower()
    assert "<img" not in doc.lower() and "<iframe" not in doc.lower()


def test_self_contained(html: str) -> None:
    assert html.startswith("<!DOCTYPE html>")
    assert_self_contained(html)
    assert html.count("<svg") == 7
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # unique ids across all inline charts
    refs = set(re.findall(r'(?:href="#|url\(#)([^")]+)', html))
    assert refs <= set(ids)  # every in-page reference resolves


def test_names_from_data_are_escaped(evil_dir: Path, evil_name: str) -> None:
    doc = render_html(build_report(load_run(evil_dir)))
    assert evil_name not in doc
    assert "<script" not in doc
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    in_svg = sum(svg.count(escaped) for svg in re.findall(r"<svg.*?</svg>", doc, flags=re.S))
    in_html = re.sub(r"<svg.*?</svg>", "", doc, flags=re.S).count(escaped)
    assert in_svg >= 3 and in_html >= 3  # chart labels and table cells / sentences


def test_deterministic_bytes(run_dir: Path, previous_dir: Path, html: str) -> None:
    again = render_html(build_report(load_run(run_dir), load_run(previous_dir)))
    assert again == html


def test_structure_snapshot(html: str) -> None:
    got = structure(html)
    if os.environ.get("UPDATE_SNAPSHOT"):
        SNAPSHOT.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert SNAPSHOT.exists(), "no snapshot yet: run with UPDATE_SNAPSHOT=1 once and check it in"
    want = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert got == want, "report structure changed; if intended, rerun with UPDATE_SNAPSHOT=1"


def test_degrades_without_optional_files(make_run, tmp_path: Path) -> None:
    root = make_run(tmp_path / "mta_only", files=("run.json", "paths.csv", "mta.csv"))
    doc = render_html(build_report(load_run(root)))
    assert_self_contained(doc)
    ids = [s["id"] for s in structure(doc)]
    assert ids == [
        "summary",
        "contribution",
        "roi",
        "attribution",
        "budget",
        "experiments",
        "appendix",
    ]
    assert "The media-mix model was not run" in doc
    assert "The budget optimiser was not run" in doc


@pytest.mark.parametrize("real", REAL_RUNS, ids=[p.name for p in REAL_RUNS])
def test_real_run_directories(real: Path) -> None:
    run = load_run(real)
    doc = render_html(build_report(run, run))  # also exercises the comparison section
    assert_self_contained(doc)
    ids = [s["id"] for s in structure(doc)]
    assert ids[0] == "summary" and ids[-1] == "appendix" and "comparison" in ids
    ch = run.get("mmm/channels.csv")
    if ch is not None:  # every channel's number reached the page
        f = Formatter("EUR", "en")
        for _, r in ch.iterrows():
            assert f.money(r["contribution"]) in doc


@pytest.mark.slow
def test_identical_bytes_across_processes(make_run, tmp_path: Path) -> None:
    """Same run directory -> same HTML bytes, also in fresh interpreters with other hash seeds."""
    import subprocess
    import sys

    root = make_run(
        tmp_path / "run", files=("run.json", "paths.csv", "mta.csv", "mmm/channels.csv")
    )
    code = (
        "import sys; from attribution.report import build_report, load_run, render_html; "
        "sys.stdout.buffer.write(render_html(build_report(load_run(sys.argv[1])))"
        ".encode())"
    )
    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        res = subprocess.run(
            [sys.executable, "-c", code, str(root)],
            capture_output=True,
            env=env,
            check=True,
            timeout=300,
        )
        outs.append(res.stdout)
    assert outs[0] == outs[1] and len(outs[0]) > 10_000
