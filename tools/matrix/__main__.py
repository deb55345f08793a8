"""``python -m tools.matrix run|report`` from the checkout (see tools.matrix.cli)."""

import sys

from tools import installed_tf1repro_first

installed_tf1repro_first(sys.path)
# Only now: the command imports tf1repro, which must be the installed one where there is one.
from tools.matrix.cli import main  # noqa: E402

sys.exit(main())
