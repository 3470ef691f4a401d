"""Channel names with dollar signs are text, not matplotlib mathtext (report charts)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from attribution.io import write_csv, write_json
from attribution.report.html import render_html
from attribution.report.rundata import load_run
from attribution.report.viewmodels import build_report


def test_dollar_names_render_verbatim(tmp_path: Path) -> None:
    names = ["$\\foo$ x", "cost $5 to $10"]
    write_csv(tmp_path / "mta.csv", pd.DataFrame({"model": ["markov"] * 2, "channel": names,
                                                  "conversions": [3.0, 1.0],
                                                  "value": [30.0, 10.0]}))
    write_json(tmp_path / "run.json", {"findings": [], "config": {}})
    doc = render_html(build_report(load_run(tmp_path)))
    for name in names:                      # in the tables and as chart text, unchanged
        assert doc.count(name) >= 2, name


def test_time_decay_basis_is_stated_in_the_appendix(tmp_path: Path) -> None:
    write_csv(tmp_path / "mta.csv", pd.DataFrame({"model": ["time_decay"] * 2,
                                                  "channel": ["email", "search"],
                                                  "conversions": [1.0, 2.0],
                                                  "value": [10.0, 20.0]}))
    basis = {"time_decay": "touch times, half-life 7 days"}
    write_json(tmp_path / "run.json", {"findings": [], "config": {}, "mta_basis": basis})
    doc = render_html(build_report(load_run(tmp_path)))
    assert "Time decay in this run: touch times, half-life 7 days (a touch one" in doc
    write_json(tmp_path / "run.json", {"findings": [], "config": {}})
    assert "Time decay in this run" not in render_html(build_report(load_run(tmp_path)))


def test_run_details_name_folder_and_remote_inputs(tmp_path: Path) -> None:
    inputs = {"media": {"path": "m.csv", "sha256": "ab" * 32},
              "touchpoints": {"path": "tp/", "files": [{"path": "tp/a", "sha256": "c" * 64}] * 3},
              "conversions": {"path": "s3a://b/c/", "sha256": None}}
    write_json(tmp_path / "run.json", {"findings": [], "config": {}, "inputs": inputs})
    doc = render_html(build_report(load_run(tmp_path)))
    assert "abababababababab…" in doc
    assert "3 files, each checksummed in run.json" in doc
    assert "URL or table: no checksum (not a local file)" in doc
