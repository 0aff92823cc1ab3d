"""The dependence screen of the "all-relevant" question: each input tested on its own
against the target, calibrated by permutations of the target.

Two tests per input, each turned into a ``-log p`` so that inputs with different numbers
of distinct values share one scale: a binned test (the input cut at its quantiles;
chi-square of the bins against the classes, or the F test of the target's mean per bin),
which sees any shape (even, periodic, steps), and a rank test (Kruskal-Wallis against the
classes, Spearman against a numeric target), which sees monotone trends with more power.
An input's score is the larger of the two. The same scores are computed with the target's
rows permuted ``n_permutations`` times. An input unrelated to the target is exchangeable
with its own permuted scores, and its ``-log p`` has about the same distribution as any
other input's under permutation, so the pooled permuted scores (every input, every
permutation) are its null distribution. Above a score ``t``, the inputs expected to be
noise number about the permuted scores above ``t`` divided by ``n_permutations``; the
screen keeps the inputs above the lowest ``t`` at which that estimate is at most 1% of
the inputs above ``t`` (Benjamini-Hochberg on the pooled permutation p-values, Storey and
Tibshirani's estimate): about 1% of the kept inputs are noise in expectation. An input
above every permuted score is always kept: with no relevant input at all, the screen
keeps one with probability about ``1 / (n_permutations + 1)``. The rate is 1%, not 5%:
on the real sets of docs/selection.md a rate of 5% keeps about one noise column a set
for the same real columns.

An input that depends on the target on its own is relevant in the all-relevant sense
(with the empty set as its conditioning set); what it cannot see, effects only in
interaction with other inputs, is left to the networks' screens.
"""

import numpy as np
import scipy.sparse as sp
from scipy import stats

from ._statistics import (
    FALSE_DISCOVERY_RATE,
    N_PERMUTATIONS,
    benjamini_hochberg,
    target_columns,
)

#: Values (rows x columns) tested at a time: bounds the memory the tests take.
VALUES_AT_A_TIME = 1_000_000


def dependence_screen(X, y, rng, n_permutations=N_PERMUTATIONS):
    """The inputs that depend on the target on their own, and their p-values.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Numeric inputs (NaN allowed: a bin of its own, the median's rank).
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        The target: classes or numbers, as :func:`~sklgrad._utils._target.infer_task` reads it.
    rng : numpy.random.RandomState
        Draws the permutations.
    n_permutations : int
        Permutations of the target.

    Returns
    -------
    relevant : ndarray of shape (n_features,) of bool
        The inputs kept at a false discovery rate of ``FALSE_DISCOVERY_RATE``.
    p_values : ndarray of shape (n_features,)
        Each input's permutation p-value.
    """
    scores = dependence_scores(X, y, rng, n_permutations)
    return dependence_decision(scores[0], scores[1:])


def dependence_scores(X, y, rng, n_permutations=N_PERMUTATIONS):
    """Each input's score (the larger ``-log p`` of its two tests) with the target as it
    is (row 0) and with its rows permuted (one row per permutation): shape
    ``(1 + n_permutations, n_features)``."""
    n_rows, n_features = X.shape
    targets = target_columns(y)
    orders = [np.arange(n_rows)] + [rng.permutation(n_rows) for _ in range(n_permutations)]
    scores = np.zeros((len(orders), n_features))
    at_a_time = max(1, VALUES_AT_A_TIME // max(n_rows, 1))
    for start in range(0, n_features, at_a_time):
        columns = slice(start, min(start + at_a_time, n_features))
        block = X[:, columns]
        block = np.asarray(block.toarray() if sp.issparse(block) else block, dtype=float)
        bins = _bin_codes(block, n_bins_for(n_rows))
        ranks = _ranks(block)
        for kind, target in targets:
            scores[:, columns] = np.maximum(
                scores[:, columns], _scores(bins, ranks, kind, target, orders))
    return scores


def dependence_decision(observed, null):
    """The inputs kept (Benjamini-Hochberg on the pooled permutation p-values) and each
    input's p-value: its share of the ``null`` scores at or above its ``observed`` one (0
    above them all)."""
    null = np.sort(np.ravel(null))
    p_values = 1.0 - np.searchsorted(null, observed, side="left") / max(null.size, 1)
    return benjamini_hochberg(p_values, FALSE_DISCOVERY_RATE), p_values


def n_bins_for(n_rows):
    """The bins a column is cut into: a bin per 50 rows, 3 to 20."""
    return int(np.clip(n_rows // 50, 3, 20))


def bin_rule(block, n_bins):
    """Where each column is cut into at most ``n_bins`` bins (NaN in a bin of its own):
    ``(n_bins, edges, below, levels)``. A column of at most ``n_bins`` values is binned by
    value (``levels[j]``, its values; None otherwise); otherwise at its quantiles, a value
    at a cut going below it when the lowest cut is the column's lowest value (a column of
    mostly zeros keeps its zeros apart from the rest), else above it."""
    n_rows, n_columns = block.shape
    missing = np.isnan(block)
    ordered = np.sort(block, axis=0)  # NaN last
    n_valid = n_rows - missing.sum(axis=0)
    levels = np.linspace(0, 1, n_bins + 1)[1:-1]
    positions = np.floor(levels[:, np.newaxis] * np.maximum(n_valid - 1, 0)).astype(int)
    edges = np.take_along_axis(ordered, positions, axis=0)
    below = edges[0] == ordered[0]
    valid_rows = np.arange(n_rows - 1)[:, np.newaxis] < n_valid - 1
    distinct = 1 + ((ordered[1:] != ordered[:-1]) & valid_rows).sum(axis=0)
    values = [np.unique(ordered[:n_valid[j], j]) if distinct[j] <= n_bins else None
              for j in range(n_columns)]
    return n_bins, edges, below, values


def _bin_codes(block, n_bins):
    """Each column cut into at most ``n_bins`` bins at its own quantiles (:func:`bin_rule`),
    as a one-hot matrix of shape (n_rows, n_columns x (n_bins + 1))."""
    return one_hot(block, bin_rule(block, n_bins))


def one_hot(block, rule):
    """Each column's bin (``rule`` from :func:`bin_rule`) as a one-hot matrix of shape
    (n_rows, n_columns x (n_bins + 1))."""
    cells = bin_cells(block, rule)
    n_rows, n_columns = block.shape
    return sp.csr_matrix((np.ones(cells.size), (np.repeat(np.arange(n_rows), n_columns),
                                                 cells.ravel())),
                         shape=(n_rows, n_columns * (rule[0] + 1)))


def bin_cells(block, rule):
    """Each value's cell among all the columns' bins: column ``j``'s bin ``b`` is cell
    ``j (n_bins + 1) + b`` (NaN in bin ``n_bins``)."""
    n_bins, edges, below, values = rule
    n_rows, n_columns = block.shape
    codes = np.empty((n_rows, n_columns), dtype=np.int64)
    for j in range(n_columns):
        if values[j] is not None:
            levels = values[j]
            codes[:, j] = np.minimum(np.searchsorted(levels, block[:, j]), len(levels) - 1)
        else:  # the cuts the value is above (or at, unless the lowest cut is the minimum)
            codes[:, j] = np.searchsorted(edges[:, j], block[:, j],
                                          side="left" if below[j] else "right")
    codes[np.isnan(block)] = n_bins
    return codes + (n_bins + 1) * np.arange(n_columns)


def _ranks(block):
    """Average ranks per column (NaN at the median's rank), each column's tie sum
    ``sum(t**3 - t)`` over its groups of equal values, and its number of distinct values."""
    if np.isnan(block).any():
        block = np.where(np.isnan(block), np.nanmedian(block, axis=0), block)
    ranks = stats.rankdata(block, axis=0)
    n_rows, n_columns = block.shape
    ordered = np.sort(block, axis=0)
    # Groups of equal values: their sizes, counted per column at once.
    starts = np.r_[np.ones((1, n_columns), bool), ordered[1:] != ordered[:-1]]
    groups = np.cumsum(starts, axis=0) - 1 + n_rows * np.arange(n_columns)
    sizes = np.bincount(groups.ravel(), minlength=n_rows * n_columns).astype(float)
    ties = (sizes**3 - sizes).reshape(n_columns, n_rows).sum(axis=1)
    return ranks, ties, starts.sum(axis=0)


def _scores(bins, ranks, kind, target, orders):
    """-log p of the binned and the rank test, the larger, per order of the target's rows:
    shape (len(orders), n_columns)."""
    ranks, ties, distinct = ranks
    n_rows, n_columns = ranks.shape
    n_cells = bins.shape[1] // n_columns
    counts = np.asarray(bins.sum(axis=0)).ravel().reshape(n_columns, n_cells)
    scores = np.empty((len(orders), n_columns))
    if kind == "classification":
        class_share = target.mean(axis=0)
        for i, order in enumerate(orders):
            permuted = target[order]
            observed = (bins.T @ permuted).reshape(n_columns, n_cells, target.shape[1])
            kruskal = kruskal_wallis(ranks.T @ permuted, permuted.sum(axis=0), ties, n_rows)
            scores[i] = classification_scores(observed, counts, class_share, kruskal)
    else:
        centered = (target - target.mean()) / (target.std() or 1.0)
        target_ranks = stats.rankdata(target)
        target_ranks = (target_ranks - target_ranks.mean()) / (target_ranks.std() or 1.0)
        spread = ranks.std(axis=0)
        standard = (ranks - ranks.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
        for i, order in enumerate(orders):
            sums = (bins.T @ centered[order]).reshape(n_columns, n_cells)
            scores[i] = regression_scores(sums, counts, standard.T @ target_ranks[order]
                                          / n_rows, n_rows)
    # A constant column tells nothing.
    scores[:, distinct <= 1] = 0.0
    return scores


def classification_scores(observed, counts, class_share, kruskal):
    """-log p of the chi-square test of the bins against the classes and of the
    Kruskal-Wallis test, the larger, from their sums: ``observed`` (columns x bins x
    classes) and ``counts`` (columns x bins) the rows per bin and class, ``kruskal`` each
    column's Kruskal-Wallis statistic (:func:`kruskal_wallis`)."""
    n_levels = (counts > 0).sum(axis=1)
    n_classes = observed.shape[2]
    expected = counts[:, :, None] * class_share
    chi2 = np.sum(np.divide((observed - expected) ** 2, expected,
                            out=np.zeros_like(observed), where=expected > 0), axis=(1, 2))
    binned = -stats.chi2.logsf(chi2, np.maximum((n_levels - 1) * (n_classes - 1), 1))
    ranked = -stats.chi2.logsf(kruskal, max(n_classes - 1, 1))
    return np.maximum(binned, ranked)


def kruskal_wallis(rank_sums, class_totals, ties, n_rows):
    """Kruskal-Wallis's statistic, corrected for ties, from each column's ranks summed
    per class (columns x classes) and its ``sum(t**3 - t)`` over groups of ties."""
    tie_factor = np.maximum(1 - ties / (n_rows**3 - n_rows), 1e-12)
    h = (12.0 / (n_rows * (n_rows + 1)) * np.sum(rank_sums**2 / class_totals, axis=1)
         - 3 * (n_rows + 1))
    return h / tie_factor


def regression_scores(sums, counts, rank_correlation, n_rows):
    """-log p of the F test of the standardized target's mean per bin and of Spearman's
    correlation, the larger, from ``sums`` (columns x bins) of the standardized target,
    ``counts`` (columns x bins) and each column's ``rank_correlation``."""
    n_levels = (counts > 0).sum(axis=1)
    df_between = np.maximum(n_levels - 1, 1)
    df_within = np.maximum(n_rows - n_levels, 1)
    between = np.sum(np.divide(sums**2, counts, out=np.zeros_like(sums), where=counts > 0),
                     axis=1)
    f = (between / df_between) / np.maximum((n_rows - between) / df_within, 1e-12)
    binned = -stats.f.logsf(f, df_between, df_within)
    r = np.clip(rank_correlation, -1 + 1e-12, 1 - 1e-12)
    t = np.abs(r) * np.sqrt((n_rows - 2) / (1 - r**2))
    ranked = -(np.log(2) + stats.t.logsf(t, max(n_rows - 2, 1)))
    return np.maximum(binned, ranked)
