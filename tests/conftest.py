"""Shared test fixtures (generic; stage-specific fixtures live next to their tests)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from attribution.cli import main


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Call ``attribution.cli.main`` with string arguments; return (exit code, stdout, stderr)."""

    def _run(*args: object) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return _run
