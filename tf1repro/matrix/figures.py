"""The figures behind the replay and golden checks, measured on the golden cases.

The tests say pass or fail against a tolerance; the matrix also wants how close each release
actually is. For every golden run this retrains it on the installed TensorFlow, replays it in
NumPy, and keeps the worst distances in scale-ulps (see ``tf1repro.compare``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tf1repro.compare import compare_runs, scale_ulp
from tf1repro.golden import golden_files, rerun
from tf1repro.record import Run
from tf1repro.reference import replay


def measure(golden_dir: Path) -> dict[str, dict[str, float]]:
    """``{"replay": {"<trainer> ulp": worst}, "goldens": {"worst ulp": worst}}``."""
    replay_worst: dict[str, float] = {}
    golden_worst = 0.0
    for path in golden_files(golden_dir):
        golden = Run.load(path)
        run = rerun(golden)
        key = f"{run.trainer} ulp"
        worst = compare_runs(run, replay(run)).worst
        replay_worst[key] = max(worst, replay_worst.get(key, 0.0))
        if np.array_equal(golden.x, run.x) and np.array_equal(golden.indices, run.indices):
            gap = np.abs(golden.a.astype(np.float64) - run.a.astype(np.float64)).max()
            golden_worst = max(golden_worst, float(gap) / scale_ulp(run.config))
    if not replay_worst:
        return {}
    return {
        "replay": dict(sorted(replay_worst.items(), reverse=True)),
        "goldens": {"worst ulp": golden_worst},
    }
