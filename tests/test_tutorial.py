"""A tutorial is one file anywhere: the engine trains it, replays its TF2 port, compares,
keeps goldens and diagnoses it, from the API and from the command line.

``tests/data/tutorials/line.py`` is what a contributor writes: two variables of different
shapes (``W`` [3, 1], ``b`` [1]), its own data, ``MomentumOptimizer``, and a TF2 port that runs
the v1 optimizer eagerly. Its ``WrongAdam`` variant trains the graph with
``tf.compat.v1.train.AdamOptimizer`` but the port with Keras ``Adam``, a classic porting mistake.

Tolerance: 0 ulps between graph and port. Both run the same kernels (MatMul, Mean, the
Momentum update) on the same feeds from the same initial values.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

import tf1repro.tutorials
from tf1repro import ParameterError, compare_records, load_tutorial, replay, train
from tf1repro import tutorial as contract
from tf1repro.cli import main
from tf1repro.diagnose import diagnose
from tf1repro.record import load_record
from tf1repro.tutorial import tutorial_names

SOURCE = ROOT / "tests" / "data" / "tutorials" / "line.py"
#: A tutorial that says what it needs and nothing of a config: no type argument, no Config.
CONFIGLESS = """
from tf1repro import Tutorial


class NoConfig(Tutorial):
    def data(self, rng, config):
        return {}

    def feeds(self, rng, config, data, step):
        return {}

    def build_v1(self, tf, config):
        raise NotImplementedError
"""
#: A built-in tutorial in a module of a subpackage: its config from the type argument.
NESTED = """
from dataclasses import dataclass

from tf1repro import Config, Int, Tutorial, param


@dataclass(frozen=True)
class NestedConfig(Config):
    steps: int = param(7, Int(1, 10), "optimizer steps")


class Nested(Tutorial[NestedConfig]):
    name = "nested-recipe"

    def data(self, rng, config):
        return {}

    def feeds(self, rng, config, data, step):
        return {}

    def build_v1(self, tf, config):
        raise NotImplementedError
"""


@pytest.fixture
def tutorial_file(tmp_path: Path) -> Path:
    """The contributor's file, somewhere outside the package."""
    folder = tmp_path / "my tutorials"
    folder.mkdir()
    return Path(shutil.copy(SOURCE, folder / "line.py"))


@pytest.mark.quick
def test_api_trains_replays_and_compares_at_zero_ulps(tutorial_file: Path) -> None:
    tutorial = load_tutorial(f"{tutorial_file}:Line")
    record = train(tutorial, seed=3)
    assert record.initial["W"].shape == (3, 1) and record.initial["b"].shape == (1,)
    assert record.variables["W"].shape == (30, 3, 1) and record.fetches["loss"].shape == (30,)
    assert record.tutorial == f"{tutorial_file.resolve()}:Line"
    # The loss falls: this is a real training run, not a replay of constants.
    assert record.fetches["loss"][-1] < record.fetches["loss"][0]
    port = replay(record, "eager")
    comparison = compare_records(record, port)
    assert comparison.worst == 0 and comparison.first_step is None, comparison.summary()
    assert {d.quantity for d in comparison.deviations} == {"W", "b", "loss"}
    # Only the built-in tutorials are registered by name.
    assert "line" not in tutorial_names()


def test_cli_reproduce_compare_golden_diagnose(
    tutorial_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = f"{tutorial_file}:Line"
    out = tmp_path / "out"
    assert main(["reproduce", spec, "--seed", "2", "--steps", "12", "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1] == f"Wrote run_line.json to {out}/"
    record = load_record(out / "run_line.json")
    assert record.steps == 12 and record.config["momentum"] == 0.9
    assert printed[0].startswith("Step #12 W = [[")

    assert main(["compare", spec, "--seed", "2", "--momentum", "0.5", "--tolerance", "0"]) == 0
    table = capsys.readouterr().out
    assert "line  graph-eager  W" in table and "all 1 pair within 0 ulps" in table

    goldens = tmp_path / "goldens"
    assert main(["golden", "--update", spec, "--dir", str(goldens)]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in goldens.glob("line*.json")) == [
        f"line-seed{seed}.json" for seed in (0, 1, 2)
    ]
    assert main(["golden", "--dir", str(goldens)]) == 0
    assert "3 golden runs: 3 equal, 0 differ" in capsys.readouterr().out

    assert main(["diagnose", spec]) == 0
    assert "graph and eager agree within 0 ulps at every step" in capsys.readouterr().out


def test_wrong_adam_port_is_diagnosed_as_the_update(
    tutorial_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = train(load_tutorial(f"{tutorial_file}:WrongAdam"), seed=0)
    diagnosis = diagnose(record, "eager")
    assert diagnosis.step == 1
    stage = diagnosis.stage
    assert stage is not None and stage.stage == "update" and stage.quantity in ("W", "b")
    # The forward pass and the gradients are the same bits: only the optimizer differs.
    for gap in diagnosis.gaps:
        assert (gap.ulps == 0) == (gap.stage != "update"), gap
    assert stage.ulps > 1

    code = main(["diagnose", f"{tutorial_file}:WrongAdam", "--json"])
    assert code == 1
    import json

    report = json.loads(capsys.readouterr().out)
    assert report["stage"] == "update" and report["step"] == 1
    assert report["quantity"] == stage.quantity
    assert "optimizer's update differs" in report["verdict"]


@pytest.mark.quick
def test_bad_tutorial_files_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    broken = tmp_path / "broken.py"
    broken.write_text("import no_such_module_here\n")
    configless = tmp_path / "configless.py"
    configless.write_text(CONFIGLESS)
    cases = [
        (str(tmp_path / "missing.py"), "an existing .py file"),
        (str(empty), "exactly one Tutorial subclass (found: none)"),
        (str(broken), "imports cleanly (ModuleNotFoundError"),
        (str(configless), "names its config class (class NoConfig(Tutorial[MyConfig]))"),
        (f"{SOURCE}:Nope", "class 'Nope'"),
        ("no-such-tutorial", "a built-in tutorial (02-05-classification, "),
    ]
    for spec, message in cases:
        with pytest.raises(ParameterError, match=r"tutorial"):
            load_tutorial(spec)
        assert main(["reproduce", spec, "--out", str(tmp_path / "out")]) == 2
        err = capsys.readouterr().err
        assert err.startswith("tf1repro reproduce: error: TUTORIAL must be ")
        assert message in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.quick
def test_a_config_field_of_the_users_tutorial_is_an_option(
    tutorial_file: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    spec = f"{tutorial_file}:Line"
    code = main(["reproduce", spec, "--momentum", "x", "--out", str(tmp_path)])
    assert code == 2
    assert capsys.readouterr().err == (
        "tf1repro reproduce: error: --momentum must be a finite float; got 'x'\n"
    )
    # A file with two tutorials needs the class named.
    code = main(["reproduce", str(tutorial_file), "--out", str(tmp_path)])
    assert code == 2 and "found: Line, WrongAdam" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [tutorial_file.parent]


def test_no_scalar_only_path(tutorial_file: Path) -> None:
    # Every element of every variable is recorded and compared: move one element of W at
    # one step and the comparison finds exactly that.
    record = train(load_tutorial(f"{tutorial_file}:Line"), seed=1)
    from conftest import with_values

    w = record.variables["W"].copy()
    w[7, 2, 0] = np.nextafter(w[7, 2, 0], np.float32(np.inf))
    comparison = compare_records(record, with_values(record, "variables", "W", w))
    assert comparison.deviation("W").first_step == 8
    assert comparison.deviation("b").first_step is None


@pytest.fixture
def subpackage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A subpackage of ``tf1repro.tutorials`` holding one tutorial module, in a temporary
    folder put on the package's ``__path__`` (the installed package is not written); the
    registry and the imported modules are as before once the test ends."""
    folder = tmp_path / "extra_chapter"
    folder.mkdir()
    # The package imports none of its modules: only a recursive search finds the recipe.
    (folder / "__init__.py").write_text("")
    (folder / "recipe.py").write_text(NESTED)
    package = tf1repro.tutorials
    monkeypatch.setattr(package, "__path__", [*package.__path__, str(tmp_path)])
    monkeypatch.setattr(contract, "_REGISTRY", dict(contract._REGISTRY))
    name = f"{package.__name__}.extra_chapter"
    yield name
    for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
        del sys.modules[module]
    if hasattr(package, "extra_chapter"):
        delattr(package, "extra_chapter")


def test_a_tutorial_in_a_subpackage_is_built_in(subpackage: str) -> None:
    assert "nested-recipe" in tutorial_names()
    tutorial = load_tutorial("nested-recipe")
    assert type(tutorial).__module__ == f"{subpackage}.recipe"
    assert tutorial.spec == "nested-recipe"
    # Its config class comes from the type argument alone.
    assert tutorial.Config.__name__ == "NestedConfig" and tutorial.make_config().steps == 7
