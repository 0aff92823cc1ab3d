"""How "minimal" chooses its inputs: each distinct set of inputs of the path, and the sets
between the one chosen and the next narrower point, refit without the penalty, compared
by the loss on held-out rows."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_diabetes, load_wine

from sklgrad import (
    LearningGradientClassifier,
    LearningGradientRegressor,
    LearningGradientSelector,
)
from sklgrad._selection._minimal import (
    REFINED_SETS,
    _between,
    _fewest_within_tolerance,
    _folds,
    _only,
    _row_losses,
    candidate_points,
    column_moments,
    without_spanned,
)


def _point(inputs):
    return {"inputs": list(inputs), "inputs_alive": len(inputs)}


def test_the_candidates_are_the_distinct_sets_each_a_fifth_narrower():
    path = [_point(range(20)), _point(range(20)), _point(range(19)), _point(range(15)),
            _point(range(14)), _point(range(11)), _point(range(3)), _point([]),
            _point(range(2))]
    # 20, then 19 (not a fifth narrower), 15, 14 (no), 11, 3, 2 (the narrowest, always).
    assert candidate_points(path) == [0, 3, 5, 6, 8]
    assert candidate_points([_point(range(4))]) == [0]


class _Path:
    """A fitted path network's ``path_`` and ``importance_history_``, as they are read."""

    def __init__(self, points, history):
        self.path_, self.importance_history_ = points, np.asarray(history)


def test_sets_between_two_points_add_the_wider_points_most_learned_from_inputs():
    wider = dict(_point(range(10)), last_epoch=1)
    narrower = dict(_point([0, 1]), last_epoch=2)
    shares = np.array([0.2, 0.2, 0.01, 0.05, 0.3, 0.02, 0.1, 0.04, 0.03, 0.05])
    network = _Path([wider, narrower], [np.full(10, 0.1), shares, np.zeros(10)])
    sets = _between(network, 0, 1)
    # Widths evenly spaced in log between 10 and 2 (exclusive): 7, 5, 4, 3.
    assert [len(s) for s in sets] == [7, 5, 4, 3] and len(sets) <= REFINED_SETS
    # Each adds the others by the wider point's last-epoch learning gradient:
    # 4 (0.3), 6 (0.1), then 3 and 9 (0.05, the lower index first), 7 (0.04).
    assert sets[-1] == [0, 1, 4] and sets[-2] == [0, 1, 4, 6]
    assert sets[0] == [0, 1, 3, 4, 6, 7, 9]
    # Half as many where both of the chosen set's gaps are refined: 6, 3.
    assert [len(s) for s in _between(network, 0, 1, n_sets=REFINED_SETS // 2)] == [6, 3]
    # Nothing between sets that are not nested, or one input apart.
    assert _between(_Path([wider, dict(_point([0, 11]), last_epoch=2)],
                          [shares] * 3), 0, 1) == []
    assert _between(_Path([dict(_point(range(3)), last_epoch=0), narrower], [shares] * 3),
                    0, 1) == []


def test_a_set_drops_the_columns_its_other_columns_compute():
    rng = np.random.default_rng(0)
    n_rows = 200
    mass, depth = rng.normal(4000, 800, n_rows), rng.normal(size=n_rows)
    levels = np.eye(3)[rng.integers(0, 3, n_rows)]
    year = rng.integers(2007, 2010, n_rows) + 0.0
    # 0 mass, 1 depth, 2-4 three levels of a one-hot, 5 an affine combination of 0 and 1,
    # 6 a constant, 7 a year (correlated with nothing), 8 mass plus a little noise.
    X = np.column_stack([mass, depth, levels, 2 * mass - 3 * depth + 1, np.full(n_rows, 5.0),
                         year, mass + rng.normal(0, 1, n_rows)])
    shares = np.array([0.3, 0.2, 0.1, 0.05, 0.02, 0.25, 0.2, 0.01, 0.01])
    moments = column_moments(X)
    # Taken by share: 0, 5 (kept: 0 alone does not span it), 1 (spanned by 0 and 5:
    # dropped), 6 (constant: dropped), 2, 3, 4 (the three levels sum to 1: dropped), 7,
    # and 8 (r > 0.99999 with mass, yet not its combination: kept).
    assert without_spanned(moments, range(9), shares) == [0, 2, 3, 5, 7, 8]
    sparse = column_moments(sp.csr_matrix(X))
    np.testing.assert_array_equal(without_spanned(sparse, range(9), shares),
                                  without_spanned(moments, range(9), shares))
    # Another order drops another column of the relation.
    reordered = np.zeros(9)
    reordered[[0, 1, 5]] = [0.1, 0.3, 0.2]
    assert without_spanned(moments, [0, 1, 5], reordered) == [1, 5]
    # A column holding NaN is kept, and the one-hot read without it is not spanned.
    with_nan = X.copy()
    with_nan[0, 2] = np.nan
    assert without_spanned(column_moments(with_nan), [2, 3, 4], shares) == [2, 3, 4]
    # The most learned-from input stays, even a constant.
    assert without_spanned(moments, [6], shares) == [6]
    assert without_spanned(moments, [6, 0], shares) == [0]
    assert without_spanned(moments, [6, 7], shares) == [6, 7]


def test_a_wide_set_drops_exactly_its_computed_columns():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 300))
    X[:, 10] = X[:, 3] - 0.5 * X[:, 200] + 7.0
    X[:, 250] = X[:, 0] + X[:, 1] + X[:, 2] + X[:, 3]
    shares = np.linspace(1.0, 0.1, 300)  # the later a column, the less learned from
    moments = column_moments(X)
    # 200 comes after 3 and 10, which compute it; 250 after 0-3.
    assert without_spanned(moments, range(300), shares) == sorted(set(range(300)) - {200, 250})
    shares[10] = 0.0  # 10 last: the combination of 3 and 200 now
    assert without_spanned(moments, range(300), shares) == sorted(set(range(300)) - {10, 250})


def _numbers_and_levels(seed, coefficients, n_noise, n_rows=300):
    """Numbers (one per coefficient), the three levels of a category (one-hot, each level
    its own class shift), then noise; the class is the sign of their sum."""
    rng = np.random.default_rng(seed)
    level = rng.integers(0, 3, n_rows)
    numbers = rng.normal(size=(n_rows, len(coefficients)))
    X = np.column_stack([numbers, np.eye(3)[level], rng.normal(size=(n_rows, n_noise))])
    score = numbers @ coefficients + np.array([-1.5, 0.0, 1.5])[level]
    return X, (score + rng.normal(0, 0.3, n_rows) > 0).astype(int)


def test_minimal_keeps_no_column_that_its_other_columns_compute():
    # Four numbers and the three levels of a category (one-hot, each level its own class
    # shift) beside noise: a set holding every level holds one its others compute.
    X, y = _numbers_and_levels(1, [2.0, 1.0, 0.5, 0.25], n_noise=6)
    n_rows = len(y)
    selector = LearningGradientSelector(random_state=0).fit(X, y)
    relevant = np.flatnonzero(selector.relevant_)
    assert set(relevant) >= {4, 5, 6}
    candidates = selector.minimal_candidates_
    assert len(candidates) >= 2
    for candidate in candidates:
        columns = X[:, relevant[candidate["inputs"]]]
        with_constant = np.column_stack([np.ones(n_rows), columns])
        assert np.linalg.matrix_rank(with_constant) == with_constant.shape[1]
        # What a set dropped, its kept inputs compute: adding it back adds no rank.
        for dropped in candidate["computed"]:
            assert dropped not in candidate["inputs"]
            back = np.column_stack([with_constant, X[:, relevant[dropped]]])
            assert np.linalg.matrix_rank(back) == with_constant.shape[1]
    # The path's widest set held the three levels: one of them was dropped, and listed.
    assert relevant[candidates[0]["computed"]].tolist() in ([4], [5], [6])
    kept = selector.get_support()
    assert kept[0] and kept[4:7].sum() <= 2


def test_a_path_whose_sets_are_alike_once_computed_inputs_drop_keeps_that_set():
    # Two numbers and three levels: the path goes from all five to four (a level less),
    # the same set as the five less their computed level; nothing is left to compare.
    X, y = _numbers_and_levels(0, [1.0, -1.0], n_noise=8)
    selector = LearningGradientSelector(random_state=0).fit(X, y)
    assert np.flatnonzero(selector.relevant_).tolist() == [0, 1, 2, 3, 4]
    assert selector.minimal_candidates_ == []
    kept = selector.get_support()
    assert kept[[0, 1]].all() and kept[2:5].sum() == 2 and kept.sum() == 4
    point = selector.path_network_.path_[selector.minimal_choice_]
    assert set(np.flatnonzero(kept)) <= set(point["inputs"])


def test_the_fewest_inputs_within_one_standard_error_of_the_excess_are_kept():
    rng = np.random.default_rng(0)
    best = rng.exponential(0.5, size=400)  # rows predicted badly by every set
    spread = rng.normal(0, 0.05, 400)
    rows = {12: best,
            # Worse on every row by 0.02: within one standard error of a loss (0.025),
            # far outside the excess's own (0.0005).
            8: best + 0.02 + rng.normal(0, 0.01, 400),
            # As good on average, row by row noisier: within the excess's standard error.
            10: best + 0.002 + spread - spread.mean(),
            20: best + 0.1}
    candidates = [{"inputs_alive": width, "held_out_loss": float(row.mean()),
                   "held_out_loss_se": float(row.std() / np.sqrt(row.size))}
                  for width, row in rows.items()]
    losses = np.array(list(rows.values()))
    assert candidates[1]["held_out_loss"] <= (candidates[0]["held_out_loss"]
                                              + candidates[0]["held_out_loss_se"])
    chosen = _fewest_within_tolerance(candidates, losses)
    assert chosen["inputs_alive"] == 10
    excess = {c["inputs_alive"]: (c["excess"], c["excess_se"]) for c in candidates}
    assert excess[12] == (0.0, 0.0)
    np.testing.assert_allclose(excess[8][0], (rows[8] - best).mean())
    assert excess[8][0] > excess[8][1] and excess[10][0] <= excess[10][1]


def test_small_tables_use_every_fold_and_large_ones_one():
    y = np.tile([0, 1, 2], 200)
    network = LearningGradientClassifier()
    assert len(_folds(network, y[:180], 180, 0)) == 3
    assert len(_folds(network, y[:600], 600, 0)) == 3
    assert len(_folds(network, np.tile([0, 1], 1000), 2000, 0)) == 1
    # A class of one row cannot be stratified: plain folds; the one that holds that row
    # out would train on one class, and is left out.
    rare = np.r_[np.zeros(99), 1]
    folds = _folds(network, rare, 100, 0)
    assert len(folds) == 2
    assert all(np.unique(rare[train]).size == 2 for train, _ in folds)
    held_out = np.concatenate([test for _, test in folds])
    assert len(np.unique(held_out)) == len(held_out) and 99 not in held_out
    # A regressor's folds are all kept.
    assert len(_folds(LearningGradientRegressor(), rare, 100, 0)) == 3


def test_a_candidate_sees_only_its_inputs():
    X = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(_only(X, [1, 3]), [[0, 1, 0, 3], [0, 5, 0, 7],
                                                      [0, 9, 0, 11]])
    np.testing.assert_array_equal(_only(sp.csr_matrix(X), [1, 3]).toarray(), _only(X, [1, 3]))
    assert not np.shares_memory(_only(X, [1]), X)


def test_row_losses_are_the_log_loss_and_the_scaled_squared_error():
    X, y = load_wine(return_X_y=True)
    classifier = LearningGradientClassifier(max_iter=20, random_state=0).fit(X, y)
    losses = _row_losses(classifier, X, y)
    proba = classifier.predict_proba(X)
    np.testing.assert_allclose(losses, -np.log(proba[np.arange(len(y)), y]), rtol=1e-6)


def test_a_class_missing_from_a_folds_training_rows_costs_every_set_the_same():
    X, y = load_wine(return_X_y=True)
    classifier = LearningGradientClassifier(max_iter=20, random_state=0).fit(X[y < 2],
                                                                            y[y < 2])
    losses = _row_losses(classifier, X, y)
    assert np.isfinite(losses).all()
    np.testing.assert_allclose(losses[y == 2], -np.log(1e-15))
    # A selector on a table whose second class has one row (wine's first 60 rows):
    # the fold that holds it out would train a classifier on one class.
    selector = LearningGradientSelector(random_state=0).fit(X[:60], y[:60])
    assert np.bincount(y[:60]).tolist() == [59, 1]
    assert 0 < selector.get_support().sum() <= 13
    # A selector on a table with a class of two rows (no stratified 3-fold split).
    rare = np.r_[y[:100], [2, 2]]
    selector = LearningGradientSelector(random_state=0).fit(
        np.vstack([X[:100], X[-2:]]), rare)
    assert 0 < selector.get_support().sum() <= 13


def _wine_with_noise(seed):
    X, y = load_wine(return_X_y=True)
    rng = np.random.default_rng(seed)
    noise = np.column_stack([rng.permutation(X[:, i % 13]) for i in range(40)])
    return np.hstack([X, noise]), y


@pytest.mark.parametrize("seed", [0, 1])
def test_minimal_keeps_the_fewest_inputs_within_one_standard_error_of_the_best(seed):
    X, y = _wine_with_noise(seed)
    selector = LearningGradientSelector(random_state=seed).fit(X, y)
    path = selector.path_network_.path_
    candidates = selector.minimal_candidates_
    assert len(candidates) >= 2
    losses = np.array([c["held_out_loss"] for c in candidates])
    best = candidates[int(losses.argmin())]
    assert best["excess"] == 0.0
    # At most REFINED_SETS sets between points, whichever gaps were refined.
    on_path = [c for c in candidates if c["inputs"] == list(path[c["point"]]["inputs"])]
    assert len(candidates) - len(on_path) <= REFINED_SETS
    within = [c for c in candidates if c["excess"] <= c["excess_se"]]
    fewest = min(c["inputs_alive"] for c in within)
    chosen = [c for c in within if c["inputs_alive"] == fewest][0]
    # The chosen set is the one of a path's point, or one cut from that point's inputs.
    point = path[selector.minimal_choice_]
    assert chosen["point"] == selector.minimal_choice_
    assert set(chosen["inputs"]) <= set(point["inputs"])
    # The selection is the chosen set's inputs (among the relevant columns) that the
    # point's last epoch learned from (an input whose weights reach only inactive units
    # has no learning gradient); the importances are the ranking networks', trained on
    # the kept inputs beside their shadows: above 0 there, 0 elsewhere.
    relevant = np.flatnonzero(selector.relevant_)
    history = selector.path_network_.importance_history_[point["last_epoch"]]
    learned = np.zeros(X.shape[1], dtype=bool)
    learned[relevant[chosen["inputs"]]] = history[chosen["inputs"]] > 0
    kept = selector.get_support()
    assert kept.any()
    np.testing.assert_array_equal(kept, learned)
    np.testing.assert_array_equal(kept, selector.importances_mean_ > 0)
    assert selector.estimator_.n_features_in_ == kept.sum() * int(1 + np.ceil(5 / kept.sum()))


def test_sets_between_the_best_point_and_the_one_chosen_are_compared():
    # Diabetes beside 40 permuted copies of its columns: the path goes from the ten real
    # columns (the best of its points) to bmi, bp and s5 (within one standard error of
    # them), but a network on ten columns overfits 442 rows: five of them predict better
    # than either point, and fewer than five do not.
    X, y = load_diabetes(return_X_y=True)
    rng = np.random.default_rng(0)
    noise = np.column_stack([rng.permutation(X[:, i % 10]) for i in range(40)])
    selector = LearningGradientSelector(random_state=0).fit(np.hstack([X, noise]), y)
    assert np.flatnonzero(selector.relevant_).tolist() == list(range(10))
    path = selector.path_network_.path_
    candidates = selector.minimal_candidates_
    on_path = [c for c in candidates if c["inputs"] == list(path[c["point"]]["inputs"])]
    between = [c for c in candidates if c not in on_path]
    best_point = min(on_path, key=lambda c: c["held_out_loss"])
    assert best_point["inputs_alive"] == 10
    assert {3} <= {c["inputs_alive"] for c in on_path}
    assert {c["point"] for c in between} == {best_point["point"]}
    assert len(between) <= REFINED_SETS
    chosen = min((c for c in candidates if c["excess"] <= c["excess_se"]),
                 key=lambda c: c["inputs_alive"])
    assert chosen in between
    assert chosen["held_out_loss"] < min(c["held_out_loss"] for c in on_path)
    kept = np.flatnonzero(selector.get_support())
    assert kept.tolist() == sorted(chosen["inputs"]) and len(kept) == 5
    assert {2, 3, 8} <= set(kept)  # bmi, bp, s5


def test_minimal_on_sparse_inputs_with_sample_weight():
    X, y = _wine_with_noise(0)
    weights = np.where(y == 0, 2.0, 1.0)
    selector = LearningGradientSelector(random_state=0).fit(sp.csr_matrix(X), y,
                                                            sample_weight=weights)
    kept = selector.get_support()
    assert 0 < kept.sum() <= selector.relevant_.sum()
    assert selector.minimal_choice_ is not None


def test_the_tolerance_trades_columns_for_held_out_loss():
    # Diabetes beside 40 permuted copies: at 2 standard errors minimal keeps 3 columns, at
    # 1 five, at 0 the best set compared (its excess over the best is 0).
    X, y = load_diabetes(return_X_y=True)
    rng = np.random.default_rng(0)
    X = np.hstack([X, np.column_stack([rng.permutation(X[:, i % 10]) for i in range(40)])])
    kept, chosen = [], []
    for tolerance in (2.0, 1.0, 0.0):
        selector = LearningGradientSelector(random_state=0,
                                            minimal_tolerance=tolerance).fit(X, y)
        kept.append(selector.get_support())
        relevant = np.flatnonzero(selector.relevant_)
        chosen += [c for c in selector.minimal_candidates_
                   if set(relevant[c["inputs"]]) == set(np.flatnonzero(kept[-1]))]
        # Within the tolerance, and no narrower set was.
        assert chosen[-1]["excess"] <= tolerance * chosen[-1]["excess_se"]
        assert all(c["excess"] > tolerance * c["excess_se"]
                   for c in selector.minimal_candidates_
                   if len(c["inputs"]) < kept[-1].sum())
    assert kept[0].sum() < kept[1].sum() < kept[2].sum()
    assert chosen[2]["excess"] == 0.0
    with pytest.raises(ValueError, match="minimal_tolerance == -1, must be >= 0"):
        LearningGradientSelector(minimal_tolerance=-1).fit(X, y)
