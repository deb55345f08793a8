"""The tutorial contract: what a TF1 tutorial declares, and nothing about training loops.

A tutorial is one ``Tutorial`` subclass in one Python file. It declares what the original
declares:

* its config type, as the class's type argument: ``class Lasso(Tutorial[LassoConfig])``, a
  frozen config class (``tf1repro.config.Config``) with the original's defaults; every method
  below receives a ``LassoConfig``;
* ``data(rng, config)``: the data set, drawn with the original's own ``np.random`` calls;
* ``feeds(rng, config, data, step)``: one step's feed values by placeholder name, drawn as the
  original draws them (``rng`` is the same stream, so the order of calls is the original's);
* ``build_v1(tf, config)``: the TF1 graph in ``tf.compat.v1``, returned as a ``V1Graph``: its
  placeholders, variables, the fetches the original prints or plots, and the train op;
* optionally ``port_v2(tf, config, initial)``: the TF2 port (``tf.Variable``s made from given
  initial values, a forward function, an optimizer), returned as a ``V2Port``;
* optionally ``numpy_twin(config, initial, platform)``: a NumPy mirror of one step
  (``NumpyTwin``), for the kernel path the record was made on;
* optionally ``evaluation_feeds`` (what the original evaluates after training), ``log`` (its
  printed lines) and ``figures`` (its plots).

The engine (``tf1repro.backends``) runs every backend through one loop, records every feed,
initial value, variable and fetch (``tf1repro.record``), and compares and diagnoses them.

Tutorials are found by name (the built-in ones, in ``tf1repro.tutorials``) or loaded from a
user's file: ``load_tutorial("path/to/my_tutorial.py:MyTutorial")``.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import sys
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, cast, get_args, get_origin

import numpy as np
import numpy.typing as npt

# typing.TypeVar takes a default (PEP 696) from Python 3.13 on.
from typing_extensions import TypeVar

from tf1repro.config import Config as ConfigBase
from tf1repro.errors import ParameterError

if TYPE_CHECKING:
    from tf1repro.record import Record

Array = npt.NDArray[Any]
Arrays = Mapping[str, Array]
"""Named arrays: feeds by placeholder name, values by variable name, results by fetch name."""

ConfigT = TypeVar("ConfigT", bound=ConfigBase, default=Any)
"""A tutorial's config class. Its default makes a bare ``Tutorial`` (what the engine handles:
any tutorial) mean ``Tutorial[Any]``."""


@dataclass(frozen=True)
class V1Graph:
    """The handles of a built TF1 graph, each by the name the records use.

    ``fetches`` are read after every step, on that step's feeds (as the original's
    ``sess.run(loss, feed_dict=...)`` after ``sess.run(train_step, ...)``); ``evaluations`` are
    read once after training, on each of ``Tutorial.evaluation_feeds``.
    """

    placeholders: Mapping[str, Any]
    """Every ``tf.placeholder`` the step feeds, by the name ``Tutorial.feeds`` returns its
    value under."""
    variables: Mapping[str, Any]
    """Every trained ``tf.Variable``, by name; recorded before the first step (its initial
    value) and after every step. The port's ``V2Port.variables`` use the same names."""
    fetches: Mapping[str, Any]
    """What the original reads after each step (its loss, an accuracy...), by name; read on
    that step's feeds after the update and recorded every step."""
    train: Any
    """The op the original runs each step: ``optimizer.minimize(loss)``."""
    evaluations: Mapping[str, Any] = field(default_factory=dict)
    """What the original evaluates once after training (a test MSE, predictions), by name;
    read on each of ``Tutorial.evaluation_feeds``. Default: none."""


@dataclass(frozen=True)
class V2Port:
    """A TF2 port: variables, a forward function and an optimizer; the engine writes the step.

    ``forward(feeds)`` maps the step's feed tensors (by placeholder name) to tensors by fetch
    name; it must return every fetch the TF1 graph declares and ``loss``, the quantity
    minimised. The engine differentiates ``loss`` with a ``GradientTape`` and calls
    ``optimizer.apply_gradients`` (a Keras optimizer, a ``tf.compat.v1.train`` optimizer run
    eagerly, or anything with that method). ``evaluate(feeds)``, when given, maps evaluation
    feeds to the graph's ``evaluations``.
    """

    variables: Mapping[str, Any]
    """The port's ``tf.Variable``s by the graph's variable names, made from the given initial
    values (``port_v2``'s ``initial``)."""
    forward: Any
    """``forward(feeds) -> {name: tensor}``: the feed tensors by placeholder name in, every
    fetch of the graph and the loss out. It runs inside a ``tf.function`` and a
    ``GradientTape``."""
    optimizer: Any
    """What ``apply_gradients`` is called on: the original's ``tf.compat.v1.train`` optimizer
    run eagerly, or a Keras optimizer that computes the same update."""
    loss: str = "loss"
    """The name, among ``forward``'s outputs, of the quantity minimised. Default ``"loss"``;
    name another when the loss is fetched under another name, or is not a fetch at all (a
    loss with a regulariser the original never printed)."""
    evaluate: Any = None
    """``evaluate(feeds) -> {name: tensor}`` for the graph's ``V1Graph.evaluations``, on each
    evaluation feed; None (the default) when the graph evaluates nothing."""


class NumpyTwin(ABC):
    """One training step of a tutorial in NumPy, split as TensorFlow's graph computes it.

    Stages are separate so that ``tf1repro.diagnose`` can say which one differs.
    """

    @abstractmethod
    def forward(self, variables: Arrays, feeds: Arrays) -> dict[str, Array]:
        """The fetches on ``variables`` and ``feeds``."""

    @abstractmethod
    def gradients(self, variables: Arrays, feeds: Arrays) -> dict[str, Array]:
        """The gradient of the loss for every variable."""

    @abstractmethod
    def apply(self, variables: Arrays, gradients: Arrays) -> dict[str, Array]:
        """The variables after the optimizer's update (a twin keeps its own slots)."""

    def evaluate(self, variables: Arrays, feeds: Arrays) -> dict[str, Array]:
        """The evaluations on ``feeds``; tutorials with evaluations override it."""
        raise NotImplementedError("this NumPy twin has no evaluations")


class Tutorial(ABC, Generic[ConfigT]):
    """One TF1 tutorial graph: its data, its graph, and optionally its TF2 port and NumPy twin.

    A subclass names its config class as the type argument, ``class Lasso(Tutorial[LassoConfig])``,
    which sets ``Config`` and types the ``config`` of every method; it sets ``name`` (the registry
    key, also the ``tutorial`` of every record). A subclass defined in a module anywhere under
    ``tf1repro.tutorials`` is built in.
    """

    name: ClassVar[str]
    # A ClassVar cannot hold a type variable, so ``Config`` is declared as an attribute: type
    # checkers then read it as ``type[LassoConfig]`` on a ``Tutorial[LassoConfig]`` instance
    # (mypy calls reading it from the class ambiguous). It is set once per class, from the type
    # argument (``__init_subclass__``), never per instance.
    Config: type[ConfigT]
    """The config class: the original's constants as ``param`` fields with its defaults."""
    summary: ClassVar[str] = ""
    """One line for ``tf1repro tutorials``: what the original trains."""
    golden_cases: ClassVar[Mapping[str, Mapping[str, Any]]] = {"": {}}
    """Golden runs to keep, by label: config overrides (the default config has label '')."""
    golden_seeds: ClassVar[Sequence[int]] = (0, 1, 2)
    """The seeds each golden case is kept for."""
    golden_tolerance_ulps: ClassVar[float] = 0.0
    """How far (ulps at each quantity's scale) a golden may be from a run on *another*
    TensorFlow release or kernel path. 0: bit for bit. A tutorial that needs more states the
    measured figure and the op in ``golden_tolerance_reason``; on the release and kernel path
    that made a golden, every check is bit for bit regardless."""
    golden_tolerance_reason: ClassVar[str] = ""

    spec: str = ""
    """How this tutorial is found again: its name, or ``path.py:ClassName`` for a user's file."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        config = _config_argument(cls)
        if config is not None and "Config" not in cls.__dict__:
            cls.Config = cast("type[ConfigT]", config)
        if "name" in cls.__dict__ and cls.__module__.startswith(_BUILTIN_PACKAGE + "."):
            if cls.name in _REGISTRY:
                raise ValueError(f"two tutorials are named {cls.name!r}")
            _REGISTRY[cls.name] = cls

    # -- what the original declares --------------------------------------------------------

    @abstractmethod
    def data(self, rng: np.random.RandomState, config: ConfigT) -> dict[str, Any]:
        """The data set, drawn once with the original's calls on ``rng`` (NumPy's stream)."""

    @abstractmethod
    def feeds(
        self, rng: np.random.RandomState, config: ConfigT, data: Mapping[str, Any], step: int
    ) -> dict[str, Any]:
        """The feed values of step ``step`` (1-based), by placeholder name, drawn from ``rng``."""

    @abstractmethod
    def build_v1(self, tf: ModuleType, config: ConfigT) -> V1Graph:
        """Build the TF1 graph into the current default graph (``tf`` is ``tf.compat.v1``).

        Create ops in the original's order: op-level seeds derive from the graph seed and the
        number of ops made before, so the order decides the initial values.
        """

    def port_v2(self, tf: ModuleType, config: ConfigT, initial: Arrays) -> V2Port:
        """The TF2 port, its variables made from ``initial`` (``tf`` has v2 behaviour on)."""
        raise NotImplementedError(f"the tutorial {self.name!r} has no TF2 port")

    def numpy_twin(
        self, config: ConfigT, initial: Arrays, platform: Mapping[str, str]
    ) -> NumpyTwin:
        """The NumPy twin, starting from ``initial``, mirroring the kernels of ``platform``
        (the record's: e.g. ``{"kernels": "onednn+fma"}``, see ``tf1repro.kernel_path``)."""
        raise NotImplementedError(f"the tutorial {self.name!r} has no NumPy twin")

    def evaluation_feeds(
        self, config: ConfigT, data: Mapping[str, Any]
    ) -> dict[str, dict[str, Any]]:
        """Feeds for the evaluations after training, by label (e.g. ``test``, ``train``)."""
        return {}

    def log(self, record: Record) -> list[str]:
        """The lines the original prints; by default every fetch and variable at the end."""
        last = record.steps
        return [
            f"Step #{last} {name} = {record.value(name, last)!s}"
            for name in (*record.variables, *record.fetches)
        ]

    def figures(self, records: Sequence[Record]) -> dict[str, bytes]:
        """The original's plots as PNG files by name, from this tutorial's records."""
        return {}

    # -- conveniences ----------------------------------------------------------------------

    @property
    def has_port(self) -> bool:
        return _overrides(self, "port_v2")

    @property
    def has_twin(self) -> bool:
        return _overrides(self, "numpy_twin")

    def make_config(self, **overrides: Any) -> ConfigT:
        """The tutorial's config with ``overrides`` (checked; unknown fields are refused)."""
        from tf1repro.config import config_from_dict

        return config_from_dict(self.Config, {**self.Config().to_dict(), **overrides})

    def config_from(self, values: Mapping[str, Any]) -> ConfigT:
        """The tutorial's config from all of its fields' ``values`` (checked)."""
        from tf1repro.config import config_from_dict

        return config_from_dict(self.Config, values)


@dataclass(frozen=True)
class Sweep:
    """One config parameter over several values: ``tf1repro compare`` checks every part whose
    config has ``parameter`` once per value (``--sweep PARAMETER=V1,V2,...``)."""

    parameter: str
    values: tuple[Any, ...]

    def __str__(self) -> str:
        return f"{self.parameter}=" + ",".join(str(value) for value in self.values)


class Script:
    """Several tutorials that one original runs one after another (the article: stochastic
    training, then batch training), with a joint log and joint figures."""

    def __init__(
        self,
        name: str,
        parts: Sequence[str],
        summary: str,
        figures: Any = None,
        sweep: Sweep | None = None,
    ) -> None:
        self.name = name
        self.parts = tuple(parts)
        self.summary = summary
        self._figures = figures
        self.sweep = sweep
        """What ``tf1repro compare`` sweeps by default (the article: batch sizes 1, 20, 100)."""
        if name in _SCRIPTS:
            raise ValueError(f"two scripts are named {name!r}")
        _SCRIPTS[name] = self

    def figures(self, records: Sequence[Record]) -> dict[str, bytes]:
        return {} if self._figures is None else dict(self._figures(records))


_BUILTIN_PACKAGE = "tf1repro.tutorials"
_REGISTRY: dict[str, type[Tutorial]] = {}
_SCRIPTS: dict[str, Script] = {}


def _overrides(tutorial: Tutorial, method: str) -> bool:
    return getattr(type(tutorial), method) is not getattr(Tutorial, method)


def _config_argument(cls: type) -> type[ConfigBase] | None:
    """The config class that ``cls``'s own bases name as a type argument, as in
    ``class Lasso(Tutorial[LassoConfig])`` or ``class Deming(IrisRegression[DemingConfig])``."""
    # __orig_bases__ keeps the subscripted bases (PEP 560); read from the class's own
    # namespace, since a class with unsubscripted bases would inherit its parent's.
    for base in cls.__dict__.get("__orig_bases__", ()):
        origin = get_origin(base)
        if inspect.isclass(origin) and issubclass(origin, Tutorial):
            for argument in get_args(base):
                if inspect.isclass(argument) and issubclass(argument, ConfigBase):
                    return argument
    return None


def _import_builtins() -> None:
    """Import every module under ``tf1repro.tutorials``, in subpackages too, so that each
    built-in ``Tutorial`` subclass and ``Script`` registers itself."""
    package = importlib.import_module(_BUILTIN_PACKAGE)
    for module in pkgutil.walk_packages(package.__path__, prefix=f"{_BUILTIN_PACKAGE}."):
        importlib.import_module(module.name)


def tutorial_names() -> tuple[str, ...]:
    """The built-in tutorials, sorted."""
    _import_builtins()
    return tuple(sorted(_REGISTRY))


def script_names() -> tuple[str, ...]:
    _import_builtins()
    return tuple(sorted(_SCRIPTS))


def get_script(name: str) -> Script | None:
    _import_builtins()
    return _SCRIPTS.get(name)


def load_tutorial(spec: str) -> Tutorial:
    """A tutorial by built-in name, or from a file: ``path/to/file.py`` or ``file.py:ClassName``.

    A file must define exactly one ``Tutorial`` subclass unless ``:ClassName`` picks one.
    Raises ``ParameterError`` (for the option ``tutorial``) saying what was wrong.
    """
    if not isinstance(spec, str) or not spec:
        raise ParameterError("tutorial", spec, "a tutorial name or a path to a .py file")
    path_text, _, class_name = spec.partition(":") if ".py" in spec else (spec, "", "")
    if not path_text.endswith(".py"):
        _import_builtins()
        cls = _REGISTRY.get(spec)
        if cls is None:
            known = ", ".join(sorted(_REGISTRY))
            raise ParameterError("tutorial", spec, f"a built-in tutorial ({known}) or a .py file")
        return _instance(cls, spec)
    path = Path(path_text).resolve()
    module = load_user_file(
        path, spec, parameter="tutorial", missing="a tutorial name or an existing .py file"
    )
    found = classes_in(module, Tutorial, class_name)
    if not found and class_name in vars(module):
        raise ParameterError("tutorial", spec, _not_a_tutorial(module, class_name))
    if len(found) != 1:
        names = ", ".join(cls.__name__ for cls in found) or "none"
        what = f"class {class_name!r}" if class_name else "exactly one Tutorial subclass"
        raise ParameterError("tutorial", spec, f"a file that defines {what} (found: {names})")
    if not hasattr(found[0], "Config"):
        name = found[0].__name__
        what = f"a file whose tutorial names its config class (class {name}(Tutorial[MyConfig]))"
        raise ParameterError("tutorial", spec, what)
    return _instance(found[0], f"{path}:{found[0].__name__}")


def _not_a_tutorial(module: ModuleType, name: str) -> str:
    """What ``load_tutorial`` asks of the file, when its ``name`` exists but is no tutorial."""
    value = getattr(module, name)
    if not inspect.isclass(value):
        found = f"of type {type(value).__name__}"
    elif not issubclass(value, Tutorial):
        found = "a class that does not subclass Tutorial"
    elif inspect.isabstract(value):
        found = "an abstract Tutorial subclass"
    else:
        found = f"a Tutorial imported from {inspect.getfile(value)}: load it from there"
    return f"a file whose {name!r} is a Tutorial subclass defined there (it is {found})"


def _instance(cls: type[Tutorial], spec: str) -> Tutorial:
    tutorial = cls()
    tutorial.spec = spec
    return tutorial


def classes_in(module: ModuleType, base: type, class_name: str = "") -> list[type[Any]]:
    """The concrete subclasses of ``base`` that ``module`` itself defines (not imports),
    only the one called ``class_name`` when it is given."""
    return [
        value
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, base)
        and value.__module__ == module.__name__
        and not inspect.isabstract(value)
        and (not class_name or value.__name__ == class_name)
    ]


def load_user_file(path: Path, spec: str, *, parameter: str, missing: str) -> ModuleType:
    """Import a user's Python file once per process (as a module of its own name), with its
    folder first on ``sys.path`` while it loads: a broken variant of a tutorial imports the
    tutorial beside it (``from svm_tutorial import Svm``) as a script run there would.

    Raises ``ParameterError`` for ``parameter`` (saying ``missing`` when there is no such file)
    with the error the file raised while importing, in one line.
    """
    if not path.is_file():
        raise ParameterError(parameter, spec, missing)
    module_name = f"tf1repro_user_{parameter}_{abs(hash(str(path)))}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    loader_spec = importlib.util.spec_from_file_location(module_name, path)
    if loader_spec is None or loader_spec.loader is None:
        raise ParameterError(parameter, spec, "a Python file that can be imported")
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[module_name] = module
    folder = str(path.parent)
    sys.path.insert(0, folder)
    try:
        loader_spec.loader.exec_module(module)
    except Exception as error:
        del sys.modules[module_name]
        raise ParameterError(
            parameter, spec, f"a file that imports cleanly ({type(error).__name__}: {error})"
        ) from None
    finally:
        # Only for this file's own imports: the process's path is left as it was.
        sys.path.remove(folder)
    return module
