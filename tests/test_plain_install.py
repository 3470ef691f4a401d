"""A plain install (no extras: no WeasyPrint) works: ``attribution run`` with the default
formats writes the HTML and says in one line how to add the PDF, instead of stopping.

Installs the package into a fresh virtual environment with uv (its cache makes this
quick: about 25 s here), then runs the installed command on a small run.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _uv() -> str:
    beside = Path(sys.executable).parent / "uv"
    found = str(beside) if beside.is_file() else shutil.which("uv")
    if found is None:
        pytest.fail("uv is needed to test a plain install (the CI bootstrap installs it)")
    return found


def _install(venv: Path) -> Path:
    uv = _uv()
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([uv, "venv", "-q", str(venv), "--python", base], check=True, timeout=120)
    py = venv / "bin" / "python"
    for extra in (["--offline"], []):  # the warm cache first; the index if it lacks something
        proc = subprocess.run(
            [uv, "pip", "install", "-q", *extra, "--python", str(py), str(ROOT)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if proc.returncode == 0:
            return venv / "bin" / "attribution"
    pytest.fail(f"uv could not install the package: {proc.stderr[-2000:]}")


@pytest.mark.slow
def test_plain_install_writes_html_and_says_how_to_add_the_pdf(tmp_path: Path) -> None:
    exe = _install(tmp_path / "venv")
    check = subprocess.run(
        [str(tmp_path / "venv" / "bin" / "python"), "-c", "import weasyprint"], capture_output=True
    )
    assert check.returncode != 0  # really a plain install
    pd.DataFrame(
        {
            "path": ["search > email", "email", "search"],
            "total_conversions": [30, 8, 20],
            "total_conversion_value": [3000.0, 700.0, 2100.0],
            "total_null": [300, 90, 150],
        }
    ).to_csv(tmp_path / "paths.csv", index=False)
    (tmp_path / "run.toml").write_text(
        '[run]\nout = "run"\n\n[inputs]\npaths = "paths.csv"\n\n'
        '[mta]\nmodels = ["last", "markov"]\nbootstrap = 0\norder = 1\n',
        encoding="utf-8",
    )
    proc = subprocess.run(
        [str(exe), "run", "--config", str(tmp_path / "run.toml")],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "run" / "report.html").is_file()
    assert not (tmp_path / "run" / "report.pdf").exists()
    notes = [ln for ln in proc.stderr.splitlines() if "PDF" in ln]
    assert len(notes) == 1, proc.stderr
    assert "pip install 'attribution[pdf]'" in notes[0] and "Pango" in notes[0]
    assert "Traceback" not in proc.stderr and "error" not in proc.stderr.lower()
    # asking for the PDF alone is an error: one line, exit 2
    proc = subprocess.run(
        [str(exe), "report", "--run", str(tmp_path / "run"), "--format", "pdf"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 2 and "attribution[pdf]" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
