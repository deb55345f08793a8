"""Chapter 3 of the TensorFlow Machine Learning Cookbook: linear regressions on iris.

One module per recipe, each registering its tutorials: ``03-03`` (linear regression the
TensorFlow way), ``03-04-l1`` and ``03-04-l2`` (run one after the other by the script
``03-04``), ``03-05`` (Deming regression), ``03-06-lasso`` and ``03-06-ridge`` (the original
picks one by a variable), ``03-07`` (elastic net). Iris is tf1repro's copy of scikit-learn's
``load_iris()`` (``tf1repro.tutorials.iris``).
"""
