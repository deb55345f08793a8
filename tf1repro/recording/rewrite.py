"""A TF1 script's source rewritten as a TF2 program, with libcst (comments and layout kept).

What each statement becomes, in source order (the script's names kept):

* ``x = tf.placeholder(dtype, shape)`` becomes ``x_spec = tf.TensorSpec(shape, dtype)``, the
  input signature of the functions that read it; sessions, ``global_variables_initializer``,
  ``sess.run(init)``, ``disable_v2_behavior()`` and ``sess.close()`` go, and the blocks
  ``with tf.Session() as sess:`` and ``with tf.Graph().as_default():`` are unwrapped;
* ``A = tf.Variable(...)`` stays, its random initialiser seeded with the op seed TF1 gave it
  (``tf.random.normal(shape, seed=seed2)`` under ``tf.random.set_seed(graph seed)`` draws what
  the TF1 op drew; the seeds are read from the recording, see ``sites``);
* a tensor ``loss = f(x, A)`` becomes ``def loss(x): return f(x, A)``, a plain function of
  the placeholders it depends on, and, when a run fetches it, its traced twin
  ``evaluate_loss = tf.function(loss, ...)`` (see ``training``: one traced graph per run);
* ``train = opt.minimize(loss)`` becomes ``def train(x, y)``, a ``tf.function``: a
  ``tf.GradientTape`` step with the optimizer's ``apply_gradients``, returning the loss; the
  optimizer is the Keras one (``tf.compat.v1.train``'s own with ``exact``, where Keras does not
  compute the same bits);
* ``sess.run(loss, feed_dict={x: a, y: b})`` becomes ``evaluate_loss(x=a, y=b).numpy()``,
  ``sess.run(A)`` becomes ``A.numpy()``; a feed dict kept in a variable gets string keys;
* ``reset_default_graph()`` becomes the seeding ``tf1repro legacy run --seed N`` did there;
* ``tf.train.Saver`` becomes a ``tf.train.Checkpoint`` of the script's variables, and
  ``tf.summary.FileWriter`` a ``tf.summary.create_file_writer`` (see ``checkpoints``);
* ``h = tf.layers.dense(x, n)`` (or ``tf.contrib.layers.fully_connected``) becomes its two
  variables and ``def h(x)`` (see ``layers``).

The statements are read in source order by one libcst transformer: ``visit`` classifies each
statement from what its names hold so far (``calls.Binding``), ``leave`` writes what it becomes
(its parts already rewritten). What cannot be ported is collected, one ``line N: why`` each,
and raised together (``Unportable``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar, cast

import libcst as cst
from libcst.metadata import MetadataWrapper

from tf1repro.recording.calls import Binding
from tf1repro.recording.checkpoints import checkpoint, file_writer, saver_call
from tf1repro.recording.constructs import SESSIONS, dotted, tensorflow_aliases
from tf1repro.recording.imports import all_names, imports_ported, seed_lines
from tf1repro.recording.layers import (
    KINDS,
    Kind,
    dense_arguments,
    dense_statements,
    dense_value,
    dense_variables,
)
from tf1repro.recording.layout import lay_out, script_quote
from tf1repro.recording.sites import GraphSites
from tf1repro.recording.steps import TrainStep
from tf1repro.recording.summaries import SUMMARY_CALLS, Summaries, fetch_lists, merged_names
from tf1repro.recording.translate import (
    INITIALIZERS,
    KEYWORDS,
    RANDOM_FUNCTIONS,
    Unportable,
    contains,
    names_read,
    optimizer_call,
    renamed,
    renamed_keyword,
)

NodeT = TypeVar("NodeT", bound=cst.CSTNode)
#: What a name holding a graph's value can be.
TENSOR_KINDS = frozenset({"placeholder", "variable", "tensor"})
#: What a graph holds (the names of a graph's parts, forgotten when a new graph starts).
GRAPH_KINDS = frozenset({"placeholder", "variable", "tensor", "train", "init", "feed"})
#: The marks whose statement is the original one changed (its comments are still on it).
DERIVED = frozenset({"keep", "call", "feed", "optimizer", "saver", "writer", "add_summary"})
#: ``tf.<name>()`` statements that a port drops (a reset becomes the seeding legacy run did).
DROPPED_CALLS = ("disable_v2_behavior", "disable_eager_execution", "reset_default_graph")


#: The statements ``rewrite`` makes and changes (each has leading lines).
Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement


@dataclass(frozen=True)
class Rewritten:
    """The TF2 program and what its recorder needs to know about it."""

    code: str
    steps: tuple[TrainStep, ...]
    optimizers: tuple[tuple[str, bool], ...]
    """The optimizer each training step uses (``tf.keras.optimizers.SGD``...), and whether it
    computes the v1 update bit for bit."""


@dataclass
class _Mark:
    """What ``visit`` decided for a statement: its action (``remove``, ``keep``, ``spec``,
    ``tensor``, ``train``, ``optimizer``, ``feed``, ``call``, ``reseed``) and the name it
    binds."""

    action: str
    name: str = ""
    binding: Binding | None = None


class _Porter(Summaries):
    """The transformer of ``rewrite`` (see the module docstring)."""

    def __init__(self, tf: str, graphs: list[GraphSites], exact: bool, seeding: list[str]) -> None:
        super().__init__(tf, graphs, exact)
        self.seeding = seeding
        self.marks: dict[int, _Mark] = {}
        self.comments: list[cst.EmptyLine] = []
        self.functions: list[str] = []
        self.after_def: int | None = None
        """The block depth where a function the port defined was just written."""
        self.blocks: list[int] = []
        """The blocks (``id`` of their nodes) the statement being read is in, innermost last."""
        self.blank_before: set[int] = set()
        """Compound statements that follow a function the port defined."""

    # -- classification (visit: before the statement's parts are rewritten) -----------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.append(node.name.value)

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> Statement:
        self.functions.pop()
        if not updated.body.body:
            updated = updated.with_changes(body=cst.IndentedBlock([cst.parse_statement("pass")]))
        return self.with_comments(updated)

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.BaseCompoundStatement) and self.after_def == len(self.blocks):
            self.blank_before.add(id(node))
            self.after_def = None
        return super().on_visit(node)

    def on_leave(
        self, original_node: NodeT, updated_node: NodeT
    ) -> NodeT | cst.RemovalSentinel | cst.FlattenSentinel[NodeT]:
        left = super().on_leave(original_node, updated_node)
        if id(original_node) in self.blank_before and isinstance(left, cst.BaseCompoundStatement):
            lines = [cst.EmptyLine(indent=False), *left.leading_lines]
            return cast(NodeT, left.with_changes(leading_lines=lines))
        return left

    @property
    def block(self) -> int:
        """The block the statement being read is in (0: the module's)."""
        return self.blocks[-1] if self.blocks else 0

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.blocks.append(id(node))

    def leave_IndentedBlock(
        self, original: cst.IndentedBlock, updated: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        self.blocks.pop()
        self.after_def = None  # the next statement at this depth is in another block
        return updated

    def opened(self, node: cst.With) -> str:
        """``session`` for ``with tf.Session() as s:``, ``graph`` for ``with
        tf.Graph().as_default():``, else empty: the two blocks a port unwraps."""
        item = node.items[0].item if len(node.items) == 1 else None
        if item is not None and self.tf_call(item) in SESSIONS:
            return "session"
        if (
            isinstance(item, cst.Call)
            and isinstance(item.func, cst.Attribute)
            and item.func.attr.value == "as_default"
            and self.tf_call(item.func.value) == "Graph"
        ):
            return "graph"
        return ""

    def visit_With(self, node: cst.With) -> None:
        opened = self.opened(node)
        target = node.items[0].asname
        if opened == "session" and target is not None and isinstance(target.name, cst.Name):
            self.env[target.name.value] = Binding("session")
        elif opened == "graph":
            self.new_graph()

    def leave_With(
        self, original: cst.With, updated: cst.With
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        opened = self.opened(original)
        if not opened:
            return updated
        assert isinstance(updated.body, cst.IndentedBlock)
        body = list(updated.body.body)
        if opened == "graph":
            # `legacy run --seed N` gives every new graph the graph seed N.
            seeded = f"# A new TF1 graph, seeded by `tf1repro legacy run`\n{self.seeding[-1]}"
            body.insert(0, cst.parse_statement(seeded))
        first = body[0]
        assert isinstance(first, Statement)
        body[0] = first.with_changes(leading_lines=[*updated.leading_lines, *first.leading_lines])
        return cst.FlattenSentinel(body)

    def new_graph(self) -> None:
        """Forget the names of the last graph's parts: they may name a new graph's."""
        self.env = {n: b for n, b in self.env.items() if b.kind not in GRAPH_KINDS}
        self.summary_ops, self.named_summaries = {}, {}

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        if len(node.body) != 1:
            return
        small = node.body[0]
        mark = None
        self.targets = []
        if (
            isinstance(small, cst.Assign)
            and isinstance(small.targets[0].target, cst.Tuple)
            and self.is_run(small.value)
        ):
            elements = small.targets[0].target.elements
            self.targets = [e.value.value for e in elements if isinstance(e.value, cst.Name)]
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            target = small.targets[0].target
            if isinstance(target, cst.Name):
                mark = self.classify(target.value, small.value, node)
        elif isinstance(small, cst.Expr):
            mark = self.classify_expression(small.value)
        elif (
            isinstance(small, cst.Return)
            and small.value is not None
            and self.tf_call(small.value) in SESSIONS
            and self.functions
        ):
            self.env[self.functions[-1]] = Binding("factory")
            mark = _Mark("remove")
        if mark is not None:
            self.marks[id(node)] = mark

    def classify(self, name: str, value: cst.BaseExpression, node: cst.CSTNode) -> _Mark:
        call = self.tf_call(value)
        if self.variable_dict(name, value):
            return _Mark("keep", name, Binding("variables"))
        for line in self.lines(node):
            self.names_at.setdefault(line, name)
        if call == "placeholder":
            binding = Binding("placeholder", dtype=self.argument(value, 0, "dtype"))
            binding.label = f"{name}_spec"
            return _Mark("spec", name, binding)
        if call == "Variable":
            return _Mark("keep", name, Binding("variable"))
        if call in SESSIONS:
            return _Mark("remove", name, Binding("session"))
        if call in INITIALIZERS:
            return _Mark("remove", name, Binding("init"))
        if call.startswith("train.") and call.endswith("Optimizer"):
            return _Mark("optimizer", name, Binding("optimizer"))
        if call == "train.Saver":
            return _Mark("saver", name, Binding("saver"))
        if call == "summary.FileWriter":
            return _Mark("writer", name, Binding("writer"))
        if call in SUMMARY_CALLS:
            return _Mark("summary_op", name, Binding("summary_op"))
        if call in ("summary.merge_all", "summary.merge"):
            return _Mark("merged", name, Binding("summaries"))
        func = value.func if isinstance(value, cst.Call) else None
        if isinstance(func, cst.Attribute) and func.attr.value == "minimize":
            assert isinstance(value, cst.Call)
            return self.classify_train(name, value, node)
        if isinstance(func, cst.Name) and self.kind(func.value) == "factory":
            return _Mark("call", name, Binding("session"))
        if isinstance(value, cst.Dict) and value.elements:
            keys = [getattr(element, "key", None) for element in value.elements]
            if all(isinstance(k, cst.Name) and self.kind(k.value) == "placeholder" for k in keys):
                names = tuple(k.value for k in keys)  # type: ignore[union-attr]
                return _Mark("feed", name, Binding("feed", keys=names))
        if contains(value, lambda n: self.is_run(n)):
            return _Mark("keep", name)
        used = names_read(value)
        graph_names = [n for n in used if self.kind(n) in TENSOR_KINDS]
        calls_tf = contains(value, lambda n: isinstance(n, cst.Call) and bool(self.tf_call(n)))
        if self.functions and not graph_names:
            # In a function of the script (``def neural_net(x)``), a computation on its
            # arguments and dicts of variables is TF2 code as it is: the function is called
            # by the tensor functions that read what it returns.
            return _Mark("keep", name)
        if graph_names or calls_tf:
            earlier = self.env.get(name)
            # Named twice in one block, the functions of the first would call the second (in
            # two branches of an ``if``, only one of them runs).
            if earlier is not None and earlier.kind in TENSOR_KINDS and earlier.block == self.block:
                line = self.line(node)
                self.problems.append(f"line {line}: {name} names a second tensor of one graph")
            params = self.params_of(used)
            return _Mark("tensor", name, Binding("tensor", params=params, block=self.block))
        return _Mark("keep", name)

    def variable_dict(self, name: str, value: cst.BaseExpression) -> bool:
        """Whether ``name = {'h1': tf.Variable(...), ...}``, a dict of variables: each is then
        known by its item, ``name['h1']``, which the training step differentiates."""
        if not isinstance(value, cst.Dict) or not value.elements:
            return False
        items = []
        for element in value.elements:
            key = getattr(element, "key", None)
            if not isinstance(key, (cst.SimpleString, cst.Integer)):
                return False
            if self.tf_call(element.value) != "Variable":
                return False
            items.append((f"{name}[{key.value}]", element))
        starts = [self.line(element) for _, element in items]
        if len(set(starts)) < len(starts):
            # The recording knows each variable by the line that made it.
            line = min(s for s in starts if starts.count(s) > 1)
            self.problems.append(f"line {line}: two variables of {name} on one line")
        for item, element in items:
            self.env[item] = Binding("variable")
            for line in self.lines(element):
                self.names_at.setdefault(line, item)
        return True

    def classify_train(self, name: str, call: cst.Call, node: cst.CSTNode) -> _Mark:
        line = self.line(node)
        loss = call.args[0].value if call.args else None
        extra = [a.keyword.value for a in call.args[1:] if a.keyword is not None]
        if not isinstance(loss, cst.Name) or self.kind(loss.value) != "tensor":
            self.problems.append(f"line {line}: minimize() of a loss that has no name")
            return _Mark("keep", name)
        if extra or len(call.args) > 1:
            self.problems.append(f"line {line}: minimize() with {', '.join(extra) or 'arguments'}")
            return _Mark("keep", name)
        params = self.env[loss.value].params
        return _Mark("train", name, Binding("train", params=params, label=loss.value))

    def classify_expression(self, value: cst.BaseExpression) -> _Mark | None:
        rest = self.tf_call(value)
        head = dotted(value.func) if isinstance(value, cst.Call) else ""
        if rest in SUMMARY_CALLS:
            return _Mark("summary_op")
        if rest in DROPPED_CALLS or head.endswith(".reset_default_graph"):
            return _Mark("reseed" if head.endswith("reset_default_graph") else "remove")
        if self.is_run(value):
            assert isinstance(value, cst.Call)
            fetch = value.args[0].value if value.args else None
            if (fetch is not None and self.tf_call(fetch) in INITIALIZERS) or (
                isinstance(fetch, cst.Name) and self.kind(fetch.value) == "init"
            ):
                return _Mark("remove")
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
            owner = value.func.value
            method = value.func.attr.value
            kind = self.kind(owner.value) if isinstance(owner, cst.Name) else ""
            if (kind, method) in (("session", "close"), ("writer", "add_graph")):
                return _Mark("remove")
            if (kind, method) == ("writer", "add_summary"):
                return _Mark("add_summary")
        return None

    # -- rewriting (leave: the statement's parts are rewritten already) ---------------------

    def with_comments(self, node: Statement) -> Statement:
        """``node`` with the comments of the statements removed just before it."""
        if not self.comments:
            return node
        lines, self.comments = [*self.comments, *node.leading_lines], []
        return node.with_changes(leading_lines=lines)

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement] | cst.RemovalSentinel:
        mark = self.marks.get(id(original))
        if self.unpacked:
            run, *converted = self.unpacked_run(updated)
            assert isinstance(run, cst.SimpleStatementLine)
            return cst.FlattenSentinel([self.with_comments(self.spaced(run)), *converted])
        if mark is None:
            return self.with_comments(self.spaced(updated))
        if mark.action in ("reseed", "call"):
            self.new_graph()
        if mark.name:
            if mark.binding is None:
                self.env.pop(mark.name, None)
            else:
                self.env[mark.name] = mark.binding
        made = self.made(mark, original, updated)
        if made is None:
            self.comments.extend(line for line in updated.leading_lines if line.comment)
            return cst.RemoveFromParent()
        statements = [s for s in made if isinstance(s, Statement)]
        first, *rest = statements
        if mark.action not in DERIVED:
            # A statement made anew takes the comments above the one it replaces.
            lines = [*updated.leading_lines, *first.leading_lines]
            first = first.with_changes(leading_lines=lines)
        first = self.spaced(self.with_comments(first))
        spaced = [self.spaced(statement) for statement in rest]
        defined = any(isinstance(statement, cst.FunctionDef) for statement in made)
        self.after_def = len(self.blocks) if defined else None
        return cst.FlattenSentinel([first, *spaced])

    def spaced(self, statement: Statement) -> Statement:
        """A blank line before and after each function the port defines."""
        lines = list(statement.leading_lines)
        blank = isinstance(statement, cst.FunctionDef) or self.after_def == len(self.blocks)
        self.after_def = None
        if blank and not (lines and not lines[0].comment):
            lines.insert(0, cst.EmptyLine(indent=False))
        return statement.with_changes(leading_lines=lines)

    def made(
        self, mark: _Mark, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> list[cst.BaseStatement] | None:
        """What a marked statement becomes (None: nothing)."""
        small = updated.body[0]
        if mark.action == "remove":
            return None
        if mark.action == "reseed":
            return self.parse(*self.seeding)
        if mark.action in ("summary_op", "merged", "add_summary"):
            value = small.value if isinstance(small, (cst.Assign, cst.Expr)) else None
            assert isinstance(value, cst.Call)
            return self.summary_statement(mark.action, mark.name, value, original, updated)
        if mark.action == "spec":
            assert isinstance(small, cst.Assign) and mark.binding is not None
            shape = self.argument(small.value, 1, "shape")
            spec = f"{self.tf}.TensorSpec(shape={shape}, dtype={mark.binding.dtype})"
            return [cst.parse_statement(f"{mark.binding.label} = {spec}\n")]
        if mark.action == "call":
            assert isinstance(small, cst.Assign)
            return [updated.with_changes(body=[cst.Expr(small.value)])]
        if mark.action == "feed":
            assert isinstance(small, cst.Assign) and isinstance(small.value, cst.Dict)
            elements = [
                e.with_changes(key=cst.SimpleString(f"{self.quote}{dotted(e.key)}{self.quote}"))
                for e in small.value.elements
                if isinstance(e, cst.DictElement)
            ]
            return [
                updated.with_changes(
                    body=[small.with_changes(value=small.value.with_changes(elements=elements))]
                )
            ]
        if mark.action == "optimizer":
            assert isinstance(small, cst.Assign) and isinstance(small.value, cst.Call)
            made, label, exact = optimizer_call(small.value, self.tf, self.exact)
            self.env[mark.name] = Binding("optimizer", label=label, exact=exact)
            return [updated.with_changes(body=[small.with_changes(value=made)])]
        if mark.action in ("saver", "writer"):
            assert isinstance(small, cst.Assign) and isinstance(small.value, cst.Call)
            value = self.made_call(mark, small.value, original)
            return [updated.with_changes(body=[small.with_changes(value=value)])]
        if mark.action == "tensor":
            assert isinstance(small, cst.Assign) and mark.binding is not None
            kind = KINDS.get(self.tf_call(small.value))
            if kind is not None and isinstance(small.value, cst.Call):
                return self.dense_layer(mark.name, small.value, kind, self.line(original))
            return self.tensor_function(mark.name, small.value, self.line(original))
        if mark.action == "train":
            assert isinstance(small, cst.Assign) and isinstance(small.value, cst.Call)
            return self.train_function(mark.name, small.value, self.line(original))
        return [updated]

    def made_call(self, mark: _Mark, call: cst.Call, original: cst.SimpleStatementLine) -> cst.Call:
        """The TF2 checkpoint or summary writer for a ``Saver`` or ``FileWriter`` (the call
        kept, with its problem noted, when it cannot be)."""
        variables = [n for n, b in self.env.items() if b.kind == "variable"]
        try:
            if mark.action == "saver":
                return checkpoint(call, self.tf, variables)
            return file_writer(call, self.tf)
        except ValueError as refused:
            self.problems.append(f"line {self.line(original)}: {refused}")
            return call

    def dense_layer(
        self, name: str, call: cst.Call, kind: Kind, line: int
    ) -> list[cst.BaseStatement] | None:
        """``name = tf.layers.dense(...)`` (or ``fully_connected``) as its variables and the
        function of the layer (None, with the problem noted, when it cannot be)."""
        graphs = [g for g in self.graphs if line in g.variables.values()]
        try:
            if not graphs:
                raise ValueError(f"a {kind.name} whose variables no recorded graph trained")
            layer = dense_arguments(call, kind, self.tf)
            kernel, bias = dense_variables(graphs[0], line, kind)
            seeds = {site.op_seed for g in graphs for site in g.random if site.line == line}
            if len(seeds) > 1:
                raise ValueError(f"one {kind.name} drew with several seeds")
        except ValueError as refused:
            self.problems.append(f"line {line}: {refused}")
            return None
        names = (f"{name}_kernel", f"{name}_bias" if bias is not None else None)
        for program, tf1 in zip(names, (kernel, bias), strict=True):
            if program is not None and tf1 is not None:
                self.env[program] = Binding("variable")
                self.layer_variables[(tf1, line)] = program
        shape = graphs[0].shapes[kernel]
        made = dense_statements(self.tf, kind, names, shape, min(seeds, default=None))
        value = dense_value(self.tf, layer, names[0], names[1])
        return [*self.parse(*made), *self.tensor_function(name, value, line)]

    def is_eval(self, node: cst.Call) -> bool:
        """``t.eval(...)`` of a tensor ``t`` (in the session a ``with`` block made default)."""
        func = node.func
        return (
            isinstance(func, cst.Attribute)
            and func.attr.value == "eval"
            and isinstance(func.value, cst.Name)
            and self.kind(func.value.value) == "tensor"
        )

    def is_saver_call(self, node: cst.Call) -> bool:
        """``saver.save(...)`` or ``saver.restore(...)`` of a ported ``tf.train.Saver``."""
        func = node.func
        return (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and self.kind(func.value.value) == "saver"
        )

    def parse(self, *lines: str) -> list[cst.BaseStatement]:
        return [cst.parse_statement(line) for line in lines]

    def leave_Attribute(
        self, original: cst.Attribute, updated: cst.Attribute
    ) -> cst.BaseExpression:
        return renamed(updated, self.tf) or updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if self.is_run(original):
            return self.run_call(original, updated)
        if self.is_eval(original):
            # ``t.eval(feed)`` was ``sess.run(t, feed)`` in the default session.
            assert isinstance(updated.func, cst.Attribute)
            run = cst.Call(updated.func.with_changes(attr=cst.Name("run")), updated.args)
            return self.run_call(
                original, run.with_changes(args=[cst.Arg(updated.func.value), *run.args])
            )
        if self.is_saver_call(original):
            try:
                return saver_call(updated, self.quote)
            except ValueError as refused:
                self.problems.append(f"line {self.line(original)}: {refused}")
                return updated
        name = dotted(updated.func)
        head, _, rest = name.partition(".")
        if head == self.tf and any(a.keyword and a.keyword.value in KEYWORDS for a in updated.args):
            updated = updated.with_changes(args=[renamed_keyword(a) for a in updated.args])
        seeded = any(a.keyword is not None and a.keyword.value == "seed" for a in updated.args)
        if head == self.tf and rest.rpartition(".")[2] in RANDOM_FUNCTIONS and not seeded:
            return self.seeded(original, updated)
        return updated


def run_fetches(module: cst.Module) -> set[str]:
    """The names read by what any ``X.run(...)`` of ``module`` fetches (its first argument), or
    any ``X.eval(...)`` evaluates."""
    found: set[str] = set()

    class Runs(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if isinstance(node.func, cst.Attribute) and node.func.attr.value == "run" and node.args:
                found.update(names_read(node.args[0].value))
            if isinstance(node.func, cst.Attribute) and node.func.attr.value == "eval":
                found.update(names_read(node.func.value))

    module.visit(Runs())
    return found


def rewrite(source: str, graphs: list[GraphSites], *, seed: int, exact: bool = False) -> Rewritten:
    """The TF2 program of ``source`` (a TF1 script whose recorded graphs are ``graphs``), as
    ``tf1repro legacy run --seed seed`` ran it. Raises ``Unportable`` listing each problem."""
    module = cst.parse_module(source)
    aliases = tensorflow_aliases(module)
    if not aliases:
        raise Unportable(["the script does not import tensorflow"])
    tf = next(iter(aliases))
    command = f"`tf1repro legacy run --seed {seed}`"
    seeding = seed_lines(module, tf, seed, f"A new TF1 graph: {command} reseeded here")
    porter = _Porter(tf, graphs, exact, seeding)
    porter.taken = {n for n in all_names(module)}
    porter.quote = script_quote(module)
    porter.evaluated = run_fetches(module)
    porter.fetch_lists = fetch_lists(module)
    porter.merged_names = merged_names(module)
    ported = MetadataWrapper(module).visit(porter)
    if porter.problems:
        raise Unportable(porter.problems)
    ported = imports_ported(ported, seed_lines(module, tf, seed, f"{command} seeds these first"))
    program = lay_out(ported, module)
    return Rewritten(program.code, tuple(porter.steps), tuple(porter.optimizers))
