"""The relevance screen behind the selector's two questions ("all-relevant", "minimal").

Several networks, stacked, learn from the inputs and one fixed set of shadow variables (each
input's values shuffled among the rows). An input is relevant when its mean importance over
the networks beats every shadow's. A noise input (unrelated to the target) and the shadows
of its own distribution are exchangeable, networks included, because the shadows are drawn
once: a noise input beats them all with probability at most ``1 / (m + 1)`` for ``m``
shadows of its distribution, and beating all ``d`` shadows is rarer still. The measured
rates are in docs/selection.md.

The screen's own networks also see each input and each shadow folded at its median
(:func:`folded`), and an input's score is the larger of its two shares: the fold and the
score are taken of an input and of its shadows alike, so the argument holds as it stands.
"""

import numpy as np
import scipy.sparse as sp

from ._classifier import LearningGradientClassifier
from ._regressor import LearningGradientRegressor
from ._target import infer_task


def relevance_network(y, n_samples):
    """The screen's default network: small and strongly L2-penalized (a network that
    memorizes with noise inputs spreads its learning gradient over them), trained about a
    few hundred steps whatever the number of rows, for a fixed number of epochs."""
    settings = dict(hidden_layer_sizes=(32,), alpha=1.0, max_iter=50, tol=None,
                    batch_size=int(min(200, max(32, n_samples // 10))))
    if infer_task(y) == "classification":
        return LearningGradientClassifier(**settings)
    return LearningGradientRegressor(**settings)


def fold_centers(X):
    """Where each column is folded: its median (zero for a sparse matrix, whose fold then
    stays sparse)."""
    if sp.issparse(X):
        return np.zeros(X.shape[1])
    return np.median(X, axis=0)


def folded(X, centers):
    """Each column's distance from its center, ``|x - center|``. An even effect of a
    column (a U shape, ``x**2``, ``|x|``, a cosine) has no trend in the column, and a small
    network among many noise inputs does not learn it within the screen's epochs (it
    memorizes first); it is a trend of the fold, which it learns at once. Measured on
    ``y = x0**2 + 1.5 |x1| + ...`` among 1,000 noise columns: without folds the dense
    screen found at most one of the two in seeds 0 and 1; with them, both in every seed
    of five (docs/selection.md)."""
    if sp.issparse(X):
        return abs(X)
    return np.abs(X - centers)


def whole_training_importances(estimator):
    """The share of each input in what ``estimator`` learned over its whole training: its
    learning gradients summed over the epochs (the paper's sum, over all epochs instead of
    the last), or None for an estimator without an importance history."""
    history = getattr(estimator, "importance_history_", None)
    if history is None:
        return None
    total = np.asarray(history, dtype=np.float64).sum(axis=0)
    return total / total.sum() if total.sum() > 0 else total


def relevant_inputs(real, shadows):
    """Inputs whose mean importance over the networks beats every shadow's mean.

    Parameters
    ----------
    real, shadows : ndarray of shape (n_networks, n_features)
        Importances of the inputs and of their shadows, per network.

    Returns
    -------
    mask : ndarray of shape (n_features,) of bool
    """
    return real.mean(axis=0) > shadows.mean(axis=0).max()
