"""The built-in tutorials: one module (or package) each, registered by their ``Tutorial`` classes.

Every module here, in subpackages too, is imported when a tutorial is first looked up by name
(``tf1repro.tutorial.load_tutorial``); importing one must stay light (no TensorFlow).
What they print and plot is written once, in ``output``.
"""
