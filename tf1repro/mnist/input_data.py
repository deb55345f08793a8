"""``tensorflow.examples.tutorials.mnist.input_data`` over local MNIST files, never downloading.

TF 1.x's helper read the four MNIST files from ``train_dir`` when they were there and downloaded
the missing ones. This one behaves the same with the files present: the same arrays (images
scaled to [0, 1] as float32, or left as uint8; labels as uint8 or float64 one-hot rows), the
same split into train, validation and test, the same NumPy reseeding when a ``DataSet`` is made
and the same shuffles in ``next_batch``, so a seeded script draws the batches it drew on TF 1.x.
When a file is missing it raises ``DownloadNeeded``, naming the files and where to put them,
unless the run has a data cache: then, as TF 1.x downloaded each missing file from
``source_url``, the cache serves it by that URL.

A ported program imports it as ``from tf1repro.mnist import input_data``; ``tf1repro legacy run``
loads this file as ``tensorflow.examples.tutorials.mnist.input_data`` (it imports nothing from
tf1repro). The legacy bootstrap sets ``DATA_DIR`` (``--data-dir``, looked in after
``train_dir``; the port's recorder sets it too), ``FOLDER_MAP`` (the run's working copy and the
script's real folder, for the message) and, with ``--data-cache``, ``FETCH`` (a URL -> the path
of its local copy).
"""

from __future__ import annotations

import collections
import gzip
import os
from collections.abc import Callable
from typing import Any

import numpy

FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
#: Where TF 1.x downloaded from (shown in the message, never contacted).
SOURCE_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"
FAKE_EXAMPLES = 10000
FAKE_IMAGE_SIZE = 784

DATA_DIR: str | None = None
FOLDER_MAP: tuple[str, str] | None = None
FETCH: Callable[[str], str] | None = None

Datasets = collections.namedtuple("Datasets", ["train", "validation", "test"])


class DownloadNeeded(OSError):
    """The MNIST files are not on this machine; TF 1.x would have downloaded them."""


def _dtype_name(dtype: Any) -> str:
    name = getattr(getattr(dtype, "base_dtype", dtype), "name", dtype)
    if name not in ("float32", "uint8"):
        raise TypeError(f"Invalid image dtype {dtype!r}, expected uint8 or float32")
    return str(name)


def _graph_seeds(seed: int | None) -> tuple[int | None, int | None]:
    """TensorFlow's (graph, op) seed pair, as TF 1.x's DataSet asked for it."""
    import tensorflow

    seeds: tuple[int | None, int | None] = tensorflow.compat.v1.get_seed(seed)
    return seeds


class DataSet:
    """Images and labels of one split, served in (reshuffled) batches."""

    def __init__(
        self,
        images: Any,
        labels: Any,
        fake_data: bool = False,
        one_hot: bool = False,
        dtype: Any = "float32",
        reshape: bool = True,
        seed: int | None = None,
    ) -> None:
        graph_seed, op_seed = _graph_seeds(seed)
        # TF 1.x reseeded NumPy's global generator here: with the graph seed when the call gave
        # none, so a seeded graph made the shuffles repeat (and an unseeded one made them vary).
        numpy.random.seed(graph_seed if seed is None else op_seed)
        kind = _dtype_name(dtype)
        self.one_hot = one_hot
        if fake_data:
            self._num_examples = FAKE_EXAMPLES
        else:
            if images.shape[0] != labels.shape[0]:
                raise ValueError(f"images.shape: {images.shape} labels.shape: {labels.shape}")
            self._num_examples = images.shape[0]
            if reshape:
                images = images.reshape(images.shape[0], images.shape[1] * images.shape[2])
            if kind == "float32":
                images = numpy.multiply(images.astype(numpy.float32), 1.0 / 255.0)
        self._images = images
        self._labels = labels
        self._epochs_completed = 0
        self._index_in_epoch = 0

    @property
    def images(self) -> Any:
        return self._images

    @property
    def labels(self) -> Any:
        return self._labels

    @property
    def num_examples(self) -> int:
        return int(self._num_examples)

    @property
    def epochs_completed(self) -> int:
        return self._epochs_completed

    def _shuffle(self) -> None:
        order = numpy.arange(self._num_examples)
        numpy.random.shuffle(order)
        self._images = self._images[order]
        self._labels = self._labels[order]

    def next_batch(self, batch_size: int, fake_data: bool = False, shuffle: bool = True) -> Any:
        """The next ``batch_size`` examples; an epoch's end wraps into a reshuffled next one."""
        if fake_data:
            image = [1] * FAKE_IMAGE_SIZE
            label = [1] + [0] * 9 if self.one_hot else 0
            return [image] * batch_size, [label] * batch_size
        start = self._index_in_epoch
        if self._epochs_completed == 0 and start == 0 and shuffle:
            self._shuffle()
        if start + batch_size <= self._num_examples:
            self._index_in_epoch = start + batch_size
            return self._images[start : self._index_in_epoch], self._labels[
                start : self._index_in_epoch
            ]
        # The batch takes the rest of this epoch, then the start of the next one.
        self._epochs_completed += 1
        images_rest = self._images[start:]
        labels_rest = self._labels[start:]
        if shuffle:
            self._shuffle()
        self._index_in_epoch = batch_size - len(images_rest)
        end = self._index_in_epoch
        return (
            numpy.concatenate((images_rest, self._images[:end]), axis=0),
            numpy.concatenate((labels_rest, self._labels[:end]), axis=0),
        )


def _read_uint32(stream: Any) -> int:
    return int(numpy.frombuffer(stream.read(4), dtype=numpy.dtype(">u4"))[0])


def extract_images(stream: Any) -> Any:
    """An idx3 image file as a uint8 array [count, rows, columns, 1]."""
    with gzip.GzipFile(fileobj=stream) as data:
        magic = _read_uint32(data)
        if magic != IMAGES_MAGIC:
            raise ValueError(f"Invalid magic number {magic} in MNIST image file: {stream.name}")
        count, rows, columns = (_read_uint32(data) for _ in range(3))
        pixels = numpy.frombuffer(data.read(count * rows * columns), dtype=numpy.uint8)
        return pixels.reshape(count, rows, columns, 1)


def dense_to_one_hot(labels_dense: Any, num_classes: int) -> Any:
    """Class indices as float64 one-hot rows."""
    one_hot = numpy.zeros((labels_dense.shape[0], num_classes))
    one_hot[numpy.arange(labels_dense.shape[0]), labels_dense.ravel()] = 1
    return one_hot


def extract_labels(stream: Any, one_hot: bool = False, num_classes: int = 10) -> Any:
    """An idx1 label file as uint8 class indices, or float64 one-hot rows."""
    with gzip.GzipFile(fileobj=stream) as data:
        magic = _read_uint32(data)
        if magic != LABELS_MAGIC:
            raise ValueError(f"Invalid magic number {magic} in MNIST label file: {stream.name}")
        count = _read_uint32(data)
        labels = numpy.frombuffer(data.read(count), dtype=numpy.uint8)
        return dense_to_one_hot(labels, num_classes) if one_hot else labels


def _shown(folder: str) -> str:
    """A folder as the user knows it: the script's own folder, not the run's working copy."""
    path = os.path.abspath(folder)
    if FOLDER_MAP is not None:
        work, real = FOLDER_MAP
        if path == work or path.startswith(work + os.sep):
            path = real + path[len(work) :]
    return path


def _locate(train_dir: str, source_url: str = SOURCE_URL) -> dict[str, str]:
    """Each file's path: from ``train_dir`` if all four are there, else from ``DATA_DIR``, else
    (with a data cache) each one missing from ``train_dir`` from the cache, by its URL."""
    folders = [train_dir] + ([DATA_DIR] if DATA_DIR else [])
    for folder in folders:
        found = {name: os.path.join(folder, name) for name in FILES}
        if all(os.path.isfile(path) for path in found.values()):
            return found
    if FETCH is not None:
        local = {name: os.path.join(train_dir, name) for name in FILES}
        return {
            name: path if os.path.isfile(path) else FETCH(source_url + name)
            for name, path in local.items()
        }
    places = " or ".join(_shown(folder) for folder in folders)
    missing = [name for name in FILES if not os.path.isfile(os.path.join(train_dir, name))]
    raise DownloadNeeded(
        f"MNIST files not found: {', '.join(missing)} in {places}; TF 1.x downloaded them "
        f"from {SOURCE_URL}. Put the four files {', '.join(FILES)} in {_shown(train_dir)}"
        + ("" if DATA_DIR else " or in a folder given with --data-dir")
    )


def read_data_sets(
    train_dir: str,
    fake_data: bool = False,
    one_hot: bool = False,
    dtype: Any = "float32",
    reshape: bool = True,
    validation_size: int = 5000,
    seed: int | None = None,
    source_url: str = SOURCE_URL,
) -> Datasets:
    """MNIST's train, validation and test ``DataSet``s from the four files in ``train_dir``."""
    if fake_data:

        def fake() -> DataSet:
            return DataSet([], [], fake_data=True, one_hot=one_hot, dtype=dtype, seed=seed)

        return Datasets(train=fake(), validation=fake(), test=fake())
    paths = _locate(train_dir, source_url)

    def read(name: str) -> Any:
        with open(paths[name], "rb") as stream:
            if "images" in name:
                return extract_images(stream)
            return extract_labels(stream, one_hot=one_hot)

    train_images, train_labels, test_images, test_labels = (read(name) for name in FILES)
    if not 0 <= validation_size <= len(train_images):
        raise ValueError(
            f"Validation size should be between 0 and {len(train_images)}. "
            f"Received: {validation_size}."
        )
    options: dict[str, Any] = {"dtype": dtype, "reshape": reshape, "seed": seed}
    train = DataSet(train_images[validation_size:], train_labels[validation_size:], **options)
    validation = DataSet(train_images[:validation_size], train_labels[:validation_size], **options)
    test = DataSet(test_images, test_labels, **options)
    return Datasets(train=train, validation=validation, test=test)


def load_mnist(train_dir: str = "MNIST-data") -> Datasets:
    """TF 1.x's shorthand: ``read_data_sets(train_dir)``."""
    return read_data_sets(train_dir)
