"""Which point of the path answers "minimal": the fewest inputs that a network refit on
them alone predicts held-out rows as well as the best candidate does, within one standard
error of the difference.

The path network's own choice reads its validation loss at each point, a loss of the
*penalized* network: at a sparse point the group lasso still shrinks what it keeps, and
that loss is not the loss of a network trained on those inputs (wine beside 117 noise
columns: 7 inputs alive at a validation loss of 0.187 against 0.044 at the best point,
while networks refit on those 7 predict held-out rows as well as on all 13). So each
distinct set of inputs along the path is refit without a penalty, the candidates of a fold
stacked as one model, and the sets are compared by the loss on the rows held out (the
relaxed lasso's rule, with a one-standard-error choice as the path's own). The candidates
are compared row by row: a set's excess over the best is the mean of their losses'
differences on the same rows, with that mean's standard error. Sets between the one chosen
and the next narrower point are compared too, and where the best point is wider than the
one chosen, the sets between those two.

A set is minimal only without a column that its other columns compute: an affine
combination of them (every level of a one-hot encoding: they sum to 1) is something the
first layer's weights and bias make from the others. Each set drops such columns, the
least learned-from first (:func:`without_spanned`), before it is refit.
"""

import math
import warnings

import numpy as np
import scipy.sparse as sp
from scipy.linalg import solve_triangular
from sklearn.base import clone, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold

from .._engine.settings import engine_options
from .._neural_network._fit_many import fit_many
from .._neural_network._memorization import MemorizationWarning

#: Folds of the cross-validation; a fold is held out at a time.
N_FOLDS = 3
#: The folds run until at least this many rows were held out: every fold of a small table,
#: one fold of a table of 1,500 rows or more (its third is a held-out set of 500 rows).
HELD_OUT_ROWS = 500
#: The least probability a held-out row's class is given: its log loss is at most 34.5.
LEAST_PROBABILITY = 1e-15
#: A candidate is kept when it has at most this share of the inputs of the previous one
#: kept (from the widest): a finer grid costs a network per set and fold, and neighbouring
#: sets of a path differ by an input or two.
THINNING = 0.8
#: Sets compared between the set chosen among the path's points and its neighbours
#: (:func:`_between`), in all: split between the two gaps where both have room, so that
#: looking on both sides costs no more refits than looking on one.
REFINED_SETS = 4
#: A column keeps less than this share of its variance after the columns kept before it
#: (and a constant) only when it is their affine combination up to rounding: correlated
#: real columns keep far more (breast cancer's radius and perimeter, r = 0.998: 0.004).
SPANNED_SHARE = 1e-9
#: A column whose standard deviation is at most this share of its mean is a constant.
CONSTANT_SPREAD = 1e-12
#: Values of a slice of rows densified at a time by :func:`column_moments`.
VALUES_AT_A_TIME = 1_000_000


def column_moments(X):
    """Each column's mean, and the columns' centred cross-products summed over the rows,
    with the number of rows: what :func:`without_spanned` reads, computed once for every
    set of columns compared. Centred a slice of rows at a time (a sparse one densified
    there): the product of uncentred columns loses a relation among columns far from zero
    to cancellation."""
    means = np.asarray(X.mean(axis=0), dtype=float).ravel()
    step = max(1, VALUES_AT_A_TIME // X.shape[1])
    cross = np.zeros((X.shape[1], X.shape[1]))
    for start in range(0, X.shape[0], step):
        rows = X[start:start + step]
        rows = np.asarray(rows.toarray() if sp.issparse(rows) else rows, dtype=float)
        rows = rows - means
        cross += rows.T @ rows
    return means, cross, X.shape[0]


def without_spanned(moments, inputs, shares):
    """``inputs`` (columns of the ``X`` whose :func:`column_moments` are ``moments``) less
    each one that is an affine combination of the ones kept before it, taken from the
    most learned-from (``shares``, one per column of ``X``) down; a constant column is the
    combination of none. The most learned-from input stays. Columns holding NaN are kept
    (no affine relation is read from them).

    The test runs on the columns' correlation matrix, with a Cholesky factor of the kept
    ones grown a column at a time (one triangular solve per column).
    """
    inputs = np.asarray(inputs, dtype=int)
    if inputs.size < 2:
        return inputs.tolist()
    ordered = inputs[np.argsort(-np.asarray(shares, dtype=float)[inputs], kind="stable")]
    means, cross, n_rows = moments
    means, covariance = means[ordered], cross[np.ix_(ordered, ordered)]
    variances = np.diag(covariance) / n_rows
    finite = np.isfinite(variances)
    # Constant: a spread that is the rounding of its mean (a sparse mean is a division).
    varies = finite & (np.sqrt(variances) > CONSTANT_SPREAD * np.abs(means))
    scale = np.sqrt(np.where(varies, variances * n_rows, 1.0))
    correlation = covariance / np.outer(scale, scale)
    # Cholesky factor of the kept varying columns' correlations, grown a column at a
    # time: what a column keeps after them is 1 - |z|^2, z from one triangular solve.
    factor = np.zeros((len(ordered), len(ordered)))
    basis, kept = [], [0]
    if varies[0]:
        basis, factor[0, 0] = [0], 1.0
    for j in range(1, len(ordered)):
        if not finite[j]:
            kept.append(j)
            continue
        if not varies[j]:
            continue
        m = len(basis)
        z = (solve_triangular(factor[:m, :m], correlation[basis, j], lower=True) if m
             else np.zeros(0))
        left = 1.0 - float(z @ z)
        if left > SPANNED_SHARE:
            kept.append(j)
            factor[m, :m], factor[m, m] = z, math.sqrt(left)
            basis.append(j)
    return np.sort(ordered[kept]).tolist()


def candidate_points(path):
    """Indices in ``path`` (a fitted network's ``path_``) of the distinct sets of inputs it
    went through, widest first, each at most ``THINNING`` times the previous one's width;
    the narrowest set is always a candidate."""
    by_inputs = {}
    for index, point in enumerate(path):
        if point["inputs_alive"] > 0:
            by_inputs.setdefault(tuple(point["inputs"]), index)
    ordered = sorted(by_inputs.items(), key=lambda item: -len(item[0]))
    kept = []
    for inputs, index in ordered:
        if not kept or len(inputs) <= THINNING * len(path[kept[-1]]["inputs"]):
            kept.append(index)
    if ordered and ordered[-1][1] not in kept:
        kept.append(ordered[-1][1])
    return kept


def _folds(network, y, n_rows, seed):
    """The (train, held-out) rows of the folds that run: a classifier's only where its
    training rows hold two classes or more (a class of fewer rows than folds cannot be
    stratified, and a fold can hold out all of it). That drops one fold at most: each row
    is in the training rows of two folds of three, so two folds of one class each would
    leave the target one class."""
    y = np.asarray(y)
    classes = None
    if is_classifier(network):
        _, counts = np.unique(y, return_counts=True)
        classes = counts.min() >= N_FOLDS
    splitter = (StratifiedKFold if classes else KFold)(N_FOLDS, shuffle=True,
                                                       random_state=seed)
    folds = list(splitter.split(np.zeros((n_rows, 1)), y))
    if is_classifier(network):
        folds = [(train, held_out) for train, held_out in folds
                 if np.unique(y[train]).size >= 2]
    n_run = min(N_FOLDS, math.ceil(HELD_OUT_ROWS / (n_rows / N_FOLDS)))
    return folds[:n_run]


def _only(X, inputs):
    """``X`` with every column but ``inputs`` zero: each candidate trains on one width, so
    the candidates of a fold stack as one model; a zero column adds nothing to a
    network's outputs, and its weights receive no learning gradient."""
    keep = np.zeros(X.shape[1])
    keep[inputs] = 1.0
    if sp.issparse(X):
        return (X @ sp.diags(keep)).tocsr()
    return X * keep


def _row_losses(network, X, y):
    """Each row's loss: the log loss of a class, or the squared error of each output
    divided by the output's variance (averaged over outputs)."""
    if is_classifier(network):
        log_proba = network.predict_log_proba(X)
        classes, y = network.classes_, np.asarray(y)
        columns = np.minimum(np.searchsorted(classes, y), len(classes) - 1)
        # A class that the fold's training rows lacked (a class of fewer rows than folds)
        # gets the largest loss a probability of LEAST_PROBABILITY allows, for every set.
        seen = classes[columns] == y
        losses = np.full(len(y), -math.log(LEAST_PROBABILITY))
        losses[seen] = np.minimum(-log_proba[np.flatnonzero(seen), columns[seen]],
                                  losses[seen])
        return losses
    predicted = np.asarray(network.predict(X), dtype=float).reshape(len(y), -1)
    y = np.asarray(y, dtype=float).reshape(len(predicted), -1)
    return (((y - predicted) ** 2) / np.maximum(y.var(axis=0), 1e-12)).mean(axis=1)


def _sliced(fit_params, rows, n_rows):
    """Fit parameters of one row per sample (``sample_weight``) restricted to ``rows``."""
    return {key: (np.asarray(value)[rows] if np.ndim(value) and len(value) == n_rows
                  else value) for key, value in fit_params.items()}


def _room_between(network, wider, narrower):
    """Whether a set lies between two points of the path: the narrower's inputs a subset
    of the wider's, with two inputs or more fewer."""
    wide, narrow = network.path_[wider]["inputs"], network.path_[narrower]["inputs"]
    return set(narrow) < set(wide) and len(wide) - len(narrow) >= 2


def _between(network, wider, narrower, n_sets=REFINED_SETS):
    """Sets of inputs between two candidates of the path, ``narrower`` a subset of
    ``wider`` (each an index in ``network.path_``): ``narrower``'s inputs and the most
    learned-from of the others, ranked by ``wider``'s last-epoch learning gradients, at
    up to ``n_sets`` widths evenly spaced on a log scale. A path's points can be far
    apart in width (digits: 44 inputs, then 26), and the fewest inputs that predict as
    well as the best may lie between them."""
    if not _room_between(network, wider, narrower):
        return []
    path = network.path_
    wide, narrow = path[wider]["inputs"], path[narrower]["inputs"]
    shares = np.asarray(network.importance_history_[path[wider]["last_epoch"]])
    others = np.setdiff1d(wide, narrow)
    others = others[np.argsort(-shares[others], kind="stable")]
    widths = np.geomspace(len(wide), len(narrow), n_sets + 2)[1:-1].round()
    widths = np.unique(widths.astype(int))[::-1]
    widths = widths[(widths > len(narrow)) & (widths < len(wide))]
    return [np.sort(np.r_[narrow, others[:width - len(narrow)]]).tolist()
            for width in widths]


def _held_out_losses(refit, X, y, folds, sets, fit_params):
    """Each row's held-out loss (NaN on rows no fold held out) of ``refit`` trained on
    each set of inputs (one row per set), the sets of a fold stacked as one model."""
    n_rows = X.shape[0]
    losses = np.full((len(sets), n_rows), np.nan)
    for train, held_out in folds:
        X_train, y_train = X[train], np.asarray(y)[train]
        # Only the candidates' held-out losses are read: no learning gradient to record.
        with warnings.catch_warnings(), engine_options(capture=False):
            # A candidate ends at the dense phase's epochs: said by the path already.
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", MemorizationWarning)
            fitted, _ = fit_many(
                [clone(refit) for _ in sets], [_only(X_train, inputs) for inputs in sets],
                y_train, **_sliced(fit_params, train, n_rows))
        for row, (candidate, inputs) in enumerate(zip(fitted, sets)):
            losses[row, held_out] = _row_losses(candidate, _only(X[held_out], inputs),
                                                np.asarray(y)[held_out])
    return losses


def _standard_error(values):
    """The standard error of the mean of ``values`` (one per held-out row)."""
    return float(values.std() / math.sqrt(values.size))


def _fewest_within_tolerance(candidates, row_losses, tolerance=1.0):
    """The candidate with the fewest inputs whose held-out loss exceeds the best
    candidate's by at most ``tolerance`` standard errors of that excess (the lower loss
    among equally narrow ones); ``row_losses`` holds each candidate's loss on each
    held-out row. ``tolerance=0`` keeps the best candidate (or one as good, narrower).

    The excess is the mean over rows of the difference of two candidates' losses on the
    same row, and its standard error is that of the differences: the rows that every set
    predicts badly add to each loss's own standard error but not to the difference
    (diabetes: 0.031 for a loss, 0.012 for the excess of bmi, bp and s5 over all ten
    columns, a ridge model's). Each candidate gets its ``excess`` and ``excess_se``."""
    losses = np.asarray(row_losses)
    best = int(np.argmin(losses.mean(axis=1)))
    differences = losses - losses[best]
    for candidate, difference in zip(candidates, differences):
        candidate["excess"] = float(difference.mean())
        candidate["excess_se"] = _standard_error(difference)
    within = [c for c in candidates if c["excess"] <= tolerance * c["excess_se"]]
    return min(within, key=lambda c: (c["inputs_alive"], c["held_out_loss"]))


def held_out_choice(network, X, y, seed, tolerance=1.0, held_out=None, **fit_params):
    """Choose the set of inputs of a fitted path network (``input_penalty="path"``,
    fitted on ``X``) with the fewest inputs that, refit without a penalty, predicts
    held-out rows as well as the best candidate, within ``tolerance`` standard errors of
    the excess (:func:`_fewest_within_tolerance`).

    The candidates are the sets of :func:`candidate_points`; then the sets between the
    one chosen and the next narrower one, and between the best and the one chosen where
    the best is wider (:func:`_between`), compared on the same folds.
    Each set drops the columns its other columns span (:func:`without_spanned`) and is
    compared once. The candidates train as the path's dense phase did, for as many
    epochs as it ran.

    ``held_out``, ``(X_held_out, y_held_out)``: rows the path never saw, on which every
    candidate trained on all of ``X`` is scored (a streamed selection's second sample),
    instead of folds of ``X``.

    Returns ``(point, inputs, candidates)``: the index in ``network.path_`` whose
    learning gradients describe the chosen set (the point whose inputs it is, less
    spanned columns, or the wider point a set between two points was cut from), the
    chosen set's inputs, and one dict per
    candidate (``point``, ``inputs``, ``inputs_alive``, ``computed``: the inputs it
    dropped as computed by its others, ``held_out_loss``, ``held_out_loss_se``,
    ``excess`` and ``excess_se``: its loss less the best candidate's, row by row), the
    path's points first.
    """
    path = network.path_
    moments = column_moments(X)
    compared_sets = set()

    def minimal(sets, sources):
        """Each set (from its path point) without the columns its others compute, as
        ``(inputs, point, computed)``; each set once, leaving out those compared already."""
        distinct = {}
        for inputs, point in zip(sets, sources):
            shares = network.importance_history_[path[point]["last_epoch"]]
            kept = tuple(without_spanned(moments, inputs, shares))
            if kept not in compared_sets:
                distinct.setdefault(kept, (point, sorted(map(int, set(inputs) - set(kept)))))
        compared_sets.update(distinct)
        return [(list(kept), point, computed)
                for kept, (point, computed) in distinct.items()]

    points = candidate_points(path)
    found = minimal([path[p]["inputs"] for p in points], points)
    if len(found) < 2:
        # One set to keep (its point's learning gradients describe it), or none alive.
        if found:
            inputs, point, _ = found[0]
            return point, inputs, []
        return network.path_choice_, list(path[network.path_choice_]["inputs"]), []
    refit = clone(network).set_params(
        input_penalty=None, max_iter=max(1, path[0]["last_epoch"] + 1),
        **({"random_state": seed} if seed is not None else {}))
    X_scored, y_scored, folds = X, y, None
    if held_out is not None:  # train on every row of X, score on the held-out ones
        X_scored = np.concatenate([X, held_out[0]])
        y_scored = np.concatenate([np.asarray(y), np.asarray(held_out[1])])
        folds = [(np.arange(len(X)), np.arange(len(X), len(X_scored)))]
    folds = folds or _folds(network, y, X.shape[0], seed)

    row_losses = []

    def compared(found):
        losses = _held_out_losses(refit, X_scored, y_scored, folds,
                                  [inputs for inputs, _, _ in found], fit_params)
        scored = losses[:, ~np.isnan(losses[0])]
        row_losses.extend(scored)
        return [{"point": point, "inputs": inputs, "inputs_alive": len(inputs),
                 "computed": computed, "held_out_loss": float(row.mean()),
                 "held_out_loss_se": _standard_error(row)}
                for (inputs, point, computed), row in zip(found, scored)]

    candidates = compared(found)
    points = [point for _, point, _ in found]
    chosen = _fewest_within_tolerance(candidates, row_losses, tolerance)
    at = candidates.index(chosen)
    # The fewest inputs that predict as well as the best may lie between the point chosen
    # and the next narrower one; where the best point is wider than the one chosen, a set
    # between them may predict better than both (the best's extra inputs let the network
    # overfit: diabetes, 3 inputs chosen, 11 best, 5 of them better than either).
    best = int(np.argmin([c["held_out_loss"] for c in candidates]))
    gaps = [(wider, narrower) for wider, narrower in ((best, at), (at, at + 1))
            if wider < narrower < len(points)
            and _room_between(network, points[wider], points[narrower])]
    between, sources = [], []
    for wider, narrower in gaps:
        sets = _between(network, points[wider], points[narrower],
                        n_sets=REFINED_SETS // len(gaps))
        between += sets
        sources += [points[wider]] * len(sets)
    found = minimal(between, sources)
    if found:
        candidates += compared(found)
        chosen = _fewest_within_tolerance(candidates, row_losses, tolerance)
    return chosen["point"], chosen["inputs"], candidates
