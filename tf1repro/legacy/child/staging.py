"""The staging folder: the files the parent and the script's process exchange.

The parent writes the run's description (``config.json``) and what the script reads on its
standard input; the child writes the rest, and the parent publishes it into the run folder.
"""

CONFIG_FILE = "config.json"
#: What the script reads on its standard input (``--stdin``), copied here by the parent.
STDIN_FILE = "stdin.txt"
#: The script's Python ``sys.stderr``: its tracebacks and warnings (see ``output``).
STDERR_FILE = "stderr.txt"
#: Every thread's stack, dumped on SIGUSR1 (the parent's timeout).
STACK_FILE = "stack.txt"
#: The run's outcome (see ``outcome``).
INFO_FILE = "child.json"
#: What ``--record`` observed (``tf1repro/recording/recorder.py``).
RECORDING_FILE = "recording.json"
#: The figures the script showed or left open (see ``figures``).
FIGURE_PATTERN = "figure_{:02d}.png"
