"""Reproduce the article: ``python scripts/reproduce_article.py [options]``.

The same as ``tf1repro reproduce``; see ``--help`` for the options.
"""

import sys

from tf1repro.cli import main

if __name__ == "__main__":
    sys.exit(main(["reproduce", *sys.argv[1:]]))
