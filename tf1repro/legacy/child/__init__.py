"""The parts of ``bootstrap.py``: the script's own process, one job per module.

Every module here imports only the standard library (until the script imports TensorFlow,
NumPy or matplotlib), and none imports another. In the child, ``bootstrap.py`` loads each from
its file under a private name (``tf1repro_legacy_<part>``), so the script's process holds no
module named ``tf1repro``, and hands each part what it needs from the others. The parent
imports the same modules through the package, for the staging folder's file names and the
tie to its own children (``lifeline``, ``outcome.exit_code``).

A new part is a new file here: ``bootstrap.RUNNER_FILES`` lists every file of this folder, so
tracebacks shown to users hold no frame of it.
"""
