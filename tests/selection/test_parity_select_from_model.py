"""Same name, same behaviour: the same input through scikit-learn's SelectFromModel and through
sklgrad's LearningGradientSelector."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError

from sklgrad import LearningGradientClassifier


def _selectors(estimator, **params):
    from sklearn.feature_selection import SelectFromModel

    from sklgrad import LearningGradientSelector
    return SelectFromModel(estimator, **params), LearningGradientSelector(estimator, **params)


@pytest.fixture(scope="module")
def wide():
    X, y = make_classification(n_samples=120, n_features=12, n_informative=3,
                               random_state=3)
    return X, y


def test_prefit_selector_as_select_from_model(wide):
    from sklearn.linear_model import LogisticRegression
    X, y = wide
    fitted = LogisticRegression(max_iter=500).fit(X, y)
    theirs, ours = _selectors(fitted, prefit=True, threshold="median")
    # transform without fit
    np.testing.assert_array_equal(ours.transform(X), theirs.transform(X))
    # fit stores a deep copy
    for selector in (theirs, ours):
        selector.fit(X, y)
        assert selector.estimator_ is not fitted
        np.testing.assert_array_equal(selector.estimator_.coef_, fitted.coef_)
    np.testing.assert_array_equal(ours.get_support(), theirs.get_support())
    # partial_fit: the first call copies, later calls change nothing
    from sklearn.linear_model import SGDClassifier
    theirs, ours = _selectors(SGDClassifier(random_state=0).fit(X, y), prefit=True)
    for selector in (theirs, ours):
        selector.partial_fit(X, y)
        copied = selector.estimator_
        selector.partial_fit(X, y)
        assert selector.estimator_ is copied
    np.testing.assert_array_equal(ours.get_support(), theirs.get_support())
    # an unfitted estimator: the same error, at transform and at fit
    theirs, ours = _selectors(LogisticRegression(), prefit=True)
    for selector in (theirs, ours):
        with pytest.raises(NotFittedError, match="expected to be a fitted estimator"):
            selector.transform(X)
        with pytest.raises(NotFittedError, match="expected to be a fitted estimator"):
            selector.fit(X, y)


def test_frozen_network_inside_a_grid_search_is_never_refitted(wide):
    from sklearn.frozen import FrozenEstimator
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline

    from sklgrad import LearningGradientSelector
    X, y = wide
    network = LearningGradientClassifier(hidden_layer_sizes=(8,), max_iter=20, tol=None,
                                         random_state=0).fit(X, y)
    history = network.importance_history_.copy()
    pipe = Pipeline([("select", LearningGradientSelector(FrozenEstimator(network),
                                                         threshold=-np.inf)),
                     ("model", LogisticRegression())])
    search = GridSearchCV(pipe, {"select__max_features": [2, 4, 8]}, cv=3).fit(X, y)
    assert search.best_params_["select__max_features"] in (2, 4, 8)
    # Every fit of the search used the same network, untrained further.
    selector = search.best_estimator_.named_steps["select"]
    assert selector.estimator_.estimator is network
    np.testing.assert_array_equal(network.importance_history_, history)
    np.testing.assert_array_equal(selector.importances_mean_, network.feature_importances_)


@pytest.mark.parametrize("make", ["lasso", "elasticnet_l1", "linear_svc_l1", "ridge"])
def test_default_threshold_as_select_from_model(wide, make):
    from sklearn.linear_model import ElasticNet, Lasso, Ridge
    from sklearn.svm import LinearSVC
    X, y = wide
    estimator = {"lasso": Lasso(alpha=0.05), "elasticnet_l1": ElasticNet(alpha=0.05,
                                                                         l1_ratio=1.0),
                 "linear_svc_l1": LinearSVC(penalty="l1", C=0.05),
                 "ridge": Ridge()}[make]
    theirs, ours = _selectors(estimator, threshold=None)
    theirs.fit(X, y)
    ours.fit(X, y)
    np.testing.assert_array_equal(ours.get_support(), theirs.get_support())
    assert ours.threshold_ == pytest.approx(theirs.threshold_)


def test_sparse_importances_as_select_from_model(wide):
    from sklearn.svm import LinearSVC
    X, y = wide
    fitted = LinearSVC(penalty="l1", C=0.05).fit(X, y).sparsify()
    theirs, ours = _selectors(fitted, prefit=True)
    np.testing.assert_array_equal(ours.fit(X, y).get_support(), theirs.fit(X, y).get_support())


def test_a_selector_whose_fit_raised_is_not_fitted(wide):
    X, y = wide
    _, ours = _selectors(LearningGradientClassifier(learning_rate_init=-1.0))
    with pytest.raises(ValueError, match="learning_rate_init"):
        ours.fit(X, y)
    with pytest.raises(NotFittedError):
        ours.get_support()
    assert not hasattr(ours, "n_features_in_")


class _FixedImportanceEstimator(BaseEstimator):
    """scikit-learn's stub: its fit returns None."""

    def __init__(self, importances):
        self.importances = importances

    def fit(self, X, y=None, **fit_params):
        self.feature_importances_ = np.array(self.importances)


def test_max_features_tiebreak():
    """scikit-learn's test_max_features_tiebreak, through LearningGradientSelector."""
    from sklearn.datasets import make_classification

    from sklgrad import LearningGradientSelector

    X, y = make_classification(n_samples=1000, n_features=10, n_informative=3,
                               n_redundant=0, n_repeated=0, shuffle=False, random_state=0)
    importances = np.array([4, 4, 4, 4, 3, 3, 3, 2, 2, 1])
    for n_features in range(1, X.shape[1] + 1):
        selector = LearningGradientSelector(_FixedImportanceEstimator(importances),
                                            max_features=n_features, threshold=-np.inf)
        X_new = selector.fit_transform(X, y)
        np.testing.assert_array_equal(np.flatnonzero(selector.get_support()),
                                      np.arange(n_features))
        assert X_new.shape[1] == n_features
