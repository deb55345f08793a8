"""The bridge between unmodified TF1 scripts and the engine.

* ``recorder``: runs inside a script's child process and records, per trained graph, every feed,
  every initial value and every variable and fetch after every step (``record_N.json``);
* ``reader``: reads those recordings back as the engine's ``Record`` objects;
* ``restatement``: a tutorial file that restates a script, checked against its recording;
* ``port``: ``Port``, a TF2 port written by hand, and its check against a recording.

Nothing here imports TensorFlow at import time.
"""
