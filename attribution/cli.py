"""The ``attribution`` command.

Each subcommand lives next to its stage as a module with two functions,
``add_arguments(parser)`` and ``run(args) -> int``; this file only registers
them and turns errors into exit statuses: 0 success, 2 bad input or usage (one
clear line, no traceback unless ``--debug``), 1 internal error, 3 finished but not
for decisions (error-level diagnostics; see docs/run-directory.md).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from attribution.errors import InputError, UsageError

# subcommand -> (module with add_arguments/run, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("attribution.pipeline.demo", "simulate a world with known truth and run everything"),
    "simulate": ("attribution.data.simulator.command", "write a simulated world and its truth"),
    "validate": ("attribution.data.command", "check an input file against its contract"),
    "journeys": ("attribution.journeys.command", "touchpoints + conversions -> path table"),
    "mta": ("attribution.mta.command", "path attribution (heuristics, Markov, Shapley)"),
    "mmm": ("attribution.mmm.command", "fit the Bayesian media-mix model"),
    "optimize": ("attribution.optimize.command", "recommend a budget reallocation"),
    "design-test": ("attribution.experiments.command", "design a lift test: power, cost, geos"),
    "report": ("attribution.report.command", "render the HTML and PDF reports"),
    "run": ("attribution.pipeline.run", "the whole pipeline for one period, from a config"),
    "init": ("attribution.data.init_command", "look at your files and write a run.toml"),
}

log = logging.getLogger("attribution")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors: one line, exit 2
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def build_parser(command: str | None = None) -> tuple[argparse.ArgumentParser, object | None]:
    """The parser; only ``command``'s module is imported (so ``--help`` and each
    subcommand start fast). Returns the parser and that module."""
    parser = _Parser(
        prog="attribution",
        description=__doc__.splitlines()[0],
        epilog="exit status: 0 success; 1 internal error; 2 bad input or usage; "
        "3 finished but not for decisions (error-level diagnostics: "
        "run, mmm with --strict; optimize refused)",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    module = None
    for name, (modname, text) in COMMANDS.items():
        p = sub.add_parser(name, help=text, description=text)
        if name == command:
            module = importlib.import_module(modname)
            module.add_arguments(p)  # type: ignore[attr-defined]
    return parser, module


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (it may be replaced, e.g. in tests)."""

    @property  # type: ignore[override]
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def _configure_logging(quiet: bool) -> None:
    """Progress messages of this package on stderr; other libraries stay at warnings."""
    if not any(isinstance(h, _StderrHandler) for h in log.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("attribution: %(message)s"))
        log.addHandler(handler)
        log.propagate = False
    log.setLevel(logging.WARNING if quiet else logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        command = next((a for a in argv if not a.startswith("-")), None)
        parser, module = build_parser(command if command in COMMANDS else None)
        args = parser.parse_args(argv)
        _configure_logging(quiet=args.quiet)
        if not args.command:
            parser.print_help()
            return 2
        return int(module.run(args) or 0)  # type: ignore[union-attr]
    except (InputError, UsageError) as exc:
        if debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if debug:
            raise
        print(
            f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the "
            "traceback and report it)",
            file=sys.stderr,
        )
        return 1
