"""The functions a port defines in place of TF1 tensors and training ops.

A placeholder ``x`` becomes the spec ``x_spec`` of what is fed to it; a tensor
``loss = f(x, A)`` becomes ``def loss(x): return f(x, A)``, a plain Python function of the
placeholders it depends on, which calls the functions of the tensors it reads.
``train = opt.minimize(loss)`` becomes ``train``, one ``tf.function`` that takes the loss and
its gradients under a ``tf.GradientTape`` and applies them with the optimizer (the Keras one,
see ``translate.optimizer_call``), returning the loss. A tensor that a ``sess.run`` fetches
(or that the recording holds) also gets ``evaluate_loss = tf.function(loss, ...)``, which the
runs call.

Why one traced function per run, with every tensor inlined in it: a ``Session.run`` executed
one graph, rewritten by grappler as a whole (``1.0 * x`` dropped, ``x / sqrt(y)`` made a
multiplication by ``rsqrt``, ``square(a - b)`` fused...), and its gradients summed in one
order. Traced functions called inside another are compiled, and differentiated, one by one:
measured, the elastic-net and lasso recipes then drift from TF1 by a few ulps; evaluated
eagerly, Deming's loss differs by 3. Inlined into one trace, they compute TF1's bits.

Each training function is described for the TF2 recorder by a ``TrainStep``. A random call
gets the op seed TF1 gave the op it made (``seeded``).
"""

from __future__ import annotations

import libcst as cst

from tf1repro.recording.calls import SessionRuns
from tf1repro.recording.sites import GraphSites
from tf1repro.recording.steps import TrainStep
from tf1repro.recording.translate import keyword_arg, optimizer_call, replace_names


class Definitions(SessionRuns):
    """Makes the functions of tensors and training steps, noting what it cannot make."""

    def __init__(self, tf: str, graphs: list[GraphSites], exact: bool) -> None:
        super().__init__(tf)
        self.graphs = graphs
        self.exact = exact
        self.names_at: dict[int, str] = {}
        """Script line -> the name its statement assigns."""
        self.steps: list[TrainStep] = []
        self.optimizers: list[tuple[str, bool]] = []
        self.taken: set[str] = set()
        """Names the script uses (a new optimizer's name must not be one)."""
        self.twins: dict[str, str] = {}
        """Tensor -> the name of its traced twin."""
        self.evaluated: set[str] = set()
        """The names the script's runs fetch (their tensors get a traced twin)."""
        self.random_used: dict[int, int] = {}
        """Script line -> how many of its random calls have been seeded."""
        self.fetch_lists: list[frozenset[str]] = []
        """The names in each list a run of the script fetches."""
        self.merged_names: set[str] = set()
        """The names the script gives its merged summaries."""
        self.summary_params: dict[str, tuple[str, ...]] = {}
        """A merged summary that a training function computes before its ``def`` -> the
        parameters that function calls it with."""
        self.layer_variables: dict[tuple[str, int], str] = {}
        """(TF1 variable name, script line) -> the program's variable, for the variables a
        layer made (``tf.layers.dense``'s kernel and bias)."""

    def tensor_function(
        self, name: str, value: cst.BaseExpression, line: int
    ) -> list[cst.BaseStatement]:
        """``def name(placeholders): return value``, the tensors it reads called; and, when
        a run fetches it or the recording holds it, its traced twin ``evaluate_name``."""
        body = replace_names(
            value, lambda n: self.calls(n, None) if self.kind(n) == "tensor" else None
        )
        params = self.env[name].params
        text = f"def {name}({', '.join(params)}):\n    return {self.code(body)}\n"
        made: list[cst.BaseStatement] = [cst.parse_statement(text)]
        fetched = any(line == where for graph in self.graphs for where in graph.fetches.values())
        if name in self.evaluated or fetched:
            # A tensor named again (in a new graph) keeps its twin's name.
            twin = self.twins.get(name) or self.new_name(f"evaluate_{name}", f"{name}_traced")
            self.twins[name] = twin
            self.env[name].label = twin
            traced = f"{self.tf}.function({name}, {self.signature(params)})"
            statement = cst.parse_statement(f"{twin} = {traced}\n")
            made.append(statement.with_changes(leading_lines=[cst.EmptyLine(indent=False)]))
        return made

    def params_of(self, used: list[str]) -> tuple[str, ...]:
        """The placeholders a computation needs, in the order the script made them."""
        needed: set[str] = set()
        for name in used:
            binding = self.env.get(name)
            if binding is not None and binding.kind == "placeholder":
                needed.add(name)
            elif binding is not None and binding.kind == "tensor":
                needed.update(binding.params)
        order = [n for n, b in self.env.items() if b.kind == "placeholder"]
        return tuple(n for n in order if n in needed)

    def new_name(self, *choices: str) -> str:
        """The first of ``choices`` that the script does not use (else the last, numbered)."""
        for choice in choices:
            if choice not in self.taken:
                self.taken.add(choice)
                return choice
        number = 2
        while f"{choices[-1]}_{number}" in self.taken:
            number += 1
        self.taken.add(f"{choices[-1]}_{number}")
        return f"{choices[-1]}_{number}"

    def signature(self, placeholders: tuple[str, ...]) -> str:
        """``input_signature=[...]`` of a traced function of ``placeholders``: their specs.

        It converts what is fed to their dtypes as ``Session.run`` converted feeds, and the
        function traces once. Traced, it is graph-optimised as TF1's Session optimised the
        graph, which is what keeps the bits.
        """
        return f"input_signature=[{', '.join(self.env[p].label for p in placeholders)}]"

    def train_function(
        self, name: str, call: cst.Call, line: int
    ) -> list[cst.BaseStatement] | None:
        """``train = opt.minimize(loss)`` as the functions of a TF2 training step (None, with
        the problem noted, when it cannot be)."""
        graphs = [g for g in self.graphs if line in g.train]
        if not graphs:
            self.problems.append(
                f"line {line}: the training op trained no recorded graph (a recording holds "
                "the first training op each graph ran: a second one is not ported yet)"
            )
            return None
        graph = graphs[0]
        # One statement that builds several graphs (in a loop, or a function called for each):
        # the same code ports each, if each graph's parts were built by the same lines.
        if any(g.sites_by_name() != graph.sites_by_name() for g in graphs[1:]):
            self.problems.append(f"line {line}: builds graphs of different shapes (a loop?)")
            return None
        loss = call.args[0].value
        assert isinstance(loss, cst.Name) and isinstance(call.func, cst.Attribute)
        variables = {}
        for tf1, where in graph.variables.items():
            named = self.layer_variables.get((tf1, where), self.names_at.get(where, ""))
            if self.kind(named) != "variable":
                self.problems.append(f"line {where}: a variable that has no name of its own")
                return None
            variables[named] = tf1
        made: list[cst.BaseStatement] = []
        owner = call.func.value
        if isinstance(owner, cst.Name) and self.kind(owner.value) == "optimizer":
            binding = self.env[owner.value]
            optimizer, label, exact = owner.value, binding.label, binding.exact
        elif isinstance(owner, cst.Call) and self.tf_call(owner).endswith("Optimizer"):
            created, label, exact = optimizer_call(owner, self.tf, self.exact)
            # A name the script does not use (each graph's step makes its own optimizer).
            optimizer = self.new_name(
                "optimizer", label.rpartition(".")[2].lower(), f"{name}_optimizer"
            )
            made.append(cst.parse_statement(f"{optimizer} = {self.code(created)}\n"))
        else:
            self.problems.append(f"line {line}: minimize() of an optimizer made elsewhere")
            return None
        placeholders = self.env[name].params
        params = ", ".join(placeholders)
        names = ", ".join(variables)
        value = f"{loss.value}_value"
        summary, computed, returned = self.summarised(name, line, placeholders), "", value
        if summary:
            # As the one Session.run that fetched them computed them: before the update.
            summary_value = f"{summary.partition('(')[0]}_value"
            computed, returned = f"    {summary_value} = {summary}\n", f"{value}, {summary_value}"
        made.append(
            cst.parse_statement(
                f"@{self.tf}.function({self.signature(placeholders)})\n"
                f"def {name}({params}):\n"
                f"    with {self.tf}.GradientTape() as tape:\n"
                f"        {value} = {loss.value}({params})\n"
                f"    gradients = tape.gradient({value}, [{names}])\n"
                f"{computed}"
                f"    {optimizer}.apply_gradients(zip(gradients, [{names}]))\n"
                f"    return {returned}\n"
            )
        )
        self.optimizers.append((label, exact))
        self.steps.append(self.step(graphs, name, variables))
        return made

    def summarised(self, name: str, line: int, placeholders: tuple[str, ...]) -> str:
        """The merged summary a run fetches with the training op ``name`` (empty: none),
        noting the training op's binding returns it; the summary, if not defined yet, is then
        defined with the training op's parameters."""
        merged = sorted(
            m for m in self.merged_names if any({name, m} <= f for f in self.fetch_lists)
        )
        if len(merged) > 1:
            self.problems.append(f"line {line}: {name} is fetched with several merged summaries")
        if len(merged) != 1:
            return ""
        self.env[name].keys = (merged[0],)
        if self.kind(merged[0]) == "summaries":
            params = self.env[merged[0]].params
            if not set(params) <= set(placeholders):
                self.problems.append(f"line {line}: {merged[0]} needs more feeds than {name}")
            placeholders = params
        else:
            self.summary_params[merged[0]] = placeholders
        return f"{merged[0]}({', '.join(placeholders)})"

    def step(self, graphs: list[GraphSites], name: str, variables: dict[str, str]) -> TrainStep:
        """What the TF2 recorder needs to record this training step under TF1's names."""
        graph = graphs[0]
        feeds = {}
        for tf1, (where, dtype) in graph.placeholders.items():
            placeholder = self.names_at.get(where, "")
            if self.kind(placeholder) == "placeholder":
                feeds[placeholder] = (tf1, dtype)
        fetches = {}
        tensors = {}
        for tf1, where in graph.fetches.items():
            fetched = self.names_at.get(where, "")
            if self.kind(fetched) != "tensor":
                self.problems.append(f"line {where}: a recorded fetch that has no name of its own")
                continue
            binding = self.env[fetched]
            fetches[tf1] = (binding.label or fetched, binding.params)
            tensors[tf1] = fetched
        params = self.env[name].params
        return TrainStep(
            graphs=tuple(g.graph for g in graphs),
            steps=tuple(g.steps for g in graphs),
            function=name,
            params=params,
            feeds={p: feeds[p] for p in params if p in feeds},
            variables=variables,
            fetches=fetches,
            tensors=tensors,
        )

    def seeded(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        """The random call with the op seed TF1 gave the op it made (the same in every graph
        that made it, else unportable)."""
        line = self.line(original)
        index = self.random_used.get(line, 0)
        self.random_used[line] = index + 1
        seeds = set()
        for graph in self.graphs:
            here = [site for site in graph.random if site.line == line]
            if index < len(here):
                seeds.add(here[index].op_seed)
        if not seeds:
            return updated
        if len(seeds) > 1:
            self.problems.append(f"line {line}: one random call drew with several seeds")
            return updated
        seed = keyword_arg("seed", cst.Integer(str(seeds.pop())))
        return updated.with_changes(args=[*updated.args, seed])
