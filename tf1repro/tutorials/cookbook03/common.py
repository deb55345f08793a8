"""What chapter 3's regressions share: iris, the batch feeds, the printed lines, the plots, and
the graph and TF2 port of the one-column fits around their own loss.

Every recipe fits ``model_output = matmul(x, A) + b`` to iris, ``y`` = sepal length, and feeds
batches drawn with ``np.random.choice(150, size=batch_size)`` each step; they differ in the
columns of ``x``, the loss, the rate and how often they print.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar, TypeVar

import numpy as np
import numpy.typing as npt

from tf1repro.config import MAX_STEPS, Float, Int, param
from tf1repro.record import Record
from tf1repro.tutorial import Arrays, Tutorial, V1Graph, V2Port
from tf1repro.tutorials.iris import iris_data
from tf1repro.tutorials.output import LoggedConfig, logged_steps, new_figure, png, printed

#: Iris's columns: sepal length, sepal width, petal length, petal width.
SEPAL_LENGTH, PETAL_WIDTH = 0, 3
#: The originals' figures: pyplot's default size.
FIGURE_SIZE = (6.4, 4.8)


def iris() -> npt.NDArray[np.float64]:
    """Iris's 150 rows of four measurements, the rows of scikit-learn's ``load_iris()``."""
    return iris_data()


@dataclass(frozen=True)
class RegressionConfig(LoggedConfig):
    """A chapter 3 run: the original's rate, batch size, steps and print interval."""

    learning_rate: float = param(0.05, Float(positive=True), "GradientDescentOptimizer's rate")
    batch_size: int = param(25, Int(1, 1_000_000), "rows drawn (with replacement) per step")
    log_every: int = param(25, Int(1, MAX_STEPS), "print A and b every N steps (at most --steps)")


RecipeConfig = TypeVar("RecipeConfig", bound=RegressionConfig)


class IrisRegression(Tutorial[RecipeConfig]):
    """One of chapter 3's linear fits on iris; subclasses build the graph and its loss.

    ``x_columns`` are the iris columns of ``x`` (one column is fed as ``[batch, 1]`` through
    ``np.transpose``, several as the rows themselves); ``prints_loss`` and ``blank_lines``
    say what the original prints after each ``Step #N A = ... b = ...`` line.
    """

    x_columns: ClassVar[tuple[int, ...]] = (PETAL_WIDTH,)
    prints_loss: ClassVar[bool] = True
    blank_lines: ClassVar[int] = 0
    own_seed: ClassVar[int | None] = None
    """The seed the original gives ``np.random.seed`` itself, which replaces the run's seed
    (every seed then gives the same run); None when it does not seed itself."""
    loss_title: ClassVar[str] = "L2 Loss per Generation"
    loss_label: ClassVar[str] = "L2 Loss"
    fit_title: ClassVar[str] = "Sepal Length vs Petal Width"
    fit_xlabel: ClassVar[str] = "Petal Width"
    golden_seeds: ClassVar[Sequence[int]] = (0, 1)

    def data(self, rng: np.random.RandomState, config: RecipeConfig) -> dict[str, Any]:
        rows = iris()
        if self.own_seed is not None:
            # The original's np.random.seed(own_seed): it replaces whatever seed came before.
            rng.seed(self.own_seed)
        columns = self.x_columns
        x_vals = rows[:, columns[0]] if len(columns) == 1 else rows[:, list(columns)]
        return {"x_vals": x_vals, "y_vals": rows[:, SEPAL_LENGTH]}

    def feeds(
        self,
        rng: np.random.RandomState,
        config: RecipeConfig,
        data: Mapping[str, Any],
        step: int,
    ) -> dict[str, Any]:
        x_vals, y_vals = data["x_vals"], data["y_vals"]
        rand_index = rng.choice(len(x_vals), size=config.batch_size)
        rand_x = x_vals[rand_index] if x_vals.ndim == 2 else np.transpose([x_vals[rand_index]])
        return {"x": rand_x, "y": np.transpose([y_vals[rand_index]])}

    def log(self, record: Record) -> list[str]:
        """``Step #N A = [[...]] b = [[...]]``, then ``Loss = ...`` and blank lines if the
        original prints them, every ``log_every`` steps; values are ``str()`` of the graph's
        float32 arrays, in the graph's own shapes."""
        lines = []
        for step in logged_steps(record):
            a, b = record.value("A", step), record.value("b", step)
            lines.append(f"Step #{step} A = {a!s} b = {b!s}")
            if self.prints_loss:
                lines.append(f"Loss = {printed(record.value('loss', step))}")
            lines.extend([""] * self.blank_lines)
        return lines

    def figures(self, records: Sequence[Record]) -> dict[str, bytes]:
        record = records[0]
        figures = {"loss.png": loss_png([(record, "k-", None)], self.loss_title, self.loss_label)}
        if len(self.x_columns) == 1:
            figures["fit.png"] = fit_png(record, self.fit_title, self.fit_xlabel)
        return figures


class LinearFit(IrisRegression[RecipeConfig]):
    """A fit of one column: ``model_output = add(matmul(x, A), b)`` with ``A`` and ``b`` of
    shape ``[1, 1]`` from ``random_normal``; subclasses give the loss (``fit_loss``)."""

    graph_seed: ClassVar[int | None] = None
    """The seed the original gives ``tf.set_random_seed`` after making its placeholders; None
    when it gives none."""

    def fit_loss(self, tf: ModuleType, a: Any, residual: Callable[[], Any]) -> Any:
        """The loss the original minimises, from the slope and ``residual()``, which makes
        ``y - model_output`` where the original does; the same TF ops build the graph and its
        TF2 port."""
        raise NotImplementedError

    def build_v1(self, tf: ModuleType, config: RecipeConfig) -> V1Graph:
        x_data = tf.placeholder(shape=[None, 1], dtype=tf.float32)
        y_target = tf.placeholder(shape=[None, 1], dtype=tf.float32)
        if self.graph_seed is not None:
            tf.set_random_seed(self.graph_seed)
        a = tf.Variable(tf.random_normal(shape=[1, 1]))
        b = tf.Variable(tf.random_normal(shape=[1, 1]))
        model_output = tf.add(tf.matmul(x_data, a), b)
        loss = self.fit_loss(tf, a, lambda: y_target - model_output)
        train_step = tf.train.GradientDescentOptimizer(config.learning_rate).minimize(loss)
        return V1Graph({"x": x_data, "y": y_target}, {"A": a, "b": b}, {"loss": loss}, train_step)

    def port_v2(self, tf: ModuleType, config: RecipeConfig, initial: Arrays) -> V2Port:
        a = tf.Variable(initial["A"], name="A")
        b = tf.Variable(initial["b"], name="b")

        def forward(feeds: Mapping[str, Any]) -> dict[str, Any]:
            return {"loss": self.fit_loss(tf, a, lambda: feeds["y"] - (feeds["x"] @ a + b))}

        return V2Port({"A": a, "b": b}, forward, tf.keras.optimizers.SGD(config.learning_rate))


def loss_png(curves: Sequence[tuple[Record, str, str | None]], title: str, ylabel: str) -> bytes:
    """The originals' ``plt.plot(loss_vec, style)``: the loss of every step, by generation."""
    figure = new_figure(FIGURE_SIZE)
    axes = figure.add_subplot()
    for record, style, label in curves:
        axes.plot(record.fetches["loss"].reshape(record.steps), style, label=label)
    if any(label for _, _, label in curves):
        axes.legend(loc="upper right")
    axes.set_title(title)
    axes.set_xlabel("Generation")
    axes.set_ylabel(ylabel)
    return png(figure)


def fit_png(record: Record, title: str, xlabel: str) -> bytes:
    """The data points and the fitted line ``slope * x + y_intercept`` of the last step."""
    rows = iris()
    x_vals, y_vals = rows[:, PETAL_WIDTH], rows[:, SEPAL_LENGTH]
    [slope] = record.value("A", record.steps)
    [y_intercept] = record.value("b", record.steps)
    best_fit = [slope * x + y_intercept for x in x_vals]
    figure = new_figure(FIGURE_SIZE)
    axes = figure.add_subplot()
    axes.plot(x_vals, y_vals, "o", label="Data Points")
    axes.plot(x_vals, best_fit, "r-", label="Best fit line", linewidth=3)
    axes.legend(loc="upper left")
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel("Sepal Length")
    return png(figure)
