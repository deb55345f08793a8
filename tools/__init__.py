"""The project's own tooling: run from a checkout (``python -m tools.<name>``), never shipped.

The wheel holds the ``tf1repro`` package alone (``[tool.setuptools.packages.find]``). What
lives here works on what only a checkout has (the test suite, its goldens and oracles) and
checks the tf1repro that is installed next to it.
"""

from __future__ import annotations

from pathlib import Path

#: The checkout this tooling belongs to.
CHECKOUT = Path(__file__).resolve().parent.parent


def installed_tf1repro_first(path: list[str]) -> None:
    """Move the checkout from the front of ``path`` (``sys.path``) to its end.

    ``python -m tools.<name>`` puts the working directory, the checkout, first on ``sys.path``,
    where its ``tf1repro/`` would shadow the tf1repro installed with this TensorFlow (nox and
    the Docker image install the wheel: that is what a user gets, so that is what is checked).
    At the end, the checkout still serves where no tf1repro is installed. Call it before
    anything imports tf1repro; ``tools`` itself is imported by then and stays.
    """
    if path and Path(path[0]).resolve() == CHECKOUT:
        path.append(path.pop(0))
