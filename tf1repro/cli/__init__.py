"""The ``tf1repro`` command line: one module per subcommand, argparse plumbing shared here.

Every subcommand module defines ``add_parser(subparsers)``, which registers its parser and sets
``handler`` to a function taking the parsed arguments and returning an exit code. Errors a user
can fix are one line on stderr, never a traceback:

* exit 2: bad input (a parameter outside what is allowed, an output folder that cannot be written);
* exit 3: training diverged.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from tf1repro.errors import DivergenceError, ParameterError

#: Subcommand modules under tf1repro.cli, in the order ``--help`` lists them.
COMMANDS = ("reproduce", "golden", "compare", "matrix", "legacy", "study")

EXIT_BAD_INPUT = 2
EXIT_DIVERGED = 3


class UsageError(Exception):
    """Bad input discovered after parsing; shown as one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage dump) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def build_parser() -> Parser:
    parser = Parser(
        prog="tf1repro",
        description="Run TF1 tutorials on today's TensorFlow; prove they compute the same numbers.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").add_parser(subparsers)
    return parser


def flag(parameter: str) -> str:
    """The command-line spelling of a config parameter: ``batch_size`` -> ``--batch-size``."""
    return "--" + parameter.replace("_", "-")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    prog = f"tf1repro {args.command}"
    try:
        code: int = args.handler(args)
    except ParameterError as error:
        return _fail(
            prog, f"{flag(error.name)} must be {error.allowed}; got {error.value!r}", EXIT_BAD_INPUT
        )
    except UsageError as error:
        return _fail(prog, str(error), EXIT_BAD_INPUT)
    except DivergenceError as error:
        return _fail(prog, f"{error}; nothing was written", EXIT_DIVERGED)
    return code


def _fail(prog: str, message: str, code: int) -> int:
    print(f"{prog}: error: {message}", file=sys.stderr)
    return code


def run() -> NoReturn:
    """Console-script entry point."""
    sys.exit(main())
