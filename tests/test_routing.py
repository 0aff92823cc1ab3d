"""Metadata routing: the selector, the selector CV and the comparison route fit parameters
as SelectFromModel does, with routing on and off."""

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.feature_selection import SelectFromModel
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from sklgrad import (
    LearningComparison,
    LearningGradientClassifier,
    LearningGradientSelector,
    LearningGradientSelectorCV,
)


class Recorder(ClassifierMixin, BaseEstimator):
    """Records the sample weights its fit got; returns None from fit, as some do."""

    def fit(self, X, y, sample_weight=None):
        self.sample_weight_ = None if sample_weight is None else np.asarray(sample_weight)
        self.classes_ = np.unique(y)
        self.feature_importances_ = np.arange(1.0, X.shape[1] + 1)

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


@pytest.fixture
def data():
    X, y = make_classification(n_samples=80, n_features=6, random_state=0)
    return X, y, np.random.RandomState(0).uniform(0.5, 2.0, len(y))


def _recorded(selector_class, estimator, final, fit_params, X, y):
    pipe = Pipeline([("select", selector_class(estimator, max_features=3)), ("model", final)])
    pipe.fit(X, y, **fit_params)
    return pipe.named_steps["select"].estimator_.sample_weight_


def _both(estimator, final, fit_params, X, y):
    """What the estimator got inside SelectFromModel and inside sklgrad's selector."""
    from sklearn.base import clone

    return [_recorded(cls, clone(estimator), clone(final), fit_params, X, y)
            for cls in (SelectFromModel, LearningGradientSelector)]


def test_without_routing_fit_params_go_to_the_estimator_as_in_select_from_model(data):
    X, y, w = data
    ours, theirs = _both(Recorder(), LogisticRegression(), {"select__sample_weight": w}, X, y)
    np.testing.assert_array_equal(ours, w)
    np.testing.assert_array_equal(theirs, w)


def test_with_routing_weights_reach_the_estimator_that_requests_them(data):
    X, y, w = data
    with sklearn.config_context(enable_metadata_routing=True):
        final = LogisticRegression().set_fit_request(sample_weight=True)
        requested = Recorder().set_fit_request(sample_weight=True)
        for got in _both(requested, final, {"sample_weight": w}, X, y):
            np.testing.assert_array_equal(got, w)
        declined = Recorder().set_fit_request(sample_weight=False)
        assert _both(declined, final, {"sample_weight": w}, X, y) == [None, None]
        # Nobody asked for them: both refuse, with scikit-learn's error.
        errors = []
        for cls in (SelectFromModel, LearningGradientSelector):
            with pytest.raises(Exception) as error:
                Pipeline([("select", cls(Recorder())),
                          ("model", LogisticRegression())]).fit(X, y, sample_weight=w)
            errors.append(type(error.value))
        assert errors[0] is errors[1]


def test_with_routing_the_networks_train_weighted(data):
    X, y, w = data
    network = LearningGradientClassifier(hidden_layer_sizes=(4,), max_iter=5, tol=None,
                                         random_state=0)
    weighted = LearningGradientSelector(network).fit(X, y, sample_weight=w)
    plain = LearningGradientSelector(network).fit(X, y)
    assert not np.allclose(weighted.importances_mean_, plain.importances_mean_)
    with sklearn.config_context(enable_metadata_routing=True):
        final = LogisticRegression().set_fit_request(sample_weight=True)
        selector = LearningGradientSelector(
            network.set_fit_request(sample_weight=True), n_repeats=2, random_state=0)
        pipe = Pipeline([("select", selector), ("model", final)]).fit(X, y, sample_weight=w)
        routed = pipe.named_steps["select"]
        # The default network requests sample weights: a user cannot set that on it.
        default = LearningGradientSelector().get_metadata_routing()
        assert "sample_weight" in str(default)
    direct = LearningGradientSelector(network, n_repeats=2, random_state=0).fit(
        X, y, sample_weight=w)
    np.testing.assert_allclose(routed.importances_mean_, direct.importances_mean_)


def test_the_estimators_declare_sample_weight():
    routing = LearningGradientClassifier().get_metadata_routing()
    assert "sample_weight" in routing.fit.requests
    assert {"sample_weight", "classes"} <= set(routing.partial_fit.requests)


def test_the_selector_cv_splits_sample_weights_by_fold_and_routes_them(data):
    X, y, w = data
    network = LearningGradientClassifier(hidden_layer_sizes=(4,), max_iter=3, tol=None,
                                         random_state=0)
    search = LearningGradientSelectorCV(LearningGradientSelector(network, threshold=-np.inf),
                                        cv=3)
    search.fit(X, y, sample_weight=w)  # a fold's selector gets its fold's weights
    with sklearn.config_context(enable_metadata_routing=True):
        selector = LearningGradientSelector(network.set_fit_request(sample_weight=True),
                                            threshold=-np.inf)
        routed = LearningGradientSelectorCV(selector, cv=3).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(routed.selector_.importances_mean_,
                               search.selector_.importances_mean_)


def test_the_comparison_routes_sample_weights_to_its_networks(data):
    X, y, w = data
    network = LearningGradientClassifier(hidden_layer_sizes=(3,), max_iter=3, tol=None)
    grid = {"learning_rate_init": [0.01, 0.1]}
    weighted = LearningComparison(network, grid, n_seeds=2, random_state=0).fit(
        X, y, sample_weight=w)
    plain = LearningComparison(network, grid, n_seeds=2, random_state=0).fit(X, y)
    assert not np.allclose(weighted.final_importances_, plain.final_importances_)
    with sklearn.config_context(enable_metadata_routing=True):
        routed = LearningComparison(network.set_fit_request(sample_weight=True), grid,
                                    n_seeds=2, random_state=0).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(routed.final_importances_, weighted.final_importances_)


def test_selectors_and_networks_with_requests_save_and_load(data, tmp_path):
    from sklgrad import load_model, save_model

    X, y, w = data
    default = LearningGradientSelector(random_state=0).fit(X, y)
    with sklearn.config_context(enable_metadata_routing=True):
        requested = LearningGradientSelector(LearningGradientClassifier(
            hidden_layer_sizes=(3,), max_iter=3, tol=None, random_state=0).set_fit_request(
            sample_weight=True)).fit(X, y, sample_weight=w)
    for name, selector in (("default", default), ("requested", requested)):
        save_model(selector, tmp_path / f"{name}.skops")
        loaded = load_model(tmp_path / f"{name}.skops")
        np.testing.assert_array_equal(loaded.get_support(), selector.get_support())
