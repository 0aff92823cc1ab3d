"""The relevance screen behind the selector's two questions ("all-relevant", "minimal").

Several networks, stacked, learn from the inputs and one fixed set of shadow variables (each
input's values shuffled among the rows). An input is relevant when its mean importance over
the networks beats the shadows' bar (:func:`shadow_bar`). A noise input (unrelated to the
target) and the shadows of its own distribution are exchangeable, networks included,
because the shadows are drawn once: a noise input beats them all with probability at most
``1 / (m + 1)`` for ``m`` shadows of its distribution, and the bar stands higher still.
docs/selection.md gives the rates. A column's even effect (``|x - median|``) is left to
the dependence tests (``_dependence.py``), which find it at a fraction of a network's cost.
"""

import math

import numpy as np

from .._neural_network._classifier import LearningGradientClassifier
from .._neural_network._regressor import LearningGradientRegressor
from .._utils._target import infer_task
from ._statistics import shadow_bar

#: Optimizer steps a screen network takes at most, about: 50 epochs of 11 batches. A table
#: of up to 2,000 rows trains 50 epochs of at most 11 batches; a larger table's epochs take
#: more batches, and as many steps find the same inputs at a fraction of the cost
#: (docs/benchmarks.md, the selection profile).
SCREEN_STEPS = 550


def relevance_network(y, n_samples, rows_read=None):
    """The screen's default network: small and strongly L2-penalized (a network that
    memorizes with noise inputs spreads its learning gradient over them), trained for a
    fixed number of epochs: 50, or fewer where 50 would take more than about
    ``SCREEN_STEPS`` steps (an epoch of more than 11 batches of 200 rows), 10 at least.
    ``rows_read``: the rows it trains on where they are more than ``n_samples`` (a
    streamed selection's networks' rows): it takes the steps it would take on
    ``n_samples``, each batch new rows (:func:`epochs_over`)."""
    batch_size = int(min(200, max(32, n_samples // 10)))
    epochs = np.clip(math.ceil(SCREEN_STEPS / math.ceil(n_samples / batch_size)), 10, 50)
    settings = dict(hidden_layer_sizes=(32,), alpha=1.0, tol=None, batch_size=batch_size,
                    max_iter=epochs_over(int(epochs), n_samples, rows_read, batch_size))
    if infer_task(y) == "classification":
        return LearningGradientClassifier(**settings)
    return LearningGradientRegressor(**settings)


def epochs_over(epochs, n_samples, rows_read, batch_size):
    """The epochs over ``rows_read`` rows that take about the steps of ``epochs`` over
    ``n_samples`` (``epochs`` where ``rows_read`` is None or not more), 1 at least."""
    if rows_read is None or rows_read <= n_samples:
        return epochs
    steps = epochs * math.ceil(n_samples / batch_size)
    return max(1, round(steps / math.ceil(rows_read / batch_size)))


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
    """Inputs whose mean importance over the networks beats the shadows' bar
    (:func:`shadow_bar`).

    Parameters
    ----------
    real, shadows : ndarray of shape (n_networks, n_features)
        Importances of the inputs and of their shadows, per network.

    Returns
    -------
    mask : ndarray of shape (n_features,) of bool
    """
    return real.mean(axis=0) > shadow_bar(shadows.mean(axis=0))
