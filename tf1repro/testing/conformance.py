"""``check_tutorial`` and ``check_tutorials``: one tutorial, or several, through every check in
``CHECKS``, the eager replays of all of them in one backend process."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from tf1repro.compare import compare_records
from tf1repro.config import MAX_STEPS, Config, Float, Int, validate_seed
from tf1repro.errors import ParameterError
from tf1repro.record import Record, load_record
from tf1repro.testing.records import assert_records_close, first_bit_difference, format_ulps
from tf1repro.testing.report import Check, TutorialCheckError, TutorialReport
from tf1repro.tutorial import Tutorial, load_tutorial, tutorial_names

#: The first bytes of every PNG file.
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Steps of the short training run: enough for an optimizer's slots to matter, and fast.
DEFAULT_STEPS = 5


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
        where = first_bit_difference(self.trained, again)
        if where is not None or again.to_json() != text:
            raise AssertionError(f"{where or 'the JSON text'} changed in the round trip")
        return f"{len(text)} characters, read back bit for bit"

    def _determinism(self) -> str:
        from tf1repro.backends import train

        again = train(self.tutorial, self._config, self.seed)
        where = first_bit_difference(self.trained, again)
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
        return f"{format_ulps(worst)} from the graph (tolerance {format_ulps(tolerance)})"


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


def _brief(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
