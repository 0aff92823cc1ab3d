"""Trust flags: a network that holds rows out says whether it memorizes and whether it scores
below a constant prediction on them, warns, and the Displays note it."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer

from sklgrad import (
    BelowBaselineWarning,
    ImportanceRankingDisplay,
    LearningGradientClassifier,
    LearningGradientRegressor,
)

HELD_OUT = dict(hidden_layer_sizes=(64,), early_stopping=True, max_iter=10,
                n_iter_no_change=100, tol=None, validation_fraction=0.3, random_state=0)


@pytest.fixture(scope="module")
def noise():
    """Inputs unrelated to a target whose larger class is 62.5% of the rows."""
    rng = np.random.RandomState(0)
    X, y = rng.randn(400, 20), np.r_[np.ones(150), np.zeros(250)]
    rng.shuffle(y)
    return X, y


def test_a_network_below_a_constant_prediction_says_so_and_warns(noise):
    X, y = noise
    with pytest.warns(BelowBaselineWarning, match="below a constant prediction's 0.625"):
        network = LearningGradientClassifier(**HELD_OUT).fit(X, y)
    assert network.constant_score_ == pytest.approx(0.625)
    assert network.best_validation_score_ < network.constant_score_
    assert network.below_constant_ is True
    display = ImportanceRankingDisplay.from_estimator(network)
    assert "below a constant prediction" in display.ax_.get_title()


def test_a_network_that_learned_is_not_flagged():
    X, y = load_breast_cancer(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", BelowBaselineWarning)
        network = LearningGradientClassifier(**HELD_OUT).fit(X, y)
    assert network.below_constant_ is False
    assert network.best_validation_score_ > network.constant_score_
    assert "constant" not in ImportanceRankingDisplay.from_estimator(network).ax_.get_title()


def test_a_regressor_compares_with_the_mean_and_no_split_means_no_flag(noise):
    X, y = noise
    with pytest.warns(BelowBaselineWarning):
        network = LearningGradientRegressor(**HELD_OUT).fit(X, y)
    assert network.constant_score_ == 0.0 and network.below_constant_ is True
    plain = LearningGradientRegressor(hidden_layer_sizes=(4,), max_iter=3, tol=None,
                                      random_state=0).fit(X, y)
    assert plain.constant_score_ is None and plain.below_constant_ is None
