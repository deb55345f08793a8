"""Ports of line.py that differ from its graph in one known stage, for ``tf1repro diagnose``."""

from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from tf1repro import V2Port, load_tutorial

# line.py is loaded by its path, as the engine loads a tutorial file: this file then works from
# the eager backend's process too, wherever the folder is.
Line = type(load_tutorial(f"{Path(__file__).with_name('line.py')}:Line"))


class FetchedOtherwise(Line):
    """Trains on the graph's loss, but fetches ``loss`` computed in float64: the variables
    agree at every step and only the fetch differs, from the state after some update on."""

    name = "fetched-otherwise"

    def port_v2(self, tf: ModuleType, config: Any, initial: Mapping[str, Any]) -> V2Port:
        w = tf.Variable(initial["W"])
        b = tf.Variable(initial["b"])

        def forward(feeds: Mapping[str, Any]) -> dict[str, Any]:
            error = tf.matmul(feeds["x"], w) + b - feeds["y"]
            wide = tf.cast(error, tf.float64)
            return {
                "train": tf.reduce_mean(tf.square(error)),
                "loss": tf.cast(tf.reduce_mean(tf.square(wide)), tf.float32),
            }

        return V2Port({"W": w, "b": b}, forward, self.optimizer_v2(tf, config), loss="train")


class NoLoss(Line):
    """A mistake, not a difference: forward() returns the loss as ``cost`` and the port does
    not say ``V2Port(loss="cost")``."""

    name = "no-loss"

    def port_v2(self, tf: ModuleType, config: Any, initial: Mapping[str, Any]) -> V2Port:
        made = super().port_v2(tf, config, initial)

        def forward(feeds: Mapping[str, Any]) -> dict[str, Any]:
            return {"cost": made.forward(feeds)["loss"]}

        return V2Port(made.variables, forward, made.optimizer)
