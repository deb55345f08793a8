"""The article's configs hold its defaults and reject every bad value at construction.

``StochasticConfig`` is the stochastic trainer's (no batch size); ``TrainConfig`` adds the batch
trainer's ``batch_size``. Each field states what it allows (``param``), and a bad value is a
``ParameterError`` naming the field, the allowed values and the value given.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from tf1repro import ParameterError, load_tutorial, validate_seed
from tf1repro.config import MAX_SEED, MAX_STEPS, config_from_dict
from tf1repro.tutorials.article import StochasticConfig, TrainConfig, part_config

pytestmark = pytest.mark.quick


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
    # The stochastic trainer's config is the same without the batch size it never uses.
    stochastic = StochasticConfig()
    assert "batch_size" not in stochastic.to_dict()
    assert {**stochastic.to_dict(), "batch_size": 20} == config.to_dict()
    assert part_config("stochastic", config) == stochastic
    assert part_config("batch", config) is config


def test_the_tutorials_use_these_configs() -> None:
    assert load_tutorial("stochastic").Config is StochasticConfig
    assert load_tutorial("batch").Config is TrainConfig
    assert load_tutorial("batch").make_config(batch_size=5) == TrainConfig(batch_size=5)


def test_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        TrainConfig().steps = 3  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        StochasticConfig().learning_rate = 0.5  # type: ignore[misc]


POSITIVE_FLOAT = "a finite float > 0 (and > 0 in float32)"


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("batch_size", 0, "an int in the range [1, 1000000]"),
        ("batch_size", 2.5, "an int in the range [1, 1000000]"),
        ("batch_size", 1_000_001, "an int in the range [1, 1000000]"),
        ("steps", 0, "an int in the range [1, 1000000]"),
        ("steps", True, "an int in the range [1, 1000000]"),
        ("steps", MAX_STEPS + 1, "an int in the range [1, 1000000]"),
        ("log_every", 101, "an int in the range [1, 100] (at most 'steps')"),
        ("learning_rate", 0.0, POSITIVE_FLOAT),
        ("learning_rate", -0.1, POSITIVE_FLOAT),
        ("learning_rate", math.inf, POSITIVE_FLOAT),
        ("learning_rate", math.nan, POSITIVE_FLOAT),
        ("learning_rate", "fast", POSITIVE_FLOAT),
        # 1e-50 is 0 in float32 (it would train nothing); 1e39 overflows float32 to inf.
        ("learning_rate", 1e-50, POSITIVE_FLOAT),
        ("learning_rate", 1e39, POSITIVE_FLOAT),
        ("data_size", 0, "an int in the range [1, 10000000]"),
        ("x_std", 0.0, POSITIVE_FLOAT),
        ("target", math.nan, "a finite float"),
        ("target", True, "a finite float"),
    ],
)
def test_bad_values_name_parameter_value_and_range(name: str, value: object, allowed: str) -> None:
    with pytest.raises(ParameterError) as caught:
        TrainConfig(**{name: value})  # type: ignore[arg-type]
    assert caught.value.name == name
    assert caught.value.allowed == allowed
    assert caught.value.value is value
    assert str(caught.value) == f"The {name!r} parameter must be {allowed}. Got {value!r} instead."


def test_log_every_is_at_least_one_and_at_most_steps() -> None:
    for value in (0, -5):
        with pytest.raises(ParameterError) as caught:
            TrainConfig(log_every=value)
        assert caught.value.name == "log_every" and caught.value.value == value
        assert str(caught.value).startswith(
            "The 'log_every' parameter must be an int in the range [1, "
        )
    with pytest.raises(ParameterError, match=r"\[1, 7\] \(at most 'steps'\)\. Got 8 instead"):
        StochasticConfig(steps=7, log_every=8)
    assert StochasticConfig(steps=7, log_every=7).logged_steps == (7,)


def test_limits_themselves_are_allowed() -> None:
    config = TrainConfig(steps=MAX_STEPS, batch_size=1_000_000, log_every=MAX_STEPS)
    assert (config.steps, config.batch_size, config.logged_steps) == (
        MAX_STEPS,
        1_000_000,
        (MAX_STEPS,),
    )
    # The smallest positive float32 is a learning rate float32 can hold: it is accepted.
    tiny = float(np.nextafter(np.float32(0), np.float32(1)))
    assert TrainConfig(learning_rate=tiny).learning_rate == tiny


def test_numpy_numbers_are_accepted_and_normalised() -> None:
    config = TrainConfig(steps=np.int64(10), log_every=np.int32(2), learning_rate=np.float32(0.5))
    assert config == TrainConfig(steps=10, log_every=2, learning_rate=0.5)
    assert type(config.steps) is int and type(config.log_every) is int
    assert type(config.learning_rate) is float
    # An int for a float field is stored as a float, so equality and JSON do not depend on it.
    assert type(TrainConfig(target=10).target) is float
    assert TrainConfig(target=10) == TrainConfig()


def test_dict_round_trip_and_unknown_fields() -> None:
    config = TrainConfig(batch_size=5, steps=7, log_every=7)
    assert config_from_dict(TrainConfig, config.to_dict()) == config
    assert load_tutorial("batch").config_from(config.to_dict()) == config
    with pytest.raises(ParameterError) as caught:
        config_from_dict(TrainConfig, {"batchsize": 3})
    assert caught.value.name == "batchsize" and "batch_size" in caught.value.allowed
    # The stochastic trainer has no batch size: asking it for one is refused, not ignored.
    with pytest.raises(ParameterError) as caught:
        load_tutorial("stochastic").make_config(batch_size=3)
    assert caught.value.name == "batch_size"
    with pytest.raises(TypeError):
        StochasticConfig(batch_size=3)  # type: ignore[call-arg]


def test_replace_checks_again() -> None:
    config = TrainConfig()
    assert config.replace(batch_size=7).batch_size == 7
    with pytest.raises(ParameterError, match="'batch_size'"):
        config.replace(batch_size=0)


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, "7", None, True])
def test_bad_seeds(seed: object) -> None:
    with pytest.raises(ParameterError) as caught:
        validate_seed(seed)
    assert caught.value.name == "seed"
    assert str(caught.value) == (
        f"The 'seed' parameter must be an int in the range [0, {MAX_SEED}]. Got {seed!r} instead."
    )


@pytest.mark.parametrize("seed", [0, 1, 2**32 - 1, np.int64(3)])
def test_good_seeds(seed: object) -> None:
    checked = validate_seed(seed)
    assert checked == int(seed) and type(checked) is int  # type: ignore[call-overload]
