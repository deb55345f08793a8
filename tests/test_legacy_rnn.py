"""The RNN stand-ins of ``tf1repro legacy``: ``tf.contrib.rnn``'s cells and wrappers,
``fully_connected`` on 3-D RNN outputs and ``tf.contrib.seq2seq.sequence_loss``.

Each script of tests/legacy_rnn/ has an oracle beside it (``*_oracle.py``): the same computation
written the TF 1.x way without ``tf.contrib`` (TF 1.15's cell equations and losses in core ops,
``fully_connected`` as the dense layer it was), with its variables made in the same order so the
graph seed gives them the same values. Both run under ``legacy run`` with the same seed and must
print the same bytes: digests of every output, state and gradient, and the lab's losses.
``sequence_loss`` is also checked here against a float64 NumPy computation of its definition.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from conftest import ROOT

from tf1repro.legacy import ScriptRun, check_folder, scripts_in
from tf1repro.legacy.standins import contrib

FOLDER = ROOT / "tests" / "legacy_rnn"
#: Long enough for two children sharing a busy machine (each imports TensorFlow once).
TIMEOUT = 240


def run_with_oracle(out: Path, stem: str) -> tuple[Path, dict[str, ScriptRun]]:
    """Run ``stem.py`` and ``stem_oracle.py`` side by side, seed 0, from one preloaded
    interpreter."""
    scripts = [FOLDER / f"{stem}.py", FOLDER / f"{stem}_oracle.py"]
    done = check_folder(scripts, out, seed=0, timeout=TIMEOUT, jobs=2)
    return out, {Path(run.script).stem: run for run in done}


def test_every_script_has_its_oracle() -> None:
    stems = {path.stem for path in scripts_in(FOLDER)}
    assert stems == {"lab_rnn", "lab_rnn_oracle", "rnn_cells", "rnn_cells_oracle"}


def printed(out: Path, name: str) -> str:
    return (out / name / "stdout.txt").read_text()


def test_rnn_lab_prints_what_its_oracle_prints(tmp_path: Path) -> None:
    out, by_name = run_with_oracle(tmp_path, "lab_rnn")
    lab, oracle = by_name["lab_rnn"], by_name["lab_rnn_oracle"]
    assert (lab.status, oracle.status) == ("ok", "ok"), (lab.reason, oracle.reason)
    assert lab.served == [
        {
            "api": "tf.contrib.rnn.BasicLSTMCell",
            "stand_in": "tf.compat.v1.nn.rnn_cell.BasicLSTMCell",
        },
        {"api": "tf.contrib.layers.fully_connected", "stand_in": "tf_slim.fully_connected"},
        {
            "api": "tf.contrib.seq2seq.sequence_loss",
            "stand_in": "TF 1.15's code in tf.compat.v1 ops",
        },
    ]
    assert oracle.served == [] and oracle.unserved == []
    lines = printed(out, "lab_rnn").splitlines()
    assert printed(out, "lab_rnn") == printed(out, "lab_rnn_oracle")
    # Eight Adam steps that learn: the loss falls, and the last variables are the four trained.
    losses = [float(line.split()[2]) for line in lines[:8]]
    assert losses == sorted(losses, reverse=True) and losses[-1] < losses[0]
    assert [line.split()[0] for line in lines[8:]] == [
        "rnn/basic_lstm_cell/kernel:0",
        "rnn/basic_lstm_cell/bias:0",
        "fully_connected/weights:0",
        "fully_connected/biases:0",
    ]


@pytest.mark.slow
def test_contrib_rnn_cells_compute_tf1_s_equations(tmp_path: Path) -> None:
    out, by_name = run_with_oracle(tmp_path, "rnn_cells")
    cells, oracle = by_name["rnn_cells"], by_name["rnn_cells_oracle"]
    assert (cells.status, oracle.status) == ("ok", "ok"), (cells.reason, oracle.reason)
    served = {entry["api"]: entry["stand_in"] for entry in cells.served}
    for name in ("BasicRNNCell", "GRUCell", "BasicLSTMCell", "LSTMCell", "MultiRNNCell"):
        assert served[f"tf.contrib.rnn.{name}"] == f"tf.compat.v1.nn.rnn_cell.{name}"
    assert served["tf.contrib.rnn.DropoutWrapper"] == "tf.compat.v1.nn.rnn_cell.DropoutWrapper"
    assert served["tf.contrib.rnn.static_bidirectional_rnn"] == (
        "tf.compat.v1.nn.static_bidirectional_rnn"
    )
    text = printed(out, "rnn_cells")
    assert text == printed(out, "rnn_cells_oracle")
    names = [line.split()[0] for line in text.splitlines() if not line.startswith(" ")]
    assert names == ["basic_rnn", "gru", "basic_lstm", "lstm", "multi", "dropout", "bidirectional"]
    # The dropout case really drops: some of its last outputs are 0.
    dropout = text.splitlines()[names.index("dropout") * 3 + 2]
    assert "0.0" in dropout.split("[")[1]


def sequence_loss_reference(
    logits: np.ndarray[Any, Any], targets: np.ndarray[Any, Any], weights: np.ndarray[Any, Any]
) -> dict[str, np.ndarray[Any, Any]]:
    """tf.contrib.seq2seq.sequence_loss's documented reductions, in float64."""
    logits64 = logits.astype(np.float64)
    shifted = logits64 - logits64.max(axis=2, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
    picked = np.take_along_axis(log_softmax, targets[:, :, None], axis=2)[:, :, 0]
    crossent = -picked * weights
    nonzero = (weights != 0).astype(np.float64)
    return {
        "mean": crossent.sum() / weights.sum(),
        "per_example": crossent.sum(axis=1) / weights.sum(axis=1),
        "per_step": crossent.sum(axis=0) / weights.sum(axis=0),
        "sum_over": crossent.sum() / nonzero.sum(),
        "sum_over_steps": crossent.sum(axis=1) / nonzero.sum(axis=1),
        "none": crossent,
    }


def test_sequence_loss_is_its_definition() -> None:
    import tensorflow as tf

    from tf1repro.legacy.standins import rnn

    data = np.random.RandomState(3)
    logits = data.normal(0, 2, (3, 5, 7)).astype(np.float32)
    targets = data.randint(0, 7, (3, 5)).astype(np.int32)
    weights = np.ones((3, 5), np.float32)
    weights[1, 3:] = 0  # a padded example
    modes = {
        "mean": {},
        "per_example": {"average_across_batch": False},
        "per_step": {"average_across_timesteps": False},
        "sum_over": {
            "average_across_timesteps": False,
            "average_across_batch": False,
            "sum_over_timesteps": True,
            "sum_over_batch": True,
        },
        "sum_over_steps": {
            "average_across_timesteps": False,
            "average_across_batch": False,
            "sum_over_timesteps": True,
        },
        "none": {"average_across_timesteps": False, "average_across_batch": False},
    }
    with tf.Graph().as_default():
        args = [tf.constant(value) for value in (logits, targets, weights)]
        losses = {name: rnn.sequence_loss(*args, **kwargs) for name, kwargs in modes.items()}
        zero = rnn.sequence_loss(*args[:2], tf.zeros_like(args[2]))
        with tf.compat.v1.Session() as sess:
            values, zero_value = sess.run([losses, zero])
    expected = sequence_loss_reference(logits, targets, weights)
    for name, value in values.items():
        assert value.dtype == np.float32 and value.shape == expected[name].shape, name
        # float32 log-softmax, sums and one division against float64: a few float32 roundings,
        # each at most half an ulp (6e-8 relative); 1e-6 is about 16 ulps.
        np.testing.assert_allclose(value, expected[name], rtol=1e-6, err_msg=name)
    # TF 1.15's div_no_nan: all-zero weights give 0, not NaN.
    assert zero_value == 0.0


def test_sequence_loss_refuses_what_tf1_refused() -> None:
    import tensorflow as tf

    from tf1repro.legacy.standins import rnn

    with tf.Graph().as_default():
        logits = tf.zeros([2, 3, 4])
        targets = tf.zeros([2, 3], tf.int32)
        with pytest.raises(ValueError, match="Logits must be a"):
            rnn.sequence_loss(tf.zeros([2, 3]), targets, tf.ones([2, 3]))
        with pytest.raises(ValueError, match="average_across_batch and sum_over_batch"):
            rnn.sequence_loss(logits, targets, tf.ones([2, 3]), sum_over_batch=True)


class Keras3Cells:
    """``tf.compat.v1.nn.rnn_cell`` as TensorFlow >= 2.16 has it without tf-keras."""

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"`{name}` is not available with Keras 3.")


def test_cells_without_keras_2_say_so_and_other_seq2seq_names_have_no_stand_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reported: list[tuple[str, str]] = []
    monkeypatch.setattr(contrib, "REPORT", lambda api, stand_in: reported.append((api, stand_in)))
    v1 = SimpleNamespace(nn=SimpleNamespace(rnn_cell=Keras3Cells()))
    layer = contrib.Contrib(v1)
    with pytest.raises(AttributeError, match="is not available with Keras 3") as raised:
        layer.rnn.BasicLSTMCell  # noqa: B018
    # Not "no stand-in": the classifier calls it keras3, which says to install tf-keras.
    assert not isinstance(raised.value, contrib.NoStandIn)
    with pytest.raises(contrib.NoStandIn, match=r"tf\.contrib\.seq2seq\.BasicDecoder"):
        layer.seq2seq.BasicDecoder  # noqa: B018
    assert reported == [
        ("tf.contrib.rnn.BasicLSTMCell", ""),
        ("tf.contrib.seq2seq.BasicDecoder", ""),
    ]
