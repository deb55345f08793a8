"""Where an unmodified script built each op of a recorded graph, read back from its record.

The recorder (``recorder.py``) keeps, per graph that trained, the script line of every variable,
placeholder and recorded fetch, of the training call's ops and of each training op of the graph,
the optimizer's update op types, the graph seed, each summary's tag, each seeded random op's
``seed``/``seed2`` attributes, and the sums grappler may regroup otherwise in TF2 (JSON text in
the record's ``source``, key ``sites``). ``graph_sites`` turns that into one ``GraphSites`` per
record, keeping the lines of the script itself (not of a helper module beside it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tf1repro.record import Record
from tf1repro.recording.reader import SITES

#: TF1 gives an op of a graph seeded with 0 the op seed ``2**31 - 1`` instead of 0 (the pair
#: (0, 0) means "unseeded" to the kernels); TF2's ``seed=0`` under global seed 0 does the same.
MAXINT32 = 2**31 - 1


@dataclass(frozen=True)
class RandomSite:
    """One seeded random op: its script line and the seeds TF1 gave it."""

    line: int
    op: str
    seed: int
    seed2: int

    @property
    def op_seed(self) -> int:
        """The ``seed=`` of the TF2 call that draws what this op drew under global seed
        ``self.seed`` (``tf.random.set_seed``): TF1's ``seed2``, which TF2 uses as given."""
        return 0 if (self.seed, self.seed2) == (0, MAXINT32) else self.seed2


@dataclass(frozen=True)
class GraphSites:
    """One recorded graph: its number, steps, and where the script built what it recorded."""

    graph: int
    steps: int
    seed: int | None
    variables: dict[str, int]
    """TF1 variable name -> script line."""
    fetches: dict[str, int]
    placeholders: dict[str, tuple[int, str]]
    """TF1 placeholder name -> (script line, dtype name)."""
    train: tuple[int, ...]
    """The lines that built the ops the training calls fetched (the ``minimize`` lines)."""
    updates: tuple[str, ...]
    """The optimizer's update op types, e.g. ``ApplyGradientDescent``."""
    random: tuple[RandomSite, ...]
    """Seeded random ops, in the order the graph made them."""
    shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    """TF1 variable name -> its shape (a layer's variables are made to that shape)."""
    summaries: dict[int, tuple[str, ...]] = field(default_factory=dict)
    """Script line -> the tags of the scalar and histogram summaries it made, in order."""
    trainers: tuple[int, ...] = ()
    """The line of each of the graph's training ops, in the record's order of them (its
    ``trainers`` index them); empty in a recording made before it said."""
    regrouped: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    """Recorded fetch -> the sum in its computation that grappler may regroup otherwise in
    TF2 (TF1 op name, script line; see ``graph_structure.regrouped``)."""

    def trainer_at(self, line: int) -> int:
        """The index of the training op ``line`` built (0 when the recording lists none)."""
        return self.trainers.index(line) if line in self.trainers else 0

    def sites_by_name(self) -> tuple[dict[str, int], dict[str, int], dict[str, tuple[int, str]]]:
        """Its variables', fetches' and placeholders' names and lines: two graphs that the
        same statements built have the same."""
        return self.variables, self.fetches, self.placeholders


def graph_sites(record: Record, script: str) -> GraphSites:
    """The sites of ``record`` (a recording of ``script``, its file name), lines of the script
    only; ``ValueError`` when the record holds none (made before sites were recorded)."""
    text = record.source.get(SITES)
    if text is None:
        raise ValueError(f"{record.tutorial} says nowhere where the script built its ops")
    data = json.loads(text)

    def line(site: Any) -> int | None:
        return site["line"] if isinstance(site, dict) and site.get("file") == script else None

    def lines(group: dict[str, Any]) -> dict[str, int]:
        return {name: found for name, site in group.items() if (found := line(site)) is not None}

    placeholders = {
        name: (found, site["dtype"])
        for name, site in data["placeholders"].items()
        if (found := line(site)) is not None
    }
    summaries: dict[int, tuple[str, ...]] = {}
    for site in data.get("summaries", []):  # recordings made before tags were kept have none
        if (found := line(site)) is not None:
            summaries[found] = (*summaries.get(found, ()), site["tag"])
    trainers = tuple(line(site["train"][0]) or 0 for site in data.get("trainers", ()))
    train = tuple(found for site in data["train"] if (found := line(site)) is not None)
    return GraphSites(
        graph=int(record.source["graph"]),
        steps=record.steps,
        seed=data["seed"],
        variables=lines(data["variables"]),
        fetches=lines(data["fetches"]),
        placeholders=placeholders,
        train=train + tuple(found for found in trainers if found and found not in train),
        updates=tuple(data["updates"]),
        random=tuple(
            RandomSite(found, site["op"], site["seed"], site["seed2"])
            for site in data["random"]
            if (found := line(site)) is not None
        ),
        shapes={name: tuple(value.shape) for name, value in record.initial.items()},
        summaries=summaries,
        trainers=trainers,
        regrouped={
            name: (site["op"], line(site)) for name, site in data.get("regrouped", {}).items()
        },
    )
