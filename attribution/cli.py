"""The ``attribution`` command.

Each subcommand lives next to its stage as a module with two functions,
``add_arguments(parser)`` and ``run(args) -> int``; this file only registers
them and turns errors into exit statuses: 0 success, 2 bad input or usage (one
clear line, no traceback unless ``--debug``), 1 internal error.
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
    "report": ("attribution.report.command", "render the HTML and PDF reports"),
    "run": ("attribution.pipeline.run", "the whole pipeline for one period, from a config"),
}

log = logging.getLogger("attribution")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors: one line, exit 2
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def _available() -> dict[str, object]:
    mods: dict[str, object] = {}
    for name, (modname, _) in COMMANDS.items():
        try:
            mods[name] = importlib.import_module(modname)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("attribution"):
                continue  # stage not built yet
            raise
    return mods


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, object]]:
    parser = _Parser(prog="attribution", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    mods = _available()
    for name, mod in mods.items():
        p = sub.add_parser(name, help=COMMANDS[name][1], description=COMMANDS[name][1])
        mod.add_arguments(p)  # type: ignore[attr-defined]
    return parser, mods


def _configure_logging(quiet: bool) -> None:
    """Progress messages of this package on stderr; other libraries stay at warnings."""
    if not any(getattr(h, "_attribution", False) for h in log.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("attribution: %(message)s"))
        handler._attribution = True  # type: ignore[attr-defined]
        log.addHandler(handler)
        log.propagate = False
    log.setLevel(logging.WARNING if quiet else logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        parser, mods = build_parser()
        args = parser.parse_args(argv)
        _configure_logging(quiet=args.quiet)
        if not args.command:
            parser.print_help()
            return 2
        return int(mods[args.command].run(args) or 0)  # type: ignore[attr-defined]
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
        print(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the "
              "traceback and report it)", file=sys.stderr)
        return 1
