"""The release matrix: the fidelity suite run on one TensorFlow release, and the report over many.

``python -m tools.matrix run`` runs this checkout's suite (its test files, goldens and oracles)
with pytest on the installed TensorFlow and tf1repro, adds the figures behind them and what
TensorFlow prints, and writes one result JSON. ``python -m tools.matrix report`` renders any
number of result files as a Markdown table. ``noxfile.py`` makes one virtualenv per release and
calls the first from the checkout; the Docker image calls it too. The suite is the project's, so
this is project tooling and not part of the wheel: a user's scripts across releases are
``tf1repro legacy matrix``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    """One part of the fidelity suite: a test module and what passing it proves."""

    name: str
    test_file: str
    proves: str
    kernel_dependent: bool = True
    """Its outcome can change with the CPU kernels (oneDNN or Eigen): numbers computed by
    kernels whose order or fusion differs between paths. A release's second kernel path runs
    only these (``python -m tools.matrix run --kernel-checks-only``)."""


#: The fidelity suite, in report order.
SUITE = (
    Check(
        "structure",
        "test_graph_structure.py",
        "each graph holds the article's ops (Mul vs MatMul + Mean) and shapes",
        # The graph as Python builds it; kernels are chosen later, when it runs.
        kernel_dependent=False,
    ),
    Check(
        "replay",
        "test_replay.py",
        "the graph and the NumPy float32 reference agree step by step (in scale-ulps)",
    ),
    Check(
        "oracle",
        "test_oracle.py",
        "a TF1-style script (placeholders, Session) prints exactly tf1repro's log",
    ),
    Check(
        "goldens",
        "test_golden.py",
        "the committed golden runs are reproduced bit for bit",
    ),
    Check(
        "determinism",
        "test_determinism.py",
        "the same seed in two processes gives byte-identical logs and JSON",
    ),
    Check(
        "quiet",
        "test_quiet.py",
        "without --verbose, the reproduction prints nothing on stderr",
        # tf1repro captures what TensorFlow prints, whichever notices a path prints.
        kernel_dependent=False,
    ),
    Check(
        "initial values",
        "test_philox.py",
        "TensorFlow's seeded random_normal and tf1repro's NumPy mirror of it (Philox, "
        "Box-Muller) give the same bits, on thousands of graph seeds",
        # RandomStandardNormal has no oneDNN kernel: Eigen's Philox on either path.
        kernel_dependent=False,
    ),
)

CHECK_NAMES = tuple(check.name for check in SUITE)
KERNEL_CHECK_NAMES = tuple(check.name for check in SUITE if check.kernel_dependent)


def checks_run(kernel_checks_only: bool) -> tuple[str, ...]:
    """The checks a run covers: every one, or the kernel-dependent ones for a release's second
    kernel path (``python -m tools.matrix run --kernel-checks-only``)."""
    return KERNEL_CHECK_NAMES if kernel_checks_only else CHECK_NAMES


#: How a result shows a check that its run left to the release's default path.
ON_DEFAULT_PATH = "on default path"
