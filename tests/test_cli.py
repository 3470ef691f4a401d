import subprocess
import sys

from attribution.cli import main


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_unknown_command_is_usage_error(capsys):
    assert main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_help_exits_0(capsys):
    try:
        main(["--help"])
    except SystemExit as exc:
        assert exc.code == 0


def test_python_dash_m_entry_point():
    proc = subprocess.run(
        [sys.executable, "-m", "attribution", "--bogus-flag"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.strip().count("\n") == 0
