"""MNIST as TF 1.x's tutorials read it, for programs on TensorFlow 2.

TensorFlow 2 removed ``tensorflow.examples.tutorials.mnist``. A TF 2 program (``tf1repro port``
writes this line in place of TF 1.x's import) reads MNIST the way the tutorial did with

.. code-block:: python

    from tf1repro.mnist import input_data

    mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
    batch_x, batch_y = mnist.train.next_batch(100)

``input_data`` reads the four MNIST files from the given folder (never downloading them) into
the same arrays, splits and batches as TF 1.x's (see its docstring); ``tf1repro legacy run``
serves the same module to unmodified scripts as ``tensorflow.examples.tutorials.mnist``.
Importing it does not import TensorFlow (a ``DataSet`` asks TensorFlow for its seed when made).
"""
