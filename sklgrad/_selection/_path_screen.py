"""The path screen of the two questions: one path network on the inputs beside their shadows.

It admits the inputs that the path keeps above every shadow: effects that a dense network
among many noise inputs does not learn (interactions, periodic and even functions).
"""

import dataclasses

import numpy as np
from sklearn.base import clone

from .._engine.settings import current_options, engine_options
from .._neural_network._classifier import LearningGradientClassifier
from .._neural_network._regressor import LearningGradientRegressor
from .._utils._target import infer_task
from ._statistics import SCREEN_DTYPE, side_by_side

# Doublings of the strength past a fit's path's last that the path screen may go on to.
PATH_SCREEN_MORE = 4
# The path screen's hidden layer: on the slow-effect sets of docs/selection.md it finds as
# much as the estimators' (100,), at a fraction of the cost.
PATH_SCREEN_HIDDEN = (32,)
# Standard errors by which the path's point must beat the constant prediction on its
# validation rows for its inputs to be admitted: a one-sided test at about 2%.
LEARNED_SE = 2.0


def path_network(y):
    """The path network for ``y``'s task: its importances concentrate on the inputs it
    needs (the estimators' own default stays the paper's plain network)."""
    if y is not None and infer_task(y) == "classification":
        return LearningGradientClassifier(input_penalty="path")
    return LearningGradientRegressor(input_penalty="path")


def path_screen(X, shadows, y, seed, **fit_params):
    """The inputs that a path network on ``[X, shadows]`` keeps above every shadow, and the
    fitted network. Its screening rounds are left out: the shadows double the inputs, and
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
                                                 strengths=strengths)):
        network.fit(X_both, y, **fit_params)
    importances = network.feature_importances_
    real, shadow_max = importances[:X.shape[1]], importances[X.shape[1]:].max()
    if not learned(network.path_[network.path_choice_]):
        return np.zeros(X.shape[1], dtype=bool), network
    return (real > shadow_max) & (real > 0), network


def learned(point):
    """Whether a point of the path predicts its validation rows better than the constant
    prediction, by more than ``LEARNED_SE`` standard errors of the difference.

    Where the network learned nothing, the path still ends with a few inputs alive: the
    last of the noise and the shadows, drawn at random, and no shadow among them half the
    time (a ring among 512 noise columns: 2 or 3 noise columns admitted, at a validation
    loss of 0.695 against the constant's 0.693)."""
    return point["gain"] > LEARNED_SE * point["gain_se"]
