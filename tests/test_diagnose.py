"""``tf1repro diagnose`` on ports of tests/data/tutorials/line.py that differ in a known stage."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import ROOT

from tf1repro.backends import replay, train
from tf1repro.diagnose import diagnose, diagnose_tutorial, first_parting
from tf1repro.record import Record
from tf1repro.tutorial import load_tutorial

TUTORIALS = ROOT / "tests" / "data" / "tutorials"


def test_a_fetch_computed_otherwise_is_the_forward_pass_at_the_new_state() -> None:
    """The variables agree at every step; only the fetched loss differs (float64 in the port).
    ``compare`` reads fetches after the update, so diagnose must too: from the state before the
    step the loss agreed (it is the previous step's), and nothing else differs."""
    record = train(load_tutorial(f"{TUTORIALS / 'diagnosed.py'}:FetchedOtherwise"), seed=0)
    diagnosis = diagnose(record, "eager")
    assert diagnosis.step is not None
    stage = diagnosis.stage
    assert stage is not None and (stage.stage, stage.quantity) == ("forward", "loss")
    # The forward stage is read where the record reads its fetches: the graph's side is its
    # recorded loss at that step, bit for bit.
    assert stage.first == float(record.fetches["loss"][diagnosis.step - 1])
    assert all(gap.ulps == 0 for gap in diagnosis.gaps if gap.stage != "forward")
    assert "the forward fetch of loss differs by" in diagnosis.verdict()


def test_several_updates_differing_at_one_step_are_named_together() -> None:
    record = train(load_tutorial(f"{TUTORIALS / 'line.py'}:WrongAdam"), seed=0)
    verdict = diagnose(record, "eager").verdict()
    assert "differs first" not in verdict
    assert verdict.startswith("the updates of W and b all differ (the most, b, by ")
    assert "at step 1, the first step beyond the tolerance" in verdict


def test_diagnose_stops_at_the_first_replay_that_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """A port that differs at step 1 is replayed for FIRST_STEPS steps, not for all 40."""
    import tf1repro.diagnose as module

    replayed: list[int] = []

    def counting(record: Record, backend: str, **options: Any) -> Record:
        replayed.append(record.steps)
        return replay(record, backend, **options)

    monkeypatch.setattr(module, "replay", counting)
    tutorial = load_tutorial(f"{TUTORIALS / 'line.py'}:WrongAdam")
    record = train(tutorial, tutorial.make_config(steps=40), seed=0)
    diagnosis = diagnose(record, "eager")
    assert replayed == [module.FIRST_STEPS] and diagnosis.step == 1


def test_an_agreeing_port_is_replayed_whole_with_its_evaluations() -> None:
    record = train(load_tutorial(f"{TUTORIALS / 'line.py'}:Line"), seed=0)
    assert first_parting(record, lambda prefix: prefix, 0.0) == (record, record)


def test_a_tutorial_s_graph_is_trained_only_as_far_as_the_replays_go(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A port that parts at step 1 of 1,000: the graph trains FIRST_STEPS steps, not 1,000,
    so the diagnosis costs about a 2-step run on both sides."""
    import tf1repro.backends.graph as graph
    import tf1repro.diagnose as module

    trained: list[int] = []
    run_steps = graph.run_steps

    def counting(stepper: Any, feeds: Any, *args: Any, **kwargs: Any) -> Any:
        trained.append(len(feeds))
        return run_steps(stepper, feeds, *args, **kwargs)

    monkeypatch.setattr(graph, "run_steps", counting)
    tutorial = load_tutorial(f"{TUTORIALS / 'line.py'}:WrongAdam")
    diagnosis = diagnose_tutorial(tutorial, tutorial.make_config(steps=1000), seed=0)
    assert trained == [module.FIRST_STEPS]
    assert diagnosis.step == 1 and diagnosis.stage is not None
    assert diagnosis.stage.stage == "update"


def test_a_graph_trained_for_its_first_steps_is_the_whole_run_s_prefix() -> None:
    """Every step's inputs are drawn before any is trained, so the first steps of a shortened
    run are the whole run's, bit for bit (0 ulps: the same graph on the same feeds)."""
    tutorial = load_tutorial(f"{TUTORIALS / 'line.py'}:Line")
    config = tutorial.make_config(steps=40)
    whole = train(tutorial, config, seed=3)
    first = train(tutorial, config, seed=3, first_steps=5)
    assert first.steps == 5 and not first.evaluations
    for group in ("feeds", "variables", "fetches"):
        for name, values in getattr(first, group).items():
            np.testing.assert_array_equal(values, getattr(whole, group)[name][:5])
    for name, value in first.initial.items():
        np.testing.assert_array_equal(value, whole.initial[name])


def test_an_agreeing_tutorial_is_diagnosed_on_its_whole_run_with_its_evaluations() -> None:
    tutorial = load_tutorial(f"{TUTORIALS / 'line.py'}:Line")
    config = tutorial.make_config(steps=40)
    diagnosis = diagnose_tutorial(tutorial, config, seed=0)
    assert diagnosis.agrees
    assert diagnosis.verdict() == diagnose(train(tutorial, config, seed=0), "eager").verdict()


@pytest.mark.parametrize("bad", [0, -1, True, 2.0])
def test_first_steps_is_a_positive_int(bad: object) -> None:
    from tf1repro.errors import ParameterError

    with pytest.raises(ParameterError, match="first_steps"):
        train(load_tutorial(f"{TUTORIALS / 'line.py'}:Line"), seed=0, first_steps=bad)  # type: ignore[arg-type]
