"""The ``tf1repro`` command line: one module per subcommand, argparse plumbing shared here.

Every subcommand module defines ``add_parser(subparsers)``, which registers its parser and sets
``handler`` to a function taking the parsed arguments and returning an exit code. Errors a user
can fix are one line on stderr, never a traceback:

* exit 1: the code of a user's tutorial or port raised (or called ``sys.exit``): its own
  frames, then one line saying where tf1repro called it; ``--verbose`` shows every frame;
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
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from tf1repro import signals
from tf1repro.errors import DivergenceError, ParameterError, UserCodeError
from tf1repro.files import InputError, OutputError

#: Subcommand modules under tf1repro.cli, in the order ``--help`` lists them.
COMMANDS = (
    "reproduce",
    "tutorials",
    "compare",
    "diagnose",
    "golden",
    "legacy",
    "port",
    "study",
)

#: Subcommands whose first argument is a tutorial (see ``options.add_tutorial``).
TUTORIAL_COMMANDS = ("reproduce", "compare", "diagnose")

EXIT_USER_CODE = 1
EXIT_BAD_INPUT = 2
#: Parameters that are positional arguments on the command line, and how usage names them.
_POSITIONAL = {"tutorial": "TUTORIAL"}
_NEGATIVE_VALUE = re.compile(r"^-(\d|\.\d|inf|nan)", re.IGNORECASE)
EXIT_DIVERGED = 3


class UsageError(Exception):
    """Bad input discovered after parsing; shown as one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage dump) and exit code 2, and values such
    as ``-inf`` or ``-1e5`` are values (argparse would take them for unknown options).

    ``epilog_of``, when given, makes the epilog when help is shown: listing config options
    loads tutorials, which no other use of the parser needs.
    """

    def __init__(
        self, *args: Any, epilog_of: Callable[[], str] | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        # No abbreviations: a config option, parsed afterwards, such as a tutorial's `--log`,
        # must not be taken for a fixed option it abbreviates, such as `--logdir`.
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_VALUE
        self._epilog_of = epilog_of

    def format_help(self) -> str:
        if self._epilog_of is not None:
            self.epilog = self._epilog_of()
        return super().format_help()

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def flag(parameter: str) -> str:
    """The command-line spelling of a config field: ``batch_size`` -> ``--batch-size``."""
    return "--" + parameter.replace("_", "-")


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
                elif args.needs_tutorial and not _recording_given(args):
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


def _recording_given(args: argparse.Namespace) -> bool:
    """Whether ``--record``, ``--port`` or ``--program`` stands in for the TUTORIAL (the command
    then says which is missing)."""
    return any(getattr(args, name, None) is not None for name in ("record", "port", "program"))


def _handle(prog: str, args: argparse.Namespace) -> int:
    try:
        code: int = args.handler(args)
    except ParameterError as error:
        name = _POSITIONAL.get(error.name) or flag(error.name)
        return _fail(prog, f"{name} must be {error.allowed}; got {error.value!r}", EXIT_BAD_INPUT)
    except (UsageError, InputError, OutputError) as error:
        return _fail(prog, str(error), EXIT_BAD_INPUT)
    except DivergenceError as error:
        return _fail(prog, f"{error}; nothing was written", EXIT_DIVERGED)
    except UserCodeError as error:
        return _user_code_failed(prog, error, verbose=getattr(args, "verbose", False))
    except (Exception, SystemExit) as error:
        # Only an error that passed through a user's file is theirs to fix; anything else is a
        # bug of tf1repro, whose whole traceback is what a bug report needs.
        user_error = UserCodeError.from_exception(error)
        if user_error is None:
            raise
        return _user_code_failed(prog, user_error, verbose=getattr(args, "verbose", False))
    return code


def _user_code_failed(prog: str, error: UserCodeError, *, verbose: bool) -> int:
    """The user's own frames (every frame with ``verbose``), then one line of context."""
    print(error.details if verbose else error.user_traceback(), end="", file=sys.stderr)
    called = f" (called from {error.caller})" if error.caller else ""
    more = "" if verbose else "; --verbose shows the whole traceback"
    return _fail(prog, f"your code {error.what}{called}{more}", EXIT_USER_CODE)


def _fail(prog: str, message: str, code: int) -> int:
    print(f"{prog}: error: {message}", file=sys.stderr)
    return code


def run() -> NoReturn:
    """Console-script entry point."""
    sys.exit(main())
