"""``python -m tools.port_coverage CORPUS...`` from the checkout (see tools.port_coverage.cli)."""

import sys

from tools import installed_tf1repro_first

installed_tf1repro_first(sys.path)
# Only now: the command imports tf1repro, which must be the installed one where there is one.
from tools.port_coverage.cli import main  # noqa: E402

sys.exit(main())
