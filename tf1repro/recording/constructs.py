"""What ``tf1repro port`` does not port, found in the script's source before anything runs.

Each construct is named with its line: ``tf.contrib``, queues and input producers,
``tf.cond``/``tf.while_loop`` (graph control flow, whose TF2 form is Python control flow that a
person has to choose), Estimators, several sessions alive on one graph, and what has a TF2 form
that ``port`` does not write yet (summaries other than scalars and histograms, the layers of
``tf.layers`` but ``dense``, ``tf.nn.dropout``).
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

#: tf.<name> prefixes that are refused, and why.
REFUSED = {
    "contrib": "tf.contrib is gone in TF2 (port its parts by hand)",
    "estimator": "Estimators are gone in TF2 (use Keras or a training loop)",
    "cond": "tf.cond in a TF1 graph (its TF2 form is Python control flow)",
    "while_loop": "tf.while_loop in a TF1 graph (its TF2 form is Python control flow)",
    "FIFOQueue": "queues are gone in TF2 (use tf.data)",
    "RandomShuffleQueue": "queues are gone in TF2 (use tf.data)",
    "PaddingFIFOQueue": "queues are gone in TF2 (use tf.data)",
    "TextLineReader": "queue readers are gone in TF2 (use tf.data)",
    "TFRecordReader": "queue readers are gone in TF2 (use tf.data)",
    "train.string_input_producer": "input producers are gone in TF2 (use tf.data)",
    "train.slice_input_producer": "input producers are gone in TF2 (use tf.data)",
    "train.input_producer": "input producers are gone in TF2 (use tf.data)",
    "train.start_queue_runners": "queue runners are gone in TF2 (use tf.data)",
    "train.batch": "queue batching is gone in TF2 (use tf.data)",
    "train.shuffle_batch": "queue batching is gone in TF2 (use tf.data)",
    **{
        f"summary.{op}": f"tf.summary.{op} (only scalar and histogram summaries are ported)"
        for op in ("image", "audio", "text", "tensor_summary")
    },
    "layers": "tf.layers other than tf.layers.dense (not ported yet)",
    "nn.dropout": "tf.nn.dropout (TF1 drew its masks from one stream in training and evaluation "
    "runs alike; not ported yet)",
}
#: tf.<name>s under a refused prefix that are ported.
PORTED = frozenset({"layers.dense", "contrib.layers.fully_connected"})
SESSIONS = ("Session", "InteractiveSession")
RESETS = ("reset_default_graph",)


def dotted(node: cst.BaseExpression) -> str:
    """``tf.train.Saver`` for that attribute chain; empty for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr.value}" if base else ""
    return ""


def tensorflow_aliases(module: cst.Module) -> dict[str, str]:
    """Local name -> the TensorFlow module it stands for (``tf`` -> ``tensorflow.compat.v1``)."""
    found: dict[str, str] = {}
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    name = dotted(alias.name)
                    if name.split(".")[0] == "tensorflow":
                        local = alias.asname.name if alias.asname else alias.name
                        found[dotted(local)] = name
    return found


class _Finder(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, aliases: set[str]) -> None:
        self.aliases = aliases
        self.problems: list[str] = []
        self.sessions = 0

    def line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            if dotted(alias.name).startswith("tensorflow.contrib"):
                self.problems.append(f"line {self.line(node)}: {REFUSED['contrib']}")

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = dotted(node.module) if node.module is not None else ""
        if module.startswith("tensorflow.contrib"):
            self.problems.append(f"line {self.line(node)}: {REFUSED['contrib']}")

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        name = dotted(node)
        head, _, rest = name.partition(".")
        if head not in self.aliases:
            return True
        if rest in PORTED:
            return False  # nor its prefix (``tf.layers``)
        for refused, why in REFUSED.items():
            if rest == refused or rest.startswith(refused + "."):
                self.problems.append(f"line {self.line(node)}: {why}")
                return False
        return True

    def visit_Call(self, node: cst.Call) -> None:
        head, _, rest = dotted(node.func).partition(".")
        if head not in self.aliases:
            return
        if rest in RESETS or rest.endswith(".reset_default_graph"):
            self.sessions = 0
        elif rest in SESSIONS:
            self.sessions += 1
            if self.sessions > 1:
                self.problems.append(
                    f"line {self.line(node)}: a second session on one graph (port one session "
                    "per graph)"
                )


def unportable(module: cst.Module) -> list[str]:
    """One line per construct ``tf1repro port`` refuses (``line N: why``), in source order."""
    aliases = set(tensorflow_aliases(module)) | {"ops"}
    finder = _Finder(aliases)
    MetadataWrapper(module, unsafe_skip_copy=True).visit(finder)
    return finder.problems
