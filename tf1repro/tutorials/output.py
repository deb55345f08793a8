"""What the built-in tutorials feed, print and plot, written once for all of them, and the
one-weight fit that several of them train.

The originals feed ``x`` and ``y`` through a ``feed_dict`` as ``[x]`` (one point, or a row) or
``np.transpose([x])`` (a column), drawing the points with ``np.random.choice``; they print every
``log_every`` steps (``if (i+1) % log_every == 0``) the ``str()`` of what ``sess.run`` returned,
and draw Matplotlib figures. The helpers here do all three the same way for every tutorial.
Nothing imports Matplotlib until a figure is drawn: the registry imports every module under
``tf1repro.tutorials`` to list the tutorials.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from types import ModuleType
from typing import Any, ClassVar, TypeVar

import numpy as np
import numpy.typing as npt

from tf1repro.config import Config
from tf1repro.errors import ParameterError
from tf1repro.record import Record
from tf1repro.tutorial import Arrays, Tutorial, V1Graph, V2Port


def row_feeds(x: Any, y: Any) -> dict[str, list[Any]]:
    """The originals' ``feed_dict={x_data: [x], y_target: [y]}``: one point as a ``[1]``
    vector, several as a ``[1, n]`` row."""
    return {"x": [x], "y": [y]}


def column_feeds(x: npt.NDArray[Any], y: npt.NDArray[Any]) -> dict[str, npt.NDArray[Any]]:
    """The originals' ``feed_dict={x_data: np.transpose([x]), y_target: np.transpose([y])}``:
    the points as ``[n, 1]`` columns."""
    return {"x": np.transpose([x]), "y": np.transpose([y])}


def one_sample(
    rng: np.random.RandomState, x_vals: npt.NDArray[Any], y_vals: npt.NDArray[Any]
) -> dict[str, list[Any]]:
    """One point drawn a step, as ``rand_index = np.random.choice(len(x_vals))`` and
    ``rand_x = [x_vals[rand_index]]``."""
    index = rng.choice(len(x_vals))
    return row_feeds(x_vals[index], y_vals[index])


def column_batch(
    rng: np.random.RandomState,
    x_vals: npt.NDArray[Any],
    y_vals: npt.NDArray[Any],
    batch_size: int,
) -> dict[str, npt.NDArray[Any]]:
    """``batch_size`` points drawn with replacement (``np.random.choice(len(x_vals),
    size=batch_size)``), fed as columns."""
    rand_index = rng.choice(len(x_vals), size=batch_size)
    return column_feeds(x_vals[rand_index], y_vals[rand_index])


class LoggedConfig(Config):
    """A config with a ``log_every`` field, which must be at most ``steps``: the original
    prints at least once.

    It declares no dataclass field (subclasses declare ``log_every`` with their own default and
    help), so each config keeps its fields, and so its options and records, in its own order.
    """

    log_every: int

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.log_every > self.steps:
            raise ParameterError(
                "log_every",
                self.log_every,
                f"an int in the range [1, {self.steps}] (at most 'steps')",
            )

    @property
    def logged_steps(self) -> tuple[int, ...]:
        """The 1-based steps at which the original prints."""
        return tuple(range(self.log_every, self.steps + 1, self.log_every))


class RatedConfig(LoggedConfig):
    """A ``LoggedConfig`` with a ``learning_rate`` field, GradientDescentOptimizer's rate.

    Like ``LoggedConfig``, it declares no dataclass field, so each config keeps its own order.
    """

    learning_rate: float


RatedConfigT = TypeVar("RatedConfigT", bound=RatedConfig)


class WeightFit(Tutorial[RatedConfigT]):
    """The article's two trainers of ``x * A`` towards ``y``, which recipes 02/05 and 02/08 of
    the cookbook train again, by ``GradientDescentOptimizer``: stochastic, ``square(multiply(x,
    A) - y)`` with ``[1]`` placeholders and ``A``; batch, ``reduce_mean(square(matmul(x, A) -
    y))`` with ``[None, 1]`` placeholders and ``A`` of shape ``[1, 1]``. The same TF ops build
    the graph and its TF2 port.
    """

    batch: ClassVar[bool]
    """Whether it is the batch trainer."""
    loss_evaluation: ClassVar[str | None] = None
    """The name under which the loss is evaluated after training (02/08's MSE), or None."""

    @property
    def x_shape(self) -> list[int | None]:
        """The shape of the placeholders ``x`` and ``y``."""
        return [None, 1] if self.batch else [1]

    @property
    def a_shape(self) -> list[int]:
        """The shape of ``A``."""
        return [1, 1] if self.batch else [1]

    def loss(self, tf: ModuleType, x: Any, a: Any, y: Any) -> Any:
        """The loss of the tensors ``x``, ``A`` and ``y``."""
        if self.batch:
            return tf.reduce_mean(tf.square(tf.matmul(x, a) - y))
        return tf.square(tf.multiply(x, a) - y)

    def build_v1(self, tf: ModuleType, config: RatedConfigT) -> V1Graph:
        x_data = tf.placeholder(shape=self.x_shape, dtype=tf.float32)
        y_target = tf.placeholder(shape=self.x_shape, dtype=tf.float32)
        a = tf.Variable(tf.random_normal(shape=self.a_shape))
        loss = self.loss(tf, x_data, a, y_target)
        train_step = tf.train.GradientDescentOptimizer(config.learning_rate).minimize(loss)
        return V1Graph(
            placeholders={"x": x_data, "y": y_target},
            variables={"A": a},
            fetches={"loss": loss},
            train=train_step,
            evaluations={} if self.loss_evaluation is None else {self.loss_evaluation: loss},
        )

    def port_v2(self, tf: ModuleType, config: RatedConfigT, initial: Arrays) -> V2Port:
        a = tf.Variable(initial["A"], name="A")

        def forward(feeds: Mapping[str, Any]) -> dict[str, Any]:
            return {"loss": self.loss(tf, feeds["x"], a, feeds["y"])}

        def evaluate(feeds: Mapping[str, Any]) -> dict[str, Any]:
            return {str(self.loss_evaluation): self.loss(tf, feeds["x"], a, feeds["y"])}

        return V2Port(
            {"A": a},
            forward,
            tf.keras.optimizers.SGD(config.learning_rate),
            evaluate=None if self.loss_evaluation is None else evaluate,
        )


def logged_steps(record: Record) -> range:
    """The 1-based steps at which the original printed during the run ``record``."""
    every = int(record.config["log_every"])
    return range(every, record.steps + 1, every)


def printed(value: npt.ArrayLike) -> str:
    """``str()`` of what ``sess.run`` returns for this value: a NumPy scalar for a 0-d tensor
    (a scalar loss prints bare, as the ``np.float32`` it is), else the array in the tensor's
    own shape."""
    array = np.asarray(value)
    return str(array[()] if array.ndim == 0 else array)


def step_and_loss(record: Record, loss: str) -> list[str]:
    """``Step #N A = ...`` and ``Loss = ...`` (the fetch ``loss``) at every logged step."""
    lines = []
    for step in logged_steps(record):
        lines.append(f"Step #{step} A = {printed(record.value('A', step))}")
        lines.append(f"Loss = {printed(record.value(loss, step))}")
    return lines


def new_figure(size: tuple[float, float]) -> Any:
    """A Matplotlib ``Figure`` of ``size`` inches at 100 dpi, drawn headless (the Agg canvas),
    outside pyplot: nothing global is left behind."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=size, dpi=100)


def png(figure: Any) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
