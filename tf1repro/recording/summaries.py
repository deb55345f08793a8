"""TF1 summaries as TF2 summaries written where their values are computed.

A TF1 script declares summary ops, merges them into one string tensor, fetches it with the
training op and hands the serialized result to its writer::

    tf.summary.scalar("loss", loss)
    tf.summary.histogram("w", w)
    merged = tf.summary.merge_all()
    _, l, summary = sess.run([train, loss, merged], feed_dict={x: a, y: b})
    writer.add_summary(summary, step)

The port keeps those names and that flow, with values in place of serialized protos:

* the summary ops go (their tags, kinds and values are kept for what follows);
* ``merged = tf.summary.merge_all()`` (or ``tf.summary.merge([...])``) becomes
  ``def merged(x, y): return {"loss": loss(x, y), "w": tf.identity(w)}``, the values the merged
  summary summarises by tag (a variable read with ``tf.identity``: a variable itself would be
  returned as it is after the update), and ``write_merged(writer, summary, step)``, which
  writes them with ``tf.summary.scalar``/``histogram`` under ``writer.as_default(step=step)``;
* the training function that a run fetches with ``merged`` computes ``merged(x, y)`` before
  the optimizer applies its update and returns it with the loss, so that, as in TF1, where the
  summary and the loss were computed in one ``Session.run``, both are computed on the variables
  before the step's update; ``_, l, summary = sess.run([train, loss, merged], ...)`` becomes
  ``l, summary = train(x=a, y=b)`` and ``l = l.numpy()``;
* ``writer.add_summary(summary, step)`` becomes ``write_merged(writer, summary, step)``.

A summary is written under the tag TF1 gave it, read from the recording: its name in the
name scopes it was made in, made unique in its graph (``tf.summary.histogram("w", w)`` beside a
variable named ``w`` is tagged ``w_1``). What is not ported is refused with its line: other
summary kinds (image, audio, text), a summary no recorded graph made once (one made in a loop,
or in a graph that never trained), a merged summary fetched other than with the training op in
``_, l, summary = sess.run([...])``, and ``add_summary`` without a step (TF2 needs one).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import libcst as cst

from tf1repro.recording.calls import Binding
from tf1repro.recording.constructs import dotted
from tf1repro.recording.training import Definitions
from tf1repro.recording.translate import names_read, replace_names

#: ``tf.summary.<name>`` ops (those not in ``KINDS`` are refused with their line).
SUMMARY_CALLS = frozenset(
    f"summary.{op}" for op in ("scalar", "histogram", "image", "audio", "text", "tensor_summary")
)
#: The TF1 summary ops that are ported (their TF2 functions have the same names).
KINDS = ("scalar", "histogram")
#: Their arguments by position (``values`` for a histogram is the ``tensor`` of a scalar).
POSITIONS = ("name", "tensor", "collections", "family")
#: Their arguments that only make the tag, which is read from the recording (``collections``
#: is refused: ``merge_all()`` leaves out a summary that is not in the default one).
IGNORED = frozenset({"name", "family"})


@dataclass(frozen=True)
class SummaryOp:
    """One TF1 summary op: its kind (``scalar``...), its tag and the value it summarises."""

    kind: str
    tag: str
    value: cst.BaseExpression
    line: int


def summary_op(call: cst.Call, kind: str, tag: str, line: int) -> SummaryOp:
    """The summary ``tf.summary.<kind>(name, value)`` (``call``) made, tagged ``tag`` (TF1's tag:
    ``name`` in the op's name scope, made unique in its graph) (``ValueError`` saying what
    cannot be ported)."""
    if kind not in KINDS:
        raise ValueError(f"tf.summary.{kind} (only scalar and histogram summaries are ported)")
    value = None
    for index, arg in enumerate(call.args):
        positional = POSITIONS[index] if index < len(POSITIONS) else "positional arguments"
        key = arg.keyword.value if arg.keyword is not None else positional
        if key in ("tensor", "values"):
            value = arg.value
        elif key not in IGNORED:
            raise ValueError(f"tf.summary.{kind} with {key} (port by hand)")
    if value is None:
        raise ValueError(f"tf.summary.{kind} without a value")
    return SummaryOp(kind, tag, value, line)


def merged_ops(
    call: cst.Call, all_ops: dict[str, SummaryOp], named: dict[str, SummaryOp]
) -> list[SummaryOp]:
    """The summaries ``tf.summary.merge_all()`` or ``tf.summary.merge([a, b])`` merges:
    ``all_ops`` are the graph's summaries by tag, ``named`` those the script named."""
    if dotted(call.func).endswith("merge_all"):
        if call.args:
            raise ValueError("tf.summary.merge_all with arguments (port by hand)")
        return list(all_ops.values())
    given = call.args[0].value if len(call.args) == 1 else None
    if not isinstance(given, (cst.List, cst.Tuple)):
        raise ValueError("tf.summary.merge of anything but a list of summaries (port by hand)")
    ops = []
    for element in given.elements:
        name = element.value.value if isinstance(element.value, cst.Name) else ""
        if name not in named:
            raise ValueError("tf.summary.merge of a summary that has no name of its own")
        ops.append(named[name])
    return ops


def values_function(
    name: str,
    params: tuple[str, ...],
    ops: list[SummaryOp],
    tf: str,
    value_of: Callable[[str], cst.BaseExpression | None],
) -> cst.BaseStatement:
    """``def name(params): return {tag: value, ...}``: the values a merged summary summarises,
    each tensor replaced by ``value_of`` (its function called), a variable read."""
    code = cst.Module([]).code_for_node
    items = []
    for op in ops:
        value = replace_names(op.value, value_of)
        text = code(value)
        if isinstance(op.value, cst.Name) and text == op.value.value:
            text = f"{tf}.identity({text})"  # a variable: its value now, not after the update
        items.append(f"{json.dumps(op.tag)}: {text}")
    body = "{" + ", ".join(items) + "}"
    if len(body) > 80:  # one value a line
        body = "{\n" + "".join(f"        {item},\n" for item in items) + "    }"
    return cst.parse_statement(f"def {name}({', '.join(params)}):\n    return {body}\n")


def write_function(name: str, ops: list[SummaryOp], tf: str) -> cst.BaseStatement:
    """``def name(writer, summary, step)``: what ``writer.add_summary(summary, step)`` did,
    each value of ``summary`` written under its tag at ``step``."""
    lines = [f"def {name}(writer, summary, step):", "    with writer.as_default(step=step):"]
    for op in ops:
        tag = json.dumps(op.tag)
        lines.append(f"        {tf}.summary.{op.kind}({tag}, summary[{tag}])")
    return cst.parse_statement("\n".join(lines) + "\n")


def add_summary_call(call: cst.Call, write: str) -> cst.Call:
    """``write(writer, summary, step)`` for ``writer.add_summary(summary, step)``."""
    assert isinstance(call.func, cst.Attribute)
    summary = step = None
    for index, arg in enumerate(call.args):
        key = arg.keyword.value if arg.keyword is not None else ("summary", "global_step")[index]
        if key == "summary":
            summary = arg.value
        elif key == "global_step":
            step = arg.value
    if summary is None or step is None:
        raise ValueError("add_summary without a step (a TF2 summary needs one)")
    args = [cst.Arg(call.func.value), cst.Arg(summary), cst.Arg(step)]
    return cst.Call(cst.Name(write), args)


def fetch_lists(module: cst.Module) -> list[frozenset[str]]:
    """The names in each list or tuple that an ``X.run(...)`` of ``module`` fetches."""
    found: list[frozenset[str]] = []

    class Runs(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            func = node.func
            if not (isinstance(func, cst.Attribute) and func.attr.value == "run" and node.args):
                return
            fetch = node.args[0].value
            if isinstance(fetch, (cst.List, cst.Tuple)):
                names = [e.value.value for e in fetch.elements if isinstance(e.value, cst.Name)]
                found.append(frozenset(names))

    module.visit(Runs())
    return found


def merged_names(module: cst.Module) -> set[str]:
    """The names ``module`` assigns ``tf.summary.merge_all()`` or ``tf.summary.merge(...)``."""
    found: set[str] = set()

    class Merges(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            value, (target, *rest) = node.value, node.targets
            merge = isinstance(value, cst.Call) and dotted(value.func).endswith(
                ("summary.merge_all", "summary.merge")
            )
            if merge and isinstance(target.target, cst.Name) and not rest:
                found.add(target.target.value)

    module.visit(Merges())
    return found


class Summaries(Definitions):
    """The statements of a script's summaries, for ``rewrite``'s transformer."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.summary_ops: dict[str, SummaryOp] = {}
        """The graph's summaries by tag."""
        self.named_summaries: dict[str, SummaryOp] = {}
        """The graph's summaries that the script named (for ``tf.summary.merge``)."""

    def summary_statement(
        self,
        action: str,
        name: str,
        value: cst.Call,
        original: cst.SimpleStatementLine,
        updated: cst.SimpleStatementLine,
    ) -> list[cst.BaseStatement] | None:
        """A summary op noted (None), a merged summary as the functions of its values and of
        their writing, ``add_summary`` as the call of the latter."""
        line = self.line(original)
        try:
            if action == "add_summary":
                summary = value.args[0].value if value.args else None
                fetched = summary.value if isinstance(summary, cst.Name) else ""
                if self.kind(fetched) != "summary":
                    raise ValueError("add_summary of a summary that no training run fetched")
                write = self.env[self.env[fetched].label].label
                return [updated.with_changes(body=[cst.Expr(add_summary_call(value, write))])]
            if action == "summary_op":
                tags = {g.summaries[line] for g in self.graphs if line in g.summaries}
                if len(tags) != 1 or len(next(iter(tags))) != 1:
                    raise ValueError("a summary that no recorded graph made once (a loop?)")
                kind = self.tf_call(value).removeprefix("summary.")
                made = summary_op(value, kind, next(iter(tags))[0], line)
                self.summary_ops[made.tag] = made
                if name:
                    self.named_summaries[name] = made
                return None
            ops = merged_ops(value, self.summary_ops, self.named_summaries)
        except ValueError as refused:
            self.problems.append(f"line {line}: {refused}")
            return None
        if not ops:  # merge_all() is None in a graph with no summary ops
            self.env.pop(name, None)
            return None
        return self.merged_functions(name, ops)

    def merged_functions(self, name: str, ops: list[SummaryOp]) -> list[cst.BaseStatement]:
        """``def name(x)``, the values of a merged summary, and ``def write_name``."""
        needed = self.params_of([n for op in ops for n in names_read(op.value)])
        params = self.summary_params.get(name, needed)
        missing = set(needed) - set(params)
        if missing:
            self.problems.append(
                f"line {ops[0].line}: a summary needs {', '.join(sorted(missing))}, which the "
                f"training op fetched with {name} is not fed"
            )
        write = self.new_name(f"write_{name}", f"{name}_write")
        self.env[name] = Binding("summaries", params=params, label=write)

        def value_of(read: str) -> cst.BaseExpression | None:
            return self.calls(read, None) if self.kind(read) == "tensor" else None

        made = values_function(name, params, ops, self.tf, value_of)
        return [made, write_function(write, ops, self.tf)]

    def unpacked_run(self, updated: cst.SimpleStatementLine) -> list[cst.BaseStatement]:
        """``l, summary = train(...)`` and ``l = l.numpy()`` for ``_, l, summary =
        sess.run([train, loss, merged], ...)`` (see ``SessionRuns.summarised_run``)."""
        small = updated.body[0]
        assert isinstance(small, cst.Assign)
        unpacked, self.unpacked = self.unpacked, {}
        targets = cst.ensure_type(
            cst.parse_expression(f"{unpacked['loss']}, {unpacked['summary']}"), cst.Tuple
        )
        assign = small.with_changes(targets=[cst.AssignTarget(targets)])
        made: list[cst.BaseStatement] = [updated.with_changes(body=[assign])]
        if "numpy" in unpacked:
            loss = unpacked["numpy"]
            made.append(cst.parse_statement(f"{loss} = {loss}.numpy()\n"))
        return made
