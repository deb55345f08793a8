"""tf1repro: old TensorFlow 1 tutorials, rebuilt on today's TensorFlow, checked to the last bit.

Importing this package does not import TensorFlow; the graph backend imports it when it trains.

>>> from tf1repro import train, replay, compare_records
>>> record = train("batch", seed=0)                 # the article's batch trainer, TF1 graph
>>> port = replay(record, "eager")                  # its TF2 port on the same feeds and A0
>>> compare_records(record, port).worst             # float32 ulps at each quantity's scale
0.0
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from tf1repro._version import __version__ as __version__

if TYPE_CHECKING:
    from tf1repro.backends import replay, train
    from tf1repro.compare import Comparison, Deviation, compare_records
    from tf1repro.config import Config, Float, Int, param, validate_seed
    from tf1repro.errors import DivergenceError, ParameterError
    from tf1repro.record import Record
    from tf1repro.recording.autoport import port_script
    from tf1repro.reproduction import Reproduction, reproduce
    from tf1repro.tutorial import (
        NumpyTwin,
        Tutorial,
        V1Graph,
        V2Port,
        load_tutorial,
        tutorial_names,
    )

#: Where each public name lives. They are imported on first use, so that ``tf1repro`` itself
#: loads in milliseconds: the command line sets up its Ctrl-C handling before NumPy loads.
_HOMES = {
    "replay": "tf1repro.backends",
    "train": "tf1repro.backends",
    "Comparison": "tf1repro.compare",
    "Deviation": "tf1repro.compare",
    "compare_records": "tf1repro.compare",
    "Config": "tf1repro.config",
    "Float": "tf1repro.config",
    "Int": "tf1repro.config",
    "param": "tf1repro.config",
    "validate_seed": "tf1repro.config",
    "DivergenceError": "tf1repro.errors",
    "ParameterError": "tf1repro.errors",
    "Record": "tf1repro.record",
    "port_script": "tf1repro.recording.autoport",
    "Reproduction": "tf1repro.reproduction",
    "reproduce": "tf1repro.reproduction",
    "NumpyTwin": "tf1repro.tutorial",
    "Tutorial": "tf1repro.tutorial",
    "V1Graph": "tf1repro.tutorial",
    "V2Port": "tf1repro.tutorial",
    "load_tutorial": "tf1repro.tutorial",
    "tutorial_names": "tf1repro.tutorial",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'tf1repro' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))


__all__ = [
    "Comparison",
    "Config",
    "Deviation",
    "DivergenceError",
    "Float",
    "Int",
    "NumpyTwin",
    "ParameterError",
    "Record",
    "Reproduction",
    "Tutorial",
    "V1Graph",
    "V2Port",
    "compare_records",
    "load_tutorial",
    "param",
    "port_script",
    "replay",
    "reproduce",
    "train",
    "tutorial_names",
    "validate_seed",
]
