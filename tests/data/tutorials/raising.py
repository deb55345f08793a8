"""Tutorials whose own code fails (tf1repro must show these frames, not its own), or whose data
do."""

import sys
from pathlib import Path

from tf1repro import load_tutorial

Line = type(load_tutorial(f"{Path(__file__).with_name('line.py')}:Line"))


def lookup(table):
    return table["learning_rate"]


class BadData(Line):
    """data() raises a KeyError, one call deep."""

    name = "bad-data"

    def data(self, rng, config):
        return lookup({})


class Exits(Line):
    """data() calls sys.exit(5)."""

    name = "exits"

    def data(self, rng, config):
        sys.exit(5)


class BadGraph(Line):
    """build_v1() raises while TensorFlow's notices are held back."""

    name = "bad-graph"

    def build_v1(self, tf, config):
        raise ValueError("no graph today")


class BadPort(Line):
    """port_v2() raises, in the eager backend's own process."""

    name = "bad-port"

    def port_v2(self, tf, config, initial):
        raise RuntimeError("the port is not written yet")


class NanData(Line):
    """data() holds a NaN: the run diverges, and the data are to blame, not the learning rate."""

    name = "nan-data"

    def data(self, rng, config):
        data = super().data(rng, config)
        data["x"][7, 1] = float("nan")
        return data
