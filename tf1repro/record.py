"""The Run record: everything a training run consumed and produced, with a lossless JSON form.

A Run holds all of its randomness (the data ``x``, every sampled index, the initial ``A``), so any
backend can replay it on exactly the same inputs, and two Runs can be compared step by step.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tf1repro.config import TrainConfig

FORMAT = "tf1repro.run/1"


@dataclass(frozen=True, eq=False)
class Run:
    """One trainer's run on one backend.

    ``a[i]`` and ``loss[i]`` are the parameter and the loss on step ``i + 1``'s batch, both read
    after that step's update (as the article's ``sess.run(A)`` and ``sess.run(loss, ...)``).
    """

    trainer: str
    """Recipe name: ``"stochastic"`` or ``"batch"`` for the article."""
    backend: str
    """Who computed it: ``"graph"`` (TF1 graph), ``"reference"`` (NumPy), ``"eager"`` (TF2)."""
    config: TrainConfig
    seed: int
    versions: Mapping[str, str]
    """Library versions that produced the numbers, e.g. ``{"numpy": ..., "tensorflow": ...}``."""
    x: npt.NDArray[np.float64]
    indices: npt.NDArray[np.int64]
    a0: np.float32
    a: npt.NDArray[np.float32]
    loss: npt.NDArray[np.float32]

    def __post_init__(self) -> None:
        object.__setattr__(self, "versions", dict(self.versions))
        object.__setattr__(self, "x", _frozen_array(self.x, np.float64))
        object.__setattr__(self, "indices", _frozen_array(self.indices, np.int64))
        object.__setattr__(self, "a0", np.float32(self.a0))
        object.__setattr__(self, "a", _frozen_array(self.a, np.float32))
        object.__setattr__(self, "loss", _frozen_array(self.loss, np.float32))
        steps = self.config.steps
        if self.indices.ndim != 2 or len(self.indices) != steps:
            raise ValueError(f"indices must have {steps} rows, got shape {self.indices.shape}")
        if self.a.shape != (steps,) or self.loss.shape != (steps,):
            raise ValueError(
                f"a and loss must hold {steps} values, got {self.a.shape} and {self.loss.shape}"
            )

    @property
    def logged_steps(self) -> tuple[int, ...]:
        return self.config.logged_steps

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Run):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; floats are exact (float32 values widen to float64 losslessly)."""
        return {
            "format": FORMAT,
            "trainer": self.trainer,
            "backend": self.backend,
            "seed": self.seed,
            "config": self.config.to_dict(),
            "versions": dict(sorted(self.versions.items())),
            "a0": float(self.a0),
            "logged_steps": list(self.logged_steps),
            "a": self.a.tolist(),
            "loss": self.loss.tolist(),
            "x": self.x.tolist(),
            "indices": self.indices.tolist(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Run:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} record (format: {data.get('format')!r})")
        config = TrainConfig.from_dict(dict(data["config"]))
        if list(data["logged_steps"]) != list(config.logged_steps):
            raise ValueError("logged_steps does not match the config's steps and log_every")
        return cls(
            trainer=data["trainer"],
            backend=data["backend"],
            config=config,
            seed=int(data["seed"]),
            versions=data["versions"],
            x=np.asarray(data["x"], dtype=np.float64),
            indices=np.asarray(data["indices"], dtype=np.int64),
            a0=np.float32(data["a0"]),
            a=np.asarray(data["a"], dtype=np.float32),
            loss=np.asarray(data["loss"], dtype=np.float32),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Run:
        return cls.from_dict(json.loads(text))

    @classmethod
    def load(cls, path: str | Path) -> Run:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))


def _frozen_array(values: npt.ArrayLike, dtype: type[np.generic]) -> npt.NDArray[Any]:
    array = np.array(values, dtype=dtype)
    array.flags.writeable = False
    return array
