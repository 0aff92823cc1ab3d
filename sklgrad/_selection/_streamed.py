"""The two questions on chunked data (:class:`ChunkedData`, Dask collections): every
row read one chunk at a time, memory bounded by a chunk and a sample.

A streamed selection takes three passes over the chunks, each a function of a chunk
merged in order (``_stream_passes``; on Dask, where the partitions live):

1. the first pass checks the chunks, counts the rows and keeps a uniform sample of them
   (:func:`~sklgrad._selection._stream_passes.sample_size` rows, held in memory) and a
   second one of as many rows, held out;
2. the dependence tests' sums over every row: each column's bins (cut at the kept rows'
   quantiles) against the classes or the standardized target, and its ranks (read from
   the kept rows' distribution: exact when the sample is the table) summed per class or
   against the target's ranks; in the same pass the interaction tests' sums, each pair
   of columns cut at their median (and, for the even kind tested last, at their median
   distance from it) against the target's direction, ``U^T diag(a) U`` with the
   moments that center it;
3. the conditional tests' Gram matrices over every row: the found columns' normal
   scores, every column's, and the target's, from which least squares' residual
   correlations follow.

The tests' scores from every row are compared with null distributions drawn on the
sample (the target's permutations, the columns' shadows): each score is a standardized
statistic (``-log p``, ``|t|``, Bernstein's exponent) whose distribution under the null
does not grow with the rows, and a shadow drawn in the sample keeps its column's
distribution and loses its relation to the target across the whole table (a shuffle
within each chunk would keep it between chunks sorted by time or by class). The networks'
step budgets (``SCREEN_STEPS``, ``point_steps``, ``RANKING_STEPS``) read fewer rows than a
large table holds: the dense screen's and the ranking's networks read a larger uniform
sample holding the sample (``network_sample_size`` rows) at the steps they take on the
sample, every batch new rows; the path screen, minimal's path network and its held-out
refits train on the sample (a path's points train five epochs at least). Minimal's refits
are scored on a second uniform sample of as many rows (the rows of the keys after the
sample's), which none of them saw.

A table no larger than the sample is its own sample, in its order: the streamed selection
then runs the in-memory one's networks and nulls on the same rows with the same random
streams, and its tests' sums equal the in-memory ones to rounding, whatever the chunking.
"""

import numpy as np
from scipy import special
from sklearn.utils import check_random_state

from ._conditional import (
    SPANNED,
    conditional_decision,
    conditional_degrees,
    conditional_scores,
    t_of,
)
from ._dependence import (
    bin_cells,
    bin_rule,
    classification_scores,
    dependence_decision,
    dependence_scores,
    n_bins_for,
    regression_scores,
)
from ._interactions import interaction_decision, interaction_scores, screened_for_pairs
from ._orchestrator import run_question, timed
from ._stream_interactions import interaction_observed, interaction_part, interaction_plan
from ._stream_passes import (
    first_pass_part,
    merge_first_passes,
    merged_sums,
    over_chunks,
    ranks_from,
)
from ._thresholds import ALL_RELEVANT, MINIMAL, resolve_max_features, rule_in_force

#: A column keeps less than this share of its squared norm after least squares on the
#: found columns only when they span it: the Gram matrices' rounding (relative 1e-16 of
#: the squared norm) leaves far less than this, a real column far more.
SPANNED_SHARE = 1e-9


def first_pass(chunks, random_state):
    """The first pass over ``chunks``: a :class:`FirstPass` (rows, sample, checks)."""
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    return over_chunks(chunks, first_pass_part, merge_first_passes, seed,
                       chunks.description)


class StreamedTests:
    """The statistical screens of a streamed selection: scores from every row (passes
    2 and 3), null distributions from the sample the screens are called with. Ranks,
    bins and the target's ranks are read from every row the first pass kept (the sample,
    the held-out rows and the networks' rows: the larger sketch of each column's
    distribution)."""

    def __init__(self, chunks, sample):
        self.chunks, self.sample = chunks, sample
        # Minimal's refits train on the sample and are scored on a second one.
        self.held_out = sample.held_out_rows()
        # The dense screen's and the ranking's networks read a larger uniform sample.
        self.network_rows = (None if sample.complete or sample.network_size <= sample.size
                             else sample.network_rows_in_order())
        self.kind = sample.task()
        n_rows = sample.n_rows
        self.plan = {"kind": self.kind, "n_rows": n_rows, "classes": sample.labels,
                     "moments": sample.moments,
                     "sorted": np.sort(sample.X.astype(float), axis=0),
                     "sorted_y": np.sort(sample.y) if self.kind == "regression" else None}

    def _sums(self, part, **plan):
        return over_chunks(self.chunks, part, merged_sums, {**self.plan, **plan})

    def dependence(self, X, y, rng):
        # The sample's own scores (row 0) are not read: every row's are, below.
        null = dependence_scores(X, y, rng)[1:]
        rule = bin_rule(self.plan["sorted"], n_bins_for(self.sample.n_rows))
        # The interaction tests' sums are taken in the same pass (they need no finds).
        pairs = (interaction_plan(X, n_directions(self.plan))
                 if screened_for_pairs(*X.shape) else {})
        sums = self._sums(_dependence_part, rule=rule, pairs=bool(pairs), **pairs)
        self.pair_sums = sums if pairs else None
        observed = _dependence_observed(sums, self.plan)
        observed[:, self.sample.constant()] = 0.0  # a constant column tells nothing
        return dependence_decision(observed.max(axis=0), null)

    def interaction(self, X, y, rng, tested=None, even=False):
        scored = interaction_scores(X, y, rng, even)
        if scored is None:
            return np.zeros(X.shape[1], dtype=bool), np.ones(X.shape[1])
        observed = (scored[0] if self.pair_sums is None  # too wide: the sample's
                    else interaction_observed(self.pair_sums, self.plan["n_rows"], even))
        return interaction_decision(observed, scored[1], tested)

    def conditional(self, X, y, found, rng):
        found = np.asarray(found, dtype=bool)
        degrees = conditional_degrees(self.sample.n_rows, found)
        scored = conditional_scores(X, y, found, rng)
        if degrees is None or scored is None:
            return np.zeros(len(found), dtype=bool), np.where(found, 0.0, 1.0)
        sums = self._sums(_conditional_part, found=np.flatnonzero(found))
        return conditional_decision(_conditional_observed(sums, degrees, self.plan),
                                    scored[1], found)


def n_directions(plan):
    """The target's directions in the interaction tests: a class against the rest (one
    for two classes), or the ranks."""
    if plan["kind"] != "classification" or len(plan["classes"]) == 2:
        return 1
    return len(plan["classes"])


def _targets(y, plan):
    """A chunk's target as the tests read it: the classes one-hot, or the numbers
    standardized by the table's mean and deviation (and their ranks)."""
    if plan["kind"] == "classification":
        codes = np.searchsorted(plan["classes"], y)
        return np.eye(len(plan["classes"]))[codes], None
    rows, mean, squares = plan["moments"]
    y = np.asarray(y, dtype=float)
    deviation = np.sqrt(squares / rows) or 1.0
    ranks = ranks_from(plan["sorted_y"][:, np.newaxis], y[:, np.newaxis], plan["n_rows"])
    return ((y - mean) / deviation)[:, np.newaxis], ranks[:, 0]


def _dependence_part(X, y, index, plan):
    block = np.asarray(X, dtype=float)
    cells = bin_cells(block, plan["rule"])
    n_cells = block.shape[1] * (plan["rule"][0] + 1)
    ranks = ranks_from(plan["sorted"], block, plan["n_rows"])
    target, target_ranks = _targets(np.ravel(y), plan)
    # Each cell's rows per class, or its sum of the target: a one-hot matrix's product
    # without the matrix (classes counted as (cell, class) pairs: no weights to copy).
    if plan["kind"] == "classification":
        n_classes = target.shape[1]
        pairs = cells * n_classes + target.argmax(axis=1)[:, np.newaxis]
        table = np.bincount(pairs.ravel(), minlength=n_cells * n_classes).reshape(
            n_cells, n_classes).astype(float)
    else:
        table = np.bincount(cells.ravel(), weights=np.repeat(target[:, 0], cells.shape[1]),
                            minlength=n_cells)[:, np.newaxis]
    sums = {"table": table,
            "counts": np.bincount(cells.ravel(), minlength=n_cells).astype(float)}
    if plan.get("pairs"):  # the interaction tests' sums in the same pass
        sums.update(interaction_part(X, y, index, plan))
    sums.update(rx=ranks.sum(axis=0), rxx=(ranks**2).sum(axis=0))
    if plan["kind"] == "classification":
        sums.update(rank_sums=ranks.T @ target, class_totals=target.sum(axis=0))
    else:
        sums.update(rxy=ranks.T @ target_ranks, ry=np.array([target_ranks.sum()]),
                    ryy=np.array([(target_ranks**2).sum()]))
    return sums


def _dependence_observed(sums, plan):
    """The dependence scores from every row's sums: shape (1, n_features). The rank
    tests read the ranks' own mean and spread (the general forms: ranks read from a
    sample are not exactly 1..n)."""
    n_rows, n_features = plan["n_rows"], plan["sorted"].shape[1]
    counts = sums["counts"].reshape(n_features, -1)
    mean_x = sums["rx"] / n_rows
    squares_x = np.maximum(sums["rxx"] - n_rows * mean_x**2, 0.0)  # sum (r - mean r)^2
    if plan["kind"] == "classification":
        totals = sums["class_totals"]
        observed = sums["table"].reshape(n_features, counts.shape[1], len(totals))
        between = (sums["rank_sums"] ** 2 / totals).sum(axis=1) - n_rows * mean_x**2
        kruskal = (n_rows - 1) * between / np.where(squares_x > 0, squares_x, 1.0)
        return classification_scores(observed, counts, totals / n_rows,
                                     kruskal)[np.newaxis]
    mean_y = sums["ry"][0] / n_rows
    spread_x = np.sqrt(squares_x / n_rows)
    spread_y = np.sqrt(max(sums["ryy"][0] / n_rows - mean_y**2, 0.0))
    covariance = sums["rxy"] / n_rows - mean_x * mean_y
    correlation = covariance / (np.where(spread_x > 0, spread_x, 1.0) * (spread_y or 1.0))
    return regression_scores(sums["table"].reshape(n_features, -1), counts, correlation,
                             n_rows)[np.newaxis]


def normal_scores_from(sorted_, block, n_rows):
    """Each value's rank among the table's rows through the normal quantile function."""
    return special.ndtri((ranks_from(sorted_, block, n_rows) - 0.5) / n_rows)


def _conditional_part(X, y, index, plan):
    scores = normal_scores_from(plan["sorted"], np.asarray(X, dtype=float), plan["n_rows"])
    design = np.column_stack([np.ones(len(scores)), scores[:, plan["found"]]])
    if plan["kind"] == "classification":
        target = _targets(np.ravel(y), plan)[0]
    else:
        target = np.asarray(y, dtype=float).reshape(len(scores), 1)
    return {"gram": design.T @ design, "design_x": design.T @ scores,
            "xx": (scores**2).sum(axis=0), "design_t": design.T @ target,
            "xt": scores.T @ target, "tt": (target**2).sum(axis=0)}


def _conditional_observed(sums, degrees, plan):
    """Each column's ``|t|`` of its residual correlation with the target's residual
    after least squares on the found columns, from the Gram matrices of every row."""
    n_rows = plan["n_rows"]
    inverse = np.linalg.pinv(sums["gram"], rcond=1e-13, hermitian=True)
    design_x, design_t = sums["design_x"], sums["design_t"]
    x_norms = sums["xx"] - np.einsum("ij,ik,kj->j", design_x, inverse, design_x)
    t_norms = sums["tt"] - np.einsum("ij,ik,kj->j", design_t, inverse, design_t)
    products = sums["xt"] - design_x.T @ inverse @ design_t
    # Spanned (a found column, or one the found ones compute): no residual to correlate.
    x_spanned = x_norms <= np.maximum(SPANNED_SHARE * sums["xx"], SPANNED**2 * n_rows)
    t_spanned = t_norms <= np.maximum(SPANNED_SHARE * sums["tt"], SPANNED**2 * n_rows)
    scale = np.sqrt(np.outer(np.where(x_spanned, 1.0, x_norms),
                             np.where(t_spanned, 1.0, t_norms)))
    correlation = np.abs(products) / scale
    correlation[x_spanned] = 0.0
    correlation[:, t_spanned] = 0.0
    return t_of(correlation.max(axis=1), degrees)


def fit_streamed(selector, chunks, **fit_params):
    """Fit ``selector`` (a question: "all-relevant" or "minimal") on chunked data; the
    columns constant in every row, for the warning."""
    rule = rule_in_force(selector)
    if rule not in (MINIMAL, ALL_RELEVANT) or selector.prefit:
        raise ValueError(
            "A selection on chunked data answers threshold='all-relevant' or 'minimal'; "
            f"threshold={selector.threshold!r} (prefit={selector.prefit}) reads an "
            "estimator's importances: fit the estimator on the chunks (sklgrad's "
            "estimators stream them) and select with prefit=True.")
    if fit_params:
        raise ValueError(f"fit parameters ({', '.join(fit_params)}) are not available "
                         "with chunked data.")
    timings = {}
    with timed(selector, timings, "first pass", lambda seconds: (
            f"first pass over {chunks.n_chunks} chunk(s): {seconds:.2f} s")):
        sample = first_pass(chunks, selector.random_state)
    X, y = sample.rows_in_order()
    selector.n_features_in_ = X.shape[1]
    names = sample.columns
    if names is not None and all(isinstance(name, str) for name in names):
        selector.feature_names_in_ = np.asarray(names, dtype=object)
    elif hasattr(selector, "feature_names_in_"):
        del selector.feature_names_in_
    result = run_question(selector, rule, X, y, selector._default_estimator(y),
                          tests=(tests := StreamedTests(chunks, sample)))
    result.timings = {**timings, **result.timings}
    selector._store(result, rule)
    selector.max_features_ = resolve_max_features(selector, X)
    selector.stream_info_ = {
        "n_rows": sample.n_rows, "n_chunks": chunks.n_chunks, "sample_rows": len(X),
        "held_out_rows": 0 if tests.held_out is None else len(tests.held_out[0]),
        "network_rows": len(X) if tests.network_rows is None else len(tests.network_rows[0]),
        "sample_is_table": sample.complete}
    return sample.constant()
