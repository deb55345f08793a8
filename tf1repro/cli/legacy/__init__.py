"""``tf1repro legacy run|check|matrix|merge|diff``: unmodified TF1 scripts on today's TensorFlow.

One module per subcommand (its ``add_parser`` and ``handle``); the options they share, and the
``RunSettings`` those become, in ``options``; stopping and running a folder in ``runs``.

Exit codes: 0 when the script(s) ran to the end (``diff``: the logs match within ``--rtol``;
``matrix``: no script that ran on the reference release failed or changed on another;
``merge``: as the merged command would have exited), 1
otherwise, 2 for bad input, 128 + N when stopped by signal N (130 for Ctrl-C, 143 for SIGTERM):
the scripts are stopped with everything they started, and unfinished runs write nothing.
"""

from __future__ import annotations

from typing import Any

from tf1repro.cli.legacy import check, diff, matrix, merge, run


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "legacy",
        help="run unmodified TF1 scripts, check a folder of them, across releases, diff logs",
        description=(
            "Run TF1-era scripts unmodified on today's TensorFlow (tf.compat.v1, v2 behaviour "
            "off), each in its own process and a working copy of its folder: seeded, headless, "
            "with stand-ins for removed APIs, and logs, figures, files and failures recorded."
        ),
    )
    commands = parser.add_subparsers(
        dest="legacy_command", required=True, parser_class=type(parser)
    )
    for command in (run, check, matrix, merge, diff):
        command.add_parser(commands)
