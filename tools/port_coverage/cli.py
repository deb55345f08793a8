"""``python -m tools.port_coverage CORPUS... [--data-dir DIR | --fake-mnist N] [--timeout S]
[--out PAGE]``: the coverage table of ``port``.

Offline, the scripts that read MNIST (``input_data.read_data_sets``) do not run unless given
local MNIST files: ``--data-dir DIR`` passes DIR on to every ``legacy check``, ``legacy run``
and ``port``; ``--fake-mnist N`` writes fake ones first (``tf1repro.testing.write_mnist``:
N training examples after the 5000 ``read_data_sets`` keeps for validation, and N test
examples) into the scratch folder and passes that, and the page says so.

Every command runs as a child (``python -m tf1repro ...``, the tf1repro this interpreter
imports), one at a time: a port is two TensorFlow processes already. What the children write
goes to a scratch folder that is removed at the end; only the page is written (``--out``, else
printed). Bad input is one line and exit code 2; Ctrl-C is one line and 128 + the signal.
"""

from __future__ import annotations

import datetime
import json
import shlex
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tf1repro import files, signals
from tf1repro.cli import EXIT_BAD_INPUT, Parser, UsageError
from tf1repro.files import InputError, OutputError
from tf1repro.testing.mnist import VALIDATION_SIZE, write_mnist
from tools.port_coverage import Row, check_row, port_row, render

PROG = "python -m tools.port_coverage"
#: The seconds each run may take unless ``--timeout`` says otherwise (``tf1repro``'s own).
DEFAULT_TIMEOUT = 600.0


def build_parser() -> Parser:
    parser = Parser(
        prog=PROG,
        description=(
            "Run `tf1repro legacy check --recursive` over each CORPUS folder, `tf1repro port` on "
            "every script that ran ok, and write the table (script, status, worst ulps, reason) "
            "as Markdown."
        ),
    )
    parser.add_argument("corpus", nargs="+", metavar="CORPUS", help="a folder of TF1 scripts")
    parser.add_argument("--seed", type=int, default=0, help="the seed of every run (default 0)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds each run may take (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument("--out", help="write the page to this file (default: print it)")
    mnist = parser.add_mutually_exclusive_group()
    mnist.add_argument(
        "--data-dir",
        metavar="DIR",
        help="a folder holding the four MNIST files, given to every run (`legacy run --data-dir`)",
    )
    mnist.add_argument(
        "--fake-mnist",
        type=int,
        metavar="N",
        help=(
            "write fake MNIST files (random images: N training examples after the 5000 kept "
            "for validation, N test examples) and give them to every run"
        ),
    )
    return parser


def tf1repro(arguments: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """``tf1repro ARGUMENTS`` in a child, its output captured."""
    command = [sys.executable, "-m", "tf1repro", *arguments]
    return subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)


@dataclass(frozen=True)
class Settings:
    """What every run is given."""

    seed: int
    timeout: float
    data_dir: Path | None = None
    """The folder of MNIST files (``--data-dir``), or None."""

    def options(self) -> list[str]:
        data = [] if self.data_dir is None else ["--data-dir", str(self.data_dir)]
        return ["--seed", str(self.seed), "--timeout", f"{self.timeout:g}", *data]


def next_folder(parent: Path) -> str:
    """A new folder's path in ``parent`` (numbered), for one child's output."""
    parent.mkdir(exist_ok=True)
    return str(parent / str(len(list(parent.iterdir()))))


def label(script: Path, corpus: Path) -> str:
    """The script's path from its corpus folder's parent: the corpus's name comes first."""
    return str(script.relative_to(corpus.parent))


def check(corpus: Path, settings: Settings, scratch: Path) -> list[dict[str, Any]]:
    """The runs of ``legacy check --recursive`` over ``corpus``."""
    out = next_folder(scratch / "check")
    done = tf1repro(
        [
            "legacy",
            "check",
            str(corpus),
            "--recursive",
            *settings.options(),
            "--out",
            out,
            "--json",
        ]
    )
    if not done.stdout.strip():
        raise InputError(corpus, f"legacy check printed nothing: {done.stderr.strip()[-300:]}")
    runs: list[dict[str, Any]] = json.loads(done.stdout)
    return runs


def trains(script: Path, settings: Settings, scratch: Path) -> bool | None:
    """Whether a ``Session.run`` of ``script`` updates a variable (its first step recorded);
    None when it fails before it could say."""
    out = next_folder(scratch / "record")
    tf1repro(
        [
            "legacy",
            "run",
            str(script),
            *settings.options(),
            "--record",
            "--record-steps",
            "1",
            "--out",
            out,
        ]
    )
    run = Path(out) / "run.json"
    if not run.is_file():
        return None
    record: dict[str, Any] = json.loads(files.read_text(run))
    if record.get("status") != "ok":
        return None
    return bool(record.get("records"))


def port(script: Path, name: str, settings: Settings, scratch: Path) -> Row:
    """What ``tf1repro port --json`` makes of ``script``."""
    done = tf1repro(
        [
            "port",
            str(script),
            *settings.options(),
            "--out",
            next_folder(scratch / "ported"),
            "--json",
        ]
    )
    row = port_row(name, done.returncode, done.stdout, done.stderr, None)
    if row.status == "unportable":
        # port refuses before it runs the script: whether it trains is learnt apart.
        row = replace(row, trains=trains(script, settings, scratch))
    return row


def coverage(
    corpora: Sequence[Path], settings: Settings, fake_mnist: int | None = None
) -> tuple[list[Row], dict[str, str]]:
    """The rows of every script of ``corpora``, and the versions ``legacy check`` ran with;
    with ``fake_mnist``, on fake MNIST files of that many examples (see the module)."""
    rows: list[Row] = []
    versions: dict[str, str] = {}
    with files.scratch_dir("port_coverage") as scratch:
        if fake_mnist is not None:
            mnist = scratch / "mnist"
            write_mnist(mnist, train=VALIDATION_SIZE + fake_mnist, test=fake_mnist)
            settings = replace(settings, data_dir=mnist)
        for corpus in corpora:
            for run in check(corpus, settings, scratch):
                script = Path(run["script"])
                name = label(script, corpus)
                made = run.get("versions", {})
                versions = {k: made[k] for k in ("python", "tensorflow") if k in made}
                not_run = check_row(name, run)
                if not_run is not None:
                    rows.append(not_run)
                    continue
                rows.append(port(script, name, settings, scratch))
                print(f"{name}: {rows[-1].status}", file=sys.stderr, flush=True)
    return rows, versions


def handle(args: Any) -> int:
    corpora = [Path(corpus).resolve() for corpus in args.corpus]
    for corpus in corpora:
        if not corpus.is_dir():
            raise UsageError(f"CORPUS: {corpus} is not a folder")
    data_dir = None if args.data_dir is None else Path(args.data_dir).resolve()
    if data_dir is not None and not data_dir.is_dir():
        raise UsageError(f"--data-dir: {args.data_dir} is not a folder")
    if args.fake_mnist is not None and args.fake_mnist < 1:
        raise UsageError(f"--fake-mnist: {args.fake_mnist} examples; give 1 or more")
    if not args.timeout > 0:
        raise UsageError(f"--timeout: {args.timeout:g} seconds; give more than 0")
    if args.out is not None:
        files.check_output_file(args.out, option="--out")
    settings = Settings(args.seed, args.timeout, data_dir)
    rows, versions = coverage(corpora, settings, args.fake_mnist)
    shown = [shlex.quote(corpus) for corpus in args.corpus]
    command = f"{PROG} {' '.join(shown)} --seed {args.seed}"
    if args.timeout != DEFAULT_TIMEOUT:
        command += f" --timeout {args.timeout:g}"
    if args.data_dir is not None:
        command += f" --data-dir {shlex.quote(args.data_dir)}"
    if args.fake_mnist is not None:
        command += f" --fake-mnist {args.fake_mnist}"
    page = render(
        rows, command, datetime.date.today().isoformat(), versions, mnist_note(args.fake_mnist)
    )
    if args.out is None:
        print(page, end="")
    else:
        files.write_file(args.out, page.encode(), option="--out")
    return 0


def mnist_note(fake_mnist: int | None) -> str:
    """What the page says of its MNIST when it was fake (empty otherwise)."""
    if fake_mnist is None:
        return ""
    return (
        f"The MNIST scripts read fake MNIST (`--fake-mnist {fake_mnist}`: random images, "
        f"{fake_mnist} training examples after the {VALIDATION_SIZE} kept for validation and "
        f"{fake_mnist} test examples): they take their own steps, but their printed numbers are "
        "not the tutorials' and an epoch is shorter."
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and make the table; the exit code (see the module's docstring)."""
    with signals.interruptible():
        try:
            args = build_parser().parse_args(argv)
            try:
                return handle(args)
            except (UsageError, InputError, OutputError) as error:
                print(f"{PROG}: error: {error}", file=sys.stderr)
                return EXIT_BAD_INPUT
        except KeyboardInterrupt as interrupt:
            print(f"{PROG}: interrupted", file=sys.stderr)
            return signals.exit_code(interrupt)
