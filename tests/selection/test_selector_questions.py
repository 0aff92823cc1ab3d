"""The selector's two questions: "all-relevant" (which columns carry signal) and "minimal"
(which few columns suffice, the default), on real data with permuted-copy noise."""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_wine

from sklgrad import (
    ImportanceHistoryDisplay,
    ImportanceRankingDisplay,
    LearningGradientClassifier,
    LearningGradientRegressor,
    LearningGradientSelector,
    MemorizationWarning,
)
from sklgrad._neural_network._path import _sparsest_within_one_standard_error


def _with_permuted_copies(X, n_noise, seed):
    """X beside ``n_noise`` real columns with their rows permuted (noise with real
    marginals), columns shuffled; returns X, the mask of real columns."""
    rng = np.random.default_rng(seed)
    noise = np.column_stack([rng.permutation(X[:, i % X.shape[1]]) for i in range(n_noise)])
    data = np.hstack([X, noise])
    real = np.r_[np.ones(X.shape[1], bool), np.zeros(n_noise, bool)]
    order = rng.permutation(data.shape[1])
    return data[:, order], real[order]


@pytest.mark.parametrize("seed", [0, 1])
def test_all_relevant_keeps_the_real_columns_of_a_small_table_and_no_noise(seed):
    # Wine: 178 rows (n < 200), 13 real columns beside 117 permuted copies. Boruta keeps
    # 13/13 with no noise here (docs/benchmarks.md).
    X, y = load_wine(return_X_y=True)
    X, real = _with_permuted_copies(X, 117, seed)
    selector = LearningGradientSelector(threshold="all-relevant", random_state=seed).fit(X, y)
    kept = selector.get_support()
    assert (kept & real).sum() >= 11
    assert (kept & ~real).sum() <= 1
    np.testing.assert_array_equal(kept, selector.relevant_)
    assert len(selector.estimators_) == 8  # the ranking's networks, stacked
    assert selector.screen_importances_.shape == (8, X.shape[1])
    # The ranking's bar: the largest of its shadows' mean shares.
    assert selector.threshold_ == pytest.approx(
        selector.shadow_importances_.mean(axis=0).max())


def test_minimal_is_the_default_and_keeps_a_subset_of_the_relevant_columns():
    X, y = load_wine(return_X_y=True)
    X, real = _with_permuted_copies(X, 60, 0)
    selector = LearningGradientSelector(random_state=0).fit(X, y)
    kept = selector.get_support()
    assert selector.path_network_.input_penalty == "path"
    assert kept.any() and not (kept & ~selector.relevant_).any()
    # The screens keep noise at a false discovery rate, not never: here one pair of noise
    # columns beats the interaction tests' shadows (p = 8e-5 each, about 1 in 200 tables).
    assert (kept & ~real).sum() <= 2 and (kept & real).sum() >= 7
    # Reselecting without a refit works on the path's importances, but a rule fitted
    # with the selector cannot be switched to.
    assert selector.set_params(threshold=-np.inf).get_support().all()
    with pytest.raises(ValueError, match="needs shadow variables"):
        selector.set_params(threshold="all-relevant").get_support()
    with pytest.raises(ValueError, match="partial_fit trains one estimator"):
        LearningGradientSelector().partial_fit(X, y)


@pytest.mark.parametrize("threshold", [None, "minimal", "all-relevant"])
def test_questions_on_a_plain_regression_target_and_on_few_rows(threshold):
    X, y = load_diabetes(return_X_y=True)
    supports = []
    for rows in (slice(None), slice(0, 120)):
        selector = LearningGradientSelector(threshold=threshold, random_state=0).fit(
            X[rows], y[rows])
        assert isinstance(selector.estimator_, LearningGradientRegressor)
        supports.append(selector.get_support())
        assert supports[-1].shape == (10,)
    # On all rows, body-mass index and the serum triglycerides (s5) carry signal.
    assert supports[0][[2, 8]].all()


def test_all_relevant_keeps_no_column_of_pure_noise():
    # The rule's promise: a column unrelated to the target beats every shadow rarely.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 40))
    y = rng.integers(0, 2, size=200)
    for seed in (0, 1):
        selector = LearningGradientSelector(threshold="all-relevant", random_state=seed)
        assert selector.fit(X, y).get_support().sum() <= 1


def test_a_given_estimator_answers_all_relevant_on_its_whole_training():
    X, y = load_wine(return_X_y=True)
    network = LearningGradientClassifier(hidden_layer_sizes=(16,), alpha=1.0, max_iter=30,
                                         batch_size=32, tol=None)
    selector = LearningGradientSelector(network, threshold="all-relevant", n_repeats=4,
                                        random_state=0).fit(X, y)
    # The screen: the given network on 13 inputs beside 500 shadows at least, four times.
    assert selector.screen_importances_.shape == (4, 13)
    # The ranking: clones of the given network on the selected inputs beside one shadow
    # of each; the importances are their shares over the whole training, 0 elsewhere.
    kept = selector.get_support()
    assert len(selector.estimators_) == 4 and kept.sum() >= 5
    history = selector.estimators_[0].importance_history_.sum(axis=0)
    assert history.shape[0] == 2 * kept.sum()
    assert selector.estimators_[0].hidden_layer_sizes == (16,)
    np.testing.assert_allclose(selector.importances_[0][kept],
                               (history / history.sum())[:kept.sum()])
    assert (selector.importances_[:, ~kept] == 0).all()


def test_after_screening_the_sparsest_point_within_one_standard_error_is_kept():
    path = [dict(validation_loss=0.30, validation_loss_se=0.01, inputs_alive=40),
            dict(validation_loss=0.20, validation_loss_se=0.02, inputs_alive=6),
            # a later round on the same split, better only within the noise
            dict(validation_loss=0.19, validation_loss_se=0.02, inputs_alive=45),
            dict(validation_loss=0.21, validation_loss_se=0.02, inputs_alive=22)]
    assert _sparsest_within_one_standard_error(path) == 1
    # A round that beats the others by more than the noise is kept.
    path[2]["validation_loss"] = 0.10
    assert _sparsest_within_one_standard_error(path) == 2


def _memorizing_regressor():
    X, y = load_diabetes(return_X_y=True)
    noise = np.random.default_rng(0).normal(size=(len(X), 190))
    return np.hstack([X, noise]), y


def test_a_network_that_memorizes_says_so_in_its_attributes_and_displays():
    X, y = _memorizing_regressor()
    network = LearningGradientRegressor(hidden_layer_sizes=(256,), max_iter=150,
                                        early_stopping=True, n_iter_no_change=150, tol=None,
                                        random_state=0)
    with pytest.warns(MemorizationWarning, match="memorizes"):
        network.fit(X, y)
    assert network.memorizing_
    assert network.train_score_ > 0.9 > 0.2 > network.best_validation_score_
    for display in (ImportanceHistoryDisplay, ImportanceRankingDisplay):
        title = display.from_estimator(network).ax_.get_title()
        assert "memorizing: training score" in title
        plt.close("all")


def test_a_network_that_generalizes_is_not_said_to_memorize():
    X, y = load_wine(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", MemorizationWarning)
        network = LearningGradientClassifier(early_stopping=True, random_state=0).fit(X, y)
    assert network.memorizing_ is False
    assert network.train_score_ >= network.best_validation_score_ - 0.2
    # Without a validation split there is nothing to compare with.
    plain = LearningGradientClassifier(max_iter=5, tol=None, random_state=0).fit(X, y)
    assert plain.train_score_ is None and plain.memorizing_ is None


def test_a_selector_answering_a_question_saves_and_loads(tmp_path):
    from sklgrad import load_model, save_model

    X, y = load_wine(return_X_y=True)
    X, _ = _with_permuted_copies(X, 20, 0)
    selector = LearningGradientSelector(random_state=0).fit(X, y)
    save_model(selector, tmp_path / "minimal.skops")
    loaded = load_model(tmp_path / "minimal.skops")
    np.testing.assert_array_equal(loaded.get_support(), selector.get_support())
    np.testing.assert_array_equal(loaded.relevant_, selector.relevant_)
    np.testing.assert_allclose(loaded.transform(X), selector.transform(X))


def test_the_dense_screen_reads_the_columns_and_their_shadows(monkeypatch):
    # y = x0**2: no trend in x0. The dense screen's networks see the columns and their
    # shadows (whole-training shares); the dependence tests see the even effect; the
    # ranking networks see the selected columns and one shadow of each (5 at least).
    from sklgrad._selection import _orchestrator
    from sklgrad._selection._dense import whole_training_importances

    trained = []

    def recording(estimators, inputs, y, **fit_params):
        fitted, stacked = fit_many(estimators, inputs, y, **fit_params)
        trained.append(fitted)
        return fitted, stacked

    fit_many = _orchestrator.fit_many
    monkeypatch.setattr(_orchestrator, "fit_many", recording)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 20))
    y = X[:, 0] ** 2 + 0.1 * rng.normal(size=300)
    selector = LearningGradientSelector(threshold="all-relevant", random_state=0).fit(X, y)
    screen, ranking = trained
    assert screen[0].n_features_in_ == 20 * (1 + int(np.ceil(500 / 20)))
    shares = whole_training_importances(screen[0])
    np.testing.assert_allclose(selector.screen_importances_[0], shares[:20])
    assert selector.dependence_p_values_.argmin() == 0
    kept = selector.get_support()
    assert kept[0] and kept.sum() <= 2
    assert ranking[0] is selector.estimator_
    assert ranking[0].n_features_in_ == kept.sum() * int(1 + np.ceil(5 / kept.sum()))
    shares = whole_training_importances(ranking[0])
    np.testing.assert_allclose(selector.importances_[0][kept], shares[:kept.sum()])
    np.testing.assert_allclose(selector.shadow_importances_[0], shares[kept.sum():])


@pytest.mark.parametrize("n_rows, batch_size, epochs", [
    (178, 32, 50), (569, 56, 50), (2_000, 200, 50), (4_039, 200, 27), (5_822, 200, 19),
    (10**6, 200, 10)])
def test_the_screen_networks_train_a_budget_of_steps(n_rows, batch_size, epochs):
    # Up to 2,000 rows an epoch takes about 10 batches and the screen trains 50 epochs;
    # beyond, as many steps (SCREEN_STEPS) in fewer epochs, 10 at least.
    from sklgrad._selection._dense import SCREEN_STEPS, relevance_network

    network = relevance_network(np.r_[0, 1], n_rows)
    assert (network.batch_size, network.max_iter) == (batch_size, epochs)
    steps = np.ceil(n_rows / batch_size)
    assert epochs in (10, 50) or (epochs - 1) * steps < SCREEN_STEPS <= epochs * steps


def test_the_path_screen_admits_nothing_from_a_network_that_learned_nothing():
    # Pure noise: the path still ends with an input alive above its shadows (seed 0), at
    # a validation loss no better than the constant prediction's; that is not a find.
    from sklgrad._neural_network._memorization import LEARNED_SE, learned
    from sklgrad._selection._path_screen import path_screen
    from sklgrad._selection._statistics import shadow_columns

    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(300, 10)), rng.randint(0, 2, 300)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the screen's answer, not the estimator's warning
        kept, network = path_screen(X, shadow_columns(X, rng), y, 0)
    shares = network.feature_importances_
    above_every_shadow = (shares[:10] > shares[10:].max()) & (shares[:10] > 0)
    point = network.path_[network.path_choice_]
    assert above_every_shadow.any() and not learned(point) and not kept.any()
    # A column the target follows: the point beats the constant and the column is kept.
    y = (X[:, 0] > 0).astype(int)
    kept, network = path_screen(X, shadow_columns(X, rng), y, 0)
    point = network.path_[network.path_choice_]
    assert point["gain"] > LEARNED_SE * point["gain_se"] and np.flatnonzero(kept) == [0]


def test_the_shadows_bar_is_where_ten_times_the_shadows_would_reach():
    from sklgrad._selection._dense import shadow_bar

    scores = np.array([9.0, 7.0, 6.0] + [1.0] * 17)  # the 20th largest is 1
    assert shadow_bar(scores) == pytest.approx(9.0 + np.mean([8, 6, 5] + [0] * 16)
                                               * np.log(10))
    # Noise exchangeable with the shadows, in an exponential tail: the plain bar (the
    # largest shadow) lets through about n_noise / (m + 1), one per screen here; the
    # raised bar about a tenth of that.
    rng = np.random.default_rng(0)
    above_largest, above_bar = 0, 0
    for _ in range(300):
        shadows, noise = rng.exponential(size=500), rng.exponential(size=500)
        above_largest += (noise > shadows.max()).sum()
        above_bar += (noise > shadow_bar(shadows)).sum()
    assert 200 < above_largest < 400
    assert above_bar < above_largest / 5


def test_the_selector_reads_its_attributes_and_its_support_from_one_result():
    from sklgrad._selection._result import QUESTION_ATTRIBUTES

    X, y = load_wine(return_X_y=True)
    selector = LearningGradientSelector(threshold="all-relevant", random_state=0).fit(X, y)
    result = selector.selection_result_
    assert result.estimators is selector.estimators_
    assert result.importances is selector.importances_
    for name in QUESTION_ATTRIBUTES:
        assert getattr(selector, name) is getattr(result, name[:-1]), name
    # The support is the all-relevant answer the screens gave, not a second computation.
    np.testing.assert_array_equal(selector.get_support(), selector.relevant_)
    assert {"networks", "path screen", "dependence tests", "interaction tests",
            "conditional tests", "ranking networks"} <= set(result.timings)
    assert all(seconds >= 0 for seconds in result.timings.values())


@pytest.mark.parametrize("threshold", ["all-relevant", "minimal"])
def test_the_selection_report_says_what_was_kept_and_on_what_grounds(threshold):
    X, y = load_wine(return_X_y=True, as_frame=True)
    selector = LearningGradientSelector(threshold=threshold, random_state=0).fit(X, y)
    report = selector.selection_report_
    assert list(report.index) == list(X.columns)
    np.testing.assert_array_equal(report["kept"], selector.get_support())
    np.testing.assert_array_equal(report["share"], selector.importances_mean_)
    np.testing.assert_array_equal(report["share_std"], selector.importances_std_)
    assert (report["n_networks"] == len(selector.importances_)).all()
    np.testing.assert_array_equal(report["dependence_p_value"],
                                  selector.dependence_p_values_)
    # Every kept input ranks above every dropped one: the ranking networks learned
    # from the kept inputs alone (the screen's shares are beside them).
    kept = report["kept"]
    if (~kept).any():
        assert report.loc[kept, "share"].min() > report.loc[~kept, "share"].max()
    assert report["screen_share"].notna().all()
    # Every relevant input names the screen that found it; no other does.
    assert ((report["found_by"] != "") == selector.relevant_).all()
    assert set(report["found_by"]) <= {"", "dense", "path", "dependence", "interaction",
                                       "conditional"}
    if threshold == "all-relevant":
        assert (report["shadow_bar"] == selector.threshold_).all()
        # A kept input below the ranking's bar names the screen that kept it (and the
        # tests' p-values beside it).
        below = report["kept"] & (report["share"] < report["shadow_bar"])
        assert (report.loc[below, "found_by"] != "").all()
    else:
        # The ranking's largest shadow, drawn as the ranking figure's bar.
        assert (report["shadow_bar"] == selector.shadow_importances_.mean(axis=0).max()).all()
        display = ImportanceRankingDisplay.from_estimator(selector)
        assert display.threshold_line_.get_xdata()[0] == pytest.approx(
            report["shadow_bar"].iloc[0])
        assert "largest shadow share" in display.threshold_line_.get_label()
        plt.close("all")
        compared = report["in_sets_compared"]
        assert (compared[~selector.relevant_] == 0).all()
        assert (compared[report["kept"]] >= 1).all()
