"""tf1repro: old TensorFlow 1 tutorials, rebuilt on today's TensorFlow, checked to the last bit.

Importing this package does not import TensorFlow; the graph backend imports it when it trains.

>>> from tf1repro import TrainConfig, train_graph, replay_reference, compare_runs
>>> run = train_graph("batch", TrainConfig(batch_size=20), seed=0)
>>> compare_runs(run, replay_reference(run)).worst    # in float32 ulps near 10
"""

from tf1repro.article import ArticleRuns, reproduce
from tf1repro.compare import Comparison, Deviation, compare_runs, scale_ulp
from tf1repro.config import TrainConfig, validate_seed
from tf1repro.eager import replay_eager
from tf1repro.errors import DivergenceError, ParameterError
from tf1repro.graph import train as train_graph
from tf1repro.recipes import Recipe, get_recipe, recipe_names
from tf1repro.record import Run
from tf1repro.reference import replay as replay_reference

__all__ = [
    "ArticleRuns",
    "Comparison",
    "Deviation",
    "DivergenceError",
    "ParameterError",
    "Recipe",
    "Run",
    "TrainConfig",
    "compare_runs",
    "get_recipe",
    "recipe_names",
    "replay_eager",
    "replay_reference",
    "reproduce",
    "scale_ulp",
    "train_graph",
    "validate_seed",
]

__version__ = "0.1.0"
