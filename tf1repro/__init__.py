"""tf1repro: old TensorFlow 1 tutorials, rebuilt on today's TensorFlow, checked to the last bit.

Importing this package does not import TensorFlow; the graph backend imports it when it trains.

>>> from tf1repro import train, replay, compare_records
>>> record = train("batch", seed=0)                 # the article's batch trainer, TF1 graph
>>> port = replay(record, "eager")                  # its TF2 port on the same feeds and A0
>>> compare_records(record, port).worst             # float32 ulps at each quantity's scale
0.0
"""

from tf1repro.backends import replay, train
from tf1repro.compare import Comparison, Deviation, compare_records
from tf1repro.config import Config, Float, Int, param, validate_seed
from tf1repro.errors import DivergenceError, ParameterError
from tf1repro.record import Record
from tf1repro.reproduce import Reproduction, reproduce
from tf1repro.tutorial import (
    NumpyTwin,
    Tutorial,
    V1Graph,
    V2Port,
    load_tutorial,
    tutorial_names,
)

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
    "replay",
    "reproduce",
    "train",
    "tutorial_names",
    "validate_seed",
]

__version__ = "0.2.0"
