"""Broken variants of line.py, each failing one check of ``tf1repro.testing.check_tutorial``.

Each class is a mistake a contributor makes; its docstring says which check must name it.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tf1repro import Float, NumpyTwin, V2Port, load_tutorial, param

# line.py is loaded by its path, as the engine loads a tutorial file: this file then works from
# the eager backend's process too, wherever the folder is.
Line = type(load_tutorial(f"{Path(__file__).with_name('line.py')}:Line"))


@dataclass(frozen=True)
class BadMomentumConfig(Line.Config):
    momentum: float = param(1.5, Float(low=0.0, high=1.0), "a default outside its own range")


class BadDefault(Line):
    """config: the default momentum 1.5 is outside the field's [0, 1]."""

    name = "bad-default"
    Config = BadMomentumConfig


class WrongShape(Line):
    """trains: the feeds have two columns where the graph's placeholder takes three."""

    name = "wrong-shape"

    def feeds(self, rng, config, data, step):
        feeds = super().feeds(rng, config, data, step)
        return {**feeds, "x": feeds["x"][:, :2]}


class Unseeded(Line):
    """determinism: the data come from a fresh unseeded generator, not from ``rng``."""

    name = "unseeded"

    def data(self, rng, config):
        return super().data(np.random.RandomState(), config)


class Silent(Line):
    """log: returns one string, not a list of lines."""

    name = "silent"

    def log(self, record):
        return "\n".join(super().log(record))


class NotPng(Line):
    """figures: the figure's bytes are a GIF header."""

    name = "not-png"

    def figures(self, records):
        return {"loss.png": b"GIF89a"}


class PlainTwin(NumpyTwin):
    """Line's step in float32 NumPy, but plain gradient descent: it forgets the momentum."""

    def __init__(self, learning_rate):
        self.learning_rate = np.float32(learning_rate)

    def forward(self, variables, feeds):
        residual = feeds["x"] @ variables["W"] + variables["b"] - feeds["y"]
        return {"loss": np.mean(np.square(residual), dtype=np.float32)}

    def gradients(self, variables, feeds):
        residual = feeds["x"] @ variables["W"] + variables["b"] - feeds["y"]
        scale = np.float32(2) / np.float32(len(residual))
        return {"W": feeds["x"].T @ residual * scale, "b": residual.sum(axis=0) * scale}

    def apply(self, variables, gradients):
        return {
            name: value - self.learning_rate * gradients[name] for name, value in variables.items()
        }


class ForgetfulTwin(Line):
    """numpy replay: the twin's update has no momentum."""

    name = "forgetful-twin"

    def numpy_twin(self, config, initial, platform):
        return PlainTwin(config.learning_rate)


class WrongForward(Line):
    """eager replay: the port's loss is the mean absolute error, the graph's the squared."""

    name = "wrong-forward"

    def port_v2(self, tf, config, initial):
        port = super().port_v2(tf, config, initial)
        w, b = port.variables["W"], port.variables["b"]

        def forward(feeds):
            return {"loss": tf.reduce_mean(tf.abs(tf.matmul(feeds["x"], w) + b - feeds["y"]))}

        return V2Port(port.variables, forward, port.optimizer)


class NoLoss(Line):
    """eager replay: the port's forward returns no ``loss``, so the eager backend fails."""

    name = "no-loss"

    def port_v2(self, tf, config, initial):
        port = super().port_v2(tf, config, initial)
        return V2Port(port.variables, lambda feeds: {}, port.optimizer)
