"""The one reader and the one writer: every file tf1repro reads or writes goes through here.

* ``reading``: ``read_bytes``, ``read_text``, ``read_json`` (regular files only, a size limit,
  strict UTF-8 and strict JSON), ``loads_json``, ``dumps_json``; ``InputError``.
* ``schema``: ``Fields``, a loaded JSON object read field by field, errors naming the field.
* ``outputs``: ``check_output_file``, ``check_output_folder``, before any work; ``OutputError``.
* ``publishing``: ``write_file`` for one file (``copy_file`` for a large one), ``publish`` for
  a command's outputs as one set, each atomic: a kill at any moment leaves the whole old file
  (or set) or the whole new one.
* ``scratch``: ``scratch_dir``, a private temporary folder removed whatever happens.
* ``leftovers``: the names of the writers' temporaries, and removing those of dead processes.

Use the names below, from ``tf1repro.files``; the modules are how they are laid out. Nothing
here imports NumPy or TensorFlow. The promises, each with its test: ``docs/reliability.md``.
"""

from tf1repro.files.outputs import (
    MANIFEST,
    MANIFEST_FORMAT,
    NAME_MAX,
    OutputError,
    check_output_file,
    check_output_folder,
)
from tf1repro.files.publishing import copy_file, locked_folder, publish, write_file
from tf1repro.files.reading import (
    DEFAULT_LIMIT,
    DEFAULT_MAX_DEPTH,
    InputError,
    dumps_json,
    loads_json,
    read_bytes,
    read_json,
    read_text,
)
from tf1repro.files.schema import Fields
from tf1repro.files.scratch import scratch_dir

__all__ = [
    "DEFAULT_LIMIT",
    "DEFAULT_MAX_DEPTH",
    "MANIFEST",
    "MANIFEST_FORMAT",
    "NAME_MAX",
    "Fields",
    "InputError",
    "OutputError",
    "check_output_file",
    "check_output_folder",
    "copy_file",
    "dumps_json",
    "loads_json",
    "locked_folder",
    "publish",
    "read_bytes",
    "read_json",
    "read_text",
    "scratch_dir",
    "write_file",
]
