"""The code stays a model worth copying: lint, formatting and strict types are part of the suite."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

import pytest
from conftest import ROOT, run_python

import tf1repro


@pytest.mark.parametrize(
    "command",
    [
        ["-m", "ruff", "check", "."],
        ["-m", "ruff", "format", "--check", "."],
        ["-m", "mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_clean(command: list[str]) -> None:
    result = run_python(*command, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def _modules(package: Path) -> dict[str, Path]:
    """Every module of ``package`` by its dotted name (a package by its ``__init__``)."""
    found = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _is_type_checking(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(name: str, path: Path, modules: Mapping[str, Path]) -> set[str]:
    """The package's modules that module ``name`` imports, at its top level or in a function;
    imports only for the type checker (``if TYPE_CHECKING:``) are left out."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    pending: list[ast.AST] = [ast.parse(path.read_text(), str(path))]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # `from package import module` imports the module; `from module import name` the
            # module the name is in.
            submodules = {f"{base}.{alias.name}" for alias in node.names} & modules.keys()
            found.update(submodules or {base})
        if isinstance(node, ast.If) and _is_type_checking(node):
            pending.extend(node.orelse)
        else:
            pending.extend(ast.iter_child_nodes(node))
    return found & modules.keys() - {name}


def _cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_cycles_are_found() -> None:
    """The check below can fail: a two-module cycle and a longer one are both reported."""
    graph = {"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"e"}, "e": {"c", "a"}, "f": set()}
    assert _cycles(graph) == [["a", "b"], ["c", "d", "e"]]


def test_no_import_cycle_between_the_package_s_modules() -> None:
    modules = _modules(ROOT / "tf1repro")
    graph = {name: _imported(name, path, modules) for name, path in modules.items()}
    # `tf1repro.<name>` imports the name's home on first use (``_HOMES``).
    graph["tf1repro"] |= set(tf1repro._HOMES.values())
    # The parser sees what it should: top-level and function-level imports, and not the
    # imports made only for the type checker.
    assert "tf1repro.process_group" in graph["tf1repro.legacy.runner"]
    assert "tf1repro.legacy.runner" in graph["tf1repro.cli.legacy.runs"]
    assert "tf1repro.legacy.child.compat" not in graph["tf1repro.legacy.child.imports"]
    assert _cycles(graph) == []
