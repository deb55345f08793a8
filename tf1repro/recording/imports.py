"""The top of a ported program: TensorFlow imported as TF2 (and ``input_data``, gone from TF 2,
from tf1repro), imports the port no longer uses gone, and the seeding ``tf1repro legacy run
--seed N`` did before the script started."""

from __future__ import annotations

import libcst as cst

from tf1repro.recording.constructs import dotted

#: TF 1.x's MNIST reader, gone from TF 2, and tf1repro's: it reads the same four files (never
#: downloading) and draws the same batches as TF 1.x did (``legacy run`` serves it in its place).
MNIST_TF1 = "tensorflow.examples.tutorials.mnist"
MNIST_TF2 = "tf1repro.mnist"


def seed_lines(module: cst.Module, tf: str, seed: int, why: str) -> list[str]:
    """What ``legacy run --seed`` seeds before the script and at each reset of the graph, as
    code under the comment ``why``: the generators the script imports, and TensorFlow's
    global seed (the graph seed)."""
    imported = {
        dotted(a.asname.name if a.asname else a.name): dotted(a.name) for a in _imports(module)
    }
    lines = [f"# {why}\n"]
    for local, name in imported.items():
        if name == "numpy":
            lines.append(f"{local}.random.seed({seed})\n")
        elif name == "random":
            lines.append(f"{local}.seed({seed})\n")
    lines.append(f"{tf}.random.set_seed({seed})\n")
    return [lines[0] + lines[1], *lines[2:]]


def _imports(module: cst.Module) -> list[cst.ImportAlias]:
    found: list[cst.ImportAlias] = []
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Import):
                    found.extend(small.names)
    return found


def all_names(node: cst.CSTNode) -> set[str]:
    found: set[str] = set()

    class Names(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.add(name.value)

    node.visit(Names())
    return found


def imports_ported(module: cst.Module, seeding: list[str]) -> cst.Module:
    """TensorFlow imported as TF2, imports left unused by the port gone, and the seeding
    after the imports at the top."""
    used = all_names(cst.Module([s for s in module.body if not _is_import(s)]))
    body: list[cst.BaseStatement] = []
    # The imports at the top, after the module's docstring if it has one.
    last_import = 0 if _is_docstring(module.body[0]) else -1
    for statement in module.body:
        if _is_import(statement):
            assert isinstance(statement, cst.SimpleStatementLine)
            kept = [_v2_import(small, used) for small in statement.body]
            smalls = [small for small in kept if small is not None]
            if not smalls:
                continue
            statement = statement.with_changes(body=smalls)
            if last_import == len(body) - 1:
                last_import = len(body)
        body.append(statement)
    seeds = [cst.parse_statement(line) for line in seeding]
    seeds[0] = seeds[0].with_changes(
        leading_lines=[cst.EmptyLine(indent=False), *seeds[0].leading_lines]
    )
    # TensorFlow imported below other code (after ``mnist = input_data.read_data_sets(...)``)
    # joins the imports at the top: the seeding needs it, and ``read_data_sets`` seeds NumPy
    # from TensorFlow's global seed, which ``legacy run`` had set before the script started.
    late = [s for i, s in enumerate(body) if i > last_import and _imports_tensorflow(s)]
    body = [s for s in body if all(s is not moved for moved in late)]
    body[last_import + 1 : last_import + 1] = late
    last_import += len(late)
    body[last_import + 1 : last_import + 1] = seeds
    return module.with_changes(body=body)


def _imports_tensorflow(statement: cst.BaseStatement) -> bool:
    return _is_import(statement) and any(
        isinstance(small, cst.Import)
        and any(dotted(alias.name).split(".")[0] == "tensorflow" for alias in small.names)
        for small in getattr(statement, "body", ())
    )


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _is_import(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
    )


def _v2_import(small: cst.BaseSmallStatement, used: set[str]) -> cst.BaseSmallStatement | None:
    if isinstance(small, cst.Import):
        names = []
        for alias in small.names:
            if dotted(alias.name).startswith("tensorflow"):
                alias = alias.with_changes(name=cst.Name("tensorflow"))
            names.append(alias)
        return small.with_changes(names=names)
    if isinstance(small, cst.ImportFrom) and isinstance(small.names, (list, tuple)):
        module = dotted(small.module) if small.module is not None else ""
        if module == MNIST_TF1:
            return small.with_changes(module=cst.parse_expression(MNIST_TF2))
        if module.startswith("tensorflow"):
            kept = [
                alias
                for alias in small.names
                if dotted(alias.asname.name if alias.asname else alias.name) in used
            ]
            if not kept:
                return None
            return small.with_changes(
                names=[a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in kept]
            )
    return small
