"""The ``tf1repro`` command line: one module per subcommand, argparse plumbing shared here.

Every subcommand module defines ``add_parser(subparsers)``, which registers its parser and sets
``handler`` to a function taking the parsed arguments and returning an exit code. Errors a user
can fix are one line on stderr, never a traceback:

* exit 2: bad input (a parameter outside what is allowed, an input file that cannot be used,
  an output that cannot be written);
* exit 3: training diverged;
* exit 130 / 143 (129): stopped by Ctrl-C / SIGTERM (SIGHUP): one line, ``finally`` blocks and
  the writers' cleanup have run (see ``tf1repro.signals``).
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from tf1repro import signals
from tf1repro.errors import DivergenceError, ParameterError
from tf1repro.files import InputError, OutputError

#: Subcommand modules under tf1repro.cli, in the order ``--help`` lists them.
COMMANDS = (
    "reproduce",
    "tutorials",
    "compare",
    "diagnose",
    "golden",
    "matrix",
    "legacy",
    "port",
    "study",
)

#: Subcommands whose first argument is a tutorial (see ``options.add_tutorial``).
TUTORIAL_COMMANDS = ("reproduce", "compare", "diagnose")

EXIT_BAD_INPUT = 2
#: Parameters that are positional arguments on the command line, and how usage names them.
_POSITIONAL = {"tutorial": "TUTORIAL"}
_NEGATIVE_VALUE = re.compile(r"^-(\d|\.\d|inf|nan)", re.IGNORECASE)
EXIT_DIVERGED = 3


class UsageError(Exception):
    """Bad input discovered after parsing; shown as one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage dump) and exit code 2, and values such
    as ``-inf`` or ``-1e5`` are values (argparse would take them for unknown options)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        # `--batch-size 5` must not pass for `--batch-sizes 5`: no abbreviated options.
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_VALUE

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


def main(argv: Sequence[str] | None = None) -> int:
    prog = "tf1repro"
    with signals.interruptible():
        try:
            parser = build_parser()
            argv = list(sys.argv[1:] if argv is None else argv)
            tutorial = None
            if len(argv) > 1 and argv[0] in TUTORIAL_COMMANDS and not argv[1].startswith("-"):
                tutorial = argv.pop(1)
            args, extra = parser.parse_known_args(argv)
            prog = f"tf1repro {args.command}"
            if getattr(args, "takes_tutorial", False):
                if tutorial is not None:
                    args.tutorial = tutorial
                elif args.needs_tutorial and getattr(args, "record", None) is None:
                    return _fail(
                        prog, "TUTORIAL is required (a tutorial name or file)", EXIT_BAD_INPUT
                    )
            if extra and not getattr(args, "config_options", False):
                return _fail(prog, f"unrecognized arguments: {' '.join(extra)}", EXIT_BAD_INPUT)
            args.extra = extra
            return _handle(prog, args)
        except KeyboardInterrupt as interrupt:
            print(f"{prog}: interrupted", file=sys.stderr)
            return signals.exit_code(interrupt)


def _handle(prog: str, args: argparse.Namespace) -> int:
    from tf1repro.cli.options import flag

    try:
        code: int = args.handler(args)
    except ParameterError as error:
        name = _POSITIONAL.get(error.name) or flag(error.name)
        return _fail(prog, f"{name} must be {error.allowed}; got {error.value!r}", EXIT_BAD_INPUT)
    except (UsageError, InputError, OutputError) as error:
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
