"""The documentation: the site builds without a warning, and what it names exists.

``mkdocs build --strict`` fails on a broken link or anchor, a page left out of the navigation, an
API reference target that does not resolve and a docstring griffe cannot parse. The other checks
are what MkDocs cannot see: file paths and dotted module names written in the text, which go
stale when code moves.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

import tf1repro

#: The README and every page of the site (not the changelog, which names modules that moved).
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
#: A path into the repository as the docs write it: ``tests/test_cli.py``, ``tf1repro/files/``.
PATH = re.compile(r"(?<![\w./-])(?:tf1repro|tests|docs|docker|benchmarks|scripts)/[\w./-]*[\w/]")
#: A dotted name in the package: ``tf1repro.backends.run_steps``.
DOTTED = re.compile(r"(?<![\w.])tf1repro(?:\.[A-Za-z_]\w*)+")
#: The test command of the README's quick start, which CI runs as it is.
TEST_COMMAND = (
    'python3 -m venv .venv && . .venv/bin/activate && pip install -q -e ".[test]" && pytest'
)


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    assert (tmp_path / "api" / "index.html").is_file()
    # The generated API reference holds the documented objects, not just their headings.
    page = (tmp_path / "api" / "backends" / "index.html").read_text(encoding="utf-8")
    assert "one training loop every backend runs" in page


def test_every_path_named_in_the_docs_exists() -> None:
    missing = [
        f"{page.relative_to(ROOT)}: {path}"
        for page in PAGES
        for path in PATH.findall(page.read_text(encoding="utf-8"))
        if not (ROOT / path).exists()
    ]
    assert missing == []


def _module_file(parts: list[str]) -> Path | None:
    base = ROOT.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _defines(source: str, name: str) -> bool:
    """``name`` is defined at the module's top level, or exported by name (``__all__``)."""
    pattern = rf"(?m)^(?:(?:def|class)\s+{name}\b|{name}\s*[:=])|[\"']{name}[\"']"
    return re.search(pattern, source) is not None


def test_every_module_and_name_named_in_the_docs_exists() -> None:
    stale = []
    for page in PAGES:
        for dotted in set(DOTTED.findall(page.read_text(encoding="utf-8"))):
            parts = dotted.split(".")
            # The longest prefix that is a module; the rest starts with a name it defines.
            cut = next(n for n in range(len(parts), 0, -1) if _module_file(parts[:n]))
            module = _module_file(parts[:cut])
            assert module is not None
            if cut < len(parts) and not _defines(module.read_text("utf-8"), parts[cut]):
                stale.append(f"{page.relative_to(ROOT)}: {dotted}")
    assert stale == []


def test_the_api_reference_lists_every_public_name() -> None:
    page = (ROOT / "docs" / "api" / "index.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"(?m)^\| `(\w+)` \|", page))
    assert listed == set(tf1repro.__all__), "docs/api/index.md must list tf1repro.__all__"


def test_ci_runs_the_readmes_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"```bash\n{TEST_COMMAND}\n```" in readme
    assert TEST_COMMAND in ci.splitlines()


def test_every_field_of_v1graph_and_v2port_has_a_docstring() -> None:
    """The API reference documents them field by field (griffe reads a string after a field)."""
    import ast
    import dataclasses

    from tf1repro.tutorial import V1Graph, V2Port

    tree = ast.parse((ROOT / "tf1repro" / "tutorial.py").read_text())
    for cls in (V1Graph, V2Port):
        (node,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls.__name__]
        documented = {
            field.target.id
            for field, after in zip(node.body, node.body[1:], strict=False)
            if isinstance(field, ast.AnnAssign)
            and isinstance(field.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
        }
        assert documented == {f.name for f in dataclasses.fields(cls)}, cls


def test_porting_has_the_self_seeding_recipe_and_the_port_reference() -> None:
    text = (ROOT / "docs" / "porting.md").read_text()
    assert "### A script that seeds itself" in text
    assert "rng.seed(42)" in text and "tf.set_random_seed(42)" in text
    assert "api/tutorial.md#tf1repro.tutorial.V2Port" in text
    assert 'V2Port(loss="cost")' in text and "V1Graph(evaluations=" in text
