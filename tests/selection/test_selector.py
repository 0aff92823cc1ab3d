"""LearningGradientSelector: SelectFromModel semantics, repeats, the shadow threshold."""

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from sklearn.datasets import load_breast_cancer
from sklearn.feature_selection import SelectFromModel
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_global_output_transform_pandas,
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_transformer_get_feature_names_out_pandas,
    parametrize_with_checks,
)

from sklgrad import (
    LearningGradientClassifier,
    LearningGradientRegressor,
    LearningGradientSelector,
)

SMALL = dict(hidden_layer_sizes=(8,), learning_rate_init=0.01, max_iter=20, random_state=0)


def _selector():
    return LearningGradientSelector(LearningGradientClassifier(**SMALL))


@parametrize_with_checks([_selector()])
def test_sklearn_compatible_selector(estimator, check):
    check(estimator)


@pytest.mark.parametrize("check", [
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_global_output_transform_pandas,
    check_dataframe_column_names_consistency,
    check_transformer_get_feature_names_out_pandas,
])
def test_set_output_and_dataframe_checks(check):
    check("LearningGradientSelector", _selector())


class FixedImportances(BaseEstimator):
    """A stub model whose importances are given: tests the selection without torch."""

    def __init__(self, importances=None):
        self.importances = importances

    def fit(self, X, y=None):
        self.feature_importances_ = np.asarray(self.importances, dtype=float)
        self.n_features_in_ = len(self.feature_importances_)
        return self


IMPORTANCES = [0.05, 0.3, 0.0, 0.2, 0.2, 0.1, 0.15]


@pytest.mark.parametrize("threshold", [None, "mean", "median", "1.5*mean", "0.5*median",
                                       0.15, -np.inf])
@pytest.mark.parametrize("max_features", [None, 1, 3, 7])
def test_same_selection_as_select_from_model_on_a_stub(threshold, max_features):
    X = np.arange(70.0).reshape(10, 7)
    y = np.arange(10) % 2
    ours = LearningGradientSelector(FixedImportances(IMPORTANCES), threshold=threshold,
                                    max_features=max_features).fit(X, y)
    theirs = SelectFromModel(FixedImportances(IMPORTANCES), threshold=threshold,
                             max_features=max_features).fit(X, y)
    np.testing.assert_array_equal(ours.get_support(), theirs.get_support())
    np.testing.assert_allclose(ours.threshold_, theirs.threshold_)
    np.testing.assert_array_equal(ours.transform(X), theirs.transform(X))


def test_mask_is_lazy_set_params_reselects_without_refitting():
    X = np.arange(70.0).reshape(10, 7)
    selector = LearningGradientSelector(FixedImportances(IMPORTANCES), max_features=3,
                                        threshold=-np.inf).fit(X, np.arange(10) % 2)
    fitted = selector.estimator_
    assert selector.get_support(indices=True).tolist() == [1, 3, 4]
    selector.set_params(threshold=0.25)
    assert selector.get_support(indices=True).tolist() == [1]
    selector.set_params(threshold="mean", max_features=None)
    assert selector.get_support().sum() == 4
    assert selector.estimator_ is fitted


def test_max_features_as_fraction_and_callable():
    X = np.arange(70.0).reshape(10, 7)
    y = np.arange(10) % 2
    frac = LearningGradientSelector(FixedImportances(IMPORTANCES), max_features=0.5,
                                    threshold=-np.inf).fit(X, y)
    assert frac.max_features_ == 3 and frac.get_support().sum() == 3
    call = LearningGradientSelector(FixedImportances(IMPORTANCES),
                                    max_features=lambda X: X.shape[1] - 5,
                                    threshold=-np.inf).fit(X, y)
    assert call.max_features_ == 2
    with pytest.raises(ValueError, match="max_features"):
        LearningGradientSelector(FixedImportances(IMPORTANCES), max_features=9).fit(X, y)
    with pytest.raises(ValueError, match="threshold must be"):
        LearningGradientSelector(FixedImportances(IMPORTANCES),
                                 threshold="mode").fit(X, y).transform(X)


def test_prefit_uses_the_estimator_as_it_is():
    X = np.arange(70.0).reshape(10, 7)
    model = FixedImportances(IMPORTANCES).fit(X)
    # As SelectFromModel: transform works without fit, fit stores a deep copy.
    unfitted = LearningGradientSelector(model, prefit=True, threshold=0.2)
    assert unfitted.get_support(indices=True).tolist() == [1, 3, 4]
    assert unfitted.transform(X).shape == (10, 3)
    selector = LearningGradientSelector(model, prefit=True, threshold=0.2).fit(X)
    assert selector.estimator_ is not model
    assert np.array_equal(selector.estimator_.feature_importances_, model.feature_importances_)
    assert selector.get_support(indices=True).tolist() == [1, 3, 4]
    with pytest.raises(ValueError, match="n_repeats must be 1"):
        LearningGradientSelector(model, prefit=True, n_repeats=3).fit(X)


def test_repeats_expose_mean_std_and_frequency():
    X, y = load_breast_cancer(return_X_y=True)
    selector = LearningGradientSelector(LearningGradientClassifier(**SMALL), n_repeats=3,
                                        max_features=5, threshold=-np.inf,
                                        random_state=0).fit(X, y)
    assert selector.importances_.shape == (3, 30)
    np.testing.assert_allclose(selector.importances_mean_, selector.importances_.mean(0))
    np.testing.assert_allclose(selector.importances_std_, selector.importances_.std(0))
    assert len({est.random_state for est in selector.estimators_}) == 3
    frequency = selector.selection_frequency_
    assert frequency.shape == (30,) and np.isclose(frequency.sum(), 5.0)
    assert set(np.unique(frequency)) <= {0, 1 / 3, 2 / 3, 1}


def test_default_estimator_follows_the_target():
    X, y = load_breast_cancer(return_X_y=True)
    selector = LearningGradientSelector(random_state=0).fit(X[:120], y[:120])
    assert isinstance(selector.estimator_, LearningGradientClassifier)
    selector = LearningGradientSelector(random_state=0).fit(X[:120], X[:120, 0] * 2.0)
    assert isinstance(selector.estimator_, LearningGradientRegressor)


def test_works_with_any_model_with_feature_importances_or_coef():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    selector = LearningGradientSelector(LogisticRegression(), max_features=4,
                                        threshold=-np.inf).fit(X, y)
    reference = SelectFromModel(LogisticRegression(), max_features=4,
                                threshold=-np.inf).fit(X, y)
    np.testing.assert_array_equal(selector.get_support(), reference.get_support())


def test_partial_fit_updates_the_importances():
    X, y = load_breast_cancer(return_X_y=True)
    selector = LearningGradientSelector(LearningGradientClassifier(**SMALL), max_features=3,
                                        threshold=-np.inf)
    selector.partial_fit(X, y, classes=[0, 1])
    first = selector.importances_mean_.copy()
    selector.partial_fit(X, y)
    assert len(selector.estimator_.loss_curve_) == 2
    assert not np.array_equal(first, selector.importances_mean_)
    assert selector.transform(X).shape == (569, 3)


def _ground_truth(seed):
    """The data of docs/selection.md's table (docs/examples/shadow_rule.py)."""
    path = Path(__file__).resolve().parents[2] / "docs" / "examples" / "shadow_rule.py"
    spec = importlib.util.spec_from_file_location("shadow_rule", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ground_truth(seed)


def test_shadow_threshold_finds_the_informative_columns():
    passed = []
    for seed in range(5):
        X, y, informative = _ground_truth(seed)
        X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=seed)
        # A modest network with weight decay, and rounds that prune the noise before the
        # strict shadow rule (docs/selection.md: one round misses weak informative columns).
        selector = LearningGradientSelector(
            LearningGradientClassifier(hidden_layer_sizes=(16,), alpha=0.01, max_iter=100,
                                       learning_rate_init=0.003, tol=None),
            threshold="shadow", shadow_rounds=3, random_state=seed,
        ).fit(X_train, y_train)
        kept = selector.get_support()
        noise = np.ones(X.shape[1], dtype=bool)
        noise[informative] = False
        all_informative = kept[informative].all()
        noise_dropped = 1 - kept[noise].mean()

        model = LogisticRegression(max_iter=1000)
        on_all = model.fit(X_train, y_train).score(X_test, y_test)
        on_kept = model.fit(X_train[:, kept], y_train).score(X_test[:, kept], y_test)
        passed.append(all_informative and noise_dropped >= 0.9 and on_kept >= on_all)
    assert sum(passed) >= 4, passed


def test_shadow_needs_shadow_fit():
    X, y = load_breast_cancer(return_X_y=True)
    selector = LearningGradientSelector(LearningGradientClassifier(**SMALL)).fit(X, y)
    with pytest.raises(ValueError, match="fit the selector with threshold='shadow'"):
        selector.set_params(threshold="shadow").transform(X)


def test_pipeline_grid_search_over_max_features_with_pandas_output(cancer_frame):
    X, y = cancer_frame
    pipe = Pipeline([
        ("scale", StandardScaler()),
        ("select", LearningGradientSelector(LearningGradientClassifier(**SMALL),
                                            threshold=-np.inf)),
        ("model", LogisticRegression(max_iter=500)),
    ]).set_output(transform="pandas")
    search = GridSearchCV(pipe, {"select__max_features": [5, 10, 20]}, cv=3).fit(X, y)
    best = search.best_estimator_
    names = best[:-1].get_feature_names_out()
    k = search.best_params_["select__max_features"]
    assert len(names) == k and set(names) <= set(X.columns)
    reduced = best[:-1].transform(X)
    assert isinstance(reduced, pd.DataFrame) and list(reduced.columns) == list(names)


def test_tuning_without_retraining_gives_the_plain_result(cancer_frame):
    X, y = cancer_frame
    ks = [3, 8, 15]
    cv = KFold(3, shuffle=True, random_state=0)
    model = LearningGradientClassifier(**SMALL)

    def pipeline(selector):
        return Pipeline([("select", selector), ("model", LogisticRegression(max_iter=500))])

    # The plain way: one network per candidate and split (9 fits).
    plain = GridSearchCV(pipeline(LearningGradientSelector(model, threshold=-np.inf)),
                         {"select__max_features": ks}, cv=cv).fit(X, y)

    # One network per split (3 fits): the mask is lazy, so set_params reselects.
    scores = np.zeros((len(ks), cv.get_n_splits()))
    for split, (train, test) in enumerate(cv.split(X, y)):
        network = LearningGradientSelector(model, threshold=-np.inf)
        network.fit(X.iloc[train], y.iloc[train])
        for i, k in enumerate(ks):
            fitted = LearningGradientSelector(network.estimator_, prefit=True,
                                              threshold=-np.inf, max_features=k)
            pipe = pipeline(fitted).fit(X.iloc[train], y.iloc[train])
            scores[i, split] = pipe.score(X.iloc[test], y.iloc[test])
    np.testing.assert_allclose(scores.mean(axis=1), plain.cv_results_["mean_test_score"],
                               rtol=1e-12)


def test_verbose_reports_each_round(capsys):
    X, y = load_breast_cancer(return_X_y=True)
    LearningGradientSelector(LearningGradientClassifier(**SMALL), threshold="shadow",
                             n_repeats=2, shadow_rounds=2, random_state=0,
                             verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert "shadow round 1/2: 30 variables and their shadows" in out
    assert "2 network(s) on 60 inputs (stacked)" in out
    LearningGradientSelector(LearningGradientClassifier(**SMALL)).fit(X, y)
    assert capsys.readouterr().out == ""


def test_networks_epoch_lines_say_which_repeat(capsys):
    X, y = load_breast_cancer(return_X_y=True)
    network = LearningGradientClassifier(**{**SMALL, "max_iter": 2, "tol": None},
                                         verbose=1)
    LearningGradientSelector(network, n_repeats=2, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("[repeat 1/2] Iteration 1, loss = ")
    assert "[repeat 2/2] Iteration 2, loss = " in lines[-1]
    assert "\x1b[" not in "".join(lines)  # no colour codes


@pytest.mark.parametrize("threshold", [None, "shadow"])
@pytest.mark.parametrize("rows", [slice(None), slice(0, 150)])
def test_the_default_selector_reads_a_float_target_as_a_regression(threshold, rows):
    # load_diabetes's target holds whole numbers (type_of_target calls it multiclass); a
    # classifier on it crashed (classes of one row) or, rounded, trained 14 classes.
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    X, y = X[rows], y[rows]
    for target in (y, np.round(y / 25) * 25):
        selector = LearningGradientSelector(threshold=threshold, random_state=0).fit(X, target)
        assert isinstance(selector.estimator_, LearningGradientRegressor)
        # The path network answers "minimal" (the default) and trains beside shadows
        # with "shadow"; "all-relevant" trains none.
        network = (selector.path_network_ if threshold in (None, "minimal")
                   else selector.estimator_)
        assert isinstance(network, LearningGradientRegressor)
        assert (network.input_penalty == "path") == (threshold != "all-relevant")
        assert 0 < selector.get_support().sum() <= X.shape[1]


def test_a_cached_pipeline_fits_the_selection_once_per_fold(tmp_path, monkeypatch):
    # A grid over the model after the selector: with Pipeline(memory=) joblib's cache
    # returns the fold's fitted selector for every setting of the model.
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    from sklgrad._selection import _selector

    X, y = load_breast_cancer(return_X_y=True)
    fits, fit = [], _selector.LearningGradientSelector.fit

    def counted(self, X, y=None, **fit_params):
        fits.append(1)
        return fit(self, X, y, **fit_params)

    monkeypatch.setattr(_selector.LearningGradientSelector, "fit", counted)
    selector = LearningGradientSelector(
        LearningGradientClassifier(hidden_layer_sizes=(4,), max_iter=5, tol=None,
                                   random_state=0), threshold="mean")
    grid = {"model__C": [0.1, 1.0, 10.0]}
    scores = {}
    for memory in (None, str(tmp_path)):
        fits.clear()
        pipe = Pipeline([("select", selector), ("model", LogisticRegression(max_iter=5000))],
                        memory=memory)
        search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
        scores[memory is None] = (len(fits), search.best_params_, search.best_score_)
    assert scores[True][0] == 3 * 3 + 1  # every fold and setting, then the refit
    assert scores[False][0] == 3 + 1  # every fold once, then the refit
    assert scores[True][1:] == scores[False][1:]
