"""The conditional screen of the "all-relevant" question: each input that the other screens
did not find, tested for what it adds to the inputs they found.

An input can be relevant only given others. Diabetes's `sex` has no relation to the
target on its own (correlation 0.04), which the dependence tests (``_dependence.py``)
look for, while in least squares on the ten columns its t is -3.9. The screen puts every
column on normal scores (its ranks through the normal quantile function, NaN at the
median's rank), residualizes the target (each class against the rest, or the numbers)
and each tested input on the found inputs by least squares, and scores an input by the t
statistic of its residual's correlation with the target's residual (the largest over the
classes or outputs). Normal scores, not the raw values: a heavy-tailed column's
correlations are heavier-tailed than the pooled shadows', and its noise would beat them
(docs/selection.md shows both on the real sets).

The null is the same score of shadows (each column's rows shuffled, residualized alike:
exactly a noise input's position), pooled over columns and copies, its tail beyond the
20th largest draw extrapolated as exponential with its scale's uncertainty
(:func:`~sklgrad._selection._statistics.tail_p_values`).
Benjamini-Hochberg runs at 1% over all the inputs with the found ones counted as
discoveries ahead of the tested ones (their p-values taken as 0): a first input added to
``k`` found ones among ``m`` needs ``p <= 0.01 (k + 1) / m``. When the found inputs are
relevant, about 1% of the screen's discoveries are noise in expectation; for the tested
inputs alone the rate can be higher, as the found ones carry the count.
"""

import math

import numpy as np
import scipy.sparse as sp
from scipy import stats

from ._statistics import (
    FALSE_DISCOVERY_RATE,
    shadow_copies,
    tail_p_values,
    target_columns,
)

#: Values (rows x columns) put on normal scores and residualized at a time.
VALUES_AT_A_TIME = 1_000_000
#: A residual of norm below this times sqrt(rows) is taken as zero: normal scores have a
#: norm of about sqrt(rows), and what least squares leaves of a spanned column is rounding.
SPANNED = 1e-8


def conditional_screen(X, y, found, rng):
    """The inputs that add to the ``found`` ones in predicting the target, and their
    p-values.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Numeric inputs (NaN allowed).
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Classes or numbers, as :func:`~sklgrad._utils._target.infer_task` reads them.
    found : ndarray of shape (n_features,) of bool
        The inputs found relevant already: the conditioning set; the others are tested.
    rng : numpy.random.RandomState
        Draws the shadows' permutations.

    Returns
    -------
    relevant : ndarray of shape (n_features,) of bool
        The tested inputs kept (see the module's docstring); none when nothing was found
        (the dependence tests cover that case) or the found inputs leave too few rows.
    p_values : ndarray of shape (n_features,)
        Each tested input's p-value against the shadows (0 for a found input, 1 where
        nothing was tested).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 6))
    >>> y = X[:, 0] + 0.3 * X[:, 1] + 0.3 * rng.normal(size=400)
    >>> found = np.array([True, False, False, False, False, False])
    >>> conditional_screen(X, y, found, np.random.RandomState(0))[0].nonzero()[0]
    array([1])
    """
    scored = conditional_scores(X, y, found, rng)
    if scored is None:
        found = np.asarray(found, dtype=bool)
        return np.zeros(len(found), dtype=bool), np.where(found, 0.0, 1.0)
    return conditional_decision(*scored, found)


def conditional_degrees(n_rows, found):
    """The degrees of freedom of the residual correlations' t: None when nothing was
    found or nothing is left to test (nothing is then tested)."""
    n_found = int(np.sum(found))
    degrees = n_rows - n_found - 2
    if n_found == 0 or n_found == len(found) or degrees < 3:
        return None
    return degrees


def conditional_scores(X, y, found, rng):
    """Each input's score (its residual correlation's ``|t|``) and the shadows' scores
    (copies x inputs), or None when nothing is tested (:func:`conditional_degrees`)."""
    n_rows, n_features = X.shape
    found = np.asarray(found, dtype=bool)
    degrees = conditional_degrees(n_rows, found)
    if degrees is None:
        return None
    basis = _basis(_normal_scores(_dense(X, np.flatnonzero(found))))
    residuals = [_unit(_residual(np.asarray(target, dtype=float).reshape(n_rows, -1), basis))
                 for _, target in target_columns(y)]
    residuals = np.hstack(residuals)
    scores = np.zeros(n_features)
    n_copies = shadow_copies(n_features)
    null = np.zeros((n_copies, n_features))
    at_a_time = max(1, VALUES_AT_A_TIME // max(n_rows, 1))
    for start in range(0, n_features, at_a_time):
        columns = np.arange(start, min(start + at_a_time, n_features))
        block = _normal_scores(_dense(X, columns))
        scores[columns] = _t(block, basis, residuals, degrees)
        for copy in range(n_copies):
            shadows = np.column_stack([rng.permutation(column) for column in block.T])
            null[copy, columns] = _t(shadows, basis, residuals, degrees)
    return scores, null


def conditional_decision(scores, null, found):
    """The tested inputs kept (Benjamini-Hochberg at 1% with the ``found`` inputs counted
    first) and every input's p-value (0 for a found input)."""
    found = np.asarray(found, dtype=bool)
    n_features, n_found = len(found), int(found.sum())
    relevant = np.zeros(n_features, dtype=bool)
    p_values = np.zeros(n_features)
    tested = np.flatnonzero(~found)
    p_values[tested] = tail_p_values(scores[tested], null)
    ordered = np.sort(p_values)
    passing = np.flatnonzero(
        ordered <= FALSE_DISCOVERY_RATE * np.arange(1, n_features + 1) / n_features)
    if passing.size and passing[-1] >= n_found:  # beyond the found inputs' (p = 0)
        relevant[tested] = p_values[tested] <= ordered[passing[-1]]
    return relevant, p_values


def _dense(X, columns):
    block = X[:, columns]
    return np.asarray(block.toarray() if sp.issparse(block) else block, dtype=float)


def _normal_scores(block):
    """Each column's average ranks through the normal quantile function (NaN at the
    median's rank)."""
    if np.isnan(block).any():
        block = np.where(np.isnan(block), np.nanmedian(block, axis=0), block)
    return stats.norm.ppf((stats.rankdata(block, axis=0) - 0.5) / block.shape[0])


def _basis(found):
    """An orthonormal basis of the intercept and the found inputs' columns."""
    design = np.column_stack([np.ones(len(found)), found])
    q, r = np.linalg.qr(design)
    # Columns that repeat others (one-hot levels, copies) add no direction.
    return q[:, np.abs(np.diag(r)) > 1e-10 * max(np.abs(np.diag(r)).max(), 1.0)]


def _residual(block, basis):
    return block - basis @ (basis.T @ block)


def _unit(block):
    """Each column scaled to norm 1; a column the found inputs span (a constant, the
    other level of a found indicator) is rounding error after its residual: it is zero."""
    norms = np.linalg.norm(block, axis=0)
    spanned = norms <= SPANNED * math.sqrt(len(block))
    return np.where(spanned, 0.0, block / np.where(spanned, 1.0, norms))


def _t(block, basis, residuals, degrees):
    """The largest ``|t|`` over the target's residual columns of each column's residual
    correlation with them."""
    return t_of(np.abs(_unit(_residual(block, basis)).T @ residuals).max(axis=1), degrees)


def t_of(correlation, degrees):
    """The ``t`` statistic of a correlation's absolute value on ``degrees`` degrees of
    freedom."""
    r = np.minimum(correlation, 1 - 1e-12)
    return r * np.sqrt(degrees / (1 - r**2))
