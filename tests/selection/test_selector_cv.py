"""LearningGradientSelectorCV: one network per split, every candidate scored."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklgrad import LearningGradientClassifier, LearningGradientSelector, LearningGradientSelectorCV

NETWORK = dict(hidden_layer_sizes=(8,), max_iter=15, learning_rate_init=0.01, random_state=0)


def _search(**kwargs):
    return LearningGradientSelectorCV(
        LearningGradientSelector(LearningGradientClassifier(**NETWORK), threshold=-np.inf),
        **kwargs)


def test_scores_equal_the_loop_it_packages():
    X, y = load_breast_cancer(return_X_y=True)
    cv = KFold(3, shuffle=True, random_state=0)
    search = _search(param_grid={"max_features": [3, 8, 15]}, cv=cv).fit(X, y)
    for s, (train, test) in enumerate(cv.split(X, y)):
        selector = LearningGradientSelector(LearningGradientClassifier(**NETWORK),
                                            threshold=-np.inf).fit(X[train], y[train])
        for c, k in enumerate([3, 8, 15]):
            selector.set_params(max_features=k)
            model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
            model.fit(selector.transform(X[train]), y[train])
            score = model.score(selector.transform(X[test]), y[test])
            assert search.cv_results_[f"split{s}_test_score"][c] == pytest.approx(score)
    best = int(np.argmax(search.cv_results_["mean_test_score"]))
    assert search.best_params_ == {"max_features": [3, 8, 15][best]}
    assert search.transform(X).shape[1] == search.best_params_["max_features"]
    assert search.selector_.get_params()["max_features"] == search.best_params_["max_features"]


def test_default_candidates_and_bad_grids():
    X, y = load_breast_cancer(return_X_y=True)
    search = _search(cv=2).fit(X, y)
    assert [p["max_features"] for p in search.cv_results_["params"]] == [1, 2, 4, 8, 16, 30]
    with pytest.raises(ValueError, match="may only vary max_features and threshold"):
        _search(param_grid={"n_repeats": [1, 2]}, cv=2).fit(X, y)


@parametrize_with_checks([LearningGradientSelectorCV(
    LearningGradientSelector(LearningGradientClassifier(**NETWORK), threshold=-np.inf),
    param_grid={"max_features": [1, 2]}, cv=2)])
def test_sklearn_compatible(estimator, check):
    check(estimator)
