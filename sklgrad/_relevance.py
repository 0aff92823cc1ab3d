"""The relevance screen behind the selector's two questions ("all-relevant", "minimal").

Several networks, stacked, learn from the inputs and one fixed set of shadow variables (each
input's values shuffled among the rows). An input is relevant when its mean importance over
the networks beats the shadows' bar (:func:`shadow_bar`). A noise input (unrelated to the
target) and the shadows of its own distribution are exchangeable, networks included,
because the shadows are drawn once: a noise input beats them all with probability at most
``1 / (m + 1)`` for ``m`` shadows of its distribution, and the bar stands higher still.
The measured rates are in docs/selection.md. The selector's dependence tests
(``_dependence.py``) stand beside this screen.

The folds that the screen's networks also read in an earlier version (each column as
``|x - median|``, for even effects) are gone: the dependence tests find a column's even
effect at a fraction of the cost, and without them the slow-effect sets of
docs/selection.md kept the same informative columns, no noise column, in three quarters
of the time (measured).
"""

import numpy as np

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


def whole_training_importances(estimator):
    """The share of each input in what ``estimator`` learned over its whole training: its
    learning gradients summed over the epochs (the paper's sum, over all epochs instead of
    the last), or None for an estimator without an importance history."""
    history = getattr(estimator, "importance_history_", None)
    if history is None:
        return None
    total = np.asarray(history, dtype=np.float64).sum(axis=0)
    return total / total.sum() if total.sum() > 0 else total


#: The bar stands where the largest of this many times the shadows is expected.
SHADOW_BAR_FACTOR = 10
#: The largest shadows whose excesses estimate the scale of the shadows' tail.
SHADOW_TAIL = 20


def shadow_bar(shadow_scores):
    """The bar an input's mean importance must beat: the largest shadow's, raised to where
    the largest of ``SHADOW_BAR_FACTOR`` times as many shadows is expected.

    In an exponential tail of scale ``b`` (the Gumbel domain: sums of shares such as the
    learning gradients'), the excesses of the largest shadows over the ``k``-th largest are
    independent with mean ``b``, and the largest of ``F`` times as many draws lies about
    ``b log F`` above the largest. A noise input, exchangeable with the shadows, beats the
    largest of ``m`` of them with probability ``1 / (m + 1)``: about one noise input per
    screen when there are as many shadows as inputs. Beating the raised bar is about ``F``
    times rarer, as if the screen had trained on ``F`` times the shadows, at no cost.
    Measured on the slow-effect sets of docs/selection.md (5 seeds, 500-1,000 columns,
    with the folds the screen then read): the screen kept 1 noise column in 10 runs
    against 8 with the largest shadow as the bar, and found the same informative columns.
    """
    shadow_scores = np.ravel(shadow_scores)
    top = np.sort(shadow_scores, axis=None)[::-1][:SHADOW_TAIL]
    if len(top) < 2:
        return float(top.max()) if len(top) else 0.0
    return float(top[0] + _tail_scale(top) * np.log(SHADOW_BAR_FACTOR))


def _tail_scale(top):
    """The scale of an exponential tail from its largest draws (descending): the mean
    excess of the others over the last."""
    return float(np.mean(top[:-1] - top[-1]))


def tail_p_values(scores, null):
    """The share of ``null`` draws at or above each score, with the tail beyond the
    ``SHADOW_TAIL``-th largest draw extrapolated as exponential (the scale of
    :func:`shadow_bar`): a score above every draw gets a p-value that shrinks with its
    distance from them rather than 0, so a score just above the largest of ``N`` draws is
    about as rare as ``1 / N``, and a score far above them far rarer.

    Examples
    --------
    >>> null = np.random.default_rng(0).exponential(size=10_000)
    >>> p_values = tail_p_values(np.array([1.0, 12.0]), null)
    >>> round(float(p_values[0]), 2), bool(0 < p_values[1] < 1e-4)  # exp(-1), exp(-12)
    (0.37, True)
    """
    null = np.sort(np.ravel(null))
    p_values = 1.0 - np.searchsorted(null, scores, side="left") / null.size
    top = null[::-1][:SHADOW_TAIL]
    if len(top) < 2:
        return p_values
    scale = max(_tail_scale(top), np.finfo(float).tiny)
    beyond = scores > top[-1]
    p_values[beyond] = len(top) / null.size * np.exp(-(scores[beyond] - top[-1]) / scale)
    return p_values


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
