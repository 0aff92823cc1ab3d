"""Behaviour of LearningGradientClassifier and LearningGradientRegressor."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import NotFittedError

from sklgrad import LearningGradientClassifier, LearningGradientRegressor

FAST = dict(hidden_layer_sizes=(8,), learning_rate_init=0.01, max_iter=15, random_state=0)


@pytest.fixture(scope="module")
def cancer(cancer_frame):
    return cancer_frame


@pytest.fixture(scope="module")
def iris_strings():
    X, y = load_iris(return_X_y=True)
    return X, np.array(["setosa", "versicolor", "virginica"])[y]


def test_fitted_attributes_and_their_shapes(cancer):
    X, y = cancer
    clf = LearningGradientClassifier(**FAST, tol=None).fit(X, y)
    assert clf.n_iter_ == 15 and len(clf.loss_curve_) == 15
    assert clf.importance_history_.shape == (15, 30)
    assert clf.importance_history_.dtype == np.float64
    np.testing.assert_allclose(clf.importance_history_.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(clf.feature_importances_, clf.importance_history_[-1])
    assert clf.gradient_magnitude_history_.shape == (15, 30)
    assert (clf.gradient_magnitude_history_ > 0).all()
    # The normalized history is the magnitude history normalized.
    magnitude = clf.gradient_magnitude_history_
    np.testing.assert_allclose(clf.importance_history_,
                               magnitude / magnitude.sum(axis=1, keepdims=True), rtol=1e-10)
    assert list(clf.feature_names_in_) == list(X.columns)
    assert clf.validation_scores_ is None and clf.best_epoch_ is None
    np.testing.assert_array_equal(clf.classes_, [0, 1])


def test_same_random_state_same_importances_and_global_rng_untouched(cancer):
    X, y = cancer
    torch.manual_seed(123)
    before = torch.get_rng_state()
    a = LearningGradientClassifier(**FAST).fit(X, y)
    assert torch.equal(torch.get_rng_state(), before)
    b = LearningGradientClassifier(**FAST).fit(X, y)
    np.testing.assert_array_equal(a.importance_history_, b.importance_history_)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = LearningGradientClassifier(**{**FAST, "random_state": 1}).fit(X, y)
    assert not np.array_equal(a.importance_history_, c.importance_history_)


def test_string_labels_multiclass_and_probabilities(iris_strings):
    X, y = iris_strings
    clf = LearningGradientClassifier(**{**FAST, "max_iter": 150}).fit(X, y)
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    proba = clf.predict_proba(X)
    assert proba.dtype == np.float64 and proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    assert set(clf.predict(X)) <= set(clf.classes_)
    assert clf.score(X, y) > 0.9
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-12)


def test_binary_probabilities_match_predictions(cancer):
    X, y = cancer
    clf = LearningGradientClassifier(**FAST).fit(X, y.map({0: "malignant", 1: "benign"}))
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])


@pytest.mark.parametrize("convert", [
    lambda X: X.to_numpy(np.float64),
    lambda X: X.to_numpy(np.float32),
    lambda X: X.to_numpy().tolist(),
    lambda X: X,
])
def test_accepts_arrays_of_both_floats_lists_and_frames(cancer, convert):
    X, y = cancer
    clf = LearningGradientClassifier(**FAST).fit(convert(X), y.to_numpy())
    assert clf.predict(convert(X)).shape == (len(X),)


def test_user_data_is_not_mutated(cancer):
    X, y = cancer
    X_copy, y_copy = X.copy(), y.copy()
    LearningGradientClassifier(**FAST).fit(X, y).predict(X)
    pd.testing.assert_frame_equal(X, X_copy)
    pd.testing.assert_series_equal(y, y_copy)


@pytest.mark.parametrize("bad, message", [
    (np.nan, "NaN"),
    (np.inf, "infinity"),
])
def test_non_finite_input_is_refused(cancer, bad, message):
    X, y = cancer
    X = X.to_numpy().copy()
    X[3, 2] = bad
    with pytest.raises(ValueError, match=message):
        LearningGradientClassifier(**FAST).fit(X, y)


def test_clear_errors():
    clf = LearningGradientClassifier(**FAST)
    with pytest.raises(ValueError, match="0 sample"):
        clf.fit(np.empty((0, 3)), [])
    with pytest.raises(ValueError, match="at least 2 classes.*only one class: 'a'"):
        clf.fit(np.ones((5, 2)), ["a"] * 5)
    with pytest.raises(NotFittedError):
        clf.predict(np.ones((2, 2)))
    clf.fit(np.random.RandomState(0).randn(20, 3), [0, 1] * 10)
    with pytest.raises(ValueError, match="X has 4 features.*expecting 3"):
        clf.predict(np.ones((2, 4)))
    with pytest.raises(ValueError, match="The 'solver' parameter .* among {'adam', 'sgd'}"):
        LearningGradientClassifier(solver="lbfgs").fit(np.ones((4, 2)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        LearningGradientClassifier(hidden_layer_sizes=(0,)).fit(np.ones((4, 2)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="`y` has classes not in `self.classes_`"):
        clf.learning_gradients(np.ones((2, 3)), [0, 7])


def test_pickle_round_trip_gives_the_same_predictions(cancer):
    X, y = cancer
    clf = LearningGradientClassifier(**FAST).fit(X, y)
    clone = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clone.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(clone.importance_history_, clf.importance_history_)


def test_partial_fit_and_warm_start_append_to_the_history(cancer):
    X, y = cancer
    clf = LearningGradientClassifier(**FAST, tol=None)
    for _ in range(3):
        clf.partial_fit(X, y, classes=[0, 1])
    # As MLPClassifier: n_iter_ counts the epochs of the last call, the curves all of them.
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 3
    assert clf.importance_history_.shape == (3, 30)

    warm = LearningGradientClassifier(**FAST, tol=None, warm_start=True).fit(X, y)
    first = warm.importance_history_.copy()
    warm.fit(X, y)
    assert warm.n_iter_ == 15 and len(warm.loss_curve_) == 30
    assert warm.importance_history_.shape == (30, 30)
    np.testing.assert_array_equal(warm.importance_history_[:15], first)
    cold = LearningGradientClassifier(**FAST, tol=None).fit(X, y).fit(X, y)
    assert cold.n_iter_ == 15


def test_learning_gradients_post_hoc_do_not_update_weights(cancer):
    X, y = cancer
    clf = LearningGradientClassifier(**FAST).fit(X, y)
    weights = [p.detach().clone() for p in clf.net_.module_.parameters()]
    grads = clf.learning_gradients(X.iloc[:50], y.iloc[:50])
    assert grads.shape == (50, 30) and grads.dtype == np.float64 and (grads >= 0).all()
    signed = clf.learning_gradients(X.iloc[:50], y.iloc[:50], absolute=False)
    np.testing.assert_allclose(np.abs(signed), grads)
    assert (signed < 0).any()
    for before, after in zip(weights, clf.net_.module_.parameters()):
        assert torch.equal(before, after)


def test_early_stopping_holds_out_a_validation_set(cancer):
    X, y = cancer
    clf = LearningGradientClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.05,
                                     early_stopping=True, n_iter_no_change=3, max_iter=300,
                                     random_state=0).fit(X, y)
    assert clf.n_iter_ < 300
    assert len(clf.validation_scores_) == clf.n_iter_
    # The network holds the best epoch's weights, and says which epoch that is.
    assert clf.validation_scores_[clf.best_epoch_] == clf.best_validation_score_
    assert clf.best_validation_score_ == max(clf.validation_scores_)


def test_default_convergence_stops_training(cancer):
    X, y = cancer
    clf = LearningGradientClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01,
                                     tol=0.05, n_iter_no_change=2, random_state=0).fit(X, y)
    assert clf.n_iter_ < 200


def test_regressor_single_and_multi_output():
    X, y = make_regression(n_samples=200, n_features=6, n_informative=2, n_targets=2,
                           noise=0.1, random_state=0)
    reg = LearningGradientRegressor(**{**FAST, "max_iter": 80}).fit(X, y)
    assert reg.predict(X).shape == (200, 2) and reg.n_outputs_ == 2
    assert reg.score(X, y) > 0.8
    single = LearningGradientRegressor(**{**FAST, "max_iter": 80}).fit(X, y[:, 0] * 1000)
    assert single.predict(X).shape == (200,)
    assert single.score(X, y[:, 0] * 1000) > 0.8  # targets are standardized inside
    assert single.learning_gradients(X[:4], y[:4, 0]).shape == (4, 6)
    # Informative columns dominate the learning gradient.
    top2 = set(np.argsort(-single.feature_importances_)[:2])
    assert top2 == set(np.argsort(-np.abs(np.corrcoef(X.T, y[:, 0])[-1, :-1]))[:2])


def test_standardize_makes_importances_unit_free(cancer):
    X, y = cancer
    a = LearningGradientClassifier(**FAST).fit(X, y)
    b = LearningGradientClassifier(**FAST).fit(X * 1000.0, y)
    np.testing.assert_allclose(a.feature_importances_, b.feature_importances_, rtol=1e-4)


@pytest.mark.parametrize("cls", [LearningGradientClassifier, LearningGradientRegressor])
def test_every_fitted_attribute_is_documented(cls):
    X, y = make_regression(n_samples=60, n_features=3, random_state=0)
    if cls is LearningGradientClassifier:
        y = y > 0
    fitted = cls(hidden_layer_sizes=(3,), max_iter=3, early_stopping=True,
                 random_state=0).fit(X, y)
    public = [name for name in vars(fitted) if name.endswith("_") and not name.startswith("_")]
    for name in public:
        assert f"    {name} :" in cls.__doc__, name


def test_warnings_point_at_the_callers_line():
    from sklearn.exceptions import ConvergenceWarning
    X, y = make_regression(n_samples=40, n_features=3, random_state=0)
    with pytest.warns(ConvergenceWarning) as record:
        LearningGradientRegressor(hidden_layer_sizes=(2,), max_iter=2,
                                  random_state=0).fit(X, y)
    assert record[0].filename == __file__
