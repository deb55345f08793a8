"""tf1repro's copy of iris equals scikit-learn's ``load_iris()``, value for value (tolerance 0:
the cookbook goldens were made from scikit-learn's float64 arrays, and any other bit would move
every step after the first batch that draws the row)."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_iris

from tf1repro.tutorials.iris import SPECIES, iris_data, iris_target


def test_rows_equal_scikit_learns() -> None:
    reference = load_iris()
    data, target = iris_data(), iris_target()
    assert data.dtype == np.float64 and data.shape == (150, 4)
    assert np.array_equal(data.view(np.uint64), np.asarray(reference.data).view(np.uint64))
    assert np.array_equal(target, reference.target)
    assert tuple(reference.target_names) == SPECIES


def test_each_call_is_a_fresh_array() -> None:
    # A tutorial that edits its data in place must not change the next run's.
    first = iris_data()
    first[0, 0] = -1.0
    assert iris_data()[0, 0] == 5.1
