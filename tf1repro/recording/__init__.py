"""The bridge between unmodified TF1 scripts and the engine.

* ``recorder``: runs inside a script's child process and records, per trained graph, every feed,
  every initial value and every variable and fetch after every step (``record_N.json``);
* ``reader``: reads those recordings back as the engine's ``Record`` objects;
* ``restatement``: a tutorial file that restates a script, checked against its recording;
* ``port``: ``Port``, a TF2 port written by hand, and its check against a recording;
* ``autoport``: ``tf1repro port``, a script ported automatically and proven: ``sites`` (where
  the script built each recorded op), ``constructs`` (what is refused), ``rewrite`` with
  ``calls``, ``training``, ``imports`` and ``translate`` (the libcst edit), ``steps`` and
  ``tf2_recorder`` (the generated program recorded under the original's names).

Nothing here imports TensorFlow at import time.
"""
