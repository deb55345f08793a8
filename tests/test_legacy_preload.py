"""The preloaded interpreter of ``legacy check`` (tf1repro/legacy/preload.py, zygote.py).

The rules that send a run to a fresh process are checked on their own (fast); the slow tests
run real children: the corpus through both paths must give the same records, stdout and figure
bytes, and the fork must keep the fresh path's guarantees (timeouts, the fallback rules).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tf1repro.legacy.folder import check_folder, scripts_in
from tf1repro.legacy.preload import refusal
from tf1repro.legacy.settings import RunSettings
from tf1repro.testing import write_mnist

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "legacy_corpus"
#: run.json fields that may differ between two runs of the same script: its duration.
TIMINGS = {"seconds"}


def _config(work: Path) -> dict[str, object]:
    return {"work": str(work), "script": "main.py", "compat": True, "seed": None}


def test_a_plain_script_may_be_forked(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("import tensorflow as tf\nprint(tf.constant(1.0))\n")
    (tmp_path / "data.csv").write_text("1,2\n")
    assert refusal(_config(tmp_path), {"tensorflow", "numpy"}) is None


@pytest.mark.parametrize(
    "source", ["import os\nos.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'\n", "import importlib\n"]
)
def test_changing_the_environment_or_imports_needs_a_fresh_process(
    tmp_path: Path, source: str
) -> None:
    (tmp_path / "main.py").write_text("import helper\n")
    (tmp_path / "helper.py").write_text(source)  # a module beside the script counts too
    reason = refusal(_config(tmp_path), {"tensorflow"})
    assert reason is not None and reason.startswith("helper.py uses ")


@pytest.mark.parametrize("shadow", ["numpy.py", "google/__init__.py"])
def test_a_folder_that_shadows_what_tensorflow_loads_needs_a_fresh_process(
    tmp_path: Path, shadow: str
) -> None:
    (tmp_path / "main.py").write_text("print(1)\n")
    (tmp_path / shadow).parent.mkdir(exist_ok=True)
    (tmp_path / shadow).write_text("")
    reason = refusal(_config(tmp_path), {"tensorflow", "numpy", "google"})
    assert reason is not None and "shadows the module" in reason


def _outputs(out: Path, name: str, figures: list[str]) -> tuple[bytes, list[bytes]]:
    folder = out / name
    return (folder / "stdout.txt").read_bytes(), [(folder / f).read_bytes() for f in figures]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [None, 0])
def test_the_corpus_gives_the_same_results_fresh_and_preloaded(
    tmp_path: Path, seed: int | None
) -> None:
    mnist = tmp_path / "mnist"
    mnist.mkdir()
    write_mnist(mnist, train=5010, test=8)
    # As in test_legacy: the hanging script first, so that it waits while the others run.
    hanging = CORPUS / "queue_without_runners.py"
    scripts = [hanging, *(path for path in scripts_in(CORPUS) if path != hanging)]
    settings = RunSettings(seed=seed, timeout=30.0, jobs=2, data_dir=mnist)
    fresh = check_folder(scripts, tmp_path / "fresh", settings.replace(fresh=True), root=CORPUS)
    forked = check_folder(scripts, tmp_path / "forked", settings, root=CORPUS)
    for one, other in zip(fresh, forked, strict=True):
        name = Path(one.script).stem
        a, b = one.to_dict(), other.to_dict()
        assert {k: v for k, v in a.items() if k not in TIMINGS} == {
            k: v for k, v in b.items() if k not in TIMINGS
        }, name
        if seed is not None:  # unseeded scripts may print random numbers
            assert _outputs(tmp_path / "fresh", name, one.figures) == _outputs(
                tmp_path / "forked", name, other.figures
            ), name


def _parent_of(run_folder: Path) -> int:
    return int((run_folder / "stdout.txt").read_text().split()[0])


@pytest.mark.slow
def test_only_safe_runs_are_forked_and_timeouts_still_stop_them(tmp_path: Path) -> None:
    folder = tmp_path / "scripts"
    ask = "import os\nimport tensorflow as tf\nprint(os.getppid(), tf.constant(2.0).shape)\n"
    # Each in its own folder: a module beside a script counts as the script's code.
    sources = {
        "forked": ask,
        "env": ask + "print(os.environ.get('HOME') is not None)\n",
        "sleeper": "import time\nimport tensorflow\ntime.sleep(600)\n",
    }
    for name, source in sources.items():
        (folder / name).mkdir(parents=True)
        (folder / name / f"{name}.py").write_text(source)
    out = tmp_path / "out"
    # A fresh child may need most of a minute on a loaded machine: a generous timeout.
    scripts = scripts_in(folder, recursive=True)
    found = check_folder(scripts, out, root=folder, timeout=90.0, jobs=2)
    runs = {Path(run.script).stem: run for run in found}
    assert runs["forked"].status == runs["env"].status == "ok"
    assert _parent_of(out / "forked" / "forked") != os.getpid()  # the preloaded server forked it
    assert _parent_of(out / "env" / "env") == os.getpid()  # environ: a fresh child of this process
    assert runs["sleeper"].status == "timeout"
    assert json.loads((out / "sleeper" / "sleeper" / "run.json").read_text())["status"] == "timeout"
    assert "sleeper.py line 3" in runs["sleeper"].reason  # the stack dump reached the record
