"""LearningComparison: the grid's bookkeeping, and its Display's content."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import train_test_split

from sklgrad import LearningComparison, LearningComparisonDisplay, LearningGradientClassifier

BASE = LearningGradientClassifier(hidden_layer_sizes=(3,), solver="sgd", batch_size=32,
                                  max_iter=6, tol=None)


@pytest.fixture(scope="module")
def cancer(cancer_frame):
    return cancer_frame


@pytest.fixture(scope="module")
def comparison(cancer):
    X, y = cancer
    return LearningComparison(BASE, {"learning_rate_init": [0.003, 0.3]}, n_seeds=3,
                              random_state=0).fit(X, y)


def test_every_setting_and_seed_is_there(comparison):
    assert comparison.settings_ == [{"learning_rate_init": 0.003}, {"learning_rate_init": 0.3}]
    assert comparison.final_importances_.shape == (2, 3, 30)
    assert comparison.scores_.shape == comparison.n_iter_.shape == (2, 3)
    assert all(len(row) == 3 for row in comparison.histories_)
    for i, setting in enumerate(comparison.settings_):
        for s, seed in enumerate(comparison.seeds_):
            network = comparison.estimators_[i][s]
            assert network.learning_rate_init == setting["learning_rate_init"]
            assert network.random_state == seed
    assert comparison.n_fits_ == 6
    summary = comparison.summary()
    assert list(summary["setting"]) == ["learning_rate_init=0.003", "learning_rate_init=0.3"]


def test_each_network_equals_its_setting_fitted_alone(cancer, comparison):
    X, y = cancer
    rng = np.random.RandomState(0)
    split_seed = rng.randint(2**31 - 1)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25,
                                                        random_state=split_seed, stratify=y)
    for i, setting in enumerate(comparison.settings_):
        for s, seed in enumerate(comparison.seeds_):
            alone = clone(BASE).set_params(**setting, random_state=seed).fit(X_train, y_train)
            np.testing.assert_allclose(comparison.histories_[i][s],
                                       alone.importance_history_, atol=1e-10)
            assert comparison.scores_[i, s] == pytest.approx(alone.score(X_test, y_test))


def test_what_is_fitted_is_not_fitted_again(cancer, comparison):
    X, y = cancer
    before = comparison.estimators_[0][0]
    comparison.set_params(param_grid={"learning_rate_init": [0.003, 0.3, 0.03]}).fit(X, y)
    assert comparison.n_fits_ == 3  # only the new setting's seeds
    assert comparison.estimators_[0][0] is before
    comparison.fit(X, y)
    assert comparison.n_fits_ == 0
    # Other data: everything is trained again.
    comparison.fit(X.iloc[:400], y.iloc[:400])
    assert comparison.n_fits_ == 9
    comparison.set_params(param_grid={"learning_rate_init": [0.003, 0.3]}).fit(X, y)


def test_rankings_against_the_seed_noise(comparison):
    from scipy.stats import spearmanr
    corr, agreement = comparison.rank_correlation_, comparison.seed_agreement_
    np.testing.assert_allclose(np.diag(corr), agreement)
    assert np.allclose(corr, corr.T)
    finals = comparison.final_importances_
    pairs = [spearmanr(a, b).statistic for a in finals[0] for b in finals[1]]
    assert corr[0, 1] == pytest.approx(np.mean(pairs))
    assert ((agreement > -1) & (agreement <= 1)).all()
    expected = corr < np.minimum.outer(agreement, agreement)
    np.fill_diagonal(expected, False)
    np.testing.assert_array_equal(comparison.differs_, expected)
    for i, history in enumerate(comparison.histories_):
        change = np.mean([np.abs(np.diff(h, axis=0)).sum(axis=1) for h in history], axis=0)
        np.testing.assert_allclose(comparison.settling_[i], change)


def test_the_display_draws_what_the_comparison_holds(comparison):
    display = LearningComparisonDisplay.from_comparison(comparison, top_k=3)
    assert len(display.axes_) == 2 and len(display.settling_lines_) == 2
    overall = comparison.final_importances_.mean(axis=(0, 1))
    np.testing.assert_array_equal(display.features_, np.argsort(-overall,
                                                                kind="mergesort")[:3])
    for i, lines in enumerate(display.lines_):
        stacked = np.stack(comparison.histories_[i])
        for line, feature in zip(lines, display.features_):
            np.testing.assert_allclose(line.get_ydata(), stacked[:, :, feature].mean(axis=0))
            assert line.get_label() == comparison.feature_names_in_[feature]
        assert "learning_rate_init" in display.axes_[i].get_title()
    matrix = display.agreement_image_.get_array()
    np.testing.assert_allclose(np.diag(matrix), comparison.seed_agreement_)
    texts = [t.get_text() for t in display.agreement_ax_.texts]
    assert sum(t.endswith("*") for t in texts) == comparison.differs_.sum()
    np.testing.assert_allclose(display.settling_lines_[1].get_ydata(), comparison.settling_[1])
