"""The statistics the selection screens share: shadows, tail p-values, false discovery rates.

A shadow is an input's values shuffled among the rows: it keeps the input's distribution and
loses any relation to the target, so shadows (or the target's permutations) are what the
screens measure noise by. Every screen reads its constants and its null distributions from
here; no screen imports another.
"""

import math

import numpy as np
import scipy.sparse as sp

from .._utils._target import infer_task

#: Permutations of the target: the null distribution of the scores.
N_PERMUTATIONS = 20
#: The false discovery rate the screen keeps to (the networks' screens add their own).
FALSE_DISCOVERY_RATE = 0.01
#: Shadow scores the null distribution holds at least (:func:`shadow_copies`).
SHADOW_SCORES = 5_000
#: The bar stands where the largest of this many times the shadows is expected.
SHADOW_BAR_FACTOR = 10
#: The largest shadows whose excesses estimate the scale of the shadows' tail.
SHADOW_TAIL = 20
#: The screens' own networks train in single precision, as networks usually do: at
#: thousands of columns and their shadows they find the same columns as in double
#: precision, at about 0.6x the cost (docs/selection.md).
SCREEN_DTYPE = np.float32


def shadow_columns(X, rng):
    """Each column's values shuffled among the rows, independently per column.

    Sparse columns keep their values and move them to permuted rows: the same random
    stream as the dense case, so sparse and dense inputs get the same shadows.
    """
    if not sp.issparse(X):
        return np.column_stack([rng.permutation(column) for column in X.T])
    X = X.tocsc(copy=True)
    for j in range(X.shape[1]):
        # Dense: new[i] = column[order[i]], so the value in row r moves to row order^-1[r].
        order = rng.permutation(X.shape[0])
        moved_to = np.empty_like(order)
        moved_to[order] = np.arange(len(order))
        rows = slice(X.indptr[j], X.indptr[j + 1])
        X.indices[rows] = moved_to[X.indices[rows]]
    X.has_sorted_indices = False
    return X


def shadow_copies(n_features):
    """Copies of the inputs' shadows that give the null at least ``SHADOW_SCORES`` draws:
    385 at 13 inputs, 5 at 1,000, 2 at 3,000, 1 from 5,000 (a copy costs a product).

    Small tables get as many draws as wide ones: a p-value is read from the draws down to
    ``SHADOW_TAIL / SHADOW_SCORES`` (0.004) and extrapolated only below. A fixed 20
    copies of 13 inputs would hold 260 draws and extrapolate every p-value under 0.08,
    where a small table's Benjamini-Hochberg bars (1% of ``k / m``) all lie.
    """
    return max(1, math.ceil(SHADOW_SCORES / max(n_features, 1)))


def beside_shadows(X, copies, rng, dtype=None):
    """``X`` beside ``copies`` of its shadows (:func:`shadow_columns`, drawn in turn from
    ``rng``), in ``dtype`` (or X's): filled a copy at a time, so that a dense X's result
    takes its own memory and one copy's, not twice its own."""
    if sp.issparse(X):
        return side_by_side([X] + [shadow_columns(X, rng) for _ in range(copies)], dtype)
    n_features = X.shape[1]
    together = np.empty((X.shape[0], n_features * (1 + copies)), dtype=dtype or X.dtype)
    together[:, :n_features] = X
    for copy in range(1, copies + 1):
        together[:, copy * n_features:(copy + 1) * n_features] = shadow_columns(X, rng)
    return together


def side_by_side(blocks, dtype=None):
    """The blocks' columns side by side (in ``dtype``, or as numpy promotes them): sparse
    (CSR) when the first block is."""
    together = sp.hstack(blocks).tocsr() if sp.issparse(blocks[0]) else np.hstack(blocks)
    return together if dtype is None else together.astype(dtype, copy=False)


def shadow_bar(shadow_scores):
    """The bar an input's mean importance must beat: the largest shadow's, raised to where
    the largest of ``SHADOW_BAR_FACTOR`` times as many shadows is expected.

    In an exponential tail of scale ``b`` (the Gumbel domain: sums of shares such as the
    learning gradients'), the excesses of the largest shadows over the ``k``-th largest are
    independent with mean ``b``, and the largest of ``F`` times as many draws lies about
    ``b log F`` above the largest. A noise input, exchangeable with the shadows, beats the
    largest of ``m`` of them with probability ``1 / (m + 1)``: about one noise input per
    screen when there are as many shadows as inputs. Beating the raised bar is about ``F``
    times rarer, as if the screen had trained on ``F`` times the shadows, at no cost
    (docs/selection.md compares it with the largest shadow as the bar).
    """
    shadow_scores = np.ravel(shadow_scores)
    top = np.sort(shadow_scores, axis=None)[::-1][:SHADOW_TAIL]
    if len(top) < 2:
        return float(top.max()) if len(top) else 0.0
    scale = _tail_excess(top) / (len(top) - 1)
    return float(top[0] + scale * np.log(SHADOW_BAR_FACTOR))


def _tail_excess(top):
    """The summed excess of the largest draws (descending) over the last: ``k - 1`` times
    the scale of their exponential tail, as ``k - 1`` excesses estimate it."""
    return float(np.sum(top[:-1] - top[-1]))


def tail_p_values(scores, null):
    """The share of ``null`` draws at or above each score, with the tail beyond the
    ``SHADOW_TAIL``-th largest draw extrapolated as exponential, its scale uncertain: a
    score above every draw gets a p-value that shrinks with its distance from them rather
    than 0, so a score just above the largest of ``N`` draws is about as rare as ``1 / N``,
    and a score far above them far rarer.

    The scale ``b`` is known only through the ``k - 1 = SHADOW_TAIL - 1`` excesses of the
    largest draws over the ``k``-th (their sum ``T``). Averaged over what they say of it (a
    scale-free prior: ``1 / b`` is Gamma(``k - 1``, ``T``)), ``exp(-d / b)`` at a distance
    ``d`` beyond the ``k``-th draw becomes the Lomax tail ``(1 + d / T) ** -(k - 1)``: the
    exponential one with the plug-in scale ``T / (k - 1)`` as the draws grow, larger in the
    extreme tail, where a plug-in scale a fifth too small would make a p-value of 1e-5
    several times too small (docs/selection.md measures both on the interaction tests'
    null draws).

    Examples
    --------
    >>> null = np.random.default_rng(0).exponential(size=10_000)
    >>> p_values = tail_p_values(np.array([1.0, 12.0]), null)
    >>> round(float(p_values[0]), 2), bool(0 < p_values[1] < 1e-4)  # exp(-1), beyond
    (0.37, True)
    """
    null = np.sort(np.ravel(null))
    p_values = 1.0 - np.searchsorted(null, scores, side="left") / null.size
    top = null[::-1][:SHADOW_TAIL]
    if len(top) < 2:
        return p_values
    excesses = max(_tail_excess(top), np.finfo(float).tiny)
    beyond = scores > top[-1]
    p_values[beyond] = (len(top) / null.size
                        * (1.0 + (scores[beyond] - top[-1]) / excesses) ** -(len(top) - 1.0))
    return p_values


def benjamini_hochberg(p_values, rate):
    """The Benjamini-Hochberg discoveries: the ``k`` smallest p-values, for the largest
    ``k`` whose ``k``-th smallest is at most ``rate * k / m``."""
    ordered = np.sort(p_values)
    passing = np.flatnonzero(ordered <= rate * np.arange(1, len(ordered) + 1) / len(ordered))
    if passing.size == 0:
        return np.zeros(len(p_values), dtype=bool)
    return p_values <= ordered[passing[-1]]


def target_columns(y):
    """(kind, target) per output: the classes one-hot, or the numbers as they are."""
    kind = infer_task(y)
    y = np.asarray(y)
    outputs = y.reshape(len(y), -1).T if y.ndim > 1 else [y]
    targets = []
    for output in outputs:
        if kind == "classification":
            classes, codes = np.unique(output.astype(str) if output.dtype == object
                                       else output, return_inverse=True)
            targets.append((kind, np.eye(len(classes))[codes]))
        else:
            targets.append((kind, np.asarray(output, dtype=float)))
    return targets
