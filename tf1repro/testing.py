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

Importing this module does not import TensorFlow; training does, when a check runs.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tf1repro.compare import EVALUATION_SUFFIX, compare_records
from tf1repro.config import MAX_STEPS, Config, Float, Int, validate_seed
from tf1repro.errors import ParameterError
from tf1repro.record import Record, load_record
from tf1repro.tutorial import Tutorial, load_tutorial, tutorial_names

Array = npt.NDArray[Any]

#: Every check, in the order ``check_tutorial`` runs them.
CHECKS = (
    "loads",
    "config",
    "trains",
    "json round trip",
    "determinism",
    "log",
    "figures",
    "numpy replay",
    "eager replay",
)
#: The first bytes of every PNG file.
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Steps of the short training run: enough for an optimizer's slots to matter, and fast.
DEFAULT_STEPS = 5


# --- assert_records_close ------------------------------------------------------------------


def assert_records_close(
    actual: Record, desired: Record, *, ulps: float = 0.0, err_msg: str = ""
) -> None:
    """Raise ``AssertionError`` unless every variable, fetch and evaluation of ``actual`` is
    within ``ulps`` of ``desired`` at every step.

    Distances are float32 ulps at each quantity's own scale, taken from ``desired`` (see
    ``tf1repro.compare``); 0 means bit for bit. A NaN or an infinity in either record never
    passes, and records of different inputs (feeds, initial values, tutorial or config) cannot
    be compared: both fail with a message saying so. ``err_msg`` is shown with the failure.
    """
    for name, record in (("actual", actual), ("desired", desired)):
        if not isinstance(record, Record):
            raise ParameterError(
                name, record, "a tf1repro.Record (see tf1repro.record.load_record)"
            )
    tolerance = Float(low=0.0).check("ulps", ulps)
    header = [f"Records not within {_ulps(tolerance)} (float32 ulps at each quantity's scale)"]
    if err_msg:
        header.append(err_msg)
    problem = desired.same_inputs(actual)
    if problem is not None:
        raise AssertionError(
            "\n".join(
                [
                    *header,
                    f"The records have different inputs: {problem}. Compare records of the "
                    "same inputs: replay one of them on another backend (tf1repro.replay).",
                ]
            )
        )
    for name, record in (("actual", actual), ("desired", desired)):
        where = _non_finite(record)
        if where is not None:
            raise AssertionError("\n".join([*header, f"{name} holds {where}: it never passes"]))
    try:
        comparison = compare_records(desired, actual)
    except ValueError as error:
        raise AssertionError("\n".join([*header, f"The records differ in kind: {error}"])) from None
    beyond = [d for d in comparison.deviations if d.ulps > tolerance]
    if not beyond:
        return
    worst = max(beyond, key=lambda d: d.ulps)
    others = ", ".join(f"{d.quantity!r} {_ulps(d.ulps)} at step {d.step}" for d in beyond)
    raise AssertionError(
        "\n".join(
            [
                *header,
                f"Worst: {worst.quantity!r} at step {worst.step}: {_ulps(worst.ulps)} "
                f"(one ulp at its scale is {worst.unit:.3g})",
                f" actual:  {np.float32(worst.second)!s} ({actual.backend})",
                f" desired: {np.float32(worst.first)!s} ({desired.backend})",
                f"Beyond the tolerance: {others}; first differing step {comparison.first_step}",
            ]
        )
    )


def _ulps(value: float) -> str:
    return f"{value:g} ulp" + ("" if value == 1 else "s")


def _non_finite(record: Record) -> str | None:
    """Where ``record`` first holds a NaN or an infinity, in words; None when it holds none."""
    for name, values in record.quantities().items():
        bad = _non_finite_rows(values)
        if bad.any():
            step = int(np.argmax(bad)) + 1
            return f"{name!r} = {_first_non_finite(values[step - 1])} at step {step}"
    for label, results in sorted(record.evaluations.items()):
        for name, values in results.items():
            if _non_finite_rows(values[np.newaxis]).any():
                value = _first_non_finite(values)
                return f"{name + EVALUATION_SUFFIX!r} = {value} on the feeds {label!r}"
    return None


def _non_finite_rows(values: Array) -> Array:
    array = np.asarray(values)
    if array.dtype.kind != "f":
        return np.zeros(len(array), dtype=bool)
    rows: Array = ~np.isfinite(array.reshape(len(array), -1)).all(axis=1)
    return rows


def _first_non_finite(values: Array) -> float:
    flat = np.asarray(values).reshape(-1)
    return float(flat[~np.isfinite(flat)][0])


# --- check_tutorial ------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One check of one tutorial: its name (one of ``CHECKS``), whether it passed, and what it
    found (what it measured, or why it failed)."""

    name: str
    passed: bool
    detail: str
    error: BaseException | None = field(default=None, compare=False, repr=False)
    """The exception the tutorial's own code raised, when that is why the check failed."""


@dataclass(frozen=True)
class TutorialReport:
    """The checks run on one tutorial, in order (they stop at the first failure), and the
    checks that do not apply to it, with the reason."""

    tutorial: str
    """The tutorial as the backends load it: its name, or ``path.py:Class``."""
    checks: tuple[Check, ...]
    not_applicable: Mapping[str, str]

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failure(self) -> Check | None:
        """The check that failed, if one did."""
        return next((check for check in self.checks if not check.passed), None)

    @property
    def passed_checks(self) -> tuple[str, ...]:
        return tuple(check.name for check in self.checks if check.passed)

    def __str__(self) -> str:
        width = max(len(name) for name in CHECKS)
        lines = [self.tutorial]
        for check in self.checks:
            verdict = "pass" if check.passed else "FAIL"
            detail = check.detail.replace("\n", "\n" + " " * (width + 10))
            lines.append(f"  {verdict}  {check.name:<{width}}  {detail}")
        for name, reason in self.not_applicable.items():
            lines.append(f"  n/a   {name:<{width}}  {reason}")
        return "\n".join(lines)


class TutorialCheckError(AssertionError):
    """Some tutorial failed a check; the message names each such tutorial and its first failed
    check. ``reports`` holds every tutorial's report, the passing ones too."""

    def __init__(self, reports: Sequence[TutorialReport]) -> None:
        self.reports = tuple(reports)
        failed = [report for report in self.reports if report.failure is not None]
        lines = [
            f"{report.tutorial}: check {report.failure.name!r} failed: {report.failure.detail}"
            for report in failed
            if report.failure is not None
        ]
        if len(self.reports) > 1:
            lines.insert(0, f"{len(failed)} of {len(self.reports)} tutorials failed a check")
        super().__init__("\n".join(lines))


def check_tutorial(
    tutorial: str | Tutorial,
    *,
    steps: int = DEFAULT_STEPS,
    seed: int = 0,
    tolerance_ulps: float | None = None,
) -> TutorialReport:
    """Put ``tutorial`` through every check (``CHECKS``), training ``steps`` steps with ``seed``.

    ``tutorial``: a built-in name, a ``path.py[:Class]`` file, or a ``Tutorial`` instance (which
    is checked as its class's file loads it: the replaying backends find a tutorial again by its
    record's ``tutorial`` field, so the class must sit at the top level of a ``.py`` file).
    ``steps`` sets the config's ``steps``; a field that the config then refuses for exceeding
    it (a logging interval such as ``log_every``) is lowered to ``steps`` as well.
    ``tolerance_ulps``: how far the NumPy and eager replays may be from the TF1 graph, in
    float32 ulps at each quantity's scale; by default the tutorial's ``golden_tolerance_ulps``.

    Returns the report; raises ``TutorialCheckError`` (an ``AssertionError``) naming the first
    check that failed.
    """
    return check_tutorials([tutorial], steps=steps, seed=seed, tolerance_ulps=tolerance_ulps)[0]


def check_tutorials(
    tutorials: Sequence[str | Tutorial],
    *,
    steps: int = DEFAULT_STEPS,
    seed: int = 0,
    tolerance_ulps: float | None = None,
) -> list[TutorialReport]:
    """``check_tutorial`` for several tutorials, replaying all of their TF2 ports in one eager
    backend process (a process costs seconds: it imports TensorFlow).

    Every tutorial is checked, also after another one failed; then ``TutorialCheckError`` names
    each tutorial that failed and its check. Returns the reports, in the given order.
    """
    if isinstance(tutorials, str | Tutorial) or not isinstance(tutorials, Sequence):
        raise ParameterError("tutorials", tutorials, "a list of tutorials (check_tutorial: one)")
    if not tutorials:
        raise ParameterError("tutorials", tutorials, "a list of at least one tutorial")
    for tutorial in tutorials:
        if not isinstance(tutorial, str | Tutorial):
            raise ParameterError(
                "tutorial", tutorial, "a tutorial name, a path.py[:Class] file or a Tutorial"
            )
    steps = Int(1, MAX_STEPS).check("steps", steps)
    seed = validate_seed(seed)
    tolerance = None
    if tolerance_ulps is not None:
        tolerance = Float(low=0.0).check("tolerance_ulps", tolerance_ulps)
    runs = [_Run(tutorial, steps, seed, tolerance) for tutorial in tutorials]
    for run in runs:
        run.in_process()
    ported = [run for run in runs if run.ready_for("eager replay")]
    replayed = _replay_eager([run.trained for run in ported])
    for run, outcome in zip(ported, replayed, strict=True):
        run.compare_eager(outcome)
    reports = [run.report() for run in runs]
    failures = [report.failure for report in reports if report.failure is not None]
    if failures:
        raise TutorialCheckError(reports) from failures[0].error
    return reports


class _Run:
    """One tutorial going through the checks; the first failure ends its checks."""

    def __init__(
        self, given: str | Tutorial, steps: int, seed: int, tolerance: float | None
    ) -> None:
        self.given = given
        self.steps = steps
        self.seed = seed
        self.tolerance = tolerance
        self.name = given if isinstance(given, str) else type(given).__name__
        self.checks: list[Check] = []
        self.not_applicable: dict[str, str] = {}
        self._tutorial: Tutorial | None = None
        self._config: Config | None = None
        self._record: Record | None = None

    # What earlier checks established, for the later ones (which run only when those passed).

    @property
    def tutorial(self) -> Tutorial:
        if self._tutorial is None:
            raise RuntimeError("the 'loads' check runs before the others")
        return self._tutorial

    @property
    def trained(self) -> Record:
        if self._record is None:
            raise RuntimeError("the 'trains' check runs before the checks of its record")
        return self._record

    @property
    def failed(self) -> bool:
        return any(not check.passed for check in self.checks)

    def ready_for(self, name: str) -> bool:
        """Whether check ``name`` is due: nothing failed, and it applies to this tutorial."""
        if self.failed:
            return False
        owned = {"figures": "has_figures", "numpy replay": "has_twin", "eager replay": "has_port"}
        if name in owned and not getattr(self, owned[name]):
            self.not_applicable[name] = {
                "figures": "figures() is not overridden",
                "numpy replay": "no NumPy twin",
                "eager replay": "no TF2 port",
            }[name]
            return False
        return True

    @property
    def has_figures(self) -> bool:
        return type(self.tutorial).figures is not Tutorial.figures

    @property
    def has_twin(self) -> bool:
        return self.tutorial.has_twin

    @property
    def has_port(self) -> bool:
        return self.tutorial.has_port

    def run(self, name: str, action: Callable[[], str]) -> None:
        if not self.ready_for(name):
            return
        try:
            detail = action()
        except AssertionError as failure:
            self.checks.append(Check(name, False, str(failure)))
        # Anything the tutorial's own code raises is that check failing, not a crash of the
        # checker: the report names the check, and the exception is chained for its traceback.
        except Exception as error:
            self.checks.append(Check(name, False, f"{type(error).__name__}: {error}", error))
        else:
            self.checks.append(Check(name, True, detail))

    def in_process(self) -> None:
        """Every check but the eager replay, which runs for all tutorials at once."""
        self.run("loads", self._load)
        self.run("config", self._check_config)
        self.run("trains", self._train)
        self.run("json round trip", self._round_trip)
        self.run("determinism", self._determinism)
        self.run("log", self._log)
        self.run("figures", self._figures)
        self.run("numpy replay", self._numpy)

    def compare_eager(self, outcome: Record | Exception) -> None:
        def compare() -> str:
            if isinstance(outcome, Exception):
                raise outcome
            return self._close(outcome)

        self.run("eager replay", compare)

    def report(self) -> TutorialReport:
        spec = self._tutorial.spec if self._tutorial is not None else self.name
        return TutorialReport(spec, tuple(self.checks), dict(self.not_applicable))

    # --- the checks --------------------------------------------------------------------------

    def _load(self) -> str:
        if isinstance(self.given, str):
            self._tutorial = load_tutorial(self.given)
        else:
            self._tutorial = _loadable(self.given)
        return self._tutorial.spec

    def _check_config(self) -> str:
        cls = self.tutorial.Config
        if not (isinstance(cls, type) and issubclass(cls, Config)):
            raise AssertionError(f"its Config is {cls!r}, not a tf1repro.config.Config subclass")
        defaults = cls()  # a default outside its field's constraint raises ParameterError here
        for item in dataclasses.fields(cls):
            if "constraint" not in item.metadata:
                raise AssertionError(
                    f"the field {item.name!r} is not declared with param(default, constraint, "
                    "help): nothing checks its values"
                )
        if self.tutorial.config_from(defaults.to_dict()) != defaults:
            raise AssertionError("the default config does not come back from its to_dict()")
        overrides: dict[str, Any] = {"steps": self.steps}
        # Each refusal lowers one field; a config has no more fields than that to lower.
        for _ in range(len(dataclasses.fields(cls)) + 1):
            try:
                self._config = self.tutorial.make_config(**overrides)
            except ParameterError as error:
                # Only an int the config refuses for exceeding the steps is lowered to them.
                above = Int(self.steps + 1).allows(getattr(defaults, error.name, None))
                if error.name in overrides or not above:
                    raise AssertionError(
                        f"the {self.steps}-step config is refused: {error}"
                    ) from None
                overrides[error.name] = self.steps
            else:
                break
        changed = ", ".join(f"{name}={value}" for name, value in overrides.items())
        return f"defaults valid; the short run sets {changed}"

    def _train(self) -> str:
        from tf1repro.backends import train

        self._record = record = train(self.tutorial, self._config, self.seed)
        if record.steps != self.steps:
            raise AssertionError(f"the record holds {record.steps} steps, not {self.steps}")
        if not record.variables:
            raise AssertionError("the record holds no variable: the graph trains nothing")
        names = ", ".join([*record.variables, *record.fetches])
        return f"{self.steps} steps of {names} with seed {self.seed}"

    def _round_trip(self) -> str:
        text = self.trained.to_json()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "record.json"
            path.write_text(text, encoding="utf-8")
            again = load_record(path)
        where = _first_bit_difference(self.trained, again)
        if where is not None or again.to_json() != text:
            raise AssertionError(f"{where or 'the JSON text'} changed in the round trip")
        return f"{len(text)} characters, read back bit for bit"

    def _determinism(self) -> str:
        from tf1repro.backends import train

        again = train(self.tutorial, self._config, self.seed)
        where = _first_bit_difference(self.trained, again)
        if where is None and again != self.trained:
            where = "the record's description (versions, platform, config)"
        if where is not None:
            hint = {
                "feeds": ": draw the data and the feeds from the rng argument only",
                "initial": ": initial values must come from TensorFlow ops (the graph seed)",
            }.get(where.partition(" ")[0], "")
            raise AssertionError(f"two trainings with seed {self.seed} differ in {where}{hint}")
        return f"a second training with seed {self.seed} gives the same bits"

    def _log(self) -> str:
        lines = self.tutorial.log(self.trained)
        if not isinstance(lines, list | tuple) or not all(isinstance(x, str) for x in lines):
            raise AssertionError(f"log() must return a list of str lines, got {_brief(lines)}")
        if not lines:
            raise AssertionError("log() returned no line")
        return f"{len(lines)} line" + ("" if len(lines) == 1 else "s")

    def _figures(self) -> str:
        figures = self.tutorial.figures([self.trained])
        if not isinstance(figures, Mapping) or not figures:
            raise AssertionError(f"figures() must return PNG files by name, got {_brief(figures)}")
        for name, data in figures.items():
            if not isinstance(data, bytes) or not data.startswith(PNG_SIGNATURE):
                raise AssertionError(f"the figure {name!r} is not PNG bytes: {_brief(data)}")
        return ", ".join(figures)

    def _numpy(self) -> str:
        from tf1repro.backends import replay

        return self._close(replay(self.trained, "numpy"))

    def _close(self, replayed: Record) -> str:
        tolerance = self.tolerance
        if tolerance is None:
            tolerance = float(self.tutorial.golden_tolerance_ulps)
        assert_records_close(replayed, self.trained, ulps=tolerance)
        worst = compare_records(self.trained, replayed).worst
        return f"{_ulps(worst)} from the graph (tolerance {_ulps(tolerance)})"


def _loadable(tutorial: Tutorial) -> Tutorial:
    """A copy of ``tutorial`` whose ``spec`` the backends load it by (its records name it)."""
    cls = type(tutorial)
    spec = tutorial.spec
    if not spec:
        builtin = getattr(cls, "name", None) in tutorial_names()
        if builtin and type(load_tutorial(cls.name)) is cls:
            spec = cls.name
        else:
            spec = f"{inspect.getsourcefile(cls)}:{cls.__name__}"
    try:
        found = load_tutorial(spec)
    except ParameterError as error:
        raise AssertionError(
            f"{error} (the backends load a tutorial again by its record's 'tutorial' field, "
            "so its class must be defined at the top level of a .py file)"
        ) from None
    if type(found).__qualname__ != cls.__qualname__:
        raise AssertionError(f"{spec!r} loads {type(found).__qualname__}, not {cls.__qualname__}")
    loadable = copy.copy(tutorial)
    loadable.spec = spec
    return loadable


def _replay_eager(records: Sequence[Record]) -> list[Record | Exception]:
    """Each record replayed on its TF2 port, or the exception that stopped it."""
    from tf1repro.backends import replay_all

    if not records:
        return []
    try:
        return list(replay_all(records, "eager"))
    except Exception as error:
        if len(records) == 1:
            return [error]
    # One process replays them all and stops at the first failure without saying whose: find
    # it by replaying each record alone.
    return [outcome for record in records for outcome in _replay_eager([record])]


def _named_arrays(record: Record) -> Iterator[tuple[str, Array]]:
    """Every array of ``record`` by where it sits, the inputs first."""
    for group in ("feeds", "initial", "variables", "fetches"):
        for name, values in getattr(record, group).items():
            yield f"{group} {name!r}", values
    for label, feeds in sorted(record.evaluation_feeds.items()):
        for name, values in feeds.items():
            yield f"evaluation feeds {label!r} {name!r}", values
    for label, results in sorted(record.evaluations.items()):
        for name, values in results.items():
            yield f"evaluations {label!r} {name!r}", values


def _first_bit_difference(first: Record, second: Record) -> str | None:
    """Where the arrays of two records first differ in name, dtype, shape or a single bit."""
    mine, theirs = dict(_named_arrays(first)), dict(_named_arrays(second))
    for where, values in mine.items():
        other = theirs.get(where)
        if (
            other is None
            or values.dtype != other.dtype
            or values.shape != other.shape
            or values.tobytes() != other.tobytes()
        ):
            return where
    extra = sorted(set(theirs) - set(mine))
    return extra[0] if extra else None


def _brief(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
