"""``tf1repro legacy matrix DIR --tensorflow 2.15,2.21`` (or ``--python ... --python ...``): a
folder of scripts on several TensorFlow releases, one table, script by release."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import tf1repro.cli.legacy.options as options
from tf1repro.cli import UsageError
from tf1repro.cli import options as cli_options
from tf1repro.cli.legacy.runs import folder_run

if TYPE_CHECKING:
    from tf1repro.legacy.releases import Logs, Release
    from tf1repro.legacy.script_run import ScriptRun


def add_parser(commands: Any) -> None:
    matrix = commands.add_parser(
        "matrix",
        help="run a folder of scripts on several TensorFlow releases and compare their numbers",
        description=(
            "Run every *.py in DIR on each TensorFlow release (--tensorflow, in virtualenvs made "
            "once, and --python interpreters), with one seed, and print one table, script by "
            "release: ok or why not, and whether the numbers it printed equal the reference "
            "release's."
        ),
    )
    options.add_run(matrix, seed=0)
    options.add_folder(matrix, "legacy-matrix")
    matrix.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="[RELEASE=]PYTHON",
        help="an interpreter with one TensorFlow release (repeat; labelled with its TensorFlow "
        "version unless RELEASE= is given; these columns come before --tensorflow's)",
    )
    options.add_tensorflow(matrix, several=True)
    options.add_fresh(matrix)
    matrix.add_argument(
        "--reference", help="the release the others are compared with (default: the first)"
    )
    matrix.add_argument(
        "--rtol",
        type=cli_options.number,
        default=0.0,
        help="largest relative difference still counted as the same (default 0: exact)",
    )
    matrix.add_argument(
        "--collect",
        action="store_true",
        help="run nothing: tabulate the run folders already in --out (OUT/tf-RELEASE/, e.g. "
        "from one `legacy check --out OUT/tf-RELEASE` per Docker image)",
    )
    options.add_shard(matrix)
    matrix.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from tf1repro.legacy import releases

    settings = options.settings(args, jobs=args.jobs, fresh=args.fresh)
    rtol = options.rtol(args.rtol)
    made = options.tensorflow_releases(args, several=True)
    target = folder_run(args)
    if args.collect:
        if args.python or made:
            raise UsageError("--collect runs nothing: leave out --python and --tensorflow")
        runs = releases.collect(target.out, target.selected, target.folder)
        if not runs:
            raise UsageError(f"--out {args.out!r} holds no tf-RELEASE/ run folders to collect")
        reference = reference_of(args.reference, list(runs))
    else:
        interpreters = _releases(args.python, [release.text for release in made])
        reference = reference_of(args.reference, [release.label for release in interpreters])
        target.check_out([f"{releases.RELEASE_PREFIX}{release.label}" for release in interpreters])
        pythons = {made.release.text: made.python for made in options.environments(args, made)}
        interpreters = [
            releases.Release(release.label, pythons.get(release.label, release.python))
            for release in interpreters
        ]
        result = target.run(
            "matrix",
            "run",
            lambda tick: releases.run_matrix(
                target.selected,
                target.out,
                interpreters,
                settings,
                root=target.folder,
                progress=tick,
            ),
        )
        if isinstance(result, int):
            return result
        runs = result
    logs = releases.folder_logs(target.out)
    target.write_result("matrix", settings, runs, logs, reference, rtol)
    text, code = report(releases.by_name(runs, target.folder), reference, logs, rtol)
    print(text)
    return code


def reference_of(given: str | None, labels: list[str]) -> str:
    """The ``--reference`` release (default: the first of ``labels``), one of ``labels``."""
    reference = given or labels[0]
    if reference not in labels:
        raise UsageError(f"--reference {reference!r} is not one of the releases: {labels}")
    return reference


def report(
    runs: Mapping[str, Mapping[str, ScriptRun]], reference: str, logs: Logs, rtol: float
) -> tuple[str, int]:
    """The script-by-release table of ``runs`` (per release label, the runs by script name)
    against ``reference``, and the exit status: 0 unless a script regressed."""
    from tf1repro.legacy import releases

    labels = list(runs)
    compared = releases.compare(runs, reference, logs, rtol)
    text = "\n".join(releases.render(compared, labels, reference, logs, rtol))
    return text, options.EXIT_DIFFERENT if releases.regressed(compared) else 0


def _releases(values: list[str], tensorflow: list[str]) -> list[Release]:
    """The --python interpreters, checked and labelled, then the --tensorflow releases (their
    interpreters still to be made): at least two releases in all."""
    from tf1repro.legacy.releases import LABEL, Release, release_of

    if len(values) + len(tensorflow) < 2:
        raise UsageError(
            "needs at least two releases (--python given once per interpreter, --tensorflow "
            f"as a comma list); got {len(values) + len(tensorflow)}"
        )
    found = []
    for value in values:
        label, equals, path = value.partition("=")
        if not equals:
            label, path = "", value
        checked = options.interpreter(path)
        assert checked is not None
        if label and not LABEL.match(label):
            raise UsageError(f"--python release {label!r} must be letters, digits, '.', '_' or '-'")
        try:
            release = release_of(f"{label}={checked}")
        except (OSError, ValueError) as error:
            raise UsageError(f"--python {path!r} cannot be used: {error}") from None
        found.append(release)
    # Each made later, in the cache; the label keeps their run folders apart until then.
    found += [Release(text, "") for text in tensorflow]
    labels = [release.label for release in found]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise UsageError(
            f"--python and --tensorflow give release {duplicates[0]} twice; label the "
            "interpreters (RELEASE=PYTHON)"
        )
    return found
