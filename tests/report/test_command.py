"""``attribution report`` through the real CLI entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from attribution.cli import main
from attribution.errors import UsageError
from attribution.report.command import parse_formats


def test_html_only_and_same_bytes_twice(run_dir: Path, previous_dir: Path, tmp_path: Path) -> None:
    args = [
        "-q",
        "report",
        "--run",
        str(run_dir),
        "--out",
        str(tmp_path / "a"),
        "--format",
        "html",
        "--previous",
        str(previous_dir),
        "--currency",
        "eur",
        "--locale",
        "de",
    ]
    assert main(args) == 0
    args[5] = str(tmp_path / "b")
    assert main(args) == 0
    a = (tmp_path / "a" / "report.html").read_bytes()
    assert a == (tmp_path / "b" / "report.html").read_bytes()
    assert not (tmp_path / "a" / "report.pdf").exists()
    text = a.decode("utf-8")
    assert 'id="comparison"' in text
    assert "Mio.\u00a0€" in text  # German number format reached the page


def test_offline_channels_option(run_dir: Path, tmp_path: Path) -> None:
    assert (
        main(
            [
                "-q",
                "report",
                "--run",
                str(run_dir),
                "--out",
                str(tmp_path),
                "--format",
                "html",
                "--offline-channels",
                "Email, SMS, Radio",
            ]
        )
        == 0
    )
    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    # only offline channels the journeys hold are listed (radio is in none), by display name
    assert "Channels counted as offline: E-mail, SMS." in text


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--format", "docx"], "unknown format 'docx'"),
        (["--locale", "xx"], "unknown locale 'xx'"),
    ],
)
def test_bad_options_exit_2(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture, extra: list[str], message: str
) -> None:
    assert main(["report", "--run", str(run_dir), "--out", str(tmp_path), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_missing_run_dir_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["report", "--run", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_malformed_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "mta.csv").write_text(
        "model,channel,conversions\nmarkov,tv,lots\n", encoding="utf-8"
    )
    assert main(["report", "--run", str(tmp_path), "--format", "html"]) == 2
    err = capsys.readouterr().err
    assert "row 2" in err and "column 'conversions'" in err and "'lots'" in err


def test_parse_formats() -> None:
    assert parse_formats("pdf, HTML,pdf") == ("pdf", "html")
    with pytest.raises(UsageError):
        parse_formats(",")


def test_previous_run_itself_is_refused(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """A quarter-over-quarter comparison of a run with itself exits 2 with one line."""
    assert (
        main(
            [
                "report",
                "--run",
                str(run_dir),
                "--out",
                str(tmp_path),
                "--format",
                "html",
                "--previous",
                str(run_dir / "."),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "is the run itself" in err and len(err.strip().splitlines()) == 1
