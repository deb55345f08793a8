"""``tf.train.Saver`` and ``tf.summary.FileWriter`` as what a TF2 program writes instead.

* ``saver = tf.train.Saver()`` becomes ``saver = tf.train.Checkpoint(W=W, b=b)``: the
  variables the script has named so far in its graph (``Saver()`` saves the variables that
  exist when it is made), or those of its ``var_list``; ``saver.save(sess, path)`` becomes
  ``saver.write(path)`` (the same files, ``path.index`` and ``path.data-*``, and the same
  returned prefix; ``global_step=n`` appends ``-n`` as ``Saver`` does), and
  ``saver.restore(sess, path)`` becomes ``saver.read(path).assert_consumed()`` (a variable
  missing from the checkpoint is an error, as it was). ``read`` also loads a TF1 checkpoint,
  matching the variables by their names (``tf.Variable(..., name="w")``);
* ``writer = tf.summary.FileWriter(logdir, graph)`` becomes
  ``writer = tf.summary.create_file_writer(logdir)``: TF2 has no graph to write (trace a
  ``tf.function`` with ``tf.summary.trace_on`` to see one), so ``add_graph`` goes; ``flush``
  and ``close`` stay. ``tf.summary.merge_all()`` with no summary ops in the graph is ``None``
  and goes; summary ops themselves are refused (``constructs``).

Each function takes and returns libcst nodes; ``ValueError`` says what cannot be ported.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from tf1repro.recording.translate import keyword_arg

#: ``Saver`` arguments that only say how many checkpoints ``save`` keeps, or how it names its
#: ops: ``write`` keeps every checkpoint it is asked for.
SAVER_DROPPED = frozenset(
    {"max_to_keep", "keep_checkpoint_every_n_hours", "name", "sharded", "save_relative_paths"}
)
#: ``FileWriter`` arguments after the log folder that a TF2 writer has no use for.
WRITER_DROPPED = frozenset({"graph", "graph_def"})
#: The ``create_file_writer`` arguments that ``FileWriter`` has under the same name.
WRITER_KEPT = frozenset({"max_queue", "flush_secs", "filename_suffix"})


def checkpoint(call: cst.Call, tf: str, variables: Sequence[str]) -> cst.Call:
    """``tf.train.Checkpoint(...)`` for ``tf.train.Saver(...)`` (``call``), where
    ``variables`` are the names of the graph's variables made so far, in order."""
    saved: list[tuple[str, cst.BaseExpression]] = []
    given = None
    for index, arg in enumerate(call.args):
        key = arg.keyword.value if arg.keyword is not None else ("var_list" if index == 0 else "")
        if key == "var_list":
            given = arg.value
        elif key not in SAVER_DROPPED:
            raise ValueError(f"tf.train.Saver with {key or 'positional arguments'} (port by hand)")
    if given is None:
        if not variables:
            raise ValueError("tf.train.Saver() before any named variable")
        saved = [(name, cst.Name(name)) for name in variables]
    elif isinstance(given, (cst.List, cst.Tuple)):
        for element in given.elements:
            if not isinstance(element.value, cst.Name):
                raise ValueError("tf.train.Saver of a variable that has no name of its own")
            saved.append((element.value.value, element.value))
    elif isinstance(given, cst.Dict):
        for item in given.elements:
            name = item.key if isinstance(item, cst.DictElement) else None
            text = name.evaluated_value if isinstance(name, cst.SimpleString) else None
            if not isinstance(text, str) or not text.isidentifier():
                raise ValueError("tf.train.Saver whose names are not identifiers (port by hand)")
            saved.append((text, item.value))
    else:
        raise ValueError("tf.train.Saver of a var_list made elsewhere (port by hand)")
    args = [keyword_arg(name, value) for name, value in saved]
    return cst.Call(cst.parse_expression(f"{tf}.train.Checkpoint"), args)


def saver_call(call: cst.Call, quote: str = '"') -> cst.BaseExpression:
    """``saver.write(...)`` for ``saver.save(sess, path, global_step=n)`` and
    ``saver.read(path).assert_consumed()`` for ``saver.restore(sess, path)`` (``quote``: the
    script's, for the checkpoint's name it writes)."""
    assert isinstance(call.func, cst.Attribute)
    method = call.func.attr.value
    args = list(call.args)
    if method not in ("save", "restore") or len(args) < 2:
        raise ValueError(f"saver.{method}(...) (port by hand)")
    path, step = args[1].value, None
    for arg in args[2:]:
        key = arg.keyword.value if arg.keyword is not None else ""
        if key == "global_step":
            step = arg.value
        elif key not in ("write_meta_graph", "write_state"):
            raise ValueError(f"saver.{method} with {key or 'positional arguments'} (port by hand)")
    if method == "restore":
        read = call.with_changes(
            func=call.func.with_changes(attr=cst.Name("read")), args=[cst.Arg(path)]
        )
        return cst.Call(cst.Attribute(read, cst.Name("assert_consumed")))
    if step is not None:
        # Saver.save names the checkpoint "<path>-<step>".
        named = f"{quote}{{}}-{{}}{quote}.format({_code(path)}, {_code(step)})"
        path = cst.parse_expression(named)
    write = call.func.with_changes(attr=cst.Name("write"))
    return call.with_changes(func=write, args=[cst.Arg(path)])


def file_writer(call: cst.Call, tf: str) -> cst.Call:
    """``tf.summary.create_file_writer(logdir)`` for ``tf.summary.FileWriter(logdir, graph)``."""
    if not call.args or _key(call.args[0]) not in ("", "logdir"):
        raise ValueError("tf.summary.FileWriter without its log folder")
    args = [call.args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)]
    for index, arg in enumerate(call.args[1:], start=1):
        key = _key(arg) or ("graph" if index == 1 else "")
        if key in WRITER_KEPT:
            args.append(arg.with_changes(comma=cst.MaybeSentinel.DEFAULT))
        elif key not in WRITER_DROPPED:
            raise ValueError(f"tf.summary.FileWriter with {key or 'positional arguments'}")
    return cst.Call(cst.parse_expression(f"{tf}.summary.create_file_writer"), args)


def _key(arg: cst.Arg) -> str:
    return arg.keyword.value if arg.keyword is not None else ""


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)
