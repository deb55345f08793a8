"""Reproduce a tutorial, or a script of several (the article), end to end on the TF1 graph.

Each part trains in its own Graph and Session from a fresh ``RandomState(seed)`` and graph seed
``seed``, as the original's ``reset_default_graph()`` sections do under ``tf1repro legacy run
--seed``. The result is the original's printed log, its figures and one record per part.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tf1repro.backends import Progress, train
from tf1repro.errors import ParameterError
from tf1repro.record import Record
from tf1repro.tutorial import Script, Tutorial, get_script, load_tutorial

DEFAULT = "article"


@dataclass(frozen=True)
class Reproduction:
    """The records of every part of a tutorial or script, in the original's order."""

    name: str
    tutorials: tuple[Tutorial, ...]
    records: tuple[Record, ...]
    script: Script | None = None

    def log(self) -> list[str]:
        """The original's whole printed log, part after part."""
        return [
            line
            for tutorial, record in zip(self.tutorials, self.records, strict=True)
            for line in tutorial.log(record)
        ]

    def figures(self) -> dict[str, bytes]:
        """The original's figures (PNG) by file name."""
        if self.script is not None:
            return self.script.figures(self.records)
        return self.tutorials[0].figures(self.records)

    def record_files(self) -> dict[str, bytes]:
        """One JSON file per part: ``run_<part>.json``."""
        return {
            f"run_{tutorial.name}.json": record.to_json().encode()
            for tutorial, record in zip(self.tutorials, self.records, strict=True)
        }


def parts(name: str) -> tuple[Script | None, tuple[Tutorial, ...]]:
    """The script called ``name`` and its tutorials, or one tutorial (built-in or a file)."""
    script = get_script(name)
    if script is not None:
        return script, tuple(load_tutorial(part) for part in script.parts)
    return None, (load_tutorial(name),)


def configs(tutorials: tuple[Tutorial, ...], overrides: Mapping[str, Any]) -> list[Any]:
    """Each part's config with the overrides its config has (every override must fit one)."""
    used: set[str] = set()
    made = []
    for tutorial in tutorials:
        fields = set(tutorial.Config().to_dict())
        mine = {key: value for key, value in overrides.items() if key in fields}
        used |= set(mine)
        made.append(tutorial.make_config(**mine))
    unused = sorted(set(overrides) - used)
    if unused:
        raise ParameterError(unused[0], overrides[unused[0]], "a field of the tutorial's config")
    return made


def reproduce(
    name: str = DEFAULT,
    seed: int = 0,
    *,
    progress: Progress | None = None,
    **overrides: Any,
) -> Reproduction:
    """Train every part of ``name`` (a script such as ``article``, a tutorial, or a file)."""
    script, tutorials = parts(name)
    made = configs(tutorials, overrides)
    records = tuple(
        train(tutorial, config, seed, progress=progress)
        for tutorial, config in zip(tutorials, made, strict=True)
    )
    return Reproduction(name, tutorials, records, script)
