"""Options shared by several subcommands, and their conversion into validated objects."""

from __future__ import annotations

import argparse
from pathlib import Path

from tf1repro.config import TrainConfig, validate_seed
from tf1repro.files import UnwritableError, check_writable_dir

_DEFAULTS = TrainConfig()


def number(text: str) -> int | float | str:
    """Parse loosely; TrainConfig then says precisely what is allowed for each parameter."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def add_seed(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seed",
        type=number,
        default=0,
        help="seeds NumPy's RandomState (data, indices) and the TF graph seed (A0); default 0",
    )


def add_training(parser: argparse.ArgumentParser, *, batch_size: bool = True) -> None:
    """--steps, --learning-rate, --batch-size, --log-every, with the article's defaults."""
    parser.add_argument(
        "--steps",
        type=number,
        default=_DEFAULTS.steps,
        help=f"training steps (default {_DEFAULTS.steps})",
    )
    parser.add_argument(
        "--learning-rate",
        type=number,
        default=_DEFAULTS.learning_rate,
        help=f"gradient-descent learning rate (default {_DEFAULTS.learning_rate})",
    )
    if batch_size:
        parser.add_argument(
            "--batch-size",
            type=number,
            default=_DEFAULTS.batch_size,
            help=f"rows per batch-trainer step (default {_DEFAULTS.batch_size})",
        )
    parser.add_argument(
        "--log-every",
        type=number,
        default=_DEFAULTS.log_every,
        help=f"log A and the loss every N steps (default {_DEFAULTS.log_every})",
    )


def add_verbose(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--verbose", action="store_true", help="let TensorFlow's own log lines and warnings through"
    )


def add_logdir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--logdir",
        default=None,
        help="also write TensorBoard event files (A and loss per step, the TF1 graph) here",
    )


def logdir(args: argparse.Namespace) -> Path | None:
    """The --logdir folder, if given, checked before any work starts."""
    from tf1repro.cli import UsageError

    if args.logdir is None:
        return None
    path = Path(args.logdir)
    try:
        check_writable_dir(path)
    except UnwritableError as error:
        raise UsageError(f"--logdir {args.logdir!r} cannot be written: {error}") from None
    return path


def training_config(args: argparse.Namespace) -> TrainConfig:
    """A TrainConfig from the parsed options (raises ParameterError naming the bad one)."""
    overrides = {
        name: getattr(args, name)
        for name in ("steps", "learning_rate", "batch_size", "log_every")
        if hasattr(args, name)
    }
    return TrainConfig(**overrides)


def seed(args: argparse.Namespace) -> int:
    return validate_seed(args.seed)


def output_dir(text: str) -> Path:
    """An --out folder that exists or can be created, checked before any work starts."""
    from tf1repro.cli import UsageError

    path = Path(text)
    try:
        check_writable_dir(path)
    except UnwritableError as error:
        raise UsageError(f"--out {text!r} cannot be written: {error}") from None
    return path
