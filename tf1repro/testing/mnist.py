"""Fake MNIST files, for running scripts that read MNIST without downloading it.

``write_mnist(folder, train=N, test=M)`` writes the four files TF 1.x's
``input_data.read_data_sets`` read (gzip, idx headers, as ``yann.lecun.com`` served them),
holding random images and labels drawn from ``numpy.random.RandomState(seed)``. Given as
``tf1repro legacy run --data-dir FOLDER``, a script then trains on them offline. The numbers it
prints are not the tutorial's (the images are noise), but every step it takes is the script's
own, so a port can be proven on them.
"""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path
from typing import Any

import numpy as np

from tf1repro.mnist.input_data import IMAGES_MAGIC, LABELS_MAGIC

#: MNIST's images are 28 x 28 pixels.
IMAGE_SIDE = 28
#: ``read_data_sets`` keeps the first 5000 training images apart for validation by default.
VALIDATION_SIZE = 5000


def write_mnist(
    folder: str | os.PathLike[str], *, train: int, test: int, seed: int = 0
) -> dict[str, tuple[Any, Any]]:
    """Write the four MNIST files into ``folder`` (made if missing) with ``train`` and ``test``
    random examples: uint8 pixels in [0, 255], labels in [0, 9]. Returns the arrays by file
    prefix (``"train"``, ``"t10k"``): (images of shape (n, 28, 28), labels of shape (n,)).

    ``read_data_sets`` keeps the first ``VALIDATION_SIZE`` training examples apart unless the
    script says otherwise: give ``train=VALIDATION_SIZE + n`` for ``n`` in ``mnist.train``.
    """
    for name, count in (("train", train), ("test", test)):
        if count < 0:
            raise ValueError(f"{name}: {count} examples; give 0 or more")
    rng = np.random.RandomState(seed)
    where = Path(folder)
    where.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, tuple[Any, Any]] = {}
    for prefix, count in (("train", train), ("t10k", test)):
        images = rng.randint(0, 256, size=(count, IMAGE_SIDE, IMAGE_SIDE)).astype(np.uint8)
        labels = rng.randint(0, 10, size=count).astype(np.uint8)
        header = struct.pack(">IIII", IMAGES_MAGIC, count, IMAGE_SIDE, IMAGE_SIDE)
        with gzip.open(where / f"{prefix}-images-idx3-ubyte.gz", "wb") as file:
            file.write(header + images.tobytes())
        with gzip.open(where / f"{prefix}-labels-idx1-ubyte.gz", "wb") as file:
            file.write(struct.pack(">II", LABELS_MAGIC, count) + labels.tobytes())
        arrays[prefix] = (images, labels)
    return arrays
