"""The numbers a question returns beside its columns: learning gradients of networks trained
on the selected columns beside their shadows.

The screens' networks learn from every input and hundreds of shadows: they find which
columns carry signal, but a network among that much noise learns the noise too, and its
shares rank the columns it kept poorly (a ring or an XOR among 64 noise columns: the two
relevant columns outside the screen's top two in every case). Networks trained on the
selected columns alone learn the signal; each column's share comes with its spread over
the networks, and one shadow per column (at least ``RANKING_SHADOWS``) gives the bar a
column learned from as much as noise reaches. The selection itself is the screens' (and
for "minimal" the held-out refits'): the ranking only reads it.
"""

import math

import numpy as np

from .._neural_network._classifier import LearningGradientClassifier
from .._neural_network._regressor import LearningGradientRegressor
from .._utils._target import infer_task
from ._dense import epochs_over
from ._statistics import SCREEN_DTYPE, shadow_columns, side_by_side

#: Shadows the ranking networks train beside the selected columns, at least: one copy of
#: each column (Boruta's rule), more copies when fewer than this many columns are selected.
RANKING_SHADOWS = 5
#: Optimizer steps a ranking network takes, about, whatever the number of rows (a ring
#: on 1,000 rows needs some 3,000 at a learning rate of 0.01).
RANKING_STEPS = 3000


def ranking_network(y, n_samples, rows_read=None):
    """The ranking's default network: lightly penalized (it sees few noise inputs) and
    trained about ``RANKING_STEPS`` steps at a learning rate of 0.01, in batches of about
    a thirtieth of the rows (32 to 512). ``rows_read``: as the dense screen's
    (:func:`~._dense.relevance_network`)."""
    batch_size = int(np.clip(n_samples // 30, 32, 512))
    steps_per_epoch = math.ceil(n_samples / batch_size)
    epochs = int(np.clip(round(RANKING_STEPS / steps_per_epoch), 10, 100))
    settings = dict(hidden_layer_sizes=(32,), alpha=1e-2, learning_rate_init=1e-2,
                    batch_size=batch_size, tol=None,
                    max_iter=epochs_over(epochs, n_samples, rows_read, batch_size))
    if infer_task(y) == "classification":
        return LearningGradientClassifier(**settings)
    return LearningGradientRegressor(**settings)


def ranking_inputs(X, selected, rng):
    """The selected columns of X beside their shadows (``ceil(RANKING_SHADOWS / k)``
    copies of the ``k`` columns, each copy's rows shuffled anew), in single precision."""
    columns = X[:, np.flatnonzero(selected)]
    copies = max(1, math.ceil(RANKING_SHADOWS / columns.shape[1]))
    shadows = [shadow_columns(columns, rng) for _ in range(copies)]
    return side_by_side([columns, *shadows], dtype=SCREEN_DTYPE)


def spread_over_inputs(scores, selected):
    """Per network, the selected columns' shares placed among all ``len(selected)`` inputs
    (0 where not selected), and the shadows' shares."""
    n_selected = int(selected.sum())
    real = np.zeros((len(scores), len(selected)))
    real[:, selected] = scores[:, :n_selected]
    return real, scores[:, n_selected:]
