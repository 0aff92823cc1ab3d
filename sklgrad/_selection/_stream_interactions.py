"""The interaction tests' scores from every row of chunked data (``_interactions`` reads
rows in memory).

Each column is cut two ways, at its median, ``u = 1[x > median]``, and at the median of
its distance from the median (``_interactions``' two kinds; both medians read from the
sample: exact when the sample is the table), and the pass sums, per kind and direction
``a`` of the target (a class's indicator, or the target's ranks), ``U^T diag(a) U``,
``U^T U``, ``sum a u``, ``sum a^2 u``, ``sum u`` and the extremes of ``a`` where ``u`` is 1
and 0. The centered
quantities of the in-memory screen follow exactly: with ``h = u - p`` (``p`` the share
above the median) and ``a' = a - mean a``,

    S = sum a' h_i h_j = (P - mean(a) N) - q' p^T - p q'^T,    q' = sum a u - mean(a) sum u,

and each partner's ``sum (a' h)^2``, ``sum h^2`` and largest ``|a' h|`` likewise.
"""

import numpy as np

from ._interactions import exponents
from ._stream_passes import ranks_from

#: The two cuts of each column, both summed in one pass (``even``: at the median distance
#: from the median; the selection tests that kind last).
KINDS = (False, True)

#: The pair sums' values (inputs^2 per kind and direction of the target, and one more per
#: kind) held at most: wider tables take the interaction tests' scores from the sample.
MAX_PAIR_VALUES = 50_000_000


def interaction_plan(X, n_directions):
    """What the pass needs beside the dependence tests' plan (each column's median and
    median distance from it, from the sample ``X``), or an empty plan where the pair
    sums would not fit in memory."""
    if len(KINDS) * (n_directions + 1) * float(X.shape[1]) ** 2 > MAX_PAIR_VALUES:
        return {}
    X = np.asarray(X, dtype=float)
    median = np.median(X, axis=0)
    return {"median": median, "distance_median": np.median(np.abs(X - median), axis=0)}


def interaction_observed(sums, n_rows, even=False):
    """Each input's largest exponent over its partners and the target's directions, for
    the cuts at the median or (``even``) at the median distance from it, from the pass's
    ``sums`` over every row."""
    kind = _named(even)
    share = kind(sums, "above") / n_rows
    best = np.zeros(len(share))
    for d in range(sums["a"].shape[0]):
        best = np.maximum(best, _best(kind, sums, d, share, n_rows))
    return best


def _named(even):
    """The pass's sum of one kind by its name (the even kind's names end in ``even``)."""
    suffix = " even" if even else ""
    return lambda sums, name: sums[name + suffix]


def _directions(y, plan):
    """A chunk's target directions, uncentered (rows x directions): each class's
    indicator (the first only for two classes), or the target's ranks."""
    if plan["kind"] == "classification":
        classes = plan["classes"]
        indicators = np.eye(len(classes))[np.searchsorted(classes, y)]
        return indicators[:, :1] if len(classes) == 2 else indicators
    y = np.asarray(y, dtype=float)[:, np.newaxis]
    return ranks_from(plan["sorted_y"][:, np.newaxis], y, plan["n_rows"])


def interaction_part(X, y, index, plan):
    X = np.asarray(X, dtype=float)
    directions = _directions(np.ravel(y), plan)
    sums = {"a": directions.sum(axis=0), "aa": (directions**2).sum(axis=0)}
    for even in KINDS:
        if even:
            above = np.abs(X - plan["median"]) > plan["distance_median"]
        else:
            above = X > plan["median"]
        above = above.astype(np.float64)
        kind = {"pairs": np.stack([(above * a[:, np.newaxis]).T @ above
                                   for a in directions.T]),
                "both": above.T @ above, "au": directions.T @ above,
                "aau": (directions**2).T @ above, "above": above.sum(axis=0),
                # The extremes of a where u = 1 and where u = 0 (merged as maxima).
                "max_extremes": np.stack([_extremes(a, above) for a in directions.T])}
        sums.update({name + (" even" if even else ""): value
                     for name, value in kind.items()})
    return sums


def _extremes(a, above):
    """Largest ``a`` and ``-a`` where ``u`` is 1 and where it is 0: (4, columns)."""
    where_one, where_zero = above > 0, above == 0
    column = a[:, np.newaxis]
    return np.stack([np.where(where_one, column, -np.inf).max(axis=0),
                     np.where(where_one, -column, -np.inf).max(axis=0),
                     np.where(where_zero, column, -np.inf).max(axis=0),
                     np.where(where_zero, -column, -np.inf).max(axis=0)])


def _best(kind, sums, d, share, n_rows):
    """Each input's largest exponent over its partners, for one kind of cut (``kind``
    reads its sums) and direction ``d``."""
    mean = sums["a"][d] / n_rows
    counts = kind(sums, "above")
    q = kind(sums, "au")[d] - mean * counts  # sum a' u
    pairs = kind(sums, "pairs")[d] - mean * kind(sums, "both")
    S = pairs - np.outer(q, share) - np.outer(share, q)
    # Partner i: b = a' h_i.
    sum_b = q
    aau = kind(sums, "aau")[d] - 2 * mean * kind(sums, "au")[d] + mean**2 * counts  # sum a'^2 u
    aa = sums["aa"][d] - n_rows * mean**2  # sum a'^2
    sum_bb = aau * (1 - 2 * share) + share**2 * aa
    spread = np.maximum(sum_bb - sum_b**2 / n_rows, 0.0)
    squares = counts * (1 - 2 * share) + n_rows * share**2
    high_one, low_one, high_zero, low_zero = kind(sums, "max_extremes")[d]
    largest = np.maximum((1 - share) * np.maximum(high_one - mean, low_one + mean),
                         share * np.maximum(high_zero - mean, low_zero + mean))
    largest = np.where(np.isfinite(largest), largest, 0.0)
    column_largest = np.maximum(np.where(counts > 0, 1 - share, 0.0),
                                np.where(counts < n_rows, share, 0.0)) / 3
    score = exponents(np.abs(S), (spread[:, np.newaxis], squares[:, np.newaxis],
                                  largest[:, np.newaxis]),
                      (spread, squares, column_largest), n_rows)
    np.fill_diagonal(score, 0.0)
    return score.max(axis=0)
