"""The compatibility layer of ``tf1repro legacy``: the ``input_data`` stand-in over local MNIST
files, and what a run reports about the removed APIs it used.

The MNIST files are small ones the tests write in the real format (gzip, idx headers); nothing
is downloaded. The stand-in's arithmetic is tested in this process; the rest through child runs.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from conftest import run_python

from tf1repro.legacy import run_script
from tf1repro.mnist import input_data
from tf1repro.testing import write_mnist


@pytest.fixture
def graph_seed(monkeypatch: pytest.MonkeyPatch) -> int:
    """TensorFlow's (graph, op) seeds as a seeded TF1 graph gives them: graph seed 5."""
    monkeypatch.setattr(input_data, "_graph_seeds", lambda seed: (5, None))
    return 5


def test_read_data_sets_splits_scales_and_encodes(tmp_path: Path, graph_seed: int) -> None:
    arrays = write_mnist(tmp_path, train=30, test=7)
    data = input_data.read_data_sets(str(tmp_path), one_hot=True, validation_size=10)
    train_images, train_labels = arrays["train"]
    assert (data.train.num_examples, data.validation.num_examples) == (20, 10)
    assert data.test.num_examples == 7
    # Images: float32 in [0, 1], one row of 784 per image, exactly pixel / 255 in float32.
    assert data.train.images.dtype == np.float32 and data.train.images.shape == (20, 784)
    expected = train_images[10:].reshape(20, 784).astype(np.float32) * np.float32(1.0 / 255.0)
    np.testing.assert_array_equal(data.train.images, expected)
    np.testing.assert_array_equal(
        data.validation.images, train_images[:10].reshape(10, 784) * np.float32(1.0 / 255.0)
    )
    # Labels: float64 one-hot rows, as TF 1.x made them.
    assert data.train.labels.dtype == np.float64 and data.train.labels.shape == (20, 10)
    np.testing.assert_array_equal(data.train.labels.argmax(axis=1), train_labels[10:])
    assert data.train.labels.sum() == 20

    raw = input_data.read_data_sets(str(tmp_path), dtype="uint8", reshape=False, validation_size=0)
    assert raw.test.images.dtype == np.uint8 and raw.test.images.shape == (7, 28, 28, 1)
    np.testing.assert_array_equal(raw.test.labels, arrays["t10k"][1])


def test_next_batch_shuffles_per_epoch_and_wraps(tmp_path: Path, graph_seed: int) -> None:
    """TF 1.x's order: reseed NumPy with the graph seed when each DataSet is made; shuffle at
    the first batch; a batch crossing the epoch's end takes the rest, reshuffles, continues."""
    write_mnist(tmp_path, train=10, test=2)
    data = input_data.read_data_sets(str(tmp_path), validation_size=0, dtype="uint8")
    labels = data.train.labels.copy()

    rng = np.random.RandomState(graph_seed)  # the last DataSet made (test) reseeded last
    first = np.arange(10)
    rng.shuffle(first)
    second = np.arange(10)
    rng.shuffle(second)
    epoch1 = labels[first]
    epoch2 = epoch1[second]

    _, batch = data.train.next_batch(4)
    np.testing.assert_array_equal(batch, epoch1[:4])
    _, batch = data.train.next_batch(4)
    np.testing.assert_array_equal(batch, epoch1[4:8])
    _, batch = data.train.next_batch(4)  # 2 left in epoch 1, then 2 of the reshuffled epoch 2
    np.testing.assert_array_equal(batch, np.concatenate([epoch1[8:], epoch2[:2]]))
    assert data.train.epochs_completed == 1
    _, batch = data.train.next_batch(3, shuffle=False)
    np.testing.assert_array_equal(batch, epoch2[2:5])


def test_fake_data_and_bad_arguments(tmp_path: Path, graph_seed: int) -> None:
    fake = input_data.read_data_sets("unused", fake_data=True, one_hot=True)
    images, labels = fake.train.next_batch(3, fake_data=True)
    assert len(images) == 3 and len(images[0]) == 784 and labels[0] == [1] + [0] * 9
    write_mnist(tmp_path, train=5, test=1)
    with pytest.raises(ValueError, match=r"Validation size should be between 0 and 5"):
        input_data.read_data_sets(str(tmp_path), validation_size=6)
    with pytest.raises(TypeError, match="expected uint8 or float32"):
        input_data.read_data_sets(str(tmp_path), dtype="float64", validation_size=0)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"\0\0\0\1" + b"\0" * 4))
    with pytest.raises(ValueError, match="Invalid magic number 1 in MNIST label file"):
        input_data.read_data_sets(str(tmp_path), validation_size=0)


def test_missing_files_name_the_four_and_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, graph_seed: int
) -> None:
    empty = tmp_path / "MNIST_data"
    empty.mkdir()
    with pytest.raises(input_data.DownloadNeeded) as error:
        input_data.read_data_sets(str(empty))
    message = str(error.value)
    for name in input_data.FILES:
        assert message.count(name) == 2  # missing, and to put there
    assert f"in {empty}" in message and "--data-dir" in message

    # Files in --data-dir are used when train_dir has none; the message names both places.
    data_dir = tmp_path / "data"
    write_mnist(data_dir, train=6, test=2)
    monkeypatch.setattr(input_data, "DATA_DIR", str(data_dir))
    assert input_data.read_data_sets(str(empty), validation_size=1).train.num_examples == 5
    (data_dir / input_data.FILES[3]).unlink()
    with pytest.raises(input_data.DownloadNeeded, match=f"in {empty} or {data_dir}"):
        input_data.read_data_sets(str(empty))


def test_no_mnist_files_is_a_network_failure_naming_them(tmp_path: Path) -> None:
    """In a child: the script's own train_dir, relative to its folder, is what the message names."""
    folder = tmp_path / "tutorial"
    folder.mkdir()
    script = folder / "mnist.py"
    script.write_text(
        "from tensorflow.examples.tutorials.mnist import input_data\n"
        "\n"
        "mnist = input_data.read_data_sets('MNIST_data/', one_hot=True)\n"
    )
    run = run_script(script, tmp_path / "out", timeout=120)
    assert (run.status, run.kind, run.line, run.file) == ("failed", "network", 3, "mnist.py")
    assert f"Put the four files {', '.join(input_data.FILES)} in {folder}/MNIST_data" in run.reason
    assert run.substitutions == [
        {
            "api": "tensorflow.examples.tutorials.mnist.input_data",
            "stand_in": "local MNIST files (train_dir; never downloaded)",
        }
    ]
    traceback = (tmp_path / "out" / "stderr.txt").read_text()
    assert "DownloadNeeded" in traceback and "tf1repro" not in traceback


def test_strict_turns_the_layer_off(tmp_path: Path) -> None:
    script = tmp_path / "s.py"
    script.write_text("import tensorflow as tf\ncell = tf.contrib.rnn.BasicLSTMCell(4)\n")
    run = run_script(script, tmp_path / "strict", timeout=120, strict=True)
    assert (run.status, run.kind, run.line) == ("failed", "contrib", 2)
    assert run.compat["on"] is False and run.compat["legacy_keras"] == "off"
    assert run.substitutions == [{"api": "tf.contrib", "stand_in": ""}]


def test_soft_placement_runs_a_gpu_pinned_graph(tmp_path: Path) -> None:
    corpus = Path(__file__).parent / "legacy_corpus" / "gpu_pinned.py"
    run = run_script(corpus, tmp_path / "soft", timeout=120, soft_placement=True)
    assert run.status == "ok", run.reason
    assert (tmp_path / "soft" / "stdout.txt").read_text() == "product [ 4. 10. 18.]\n"
    assert run.compat["soft_placement"] is True
    assert run.served == [
        {"api": "tf.Session device placement", "stand_in": "allow_soft_placement=True"}
    ]


def test_the_package_s_build_facts_are_the_real_ones(tmp_path: Path) -> None:
    """TF1 scripts print ``tf.__version__``: ``tensorflow`` is v1's names under the alias, but
    the version and build facts are the installed package's."""
    script = tmp_path / "version.py"
    script.write_text("import tensorflow as tf\nprint(tf.__version__, tf.__git_version__)\n")
    run = run_script(script, tmp_path / "out", timeout=120)
    assert run.status == "ok", run.reason
    code = "import tensorflow as tf; print(tf.__version__, tf.__git_version__)"
    real = run_python("-c", code)
    assert real.returncode == 0, real.stderr
    assert (tmp_path / "out" / "stdout.txt").read_text() == real.stdout
