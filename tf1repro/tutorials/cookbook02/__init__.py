"""Chapter 2 of the TensorFlow Machine Learning Cookbook ("the TensorFlow way"): the recipes
beside the article that train and need no download.

* ``back_propagation``: 02/05, a regression and a classification (script ``02-05``);
* ``combining``: 02/07, the setosa classifier on iris (script ``02-07``);
* ``evaluating``: 02/08, a regression and a classification evaluated on a test split
  (script ``02-08``);
* ``common``: the points and the two classes that 02/05 and 02/08 share.

The registry imports every module here, so that their tutorials and scripts are registered;
none of them imports TensorFlow or Matplotlib until it trains or draws.
"""
