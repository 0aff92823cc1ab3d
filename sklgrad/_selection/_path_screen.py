"""The path screen of the two questions: one path network on the inputs beside their shadows.

It admits the inputs that the path keeps above every shadow: effects that a dense network
among many noise inputs does not learn (interactions, periodic and even functions).
"""

import dataclasses
import warnings

import numpy as np
from sklearn.base import clone

from .._engine.settings import current_options, engine_options
from .._neural_network._classifier import LearningGradientClassifier
from .._neural_network._memorization import BelowBaselineWarning, learned
from .._neural_network._regressor import LearningGradientRegressor
from .._utils._target import infer_task
from ._statistics import SCREEN_DTYPE, side_by_side

# Doublings of the strength past a fit's path's last that the path screen may go on to.
PATH_SCREEN_MORE = 4
# The path screen's hidden layer: on the slow-effect sets of docs/selection.md it finds as
# much as the estimators' (100,), at a fraction of the cost.
PATH_SCREEN_HIDDEN = (32,)


def path_network(y):
    """The path network for ``y``'s task: its importances concentrate on the inputs it
    needs (the estimators' own default stays the paper's plain network)."""
    if y is not None and infer_task(y) == "classification":
        return LearningGradientClassifier(input_penalty="path")
    return LearningGradientRegressor(input_penalty="path")


def path_screen(X, shadows, y, seed, **fit_params):
    """The inputs that a path network on ``[X, shadows]`` keeps above every shadow, when
    its point predicts the validation rows better than a constant (none otherwise), and
    the fitted network. Its screening rounds are left out: the shadows double the inputs, and
    the networks of the question's second step have the screen's finds."""
    network = clone(path_network(y)).set_params(hidden_layer_sizes=PATH_SCREEN_HIDDEN)
    if seed is not None:
        network.set_params(random_state=seed)
    X_both = side_by_side([X, shadows], dtype=SCREEN_DTYPE)
    schedule = current_options().path
    # Stronger points than a fit's: on thousands of inputs and shadows, the strengths of a
    # fit's path end with many inputs alive, noise among them.
    strengths = schedule.strengths + tuple(
        schedule.strengths[-1] * 2.0**i for i in range(1, PATH_SCREEN_MORE + 1))
    with engine_options(path=dataclasses.replace(schedule, screen_rounds=0,
                                                 strengths=strengths)), \
            warnings.catch_warnings():
        # A point that learned nothing admits nothing (below): the screen's own answer.
        warnings.simplefilter("ignore", BelowBaselineWarning)
        network.fit(X_both, y, **fit_params)
    importances = network.feature_importances_
    real, shadow_max = importances[:X.shape[1]], importances[X.shape[1]:].max()
    # Where the network learned nothing, the path still ends on a few inputs, drawn among
    # the noise and its shadows, and on no shadow about half the time (learned()).
    if not learned(network.path_[network.path_choice_]):
        return np.zeros(X.shape[1], dtype=bool), network
    return (real > shadow_max) & (real > 0), network

