"""The release matrix's parts (tools/matrix) that need no particular TensorFlow: the report
renderer on sample result files, the pytest plugin that sorts outcomes into checks, stderr
normalisation, and the command run from the checkout.

The sample results in tests/data/matrix are a release that passed (2.21), one whose goldens
failed (2.13), and a tf-nightly that did not install.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, run_python

from tools.matrix import CHECK_NAMES, KERNEL_CHECK_NAMES
from tools.matrix.cli import main
from tools.matrix.probe import normalize
from tools.matrix.render import load_results, render_markdown, summary_line
from tools.matrix.run import outcome

SAMPLES = ROOT / "tests" / "data" / "matrix"


def test_results_sort_by_release_with_nightly_last() -> None:
    records = load_results([SAMPLES])
    assert [r["release"] for r in records] == ["2.13", "2.21", "nightly"]


def test_summary_lines_say_what_passed_and_failed() -> None:
    failed, passed, nightly = load_results([SAMPLES])
    assert summary_line(passed) == (
        "TensorFlow 2.21.0 (numpy 2.4.6, keras 3.15.1): all 7 checks passed"
    )
    assert summary_line(failed) == (
        "TensorFlow 2.13.1 (numpy 1.24.3, keras 2.13.1): "
        "1 of 7 checks failed (goldens); not run: quiet, initial values"
    )
    assert summary_line(nightly) == "TensorFlow nightly: install failed: Returned code 1"


def test_table_has_one_row_per_release_with_figures() -> None:
    page = render_markdown(load_results([SAMPLES]), title="Compatibility")
    lines = page.splitlines()
    assert lines[0] == "# Compatibility"
    header = next(i for i, line in enumerate(lines) if line.startswith("| release |"))
    assert lines[header] == (
        "| release | TensorFlow | NumPy | Keras | kernels | import s | structure | replay | oracle "
        "| goldens | determinism | quiet | initial values | TF stderr |"
    )
    assert lines[header + 2] == (
        "| 2.13 | 2.13.1 | 1.24.3 | 2.13.1 | — | 1.6 | ✅ 4/4 | ✅ 33/33<br>stochastic ulp 0, "
        "batch ulp 0 | ✅ 2/2 | ❌ 1/18 failed<br>worst ulp 1 | ✅ 2/2 | — | — | 1 line |"
    )
    # The kernel path each release ran on; results made before it was recorded show —.
    assert lines[header + 3].startswith("| 2.21 | 2.21.0 | 2.4.6 | 3.15.1 | onednn+fma | 1.8 |")
    assert lines[header + 3].endswith(
        "| ✅ 18/18<br>worst ulp 0 | ✅ 2/2 | ✅ 2/2 | ✅ 24/24<br>values differing 0 | 3 lines |"
    )
    assert lines[header + 4] == "| nightly | **install failed** |" + " — |" * 12
    # Every check is explained, and the dates and Python come from the records, not the clock.
    for name in CHECK_NAMES:
        assert any(line.startswith(f"- **{name}**: ") for line in lines)
    assert "Python 3.11.2 virtualenv" in page and "(run 2026-11-20 to 2026-11-21)" in page


def test_details_show_failures_and_tensorflow_stderr() -> None:
    page = render_markdown(load_results([SAMPLES]))
    details = page.split("## Details", 1)[1]
    section_213 = details.split("### 2.21")[0]
    # 2.13's result predates the quiet check: it shows as not run, not as a failure.
    assert "1 of 7 checks failed (goldens); not run: quiet, initial values." in section_213
    assert "Failure in **goldens**:" in section_213
    assert "first differing step 37 of 100" in section_213
    assert "disable_resource_variables" in section_213
    assert "### nightly\n\nTensorFlow nightly: install failed: Returned code 1." in details


def test_rendering_is_a_pure_function_of_the_records() -> None:
    records = load_results([SAMPLES])
    assert render_markdown(records) == render_markdown(list(reversed(records))[::-1])


def test_report_command_writes_the_page_without_tensorflow(tmp_path: Path) -> None:
    out = tmp_path / "compat.md"
    code = (
        "import sys; from tools.matrix.cli import main; "
        f"rc = main(['report', {str(SAMPLES)!r}, '--out', {str(out)!r}]); "
        "assert 'tensorflow' not in sys.modules; sys.exit(rc)"
    )
    result = run_python("-c", code)
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8") == result.stdout
    assert result.stdout.startswith("# Compatibility across TensorFlow releases\n")


def test_python_m_tools_matrix_runs_and_tf1repro_matrix_is_gone() -> None:
    result = run_python("-m", "tools.matrix", "report", str(SAMPLES), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Compatibility across TensorFlow releases\n")
    # The package's command no longer has it: argparse's one line, exit code 2.
    result = run_python("-m", "tf1repro", "matrix", "report", str(SAMPLES), cwd=ROOT)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "invalid choice: 'matrix'" in result.stderr


def test_the_command_checks_the_installed_tf1repro_not_the_checkout(tmp_path: Path) -> None:
    """nox and the Docker image install tf1repro's wheel and run the tooling from the checkout,
    whose own tf1repro/ would come first on sys.path: the installed one must be checked."""
    installed = tmp_path / "site-packages"
    shutil.copytree(
        ROOT / "tf1repro", installed / "tf1repro", ignore=shutil.ignore_patterns("__pycache__")
    )
    # What `python -m tools.matrix` does (runpy), and which tf1repro it imported once it ends.
    code = textwrap.dedent(
        f"""
        import atexit, runpy, sys
        atexit.register(lambda: print(sys.modules["tf1repro"].__file__))
        sys.argv = ["tools.matrix", "report", {str(SAMPLES)!r}, "--out", {str(tmp_path / "p.md")!r}]
        runpy.run_module("tools.matrix", run_name="__main__", alter_sys=True)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(installed)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == str(installed / "tf1repro" / "__init__.py")
    assert (tmp_path / "p.md").read_text(encoding="utf-8").startswith("# Compatibility")


def test_the_checkout_moves_behind_what_is_installed(tmp_path: Path) -> None:
    from tools import installed_tf1repro_first

    for first in (str(ROOT), str(ROOT / "tests" / "..")):
        path = [first, "/site"]
        installed_tf1repro_first(path)
        assert path == ["/site", first]  # still there, for a checkout with nothing installed
    # Any other first entry (a script's folder, the user's PYTHONPATH) stays where it is.
    path = [str(tmp_path), str(ROOT), "/site"]
    installed_tf1repro_first(path)
    assert path == [str(tmp_path), str(ROOT), "/site"]
    empty: list[str] = []
    installed_tf1repro_first(empty)
    assert empty == []


def test_the_wheel_leaves_the_tooling_out() -> None:
    """The wheel's packages are what ``[tool.setuptools.packages.find]`` finds: tf1repro's."""
    from setuptools import find_namespace_packages

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: nox (the test extra) brings tomli
        import tomli as tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    found = find_namespace_packages(str(ROOT), **config["tool"]["setuptools"]["packages"]["find"])
    assert "tf1repro" in found and "tf1repro.cli" in found
    assert not [name for name in found if not name.startswith("tf1repro")]
    assert not [name for name in found if "matrix" in name]


def test_report_appends_the_notes_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("<!-- kept out of the page -->\n## Notes\n\nA measured remark.\n")
    out = tmp_path / "compat.md"
    assert main(["report", str(SAMPLES), "--out", str(out), "--notes", str(notes)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page == capsys.readouterr().out
    assert page.endswith("\n\n## Notes\n\nA measured remark.\n") and "kept out" not in page
    assert page.startswith(render_markdown(load_results([SAMPLES]), title=page[2:].split("\n")[0]))
    assert main(["report", str(SAMPLES), "--notes", str(tmp_path / "none.md")]) == 2
    assert "none.md" in capsys.readouterr().err


def test_the_committed_page_ends_with_the_notes_file() -> None:
    """docs/compatibility.md is generated: its notes must be the maintained notes file's, so a
    regenerated page keeps them (``nox -s report`` passes --notes)."""
    page = (ROOT / "docs" / "compatibility.md").read_text(encoding="utf-8")
    notes = (ROOT / "docs" / "compatibility-notes.md").read_text(encoding="utf-8")
    body = notes[notes.index("-->") + 3 :].strip()
    assert page.endswith("\n" + body + "\n")


def test_report_bad_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path / "none")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    (tmp_path / "other.json").write_text('{"format": "tf1repro.run/1"}', encoding="utf-8")
    assert main(["report", str(tmp_path)]) == 2
    assert "not a tf1repro matrix result" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "empty")]) == 2


def test_outcome_needs_every_check() -> None:
    checks = {name: {"outcome": "passed"} for name in CHECK_NAMES}
    assert outcome(checks) == "passed"
    assert outcome({**checks, "oracle": {"outcome": "not run"}}) == "incomplete"
    assert outcome({**checks, "replay": {"outcome": "failed"}}) == "failed"
    assert outcome({k: v for k, v in checks.items() if k != "goldens"}) == "incomplete"
    # A second kernel path's run is complete with the kernel-dependent checks.
    kernel = {name: {"outcome": "passed"} for name in KERNEL_CHECK_NAMES}
    assert outcome(kernel) == "incomplete"
    assert outcome(kernel, KERNEL_CHECK_NAMES) == "passed"
    assert outcome({**kernel, "goldens": {"outcome": "failed"}}, KERNEL_CHECK_NAMES) == "failed"


def test_collector_sorts_outcomes_into_checks(tmp_path: Path) -> None:
    # A miniature suite: passing and failing replay tests with figures, a skipped structure
    # test, and an oracle module that cannot be imported.
    (tmp_path / "test_replay.py").write_text(
        textwrap.dedent(
            """
            import pytest

            @pytest.mark.parametrize("ulps", [0.5, 2.0])
            def test_close(record_property, ulps):
                record_property("batch ulp", ulps)

            def test_far():
                assert 1 == 2, "three ulps apart"
            """
        ),
        encoding="utf-8",
    )
    (tmp_path / "test_graph_structure.py").write_text(
        "import pytest\n\ndef test_later():\n    pytest.skip('not today')\n", encoding="utf-8"
    )
    (tmp_path / "test_oracle.py").write_text("import no_such_module\n", encoding="utf-8")
    script = textwrap.dedent(
        f"""
        import json, pytest
        from tools.matrix.collect import CheckCollector
        collector = CheckCollector()
        args = ["-q", "-p", "no:cacheprovider", "--continue-on-collection-errors"]
        pytest.main([{str(tmp_path)!r}, *args], [collector])
        print("RESULT" + json.dumps({{k: v.to_dict() for k, v in collector.tallies.items()}}))
        """
    )
    # The tooling is the checkout's: the child, in tmp_path, finds it on PYTHONPATH.
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    tallies = json.loads(result.stdout.split("RESULT", 1)[1])
    replay = tallies["replay"]
    assert (replay["outcome"], replay["passed"], replay["failed"]) == ("failed", 2, 1)
    assert replay["figures"] == {"batch ulp": 2.0}  # the worst of the two
    assert replay["failures"][0].startswith("test_replay.py::test_far\n")
    assert "three ulps apart" in replay["failures"][0]
    assert tallies["structure"] == {
        "outcome": "not run",
        "passed": 0,
        "failed": 0,
        "skipped": 1,
        "figures": {},
        "failures": [],
    }
    assert tallies["oracle"]["outcome"] == "failed"
    assert "no_such_module" in tallies["oracle"]["failures"][0]
    assert tallies["goldens"]["outcome"] == "not run"


def test_stderr_is_normalised_to_stable_distinct_lines() -> None:
    stderr = "\n".join(
        [
            "2026-11-25 02:17:00.123456: I tensorflow/core/util/port.cc:153] oneDNN custom "
            "operations are on.",
            "W0000 00:00:1732501020.123 4242 cuda_platform.cc:52] failed call to cuInit",
            "WARNING:tensorflow:From /venv/lib/python3.11/site-packages/tensorflow/python/"
            "compat/v2_compat.py:108: disable_resource_variables is deprecated",
            "2026-11-25 02:17:01.654321: I tensorflow/core/util/port.cc:153] oneDNN custom "
            "operations are on.",
            "",
        ]
    )
    assert normalize(stderr) == [
        "I port.cc:153] oneDNN custom operations are on.",
        "W cuda_platform.cc:52] failed call to cuInit",
        "WARNING:tensorflow:From v2_compat.py:108: disable_resource_variables is deprecated",
    ]


def test_sample_results_are_valid_json_records() -> None:
    for path in SAMPLES.glob("*.json"):
        record = json.loads(path.read_text(encoding="utf-8"))
        assert record["format"] == "tf1repro.matrix/1"


def test_a_release_off_onednn_follows_its_default_run(tmp_path: Path) -> None:
    import json

    sample = json.loads((SAMPLES / "tf-2.21.json").read_text(encoding="utf-8"))
    off = {**sample, "release": "2.21-onednn-off", "kernels": "eigen"}
    (tmp_path / "tf-2.21-onednn-off.json").write_text(json.dumps(off), encoding="utf-8")
    for name in ("tf-2.13.json", "tf-2.21.json"):
        (tmp_path / name).write_text((SAMPLES / name).read_text(encoding="utf-8"))
    releases = [record["release"] for record in load_results([tmp_path])]
    assert releases == ["2.13", "2.21", "2.21-onednn-off"]
    page = render_markdown(load_results([tmp_path]), title="Compatibility")
    assert "| 2.21-onednn-off | 2.21.0 | 2.4.6 | 3.15.1 | eigen |" in page


def test_every_cell_and_heading_is_escaped(tmp_path: Path) -> None:
    # A result file is input: its text must neither break the table nor become markup.
    sample = json.loads((SAMPLES / "tf-2.21.json").read_text(encoding="utf-8"))
    hostile = "2.21|x\ny<script>alert(1)</script>"
    checks = sample["checks"]
    replay = checks["replay"]
    figures = {"a|b": "nan", **replay["figures"]}
    record = {
        **sample,
        "release": hostile,
        "kernels": "one|two",
        "versions": {**sample["versions"], "keras": "3`*x*`\\"},
        "checks": {**checks, "replay": {**replay, "figures": figures, "failures": ["```\n# x"]}},
    }
    (tmp_path / "hostile.json").write_text(json.dumps(record), encoding="utf-8")
    page = render_markdown(load_results([tmp_path]))
    assert "<script>" not in page
    row = next(line for line in page.splitlines() if line.startswith("| 2.21"))
    # The row's cells are the header's: no unescaped | was added.
    header = next(line for line in page.splitlines() if line.startswith("| release |"))
    cells = re.split(r"(?<!\\)\|", row)
    assert len(cells) == header.count("|") + 1
    assert cells[1] == r" 2.21\|x y&lt;script&gt;alert(1)&lt;/script&gt; "
    assert cells[4] == r" 3\`\*x\*\`\\ " and cells[5] == r" one\|two "
    assert r"a\|b nan" in row
    assert r"### 2.21\|x y&lt;script&gt;" in page
    # A failure holding ``` stays inside its code block: the fence is longer.
    assert "````text\n```\n# x\n````" in page
