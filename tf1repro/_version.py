"""The package's version, in a module of its own that imports nothing: ``tf1repro`` re-exports
it, the packaging reads it (pyproject.toml), and modules inside the package take it from here
rather than from ``tf1repro`` itself, which would close an import cycle."""

__version__ = "0.2.0"
