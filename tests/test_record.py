"""The Run record holds all randomness and survives JSON unchanged."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tf1repro import ArticleRuns, Run, TrainConfig
from tf1repro.data import draw_inputs
from tf1repro.recipes import get_recipe


@pytest.mark.parametrize("trainer", ["stochastic", "batch"])
def test_json_round_trip_is_exact(article_runs: ArticleRuns, trainer: str) -> None:
    run: Run = getattr(article_runs, trainer)
    back = Run.from_json(run.to_json())
    assert back == run
    # Bitwise, not approximately: float32 values widen to float64 and back without loss.
    assert back.a.tobytes() == run.a.tobytes() and back.loss.tobytes() == run.loss.tobytes()
    assert back.x.tobytes() == run.x.tobytes() and back.a0.tobytes() == run.a0.tobytes()
    assert back.to_json() == run.to_json()


def test_record_contents(article_runs: ArticleRuns) -> None:
    run = article_runs.batch
    data = json.loads(run.to_json())
    assert data["trainer"] == "batch" and data["backend"] == "graph" and data["seed"] == 0
    assert set(data["versions"]) == {"numpy", "tensorflow"}
    assert data["logged_steps"] == list(range(5, 101, 5))
    assert np.array(data["indices"]).shape == (100, 20)
    assert len(data["x"]) == 100 and len(data["a"]) == 100 and len(data["loss"]) == 100
    assert article_runs.stochastic.indices.shape == (100, 1)


def test_recorded_inputs_are_the_seeded_draws(article_runs: ArticleRuns) -> None:
    # The record must hold exactly what the seed produces, so a replay needs nothing else.
    config = TrainConfig()
    for run in (article_runs.stochastic, article_runs.batch):
        inputs = draw_inputs(config, get_recipe(run.trainer).sample_step, seed=0)
        assert np.array_equal(run.x, inputs.x)
        assert np.array_equal(run.indices, inputs.indices)
    # Same seed, fresh stream per trainer: both trainers see the same data set.
    assert np.array_equal(article_runs.stochastic.x, article_runs.batch.x)


def test_records_are_read_only(article_runs: ArticleRuns) -> None:
    with pytest.raises(ValueError, match="read-only"):
        article_runs.batch.a[0] = 0


def test_rejects_inconsistent_records(article_runs: ArticleRuns) -> None:
    data = article_runs.batch.to_dict()
    with pytest.raises(ValueError, match="logged_steps"):
        Run.from_dict({**data, "logged_steps": [1, 2]})
    with pytest.raises(ValueError, match="a and loss must hold 100 values"):
        Run.from_dict({**data, "a": data["a"][:-1]})
    with pytest.raises(ValueError, match=r"not a tf1repro\.run/1 record"):
        Run.from_dict({**data, "format": "something else"})
