"""Running scripts from the command line: stopped as a whole on a signal (``run``, ``check``,
``matrix``), and the folder that ``check`` and ``matrix`` run, shard and result file included."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from tf1repro.cli import UsageError

if TYPE_CHECKING:
    from tf1repro.legacy.folder import Progress
    from tf1repro.legacy.releases import Logs
    from tf1repro.legacy.script_run import ScriptRun
    from tf1repro.legacy.settings import RunSettings
    from tf1repro.legacy.shards import Shard

T = TypeVar("T")


def stoppable(work: Callable[[], T], out: Path) -> T | int:
    """Do ``work``; on Ctrl-C, SIGTERM or SIGHUP (see ``tf1repro.signals``) stop every script
    (and what it started), leave no partial run folder (nor ``out`` itself, if it was made for
    this and holds no finished run), and return the exit status 128 + N after one line on
    stderr."""
    from tf1repro import signals
    from tf1repro.legacy import runner

    created = not out.exists()
    try:
        return work()
    except KeyboardInterrupt as stop:
        runner.cancel_all()
        runner.reset_cancellation()
        if created:
            _remove_empty_folders(out)
        code = signals.exit_code(stop)
        print(
            f"tf1repro legacy: stopped by {signal.Signals(code - 128).name}; the running scripts "
            "were killed and their runs not written",
            file=sys.stderr,
        )
        return code


def _remove_empty_folders(top: Path) -> None:
    for folder in sorted((p for p in top.rglob("*") if p.is_dir()), reverse=True):
        with contextlib.suppress(OSError):
            folder.rmdir()
    with contextlib.suppress(OSError):
        top.rmdir()


@dataclass(frozen=True)
class FolderRun:
    """What ``check`` and ``matrix`` run: DIR's scripts (all of them, and the ``--shard``'s),
    into ``--out``, and where the shard's result goes (``--result``; None: nowhere)."""

    folder: Path
    scripts: list[Path]
    recursive: bool
    out: Path
    shard: Shard | None
    result: Path | None
    selected: list[Path]

    def check_out(self, releases: Sequence[str] = ()) -> None:
        """Check ``--out`` before any script runs: every run folder that will be published
        into it (``OUT/<script>/``, or ``OUT/tf-<release>/<script>/`` for each of
        ``releases``) must be one that ``legacy run`` could write. It may hold earlier runs
        (``--collect`` reads them back)."""
        from tf1repro.legacy.folder import run_folder_name
        from tf1repro.legacy.runner import check_run_folder

        for release in releases or [""]:
            base = self.out / release if release else self.out
            for script in self.selected:
                check_run_folder(base / run_folder_name(script, self.folder))

    def run(
        self, command: str, unit: str, work: Callable[[Progress | None], T], *, bar: bool = True
    ) -> T | int:
        """``work(progress)``, stoppable (see ``stoppable``), with a progress bar counting
        ``unit`` when ``bar`` and stderr is a terminal."""
        from tf1repro.cli.progress import count_bar

        def counted() -> T:
            with count_bar(f"legacy {command}", unit, enabled=bar) as tick:
                return work(tick)

        return stoppable(counted, self.out)

    def write_result(
        self,
        command: str,
        settings: RunSettings,
        runs: Mapping[str, Sequence[ScriptRun]],
        logs: Logs,
        reference: str | None = None,
        rtol: float = 0.0,
    ) -> None:
        """With ``--shard`` or ``--result``: write the result file for ``legacy merge``."""
        if self.shard is None or self.result is None:
            return
        from tf1repro.files import write_file
        from tf1repro.legacy.shards import result_of

        made = result_of(
            command,
            self.folder,
            self.scripts,
            self.shard,
            settings,
            recursive=self.recursive,
            runs=runs,
            logs=logs,
            reference=reference,
            rtol=rtol,
        )
        write_file(self.result, made.to_json(), option="--result")
        print(
            f"tf1repro legacy: shard {made.shard} ({len(self.selected)} of {len(self.scripts)} "
            f"scripts) written to {self.result}",
            file=sys.stderr,
        )


def folder_run(args: argparse.Namespace) -> FolderRun:
    """DIR, ``--recursive``, ``--out``, ``--shard`` and ``--result``, checked before any script
    runs (``--result`` alone makes the shard 1/1)."""
    from tf1repro.files import check_output_file
    from tf1repro.legacy.folder import scripts_in
    from tf1repro.legacy.shards import Shard, parse_shard, select

    folder = Path(args.dir)
    if not folder.is_dir():
        raise UsageError(f"DIR {args.dir!r} is not a folder")
    scripts = scripts_in(folder, recursive=args.recursive)
    if not scripts:
        where = " or its subfolders" if args.recursive else ""
        raise UsageError(f"DIR {args.dir!r}{where} holds no *.py scripts")
    if not args.out:
        raise UsageError("--out must name a folder; got ''")
    out = Path(args.out)
    if args.shard is None:
        shard = None if args.result is None else Shard(1, 1)
    else:
        try:
            shard = parse_shard(args.shard)
        except ValueError as error:
            raise UsageError(str(error)) from None
    result = None
    if shard is not None:
        default = str(out / f"shard-{shard.index}-of-{shard.count}.json")
        result = args.result if args.result is not None else default
        check_output_file(result, option="--result")
    selected = scripts if shard is None else select(scripts, folder, shard)
    return FolderRun(
        folder,
        scripts,
        args.recursive,
        out,
        shard,
        None if result is None else Path(result),
        selected,
    )
