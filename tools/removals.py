"""``python -m tools.removals [RELEASE...]``: measure which ``tf.compat.v1`` names each
TensorFlow release removed and write the table tf1repro ships (``tf1repro/legacy/removals.json``).

Each release (default: those the table measured, oldest first) is installed once into the
environment cache of ``--tensorflow`` (see ``tf1repro.legacy.environments``) and probed
(``tf1repro.legacy.removals.PROBE``). The first time this takes about two minutes per release;
with the environments cached, about one. ``tests/test_removals.py`` measures the same way and
compares with the committed table.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from tf1repro import files
from tf1repro.legacy.removals import TABLE_FILE, measure, table
from tools import CHECKOUT

TABLE = CHECKOUT / "tf1repro" / "legacy" / TABLE_FILE


def main(argv: Sequence[str]) -> int:
    releases = list(argv) or list(table().releases)
    measured = measure(releases)
    files.write_file(TABLE, files.dumps_json(measured.to_dict()).encode(), option="table")
    for name, last in sorted(measured.removed.items()):
        removal = measured.removal(name)
        assert removal is not None
        print(f"tf.{name}: last in {last}, removed in {removal.removed_in}")
    print(f"never in {releases[0]}..{releases[-1]}: {', '.join(measured.never) or 'none'}")
    print(f"wrote {TABLE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
