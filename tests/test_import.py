"""``import tf1repro`` and the command line's help stay light: TensorFlow is not imported."""

from __future__ import annotations

import pytest
from conftest import run_python


@pytest.mark.quick
def test_import_does_not_import_tensorflow() -> None:
    probe = (
        "import sys, tf1repro; "
        "heavy = [m for m in ('tensorflow', 'matplotlib') if m in sys.modules]; "
        "print(','.join(heavy) or 'none')"
    )
    result = run_python("-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "none"


def test_help_does_not_import_tensorflow() -> None:
    probe = (
        "import sys\n"
        "from tf1repro.cli import main\n"
        "try:\n    main(['reproduce', '--help'])\n"
        "except SystemExit as exit:\n    assert exit.code == 0\n"
        "print('tensorflow' in sys.modules)"
    )
    result = run_python("-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "False"
    assert "--learning-rate" in result.stdout


def test_the_command_line_loads_before_numpy() -> None:
    """Ctrl-C is one line from the moment ``main`` runs; until then Python's own handler would
    print a traceback, so what loads before it must be small: not NumPy (about 0.1-1 s)."""
    probe = "import sys, tf1repro.cli; print('numpy' in sys.modules)"
    result = run_python("-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.quick
def test_the_public_names_load_on_first_use() -> None:
    import tf1repro

    assert sorted(tf1repro.__all__) == sorted(tf1repro._HOMES)
    assert set(tf1repro.__all__) <= set(dir(tf1repro))
    for name in tf1repro.__all__:
        assert getattr(tf1repro, name).__name__ == name


def test_the_installed_version_is_the_package_s() -> None:
    from importlib.metadata import version

    import tf1repro

    assert version("tf1repro") == tf1repro.__version__
