"""Recipe 03/03, linear regression the TensorFlow way: ``A``, ``b`` and the mean squared error.

Sepal length against petal width, batches of 25, ``GradientDescentOptimizer(0.05)`` for 100
steps; prints ``A``, ``b`` and the batch's loss every 25 steps and plots the fit and the loss.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from tf1repro.tutorials.cookbook03.common import LinearFit, RegressionConfig


class LinearRegression(LinearFit[RegressionConfig]):
    """``loss = reduce_mean(square(y - (matmul(x, A) + b)))``."""

    name = "03-03"
    summary = "cookbook 03/03: A [1, 1], b [1, 1] on iris, L2 loss, batches of 25"

    def fit_loss(self, tf: ModuleType, a: Any, residual: Callable[[], Any]) -> Any:
        return tf.reduce_mean(tf.square(residual()))
