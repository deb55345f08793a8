"""``python -m tf1repro`` is the ``tf1repro`` command."""

from tf1repro.cli import run

run()
