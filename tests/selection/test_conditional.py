"""The conditional screen of the "all-relevant" question (sklgrad/_selection/_conditional.py)."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_diabetes

from sklgrad import LearningGradientSelector
from sklgrad._selection._conditional import conditional_screen
from sklgrad._selection._dependence import dependence_screen


def _suppressor(seed, n_rows=500, n_noise=20):
    """x1 has no relation to y on its own (cov(x1, y) = 1 - 0.5 x 2 = 0) and adds to x0."""
    rng = np.random.default_rng(seed)
    x0 = rng.normal(size=n_rows)
    x1 = x0 + rng.normal(size=n_rows)
    y = x0 - 0.5 * x1 + 0.3 * rng.normal(size=n_rows)
    return np.column_stack([x0, x1, rng.normal(size=(n_rows, n_noise))]), y


@pytest.mark.parametrize("seed", [0, 2])
def test_an_input_that_adds_only_given_another_is_kept(seed):
    X, y = _suppressor(seed)
    found = np.zeros(X.shape[1], dtype=bool)
    found[0] = True
    kept, p_values = conditional_screen(X, y, found, np.random.RandomState(seed))
    assert kept[1] and kept.sum() == 1
    assert p_values[0] == 0 and p_values[1] < 1e-10
    # On its own it is not seen: the dependence tests leave it.
    assert not dependence_screen(X, y, np.random.RandomState(seed))[0][1]


def test_noise_beside_found_inputs_is_rarely_kept():
    kept_noise = 0
    for seed in range(10):
        rng = np.random.default_rng(seed)
        # Heavy-tailed noise inputs and a heavy-tailed target: on raw values their
        # extreme rows meet, and the same screen kept 3 noise inputs in these 10 seeds.
        X = np.column_stack([rng.normal(size=(300, 3)), rng.standard_cauchy((300, 40)),
                             rng.normal(size=(300, 20))])
        y = X[:, 0] + X[:, 1] - X[:, 2] + rng.standard_t(2, size=300)
        found = np.zeros(X.shape[1], dtype=bool)
        found[:3] = True
        kept, _ = conditional_screen(X, y, found, np.random.RandomState(seed))
        kept_noise += kept.sum()
    assert kept_noise <= 1


def test_classes_missing_values_sparse_and_nothing_to_condition_on():
    X, y = _suppressor(0)
    classes = np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))
    found = np.zeros(X.shape[1], dtype=bool)
    found[0] = True
    X_missing = X.copy()
    X_missing[::9, 1] = np.nan
    kept, p_values = conditional_screen(X_missing, classes, found, np.random.RandomState(0))
    assert kept[1] and np.isfinite(p_values).all()
    dense = conditional_screen(X, y, found, np.random.RandomState(0))
    sparse = conditional_screen(sp.csr_matrix(X), y, found, np.random.RandomState(0))
    np.testing.assert_array_equal(dense[1], sparse[1])
    # A constant and the other level of a found indicator add nothing.
    levels = (X[:, 0] > 0).astype(float)
    with_levels = np.column_stack([levels, 1.0 - levels, np.ones(len(X)), X[:, 2:]])
    found_level = np.zeros(with_levels.shape[1], dtype=bool)
    found_level[0] = True
    kept, p_values = conditional_screen(with_levels, y, found_level, np.random.RandomState(0))
    assert not kept[1:3].any() and (p_values[1:3] == 1).all()
    # Nothing found: the dependence tests' case; everything found or too few rows: none.
    for given in (np.zeros(X.shape[1], bool), np.ones(X.shape[1], bool)):
        kept, p_values = conditional_screen(X, y, given, np.random.RandomState(0))
        assert not kept.any()
    kept, _ = conditional_screen(X[:4], y[:4], found, np.random.RandomState(0))
    assert not kept.any()


def test_all_relevant_keeps_diabetes_sex_by_the_conditional_tests():
    # sex: correlation 0.04 with the target, t = -3.9 given the other nine columns.
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    selector = LearningGradientSelector(threshold="all-relevant", random_state=0).fit(X, y)
    assert selector.get_support()[list(X.columns).index("sex")]
    assert selector.relevant_by_conditional_[list(X.columns).index("sex")]
    assert selector.conditional_p_values_.shape == (10,)
