"""The interaction screen of the "all-relevant" question: every pair of inputs tested for
an effect on the target that neither has on its own, calibrated by shadows (inputs with
their rows shuffled).

An input that acts only with another (``y = x2 x3``, an XOR) has no marginal effect: the
dependence tests (``_dependence.py``) cannot see it, and among hundreds of noise inputs
the networks often eliminate it before they learn it (the slow-effect set ``sin(2 x0) +
x1^2 + x2 x3 > 0`` among 500 columns: the pair kept in 1 seed of 5). The screen cuts each
input at its median (``h_j = 1[x_j > median] - mean``, NaN at 0), the side an odd effect
reads (an XOR, a product), and for each pair correlates the product ``h_i h_j`` with the
target (each class against the rest, or the target's ranks): ``S_ij = sum_rows a h_i
h_j``, one matrix product ``H^T diag(a) H`` for all pairs. When one input of the pair is
independent of the target and of the other input (a noise input), the rows of ``h_j`` are
exchangeable and ``S_ij`` has mean 0 and variance ``sum (b - mean b)^2 sum h_j^2 / (n -
1)`` with ``b = a h_i``; the pair's score is Bernstein's exponent ``S^2 / 2 (V + M |S| /
3)`` with ``V`` the larger of its two such variances and ``M`` the largest term (where
both halves are rare, a pixel mostly blank, a few rows make ``S`` and its tail is heavier
than a normal one), and an input's score is its largest over its partners and the classes.
The null distribution is the same score of shadows (each input with its rows shuffled,
paired with every input: exactly the position of a noise input), pooled over inputs and
copies, its tail beyond the 20th largest draw extrapolated as exponential with its scale's
uncertainty (:func:`~sklgrad._selection._statistics.tail_p_values`: a noise pair above
every draw is not a discovery for that alone); Benjamini-Hochberg keeps the inputs at a
false discovery rate of 1%.

Called with ``even``, the screen cuts each input at the median of its distance from the
median instead (``1[|x_j - median| > median |x_j - median|]``, centered), the size an even
effect reads: a ring (``x_i^2 + x_j^2`` in a band), whose columns alone carry little. The
selection runs that kind last, on what every other screen left, as a family of its own: a
score taken as the larger of the two kinds would face a heavier null, and odd effects
would lose power (a one-hot level at p = 0.0034 instead of 0.0006).

Each product costs ``n_rows x n_inputs^2`` multiply-adds per direction of the target: the
copies are fewer on wide tables (at least ``SHADOW_SCORES`` shadow scores in all, at every
width: :func:`~sklgrad._selection._statistics.shadow_copies`; beyond
``SHADOW_SCORES`` inputs, as many of them drawn at random are shadowed), and a table where
one product would exceed ``MAX_PAIR_WORK`` is not screened for pairs (the networks'
screens still see interactions there).
"""


import numpy as np
import scipy.sparse as sp
from scipy import stats

from ._statistics import (
    FALSE_DISCOVERY_RATE,
    SHADOW_SCORES,
    benjamini_hochberg,
    shadow_copies,
    tail_p_values,
    target_columns,
)

#: The multiply-adds of one product (rows x inputs^2) above which pairs are not screened:
#: 2,000 rows x 10,000 inputs is 2e11.
MAX_PAIR_WORK = 1e12
#: Entries (pairs) of the pair matrix computed at a time: bounds the memory it takes.
PAIRS_AT_A_TIME = 4_000_000


def interaction_screen(X, y, rng, tested=None, even=False):
    """The inputs that act on the target with another input, and their p-values.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Numeric inputs (NaN allowed).
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Classes or numbers, as :func:`~sklgrad._utils._target.infer_task` reads them.
    rng : numpy.random.RandomState
        Draws the shadows' permutations.
    tested : ndarray of shape (n_features,) of bool, default=None
        The inputs the screen may keep (all by default): the other screens' finds are
        relevant already, and the false discovery rate is kept among the others (every
        input is a partner all the same).
    even : bool, default=False
        Cut the inputs at their median distance from the median (even effects), not at
        their median (odd effects).

    Returns
    -------
    relevant : ndarray of shape (n_features,) of bool
        The inputs kept at a false discovery rate of ``FALSE_DISCOVERY_RATE``; none when
        the table is too wide to screen (see the module's docstring).
    p_values : ndarray of shape (n_features,)
        Each input's p-value against its shadows (1 where it was not screened).
    """
    scored = interaction_scores(X, y, rng, even)
    if scored is None:
        return np.zeros(X.shape[1], dtype=bool), np.ones(X.shape[1])
    return interaction_decision(*scored, tested)


def interaction_scores(X, y, rng, even=False):
    """Each input's score (its largest exponent over its partners) and the shadows'
    scores (copies x shadowed inputs), for the cuts at the median or (``even``) at the
    median distance from it; None where the table is not screened for pairs."""
    n_rows, n_features = X.shape
    if not screened_for_pairs(n_rows, n_features):
        return None
    halves = _halves(X, even)
    n_copies = shadow_copies(n_features)
    # Wider than SHADOW_SCORES inputs, the shadows of as many drawn at random: every
    # input's would cost a product as large as the inputs' own for scores not needed.
    shadowed = (np.arange(n_features) if n_features <= SHADOW_SCORES
                else np.sort(rng.choice(n_features, SHADOW_SCORES, replace=False)))
    partners = [_Partners(halves, direction) for direction in _directions(y)]
    scores = np.zeros(n_features)
    for partner in partners:
        scores = np.maximum(scores, partner.best_over(halves, itself=True))
    # Each shadowed input's rows contiguous: a shadow is a gather of them, written to
    # shadows in the layout of the inputs' own product (the same rounding as theirs).
    inputs = np.ascontiguousarray(halves[:, shadowed].T)
    null = np.zeros((n_copies, len(shadowed)))
    gathered = np.empty((len(shadowed), n_rows), dtype=halves.dtype)
    shadows = np.empty((n_rows, len(shadowed)), dtype=halves.dtype)
    for copy in range(n_copies):
        for k, rows in enumerate(inputs):  # each input's rows permuted on their own
            np.take(rows, rng.permutation(n_rows), out=gathered[k])
        shadows[...] = gathered.T
        for partner in partners:
            np.maximum(null[copy], partner.best_over(shadows), out=null[copy])
    return scores, null


def screened_for_pairs(n_rows, n_features):
    """Whether a table is screened for pairs (see the module's docstring)."""
    return n_features >= 2 and n_rows >= 4 and n_rows * float(n_features) ** 2 <= MAX_PAIR_WORK


def interaction_decision(scores, null, tested=None):
    """The ``tested`` inputs kept (Benjamini-Hochberg at 1% on their p-values against the
    shadows' scores) and every input's p-value."""
    p_values = tail_p_values(scores, null)
    relevant = np.zeros(len(scores), dtype=bool)
    tested = np.ones(len(scores), dtype=bool) if tested is None else np.asarray(tested)
    if tested.any():
        relevant[tested] = benjamini_hochberg(p_values[tested], FALSE_DISCOVERY_RATE)
    return relevant, p_values


def _halves(X, even=False):
    """Each input cut at its median, ``1[x > median]``, or with ``even`` at the median of
    its distance from the median, ``1[|x - median| > median |x - median|]``; centered,
    NaN at 0 (float32: the products count rows, exact in float32 up to 16 million
    rows)."""
    n_rows, n_features = X.shape
    halves = np.empty((n_rows, n_features), dtype=np.float32)
    at_a_time = max(1, PAIRS_AT_A_TIME // max(n_rows, 1))
    for start in range(0, n_features, at_a_time):
        columns = slice(start, min(start + at_a_time, n_features))
        block = X[:, columns]
        block = np.asarray(block.toarray() if sp.issparse(block) else block, dtype=float)
        missing = np.isnan(block)
        with np.errstate(invalid="ignore"):
            above = _above_median(np.where(missing.all(axis=0), 0.0, block), even)
        n_valid = np.maximum((~missing).sum(axis=0), 1)
        share = np.where(missing, 0.0, above).sum(axis=0) / n_valid
        halves[:, columns] = np.where(missing, 0.0, above - share)
    return halves


def _above_median(block, even):
    """``1[x > median]`` per column (NaN ignored), or of ``|x - median|`` with ``even``."""
    median = np.nanmedian(block, axis=0)
    if even:
        block = np.abs(block - median)
        median = np.nanmedian(block, axis=0)
    return (block > median).astype(float)


def _directions(y):
    """The target as centered columns: each class against the rest (one for two classes),
    or the ranks of each numeric output."""
    directions = []
    for kind, target in target_columns(y):
        if kind == "classification":
            columns = target[:, :1] if target.shape[1] == 2 else target
        else:
            columns = stats.rankdata(target)[:, np.newaxis]
        columns = columns - columns.mean(axis=0)
        directions.extend(columns.T.astype(np.float32))
    return directions


class _Partners:
    """The inputs as partners ``i`` of pairs against one direction ``a`` of the target:
    ``b = a h_i``, its spread ``sum (b - mean b)^2`` and its largest ``|b|``."""

    def __init__(self, halves, direction):
        self.weighted = halves * direction[:, np.newaxis]
        self.direction = direction
        self.spread, self.squares, self.largest = _moments(self.weighted, halves)

    def best_over(self, columns, itself=False):
        """Each of ``columns``' largest score over the partners ``i``
        (``itself``: ``columns`` are the partners, and a column is not its own)."""
        n_rows, n_partners = self.weighted.shape
        spread, squares, _ = _moments(columns * self.direction[:, np.newaxis], columns)
        column_largest = np.abs(columns).max(axis=0) / np.float32(3)
        best = np.zeros(columns.shape[1], dtype=np.float32)
        at_a_time = max(1, PAIRS_AT_A_TIME // columns.shape[1])
        for start in range(0, n_partners, at_a_time):
            rows = slice(start, min(start + at_a_time, n_partners))
            score = np.abs(self.weighted[:, rows].T @ columns)  # |S_ij|
            exponents(score, (self.spread[rows, np.newaxis], self.squares[rows, np.newaxis],
                              self.largest[rows, np.newaxis]),
                      (spread, squares, column_largest), n_rows)
            if itself:
                block = np.arange(rows.start, rows.stop)
                score[block - start, block] = 0.0
            np.maximum(best, score.max(axis=0), out=best)
        return best.astype(np.float64)


def exponents(score, partner, column, n_rows):
    """Bernstein's exponent ``S^2 / 2 (V + M |S| / 3)`` of each pair, in place of
    ``score`` (``|S_ij|``, partners ``i`` by columns ``j``): ``V`` the larger of the two
    variances (either input may be the noise), ``M`` bounding one row's term. Where
    ``h_i`` and ``h_j`` are both rare (a pixel mostly blank), a few rows make ``S`` and
    its tail is far heavier than a normal one of the same variance. ``partner`` and
    ``column`` are each ``(spread, squares, largest)`` (the column's largest divided by
    3). In place: these blocks are the screen's memory and time."""
    partner_spread, partner_squares, partner_largest = partner
    spread, squares, column_largest = column
    denominator = np.maximum(partner_spread * squares, partner_squares * spread)
    valid = denominator > 0
    denominator *= denominator.dtype.type(2 / (n_rows - 1))
    denominator += (2 * partner_largest * column_largest) * score
    np.square(score, out=score)
    np.divide(score, denominator, out=score, where=valid)
    score[~valid] = 0.0
    return score


def _moments(weighted, halves):
    """Per column: ``sum (b - mean b)^2`` of ``weighted``, ``sum h^2`` of ``halves`` and
    the largest ``|b|``, in float32 (sums taken in float64)."""
    sums = weighted.sum(axis=0, dtype=np.float64)
    spread = np.maximum((weighted.astype(np.float64) ** 2).sum(axis=0)
                        - sums**2 / len(weighted), 0.0)
    squares = (halves.astype(np.float64) ** 2).sum(axis=0)
    largest = np.abs(weighted).max(axis=0)
    return spread.astype(np.float32), squares.astype(np.float32), largest
