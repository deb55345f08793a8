"""Iris, the data of the cookbook's iris recipes, shipped with tf1repro.

The originals call scikit-learn's ``datasets.load_iris()``; these are its 150 rows, read from
``iris.csv`` beside this module. Shipping them keeps scikit-learn out of tf1repro's
dependencies: where it is installed, Keras 3 imports it during every ``import tensorflow``,
which then takes about 1.5 s longer. ``tests/test_iris.py`` checks the rows against
scikit-learn's, value for value.
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources

import numpy as np
import numpy.typing as npt

#: The species in the order of ``load_iris().target_names`` (its targets 0, 1, 2).
SPECIES = ("setosa", "versicolor", "virginica")


@cache
def _rows() -> tuple[tuple[float, ...], tuple[int, ...]]:
    text = resources.files(__package__).joinpath("iris.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("".join(lines))))
    columns = ("sepal_length", "sepal_width", "petal_length", "petal_width")
    measurements = tuple(float(row[column]) for row in rows for column in columns)
    species = tuple(SPECIES.index(row["species"]) for row in rows)
    return measurements, species


def iris_data() -> npt.NDArray[np.float64]:
    """``[150, 4]`` float64: sepal length, sepal width, petal length, petal width (cm), as
    ``load_iris().data``."""
    measurements, _ = _rows()
    return np.array(measurements, dtype=np.float64).reshape(-1, 4)


def iris_target() -> npt.NDArray[np.int64]:
    """``[150]``: 0 for setosa, 1 for versicolor, 2 for virginica, as ``load_iris().target``."""
    _, species = _rows()
    return np.array(species, dtype=np.int64)
