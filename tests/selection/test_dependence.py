"""The dependence screen of the "all-relevant" question: each input tested on its own
against the target, the bar set by permutations of the target."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import scipy.sparse as sp
from scipy import stats
from sklearn.datasets import load_breast_cancer

from sklgrad import ImportanceRankingDisplay, LearningGradientSelector
from sklgrad._selection._dependence import (
    _bin_codes,
    _ranks,
    _scores,
    benjamini_hochberg,
    dependence_screen,
    target_columns,
)


def _noise_and(effect, n_rows=600, n_noise=40, seed=0):
    """Column 0 drives y through ``effect``; the other columns are N(0, 1) noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, 1 + n_noise))
    return X, effect(X[:, 0]) + 0.3 * rng.normal(size=n_rows)


@pytest.mark.parametrize("effect", [np.square, np.abs, lambda x: np.sin(3 * x), np.tanh])
def test_a_column_with_any_shape_of_effect_is_kept_and_the_noise_is_not(effect):
    X, y = _noise_and(effect)
    kept, p_values = dependence_screen(X, y, np.random.RandomState(0))
    assert kept[0]
    assert kept[1:].sum() <= 1
    assert p_values[0] == p_values.min()


def test_an_interaction_alone_is_left_to_the_networks():
    # y = x0 x1: neither column depends on y on its own.
    rng = np.random.default_rng(1)
    X = rng.normal(size=(800, 20))
    kept, _ = dependence_screen(X, X[:, 0] * X[:, 1], np.random.RandomState(0))
    assert not kept[:2].any()


def test_the_tests_are_the_textbook_ones():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(300, 1))
    classes = (x[:, 0] + rng.normal(size=300) > 0).astype(int) + (rng.random(300) > 0.7)
    numbers = x[:, 0] + rng.normal(size=300)
    order = [np.arange(300)]
    ranks = _ranks(x)
    bins = _bin_codes(x, 6)
    # Against classes: the larger of Kruskal-Wallis and the chi-square of the 6 bins.
    kind, target = target_columns(classes)[0]
    codes = np.asarray(bins.argmax(axis=1)).ravel()
    table = np.array([[np.sum((codes == b) & (classes == c)) for c in range(3)]
                      for b in range(6)])
    expected = max(-np.log(stats.kruskal(*(x[classes == c, 0] for c in range(3))).pvalue),
                   -np.log(stats.chi2_contingency(table, correction=False).pvalue))
    np.testing.assert_allclose(_scores(bins, ranks, kind, target, order)[0, 0], expected,
                               rtol=1e-6)
    # Against numbers: the larger of Spearman and the one-way F test of the bins.
    kind, target = target_columns(numbers)[0]
    expected = max(-np.log(stats.spearmanr(x[:, 0], numbers).pvalue),
                   -np.log(stats.f_oneway(*(numbers[codes == b] for b in range(6))).pvalue))
    np.testing.assert_allclose(_scores(bins, ranks, kind, target, order)[0, 0], expected,
                               rtol=1e-6)


def test_few_values_and_mostly_zeros_are_binned_apart():
    column = np.r_[np.zeros(90), np.arange(1, 11)][:, np.newaxis]
    bins = _bin_codes(column, 5)
    assert (np.asarray(bins.sum(axis=0)).ravel() > 0).sum() >= 2
    two_values = _bin_codes(np.r_[np.zeros(50), np.ones(50)][:, np.newaxis], 5)
    np.testing.assert_array_equal(np.asarray(two_values.sum(axis=0)).ravel()[:2], [50, 50])


def test_constant_missing_and_sparse_columns():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(400, 12))
    y = (X[:, 1] > 0).astype(int)
    X[:, 0] = 3.0  # constant
    X[y == 1, 2] = np.nan  # missingness alone tells the class
    X[:, 3] = np.where(rng.random(400) < 0.8, 0.0, X[:, 3])  # mostly zeros
    kept, p_values = dependence_screen(X, y, np.random.RandomState(0))
    assert p_values[0] == 1.0 and not kept[0]
    assert kept[[1, 2]].all()
    dense = np.nan_to_num(X)
    kept_dense, p_dense = dependence_screen(dense, y, np.random.RandomState(0))
    kept_sparse, p_sparse = dependence_screen(sp.csr_matrix(dense), y,
                                              np.random.RandomState(0))
    np.testing.assert_array_equal(kept_dense, kept_sparse)
    np.testing.assert_allclose(p_dense, p_sparse)


def test_text_labels_and_several_outputs():
    X, y = _noise_and(np.square, n_rows=400, n_noise=10)
    labels = np.where(y > np.median(y), "high", "low")
    assert dependence_screen(X, labels, np.random.RandomState(0))[0][0]
    two = np.column_stack([y, X[:, 5] + 0.1 * np.random.default_rng(0).normal(size=400)])
    kept, _ = dependence_screen(X, two, np.random.RandomState(0))
    assert kept[[0, 5]].all()


def test_pure_noise_is_rarely_kept():
    # With no relevant column, the procedure keeps any with probability about 1 in 21.
    kept = []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        X, y = rng.normal(size=(200, 30)), rng.normal(size=200)
        kept.append(dependence_screen(X, y, np.random.RandomState(seed))[0].sum())
    assert sum(np.array(kept) > 0) <= 2


def test_benjamini_hochberg():
    p_values = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216])
    # The 5th smallest, 0.042, is above 0.05 * 5 / 10; the 2nd, 0.008, is below 0.01.
    np.testing.assert_array_equal(benjamini_hochberg(p_values, 0.05),
                                  [True, True] + [False] * 8)
    assert not benjamini_hochberg(np.full(5, 0.5), 0.05).any()


def test_the_tests_find_what_the_networks_credit_to_a_correlated_neighbour():
    # Breast cancer with 90 permuted copies: the tests keep every column that depends on
    # the diagnosis on its own, those whose credit the networks give to a correlated
    # column among them; "all-relevant" says which screen found what.
    X, y = load_breast_cancer(return_X_y=True)
    rng = np.random.default_rng(0)
    noise = np.column_stack([rng.permutation(X[:, i % 30]) for i in range(90)])
    X_all = np.hstack([X, noise])
    selector = LearningGradientSelector(threshold="all-relevant", random_state=0)
    kept = selector.fit(X_all, y).get_support()
    assert kept[:30].sum() >= 26 and kept[30:].sum() <= 1
    assert selector.relevant_by_dependence_.any()
    np.testing.assert_array_equal(kept, selector.relevant_)
    assert not (selector.relevant_by_dependence_ & selector.relevant_by_path_).any()
    assert selector.dependence_p_values_.shape == (120,)
    # The ranking display draws the shadows' bar and colours what the three tests kept.
    display = ImportanceRankingDisplay.from_estimator(selector, top_k=None)
    assert display.threshold_line_.get_xdata()[0] == pytest.approx(selector.threshold_)
    assert "shadows' bar" in display.threshold_line_.get_label()
    assert selector.threshold_ > selector.shadow_importances_.mean(axis=0).max()
    assert sum(display.kept_) == kept.sum()
    plt.close("all")
