"""``tf1repro diagnose`` on ports of tests/data/tutorials/line.py that differ in a known stage."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ROOT

from tf1repro.backends import replay, train
from tf1repro.diagnose import diagnose, first_parting
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
