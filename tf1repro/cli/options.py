"""Options shared by several subcommands, and their conversion into validated objects.

A tutorial's config options are not declared here: every field of its config class (``--steps``,
``--learning-rate``, ``--batch-size`` for the article; ``--momentum`` for a user's tutorial that
has it) becomes an option once the tutorial is known, so a tutorial in a user's own file gets
checked options for free. The command line is parsed twice: first the fixed options and the
tutorial, then whatever remains against the tutorial's config fields.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from tf1repro.cli import Parser, UsageError, flag
from tf1repro.config import validate_seed
from tf1repro.errors import ParameterError

if TYPE_CHECKING:
    from tf1repro.tutorial import Sweep


def number(text: str) -> int | float | str:
    """Parse loosely; the config then says precisely what is allowed for each parameter."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def add_tolerance(parser: argparse.ArgumentParser) -> None:
    """``--tolerance``, with the one default every comparison shares."""
    from tf1repro.equivalence import DEFAULT_TOLERANCE_ULPS

    parser.add_argument(
        "--tolerance",
        type=number,
        default=DEFAULT_TOLERANCE_ULPS,
        help="ulps at each quantity's scale below which two values count as equal (default "
        f"{DEFAULT_TOLERANCE_ULPS:g}: on the same TensorFlow and kernel path the same "
        "computation gives the same bits; more only for records of another release or kernel "
        "path, with the op that needs it named, as a tutorial's golden_tolerance_reason does)",
    )


def add_tutorial(parser: argparse.ArgumentParser, default: str | None = "article") -> None:
    """The tutorial, which must come first, right after the subcommand.

    It is taken off the command line before parsing (see ``tf1repro.cli.main``): config options
    are only known once the tutorial is, and argparse would otherwise take the value of an
    unknown ``--steps 0`` for the tutorial.
    """
    what = f" (default: {default})" if default else ""
    parser.usage = f"%(prog)s {'[TUTORIAL]' if default else 'TUTORIAL'} [options] [config options]"
    parser.description = (
        f"{parser.description or ''}\n\nTUTORIAL: a built-in tutorial or script (see `tf1repro "
        f"tutorials`), or a tutorial file path/to/file.py[:ClassName]{what}; it comes first."
    )
    parser.set_defaults(tutorial=default, takes_tutorial=True, needs_tutorial=default is None)


def add_seed(parser: argparse.ArgumentParser, *, recorded: bool = False) -> None:
    """``--seed``; with ``recorded``, its default (None) is the seed of a ``--record`` run."""
    default = "default 0, or the recording's seed against --record" if recorded else "default 0"
    parser.add_argument(
        "--seed",
        type=number,
        default=None if recorded else 0,
        help="seeds NumPy's RandomState (data, feeds) and the TF graph seed (initial values); "
        + default,
    )


def numbers(text: str, option: str) -> list[int]:
    """A comma-separated list of distinct ints >= 1 (``--graph 1,2``)."""
    parts = [part.strip() for part in text.split(",")]
    valid = all(part.isdigit() and int(part) >= 1 for part in parts)
    if not valid or len({int(part) for part in parts}) != len(parts):
        raise UsageError(
            f"{option} must be a comma-separated list of distinct ints >= 1; got {text!r}"
        )
    return [int(part) for part in parts]


def config_epilog(tutorial: str | None = None, skip: Sequence[str] = ()) -> str:
    """Help text listing the config options of ``tutorial`` (default: the default tutorial or
    script) but ``skip``."""
    from tf1repro.reproduction import DEFAULT, parts

    _, tutorials = parts(tutorial or DEFAULT)
    if tutorial is None:
        lines = [f"config options (every field of the tutorial's config; the {DEFAULT}'s are):"]
    else:
        lines = [f"config options (the fields of the {tutorial} tutorial's config):"]
    for field in config_fields(tutorials).values():
        if field.name in skip:
            continue
        option = f"{flag(field.name)} {field.default!r}"
        lines.append(f"  {option:<22} {field.metadata.get('help', '')}")
    return "\n".join(lines)


def config_fields(tutorials: Sequence[Any]) -> dict[str, dataclasses.Field[Any]]:
    """Every config field of ``tutorials`` by name (the first part's, where several have it)."""
    fields: dict[str, dataclasses.Field[Any]] = {}
    for tutorial in tutorials:
        for field in dataclasses.fields(tutorial.Config):
            fields.setdefault(field.name, field)
    return fields


def config_overrides(
    tutorials: Sequence[Any], extra: Sequence[str], *, skip: Sequence[str] = ()
) -> dict[str, Any]:
    """Parse ``extra`` (what the fixed options left) as the tutorials' config fields, but
    ``skip``."""

    class ConfigParser(Parser):
        def error(self, message: str) -> NoReturn:
            raise UsageError(message)

    parser = ConfigParser(prog="", add_help=False)
    for name, field in config_fields(tutorials).items():
        if name in skip:
            continue
        help_text = field.metadata.get("help", "")
        parser.add_argument(flag(name), dest=name, type=number, default=None, help=help_text)
    parsed = parser.parse_args(list(extra))
    return {name: value for name, value in vars(parsed).items() if value is not None}


def sweep(text: str) -> Sweep:
    """``--sweep PARAMETER=V1,V2,...``: a config parameter (``batch_size`` or ``batch-size``) and
    its values, each read as its config option's value would be; what the parameter allows is
    checked once the tutorial's config is known (``tf1repro.equivalence.sweep_cases``)."""
    from tf1repro.tutorial import Sweep

    name, equals, values = text.partition("=")
    parameter = name.strip().removeprefix("--").replace("-", "_")
    texts = [value.strip() for value in values.split(",")]
    if not equals or not parameter or not all(texts):
        allowed = "PARAMETER=V1,V2,... (a config parameter and its values, comma-separated)"
        raise ParameterError("sweep", text, allowed)
    return Sweep(parameter, tuple(number(value) for value in texts))


def add_verbose(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--verbose", action="store_true", help="let TensorFlow's own log lines and warnings through"
    )


def add_logdir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--logdir",
        default=None,
        help="also write TensorBoard event files (every variable and fetch per step, the TF1 "
        "graph) here",
    )


def add_json(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--json", action="store_true", help=f"print {what} as JSON instead")


def logdir(args: argparse.Namespace) -> Path | None:
    """The --logdir folder, if given, checked before any work starts."""
    if args.logdir is None:
        return None
    return output_dir(args.logdir, "--logdir")


def seed(args: argparse.Namespace) -> int:
    return validate_seed(args.seed)


def output_dir(text: str, option: str = "--out", names: Sequence[str] = ()) -> Path:
    """An output folder that exists or can be created, checked before any work starts.

    Returns the path as given (for messages); ``tf1repro.files.publish`` writes into it later.
    """
    from tf1repro.files import check_output_folder

    check_output_folder(text, option=option, names=names)
    return Path(text)


def add_recording(parser: argparse.ArgumentParser, *, tutorial: bool = False) -> None:
    """``--record RUN --port FILE.py[:Class]``: a TF2 port against a script's recording (with
    ``tutorial``, the command's TUTORIAL may be checked against it instead)."""
    parser.add_argument(
        "--record",
        metavar="RUN",
        help="the run folder of `tf1repro legacy run SCRIPT --record`, the unmodified script's "
        "recorded training: check --port against it" + (", or the TUTORIAL" if tutorial else ""),
    )
    parser.add_argument(
        "--port",
        metavar="FILE.py[:CLASS]",
        help="the TF2 port(s) of the recorded script: every tf1repro Port in FILE.py, or "
        "CLASS alone",
    )


def recording(args: argparse.Namespace) -> tuple[str, str] | None:
    """(run folder, port spec) when ``--record`` or ``--port`` is given, both checked."""
    if args.record is None and args.port is None:
        return None
    if args.record is None or args.port is None:
        given, missing = ("--record", "--port") if args.port is None else ("--port", "--record")
        raise UsageError(f"{given} needs {missing}")
    if getattr(args, "extra", None):
        raise UsageError(f"config options do not apply to --record: {' '.join(args.extra)}")
    return recording_folder(args.record), args.port


def recording_folder(text: str) -> str:
    """The ``--record`` run folder, checked to be a folder."""
    if not text:
        raise UsageError("--record '' is empty; name a run folder")
    if not Path(text).is_dir():
        raise UsageError(f"--record {text!r} is not a run folder")
    return text


def checked_record(path: Path, record: Any) -> Any:
    """``record``, once its tutorial and config are known to be usable: a bad value in a record
    file (a golden, a ``--runs`` file) is that file's fault, named with its field (not an option
    the user never gave)."""
    from tf1repro.backends import tutorial_of
    from tf1repro.errors import ParameterError
    from tf1repro.files import InputError

    try:
        tutorial_of(record)
    except ParameterError as error:
        field = "tutorial" if error.name == "tutorial" else f"config.{error.name}"
        raise InputError(path, f"must be {error.allowed}, got {error.value!r}", field) from None
    return record
