"""The figures behind the replay and golden checks, measured on the golden cases.

The tests say pass or fail against a tolerance; the matrix also wants how close each release
actually is. For every golden run this retrains it on the installed TensorFlow, replays it on
the tutorial's NumPy twin where it has one, and keeps the worst distances in ulps at each
quantity's scale (see ``tf1repro.compare``).
"""

from __future__ import annotations

from pathlib import Path

from tf1repro.backends import backends_of, replay, tutorial_of
from tf1repro.compare import compare_records
from tf1repro.golden import golden_files, rerun
from tf1repro.record import load_record


def measure(golden_dir: Path) -> dict[str, dict[str, float]]:
    """``{"replay": {"<tutorial> ulp": worst}, "goldens": {"worst ulp": worst}}``."""
    replay_worst: dict[str, float] = {}
    golden_worst = 0.0
    for path in golden_files(golden_dir):
        golden = load_record(path)
        record = rerun(golden)
        tutorial, _ = tutorial_of(record)
        if "numpy" in backends_of(tutorial):
            key = f"{record.tutorial} ulp"
            worst = compare_records(record, replay(record, "numpy")).worst
            replay_worst[key] = max(worst, replay_worst.get(key, 0.0))
        if golden.same_inputs(record) is None:
            golden_worst = max(golden_worst, compare_records(golden, record).worst)
    if not replay_worst:
        return {}
    return {
        "replay": dict(sorted(replay_worst.items(), reverse=True)),
        "goldens": {"worst ulp": golden_worst},
    }
