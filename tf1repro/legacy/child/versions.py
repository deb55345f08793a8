"""What an interpreter has installed, read from package metadata without importing anything
heavy, and whether Keras 2 can serve ``tf.keras`` there.

``legacy matrix`` asks each interpreter (``bootstrap.py --versions``); the child writes them in
``child.json``; the preloaded interpreter (``zygote.py``) makes Keras 2's choice as the child
does, since ``TF_USE_LEGACY_KERAS`` must be set before TensorFlow is imported.
"""

from __future__ import annotations

import importlib.metadata
import platform

#: The distributions that may provide ``import tensorflow``, in the order they are looked up.
TENSORFLOW_DISTRIBUTIONS = ("tensorflow", "tensorflow-cpu", "tf-nightly", "tf-nightly-cpu")

#: The first release whose ``tf.keras`` is Keras 3.
KERAS3_RELEASE = (2, 16)


def installed() -> dict[str, str]:
    """Python's version and those of TensorFlow, NumPy and tf-keras, when installed."""
    found = {"python": platform.python_version()}
    for key, distributions in (
        ("tensorflow", TENSORFLOW_DISTRIBUTIONS),
        ("numpy", ("numpy",)),
        ("tf_keras", ("tf-keras", "tf_keras")),
    ):
        for distribution in distributions:
            try:
                found[key] = importlib.metadata.version(distribution)
                break
            except importlib.metadata.PackageNotFoundError:
                continue
    return found


def release(version: str) -> tuple[int, ...]:
    """``"2.21.0rc1"`` -> ``(2, 21)``; ``()`` when unknown."""
    parts = version.split(".")[:2]
    return tuple(int(part) for part in parts) if all(p.isdigit() for p in parts) else ()


def keras_choice(found: dict[str, str]) -> tuple[str, str]:
    """``("tf-keras X", "")`` when TensorFlow's own Keras is Keras 3 and the matching tf-keras
    is installed, else ``("", why Keras 2 stays off)``."""
    tensorflow, tf_keras = found.get("tensorflow", ""), found.get("tf_keras", "")
    if not tensorflow:
        return "", "off: TensorFlow is not installed"
    if release(tensorflow) < KERAS3_RELEASE:
        return "", f"not needed (TensorFlow {tensorflow} is Keras 2)"
    if not tf_keras:
        return "", "off: tf-keras is not installed"
    if release(tf_keras) != release(tensorflow):
        return "", f"off: tf-keras {tf_keras} does not match TensorFlow {tensorflow}"
    return f"tf-keras {tf_keras}", ""
