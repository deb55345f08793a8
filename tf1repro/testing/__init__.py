"""Test helpers for tutorial authors, as ``numpy.testing`` is for arrays and scikit-learn's
``check_estimator`` is for estimators.

``assert_records_close(actual, desired, ulps=0)`` compares two records of the same inputs step
by step (``tf1repro.compare``: float32 ulps at each quantity's own scale) and raises an
``AssertionError`` naming the worst quantity, its step, its distance and the tolerance.

``check_tutorial(tutorial)`` puts one tutorial (a built-in name, a ``path.py[:Class]`` file or a
``Tutorial`` instance) through every check a built-in tutorial passes, each by name:

========================  ========================================================================
``loads``                 it loads, and the backends can load it again from its record
``config``                its config defaults are valid, and so is the short run's config
``trains``                its TF1 graph builds and trains a few steps (``tf1repro.train``)
``json round trip``       the record written as JSON reads back bit for bit
``determinism``           a second training with the same seed gives the very same record
``log``                   ``log()`` gives lines
``figures``               ``figures()`` gives PNG files (when the tutorial has figures)
``numpy replay``          its NumPy twin replays the record within the tolerance (if it has one)
``eager replay``          its TF2 port replays the record within the tolerance (if it has one)
========================  ========================================================================

The tolerance of the replays is the one the tutorial states, ``golden_tolerance_ulps`` (0, bit
for bit, unless it names the op that needs more), or ``tolerance_ulps`` when given.
``check_tutorials`` checks several tutorials with one eager backend process for all of them.

A failing check raises ``TutorialCheckError``, an ``AssertionError``: like ``check_estimator``
and ``numpy.testing``, one call is the whole test, with no ``assert`` around it, and the test
runner shows which check failed and why. A run that passes returns a ``TutorialReport`` of the
checks run and those that did not apply: a tutorial without a TF2 port skips the eager check,
and the report is where a test sees that it did not pass it by being skipped.

Example, in a test file of your own::

    from tf1repro import replay, train
    from tf1repro.testing import assert_records_close, check_tutorial

    def test_my_tutorial_passes_every_check():
        report = check_tutorial("tutorials/line.py:Line")
        assert "eager replay" in report.passed_checks

    def test_my_port_is_bit_for_bit_at_seed_3():
        record = train("tutorials/line.py:Line", seed=3)
        assert_records_close(replay(record, "eager"), record, ulps=0)

``write_mnist(folder, train=N, test=M)`` writes fake MNIST files (random images in the real
format) for running a script that reads MNIST offline (``legacy run --data-dir folder``).

Importing this module does not import TensorFlow; training does, when a check runs.
"""

from tf1repro.testing.conformance import (
    DEFAULT_STEPS,
    PNG_SIGNATURE,
    check_tutorial,
    check_tutorials,
)
from tf1repro.testing.mnist import write_mnist
from tf1repro.testing.records import assert_records_close
from tf1repro.testing.report import CHECKS, Check, TutorialCheckError, TutorialReport

# Not sorted: the reference page (members_order: __all__) shows them in this, the reading order.
__all__ = [  # noqa: RUF022
    "CHECKS",
    "PNG_SIGNATURE",
    "DEFAULT_STEPS",
    "assert_records_close",
    "Check",
    "TutorialReport",
    "TutorialCheckError",
    "check_tutorial",
    "check_tutorials",
    "write_mnist",
]
