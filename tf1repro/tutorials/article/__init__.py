"""The article: one parameter ``A`` trained so that ``x * A`` approaches 10.

The TensorFlow Machine Learning Cookbook's recipe "working with batch and stochastic training"
(chapter 2, recipe 6). Stochastic training feeds one sample a step into ``[1]`` placeholders and
multiplies elementwise; batch training feeds ``[None, 1]`` placeholders, multiplies by
``matmul`` and averages the squared errors with ``reduce_mean``. Both minimise with
``GradientDescentOptimizer(0.02)`` for 100 steps on 100 points ``x ~ N(1, 0.1)``, target 10.

The article's own modules live beside this one: its kernel mirrors (``kernels``), the closed-form
theory of its SGD (``theory``), the values it printed (``printed``), the many-seed study
(``study``, ``vectorised``, and ``philox``, TensorFlow's seeded ``random_normal`` without
TensorFlow) and its plot (``plot``). Its end-to-end reproduction is the engine's
(``tf1repro.reproduction``), which runs any tutorial or script.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import numpy as np
import numpy.typing as npt

from tf1repro.config import MAX_STEPS, Float, Int, param
from tf1repro.kernel_path import KernelPath
from tf1repro.record import Record
from tf1repro.tutorial import Arrays, NumpyTwin, Script, Sweep
from tf1repro.tutorials.article import kernels
from tf1repro.tutorials.output import (
    RatedConfig,
    WeightFit,
    column_batch,
    one_sample,
    step_and_loss,
)

F32 = np.float32
TWO = F32(2)
Column = npt.NDArray[np.float32]
"""One float32 value per run: shape ``[runs]``."""
Rows = npt.NDArray[np.float32]
"""Each run's fed rows: shape ``[runs, rows]``."""


@dataclass(frozen=True)
class StochasticConfig(RatedConfig):
    """Everything that defines a stochastic run except its seed, with the article's values."""

    learning_rate: float = param(0.02, Float(positive=True), "GradientDescentOptimizer's rate")
    log_every: int = param(
        5, Int(1, MAX_STEPS), "print A and the loss every N steps (at most --steps)"
    )
    data_size: int = param(100, Int(1, 10_000_000), "points x drawn once; steps sample them")
    x_mean: float = param(1.0, Float(), "mean of the normal distribution of x")
    x_std: float = param(0.1, Float(positive=True), "standard deviation of x")
    target: float = param(10.0, Float(), "the value of every y: x * A is trained towards it")


@dataclass(frozen=True)
class TrainConfig(StochasticConfig):
    """A batch run's config: the stochastic one and the batch size (the article's 20)."""

    batch_size: int = param(20, Int(1, 1_000_000), "rows per step of the batch trainer")


def targets(config: StochasticConfig) -> npt.NDArray[np.float64]:
    """The article's ``y_vals = np.repeat(10., 100)``."""
    return np.repeat(config.target, config.data_size)


def part_config(trainer: str, config: TrainConfig) -> StochasticConfig:
    """``config`` as the config of the article's ``trainer`` (the stochastic one has no batch)."""
    if trainer == "batch":
        return config
    settings = config.to_dict()
    settings.pop("batch_size", None)
    return StochasticConfig(**settings)


# --- The article's math in float32, for one run or a column of runs. ---------------------------


def stochastic_loss(a: Column, x: Rows, y: Rows) -> Column:
    error = x[:, 0] * a - y[:, 0]
    return error * error


def stochastic_gradient(a: Column, x: Rows, y: Rows) -> Column:
    x, y = x[:, 0], y[:, 0]
    # Square's gradient is upstream * (2 * error), with upstream = 1; Mul's multiplies by x.
    return ((x * a - y) * TWO) * x


def batch_loss(a: Column, x: Rows, y: Rows) -> Column:
    error = x * a[:, np.newaxis] - y
    return kernels.eigen_mean(error * error)


def batch_gradient(a: Column, x: Rows, y: Rows, path: KernelPath | None = None) -> Column:
    error = x * a[:, np.newaxis] - y
    # Mean's gradient is 1/n (one division) times upstream; Square's multiplies by 2 * error;
    # MatMul's gradient for A is x^T @ that, a dot product summed as the kernel path sums it
    # (``path``: the record's; None: this process's).
    upstream = (F32(1) / F32(x.shape[1])) * (TWO * error)
    return kernels.matmul_grad(x, upstream, path)


def descend(a: Column, gradient: Column, lr: np.float32) -> Column:
    """``ApplyGradientDescent``: ``var - delta * alpha`` in float32."""
    return a - gradient * lr


class _ArticleTwin(NumpyTwin):
    """One run of the article's trainers as a column of one run."""

    def __init__(
        self,
        config: StochasticConfig,
        shape: tuple[int, ...],
        batch: bool,
        platform: Mapping[str, str],
    ) -> None:
        self._lr = F32(config.learning_rate)
        self._shape = shape
        self._loss = batch_loss if batch else stochastic_loss
        label = platform.get("kernels")
        path = None if label is None else KernelPath.from_label(label)
        if batch:
            self._gradient: Any = lambda a, x, y: batch_gradient(a, x, y, path)
        else:
            self._gradient = stochastic_gradient
        self._loss_shape: tuple[int, ...] = () if batch else (1,)

    def _columns(self, variables: Arrays, feeds: Arrays) -> tuple[Column, Rows, Rows]:
        a = np.asarray(variables["A"], dtype=F32).reshape(1)
        x = np.asarray(feeds["x"], dtype=F32).reshape(1, -1)
        y = np.asarray(feeds["y"], dtype=F32).reshape(1, -1)
        return a, x, y

    def forward(self, variables: Arrays, feeds: Arrays) -> dict[str, npt.NDArray[Any]]:
        loss = self._loss(*self._columns(variables, feeds))
        return {"loss": loss.reshape(self._loss_shape)}

    def gradients(self, variables: Arrays, feeds: Arrays) -> dict[str, npt.NDArray[Any]]:
        return {"A": self._gradient(*self._columns(variables, feeds)).reshape(self._shape)}

    def apply(self, variables: Arrays, gradients: Arrays) -> dict[str, npt.NDArray[Any]]:
        a = np.asarray(variables["A"], dtype=F32).reshape(1)
        grad = np.asarray(gradients["A"], dtype=F32).reshape(1)
        return {"A": descend(a, grad, self._lr).reshape(self._shape)}


PartConfig = TypeVar("PartConfig", bound=StochasticConfig)


class _ArticlePart(WeightFit[PartConfig]):
    """What both of the article's trainers share besides their graph and port (``WeightFit``):
    the data, the NumPy twin, the log and the figure."""

    def data(self, rng: np.random.RandomState, config: PartConfig) -> dict[str, Any]:
        return {
            "x_vals": rng.normal(config.x_mean, config.x_std, config.data_size),
            "y_vals": targets(config),
        }

    def numpy_twin(
        self, config: PartConfig, initial: Arrays, platform: Mapping[str, str]
    ) -> NumpyTwin:
        return _ArticleTwin(config, tuple(self.a_shape), batch=self.batch, platform=platform)

    def log(self, record: Record) -> list[str]:
        return article_log(record)

    def figures(self, records: Sequence[Record]) -> dict[str, bytes]:
        from tf1repro.tutorials.article.plot import loss_png

        return {"loss.png": loss_png(records[0])}


class Stochastic(_ArticlePart[StochasticConfig]):
    """``loss = square(multiply(x, A) - y)`` on one sample a step."""

    name = "stochastic"
    summary = "the article, stochastic: A [1], multiply, square, one sample a step"
    batch = False

    def feeds(
        self,
        rng: np.random.RandomState,
        config: StochasticConfig,
        data: Mapping[str, Any],
        step: int,
    ) -> dict[str, Any]:
        return one_sample(rng, data["x_vals"], data["y_vals"])


class Batch(_ArticlePart[TrainConfig]):
    """``loss = reduce_mean(square(matmul(x, A) - y))`` on ``batch_size`` samples a step."""

    name = "batch"
    summary = "the article, batch: A [1, 1], matmul, reduce_mean, batches of 20"
    golden_cases: ClassVar[Mapping[str, Mapping[str, Any]]] = {
        "bs1": {"batch_size": 1},
        "bs20": {},
        "bs100": {"batch_size": 100},
    }
    batch = True

    def feeds(
        self, rng: np.random.RandomState, config: TrainConfig, data: Mapping[str, Any], step: int
    ) -> dict[str, Any]:
        return column_batch(rng, data["x_vals"], data["y_vals"], config.batch_size)


def article_log(record: Record) -> list[str]:
    """The lines the article prints for a run: ``Step #5 A = [...]`` then ``Loss = ...``.

    Values are printed with ``str()`` of a float32 array in the graph's own shape, exactly as
    the article's ``str(sess.run(A))`` and ``str(temp_loss)`` do.
    """
    return step_and_loss(record, "loss")


def _joint_figure(records: Sequence[Record]) -> dict[str, bytes]:
    from tf1repro.tutorials.article.plot import PLOT_NAME, loss_comparison_png

    return {PLOT_NAME: loss_comparison_png(records[0], records[1])}


ARTICLE = Script(
    "article",
    parts=("stochastic", "batch"),
    summary="the article: stochastic training, then batch training (its log and loss plot)",
    figures=_joint_figure,
    sweep=Sweep("batch_size", (1, 20, 100)),
)
