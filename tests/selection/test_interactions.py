"""The interaction screen of the "all-relevant" question: each pair of inputs tested for an
effect that neither has on its own, against pairs with one input's rows shuffled."""

import numpy as np
import pytest
import scipy.sparse as sp

import sklgrad._selection._interactions as interactions
import sklgrad._selection._statistics as statistics
from sklgrad import LearningGradientSelector
from sklgrad._selection._dependence import dependence_screen
from sklgrad._selection._interactions import _directions, _halves, _Partners, interaction_screen


def _pair_among_noise(kind, n_rows=800, n_columns=40, seed=0):
    """y acts through x0 x1 only (no effect of either alone); the rest is N(0, 1) noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_columns))
    signal = X[:, 0] * X[:, 1] + 0.3 * rng.normal(size=n_rows)
    return X, (signal > 0).astype(int) if kind == "classification" else signal


@pytest.mark.parametrize("kind", ["classification", "regression"])
@pytest.mark.parametrize("seed", [0, 1])
def test_a_pair_without_effects_of_its_own_is_found_and_the_noise_is_not(kind, seed):
    X, y = _pair_among_noise(kind, seed=seed)
    assert not dependence_screen(X, y, np.random.RandomState(seed))[0][:2].any()
    kept, p_values = interaction_screen(X, y, np.random.RandomState(seed))
    assert kept[:2].all()
    assert kept[2:].sum() == 0
    assert p_values[:2].max() < p_values[2:].min()


def test_the_scores_are_bernsteins_exponents_of_the_pair_sums():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(120, 5))
    X[:, 4] = rng.random(120) < 0.1  # a rare indicator: few rows make its sums
    y = np.where(rng.random(120) < 0.5, "a", "b")
    halves = _halves(X)
    (direction,) = _directions(y)
    assert halves.shape == (120, 5)
    np.testing.assert_allclose(halves.mean(axis=0), 0, atol=1e-6)
    best = _Partners(halves, direction).best_over(halves, itself=True)
    h, a, n = halves.astype(float), direction.astype(float), 120
    expected = np.zeros(5)
    for i in range(5):
        for j in range(5):
            if i == j:
                continue
            s = np.sum(a * h[:, i] * h[:, j])
            spread = [np.sum((a * h[:, k] - np.mean(a * h[:, k])) ** 2) for k in (i, j)]
            squares = [np.sum(h[:, k] ** 2) for k in (i, j)]
            variance = max(spread[0] * squares[1], squares[0] * spread[1]) / (n - 1)
            largest = np.abs(a * h[:, i]).max() * np.abs(h[:, j]).max()
            expected[j] = max(expected[j], s**2 / (2 * (variance + largest * abs(s) / 3)))
    np.testing.assert_allclose(best, expected, rtol=1e-4)


def test_the_other_screens_finds_are_partners_and_not_tested():
    X, y = _pair_among_noise("classification")
    tested = np.ones(X.shape[1], dtype=bool)
    tested[0] = False  # as if another screen had found x0
    kept, _ = interaction_screen(X, y, np.random.RandomState(0), tested=tested)
    assert kept[1] and not kept[0]


def test_pure_noise_and_rare_indicators_are_rarely_kept():
    kept_noise = 0
    for seed in range(10):
        rng = np.random.default_rng(seed)
        X = np.hstack([rng.normal(size=(300, 30)), rng.random((300, 30)) < 0.04])
        y = rng.integers(0, 3, size=300)
        kept_noise += interaction_screen(X, y, np.random.RandomState(seed))[0].sum()
    assert kept_noise <= 2


def test_missing_constant_sparse_and_too_wide_inputs(monkeypatch):
    X, y = _pair_among_noise("regression", n_rows=500, n_columns=12)
    X[::7, 0] = np.nan
    X[:, 5] = 1.0
    kept, p_values = interaction_screen(X, y, np.random.RandomState(0))
    assert kept[:2].all() and not kept[5] and np.isfinite(p_values).all()
    dense = interaction_screen(np.nan_to_num(X), y, np.random.RandomState(0))
    sparse = interaction_screen(sp.csr_matrix(np.nan_to_num(X)), y, np.random.RandomState(0))
    np.testing.assert_array_equal(dense[1], sparse[1])
    # Two outputs: a pair acting on either is found.
    kept, _ = interaction_screen(X, np.column_stack([y, np.zeros_like(y)]),
                                 np.random.RandomState(0))
    assert kept[:2].all()
    monkeypatch.setattr(interactions, "MAX_PAIR_WORK", 1000)
    kept, p_values = interaction_screen(X, y, np.random.RandomState(0))
    assert not kept.any() and (p_values == 1).all()


def test_the_all_relevant_selector_keeps_a_pair_that_acts_only_together():
    X, y = _pair_among_noise("classification", n_rows=600, n_columns=30)
    selector = LearningGradientSelector(threshold="all-relevant", random_state=0).fit(X, y)
    assert selector.get_support()[:2].all()
    assert selector.get_support()[2:].sum() <= 1
    found = selector.relevant_by_interaction_
    assert found is not None and not (found & selector.relevant_by_dependence_).any()
    assert selector.interaction_p_values_.shape == (30,)


def _ring_among_noise(n_rows=800, n_columns=30, seed=0):
    """y is a ring in (x0, x1), 0.2 < x0^2 + x1^2 < 0.2 + 2/pi (half the square), with 10%
    of the labels flipped: an even effect of each, small on its own."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n_rows, n_columns))
    radius = X[:, 0] ** 2 + X[:, 1] ** 2
    y = (radius > 0.2) & (radius < 0.2 + 2 / np.pi)
    return X, (y ^ (rng.random(n_rows) < 0.1)).astype(int)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_ring_is_found_by_the_cuts_at_the_distance_from_the_median(seed):
    X, y = _ring_among_noise(seed=seed)
    kept, p_values = interaction_screen(X, y, np.random.RandomState(seed), even=True)
    assert kept[:2].all() and kept[2:].sum() <= 1 and p_values[:2].max() < 1e-6
    # Cut at the median, the ring's pair has no product to show.
    odd = interaction_screen(X, y, np.random.RandomState(seed))[1]
    assert odd[:2].min() > 0.01


def test_the_selection_tests_even_pairs_last_on_what_the_others_left():
    X, y = _ring_among_noise(n_rows=600, seed=2)
    selector = LearningGradientSelector(threshold="all-relevant", random_state=0).fit(X, y)
    assert selector.get_support()[:2].all() and selector.get_support()[2:].sum() <= 1
    assert "even interaction tests" in selector.selection_result_.timings
    # The ring's columns: each found by its own test or, last, by its pair with the other.
    found_by = selector.selection_report_["found_by"].iloc[:2]
    assert set(found_by) <= {"dense", "path", "dependence", "interaction"}
    assert (selector.interaction_p_values_[:2] < 1e-6).all()


def test_the_even_cut_is_the_distance_from_the_median_cut_at_its_median():
    X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [np.nan]])
    # Median 2, distances 2, 1, 0, 1, 2 with median 1: the ends are above.
    np.testing.assert_allclose(_halves(X, even=True)[:, 0],
                               [0.6, -0.4, -0.4, -0.4, 0.6, 0.0], atol=1e-6)
    np.testing.assert_allclose(_halves(X)[:, 0], [-0.4, -0.4, -0.4, 0.6, 0.6, 0.0],
                               atol=1e-6)


def test_beyond_the_shadow_scores_as_many_inputs_are_shadowed(monkeypatch):
    X, y = _pair_among_noise("classification", n_columns=30)
    monkeypatch.setattr(interactions, "SHADOW_SCORES", 12)
    monkeypatch.setattr(statistics, "SHADOW_SCORES", 12)  # the copies' count
    scores, null = interactions.interaction_scores(X, y, np.random.RandomState(0))
    assert scores.shape == (30,) and null.shape == (1, 12)
    kept, _ = interaction_screen(X, y, np.random.RandomState(0))
    assert kept[:2].all() and kept[2:].sum() <= 1
