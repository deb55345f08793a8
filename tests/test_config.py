"""TrainConfig holds the article's defaults and rejects every bad value at construction."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from tf1repro import ParameterError, TrainConfig, validate_seed


def test_defaults_are_the_articles() -> None:
    config = TrainConfig()
    assert (config.steps, config.learning_rate, config.batch_size, config.log_every) == (
        100,
        0.02,
        20,
        5,
    )
    assert (config.data_size, config.x_mean, config.x_std, config.target) == (100, 1.0, 0.1, 10.0)
    assert config.logged_steps == tuple(range(5, 101, 5))


def test_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        TrainConfig().steps = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("batch_size", 0, "an int in the range [1, inf)"),
        ("batch_size", 2.5, "an int in the range [1, inf)"),
        ("steps", 0, "an int in the range [1, inf)"),
        ("steps", True, "an int in the range [1, inf)"),
        ("log_every", 0, "an int in the range [1, 100] (at most 'steps')"),
        ("log_every", 101, "an int in the range [1, 100] (at most 'steps')"),
        ("learning_rate", 0.0, "a finite float > 0"),
        ("learning_rate", -0.1, "a finite float > 0"),
        ("learning_rate", math.inf, "a finite float > 0"),
        ("learning_rate", math.nan, "a finite float > 0"),
        ("learning_rate", "fast", "a finite float > 0"),
        ("data_size", 0, "an int in the range [1, inf)"),
        ("x_std", 0.0, "a finite float > 0"),
        ("target", math.nan, "a finite float"),
    ],
)
def test_bad_values_name_parameter_value_and_range(name: str, value: object, allowed: str) -> None:
    with pytest.raises(ParameterError) as caught:
        TrainConfig(**{name: value})  # type: ignore[arg-type]
    assert caught.value.name == name
    assert caught.value.allowed == allowed
    assert str(caught.value) == f"The {name!r} parameter must be {allowed}. Got {value!r} instead."


def test_numpy_numbers_are_accepted_and_normalised() -> None:
    config = TrainConfig(steps=np.int64(10), log_every=np.int32(2), learning_rate=np.float32(0.5))
    assert config == TrainConfig(steps=10, log_every=2, learning_rate=0.5)
    assert type(config.steps) is int and type(config.learning_rate) is float


def test_dict_round_trip_and_unknown_fields() -> None:
    config = TrainConfig(batch_size=5, steps=7, log_every=7)
    assert TrainConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="unknown TrainConfig fields: batchsize"):
        TrainConfig.from_dict({"batchsize": 3})


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, "7", None, True])
def test_bad_seeds(seed: object) -> None:
    with pytest.raises(ParameterError, match=r"The 'seed' parameter must be an int in the range"):
        validate_seed(seed)


@pytest.mark.parametrize("seed", [0, 1, 2**32 - 1, np.int64(3)])
def test_good_seeds(seed: object) -> None:
    assert validate_seed(seed) == int(seed)  # type: ignore[call-overload]
