"""An input constant in the training rows gets a learning-gradient share of 0 in every epoch,
with a warning naming it: in one fit, a stacked fit, a streamed fit and the selector."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes

from sklgrad import (
    ChunkedData,
    ConstantInputWarning,
    LearningGradientClassifier,
    LearningGradientRegressor,
    LearningGradientSelector,
)

SMALL = dict(hidden_layer_sizes=(8,), max_iter=4, tol=None, random_state=0)


def _with_constant(X, value=3.0):
    return np.column_stack([X[:, :5], np.full(len(X), value), X[:, 5:10]])


@pytest.mark.parametrize("make, load", [
    (LearningGradientClassifier, load_breast_cancer),
    (LearningGradientRegressor, load_diabetes)])
def test_a_constant_input_has_share_zero_in_every_epoch(make, load):
    X, y = load(return_X_y=True)
    X = _with_constant(X)
    with pytest.warns(ConstantInputWarning, match=r"column\(s\) 5 hold one value"):
        network = make(**SMALL).fit(X, y)
    assert (network.importance_history_[:, 5] == 0).all()
    assert (network.gradient_magnitude_history_[:, 5] == 0).all()
    assert network.feature_importances_[5] == 0
    np.testing.assert_allclose(network.importance_history_.sum(axis=1), 1.0)
    # The other inputs keep their order: only the constant's share is taken out.
    assert (network.importance_history_[:, [0, 1, 2, 3, 4, 6]] > 0).all()


def test_the_warning_names_a_frames_column_and_points_at_the_callers_line():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X.columns = [str(c) for c in X.columns]
    X = X.assign(site="A").assign(site=1.0)
    with pytest.warns(ConstantInputWarning, match="'site'") as record:
        LearningGradientClassifier(**SMALL).fit(X, y)
    assert record[0].filename == __file__


def test_later_partial_fit_calls_zero_the_share_without_warning_again():
    X, y = load_breast_cancer(return_X_y=True)
    X = _with_constant(X)
    network = LearningGradientClassifier(**SMALL)
    with pytest.warns(ConstantInputWarning):
        network.partial_fit(X[:200], y[:200], classes=[0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConstantInputWarning)
        network.partial_fit(X[200:], y[200:])
    assert (network.importance_history_[:, 5] == 0).all()


def test_a_varying_column_gets_no_warning_and_keeps_its_share():
    X, y = load_breast_cancer(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConstantInputWarning)
        network = LearningGradientClassifier(**SMALL).fit(X, y)
    assert (network.importance_history_ > 0).all()


def test_a_streamed_fit_zeroes_a_column_constant_over_all_chunks():
    X, y = load_breast_cancer(return_X_y=True)
    X = _with_constant(X)
    # Column 0 is constant inside each chunk but varies between them: not constant.
    X[:, 0] = np.repeat([1.0, 2.0, 3.0], [190, 190, 189])
    chunks = ChunkedData.from_chunks([(X[i:i + 190], y[i:i + 190]) for i in (0, 190, 380)])
    with pytest.warns(ConstantInputWarning, match=r"column\(s\) 5 hold") as record:
        network = LearningGradientClassifier(**SMALL).fit(chunks)
    assert len(record) == 1
    assert (network.importance_history_[:, 5] == 0).all()
    assert (network.importance_history_[:, 0] > 0).all()


@pytest.mark.parametrize("threshold", ["all-relevant", "minimal"])
def test_the_selector_warns_once_and_never_keeps_a_constant_input(threshold):
    X, y = load_breast_cancer(return_X_y=True)
    X = _with_constant(X)
    with pytest.warns(ConstantInputWarning) as record:
        selector = LearningGradientSelector(threshold=threshold, random_state=0).fit(X, y)
    assert len(record) == 1 and "LearningGradientSelector" in str(record[0].message)
    assert (selector.importances_[:, 5] == 0).all()
    assert not selector.get_support()[5]
