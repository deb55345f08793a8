"""The scope a ``rewrite`` runs in, and ``sess.run(...)`` as plain calls of the new functions.

``SessionRuns`` knows what each name of the script holds at the current point (``Binding``),
and turns ``sess.run(fetches, feed_dict)`` into calls: ``sess.run(A)`` is ``A.numpy()``,
``sess.run(loss, feed_dict={x: a})`` is ``loss(x=a).numpy()``, a training op is called as it
is, and an expression over tensors (``tf.round(output)``) calls each tensor's function on the
fed values, a placeholder in it being the fed value converted to its dtype.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata import PositionProvider

from tf1repro.recording.constructs import dotted
from tf1repro.recording.translate import keyword_arg, replace_names, with_numpy


@dataclass
class Binding:
    """What a name of the script holds at a point of it."""

    kind: str
    """placeholder, variable, tensor, train, optimizer, session, init, feed, factory; writer,
    saver; summary_op, summaries (a merged summary), summary (its value a run fetched)."""
    params: tuple[str, ...] = ()
    dtype: str = ""
    keys: tuple[str, ...] = ()
    """A feed dict's placeholders; the merged summary a training function also returns."""
    label: str = ""
    """An optimizer's full name; the loss a training op minimises; a placeholder's spec; the
    traced twin that runs call in place of a tensor's function; a merged summary's writing
    function; the merged summary a fetched summary is of."""
    exact: bool = False
    """Whether an optimizer computes the v1 update bit for bit."""
    block: int = 0
    """The block (``id`` of its node; 0: the module) whose statement made a tensor."""


class SessionRuns(cst.CSTTransformer):
    """A transformer over a script that knows its names' bindings, and rewrites its runs."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, tf: str) -> None:
        self.tf = tf
        self.quote = '"'
        """The quote of the strings the port writes (the script's, see ``layout.script_quote``)."""
        self.env: dict[str, Binding] = {}
        self.problems: list[str] = []
        self.targets: list[str] = []
        """The names ``a, b = sess.run(...)`` (the statement being read) assigns, in order."""
        self.unpacked: dict[str, str] = {}
        """For ``_, l, summary = sess.run([train, loss, merged])``: the targets of the training
        function's loss (``_`` when not fetched) and summary, and ``numpy`` when the loss was
        fetched (``leave_SimpleStatementLine`` writes the statements)."""

    def line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def lines(self, node: cst.CSTNode) -> range:
        where = self.get_metadata(PositionProvider, node)
        return range(where.start.line, where.end.line + 1)

    def tf_call(self, node: cst.BaseExpression) -> str:
        """``Variable`` for ``tf.Variable(...)``; empty when not a call of TensorFlow."""
        if not isinstance(node, cst.Call):
            return ""
        head, _, rest = dotted(node.func).partition(".")
        return rest if head == self.tf else ""

    def is_run(self, node: cst.CSTNode) -> bool:
        if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)):
            return False
        owner = node.func.value
        return (
            node.func.attr.value == "run"
            and isinstance(owner, cst.Name)
            and self.kind(owner.value) == "session"
        )

    def kind(self, name: str) -> str:
        binding = self.env.get(name)
        return binding.kind if binding is not None else ""

    # -- classification (visit: before the statement's parts are rewritten) -----------------

    def argument(self, call: cst.BaseExpression, index: int, keyword: str) -> str:
        """The code of a call's argument, given by position or keyword (``None`` when not
        given: a placeholder's shape then is unknown; its dtype must be given)."""
        assert isinstance(call, cst.Call)
        for place, arg in enumerate(call.args):
            if (arg.keyword is None and place == index) or (
                arg.keyword is not None and arg.keyword.value == keyword
            ):
                return self.code(arg.value)
        return "None"

    def code(self, node: cst.CSTNode) -> str:
        return cst.Module([]).code_for_node(node)

    def calls(self, name: str, given: dict[str, cst.BaseExpression] | None) -> cst.BaseExpression:
        """``name`` called with its placeholders: passed on as they are inside a function
        (``given`` None), else (its traced twin, for a tensor) the values a ``sess.run``
        fed."""
        binding = self.env[name]
        if given is None:
            return cst.parse_expression(f"{name}({', '.join(binding.params)})")
        if binding.kind == "tensor" and binding.label:
            name = binding.label
        args = []
        for param in binding.params:
            if param not in given:
                raise KeyError(param)
            args.append(keyword_arg(param, given[param]))
        return cst.Call(cst.Name(name), args)

    def run_call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        """``sess.run(fetches, feed_dict)`` as plain calls of the new functions."""
        line = self.line(original)
        fetch = updated.args[0].value
        feed_arg = [
            a
            for i, a in enumerate(updated.args[1:])
            if (a.keyword is None and i == 0) or (a.keyword and a.keyword.value == "feed_dict")
        ]
        given: dict[str, cst.BaseExpression] = {}
        spread = ""
        if feed_arg:
            feed = feed_arg[0].value
            if isinstance(feed, cst.Dict):
                for element in feed.elements:
                    key = getattr(element, "key", None)
                    if isinstance(key, cst.Name) and self.kind(key.value) == "placeholder":
                        given[key.value] = element.value
            elif isinstance(feed, cst.Name) and self.kind(feed.value) == "feed":
                spread = feed.value
                for key in self.env[feed.value].keys:
                    item = f"{feed.value}[{self.quote}{key}{self.quote}]"
                    given[key] = cst.parse_expression(item)
            else:
                self.problems.append(f"line {line}: a feed_dict that is not a dict of placeholders")
                return updated
        try:
            return self.fetched(fetch, given, spread)
        except KeyError as missing:
            self.problems.append(f"line {line}: sess.run does not feed {missing.args[0]}")
            return updated
        except ValueError as refused:
            self.problems.append(f"line {line}: {refused}")
            return updated

    def fetched(
        self, fetch: cst.BaseExpression, given: dict[str, cst.BaseExpression], spread: str
    ) -> cst.BaseExpression:
        if isinstance(fetch, (cst.List, cst.Tuple)):
            trains = [
                e.value.value
                for e in fetch.elements
                if isinstance(e.value, cst.Name) and self.kind(e.value.value) == "train"
            ]
            if trains:
                return self.trained_with(fetch, trains, given, spread)
            elements = [
                e.with_changes(value=self.fetched(e.value, given, spread)) for e in fetch.elements
            ]
            return fetch.with_changes(elements=elements)
        if isinstance(fetch, cst.Name):
            kind = self.kind(fetch.value)
            if kind == "summaries":
                raise ValueError(
                    f"fetches the summary {fetch.value} without a training op of minimize()"
                )
            params = self.env[fetch.value].params if kind in ("tensor", "train") else ()
            if spread and kind in ("tensor", "train") and set(params) == set(given):
                twin = self.env[fetch.value].label if kind == "tensor" else ""
                function = twin or fetch.value
                called: cst.BaseExpression = cst.parse_expression(f"{function}(**{spread})")
            elif kind in ("tensor", "train"):
                called = self.calls(fetch.value, given)
            else:
                called = fetch
            return called if kind == "train" else with_numpy(called)

        def replacement(name: str) -> cst.BaseExpression | None:
            kind = self.kind(name)
            if kind == "tensor":
                return self.calls(name, given)
            if kind == "placeholder":
                if name not in given:
                    raise KeyError(name)
                value = self.code(given[name])
                dtype = self.env[name].dtype
                return cst.parse_expression(f"{self.tf}.convert_to_tensor({value}, dtype={dtype})")
            return None

        replaced = replace_names(fetch, replacement)
        assert isinstance(replaced, cst.BaseExpression)
        return with_numpy(replaced)

    def trained_with(
        self,
        fetch: cst.List | cst.Tuple,
        trains: list[str],
        given: dict[str, cst.BaseExpression],
        spread: str,
    ) -> cst.BaseExpression:
        """``sess.run([train, loss])``: TF1 gave None for the training op and the loss it
        minimised in that step, before the update, which the training function returns.
        Anything else fetched with it is refused (``ValueError``): TF1 may have computed it
        before or after the update."""
        if len(trains) > 1:
            raise ValueError("fetches two training ops in one sess.run")
        train = trains[0]
        loss = self.env[train].label
        names = [e.value.value if isinstance(e.value, cst.Name) else "" for e in fetch.elements]
        summaries = self.env[train].keys
        if summaries and summaries[0] in names:
            return self.summarised_run(train, loss, summaries[0], names, given, spread)
        elements = []
        for element, name in zip(fetch.elements, names, strict=True):
            if name == train:
                value: cst.BaseExpression = cst.Name("None")
            elif name == loss:
                value = self.fetched(cst.Name(train), given, spread)
                # A training function that computes summaries returns them after the loss.
                value = with_numpy(
                    cst.parse_expression(f"{self.code(value)}[0]") if summaries else value
                )
            else:
                code = self.code(element.value)
                raise ValueError(f"fetches {code} with the training op (port it by hand)")
            elements.append(element.with_changes(value=value))
        if loss not in names:
            raise ValueError(f"fetches the training op {train} in a list without its loss")
        return fetch.with_changes(elements=elements)

    def summarised_run(
        self,
        train: str,
        loss: str,
        summary: str,
        names: list[str],
        given: dict[str, cst.BaseExpression],
        spread: str,
    ) -> cst.BaseExpression:
        """``_, l, summary = sess.run([train, loss, merged])`` as the call of the training
        function, which returns the loss and the summary (``unpacked`` says where they go)."""
        if len(self.targets) != len(names) or set(names) - {train, loss, summary}:
            raise ValueError(
                f"fetches the summary {summary} with the training op other than in "
                "`_, l, summary = sess.run([train, loss, summary])` (port it by hand)"
            )
        targets = dict(zip(names, self.targets, strict=True))
        if targets[train] != "_":
            raise ValueError(f"keeps the None that sess.run gave for {train} (port it by hand)")
        self.unpacked = {"loss": targets.get(loss, "_"), "summary": targets[summary]}
        if loss in targets:
            self.unpacked["numpy"] = targets[loss]
        self.env[targets[summary]] = Binding("summary", label=summary)
        return self.fetched(cst.Name(train), given, spread)
