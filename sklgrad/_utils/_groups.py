"""Inputs that belong together: the one-hot columns of one category, or correlated columns.

Here the labels and the per-group means; the clustering of correlated columns is
``sklgrad._inspection._correlated``.

The one-hot inputs of one category are one column encoded k ways (one level is on in each
row): the column's importance is the *mean* share of its inputs, not their sum. A network
that ignored its inputs would give each input about the same share, so a sum grows with
the number of levels (a 12-level category would get 12 of 20 inputs' worth, 0.6, for
nothing), while the mean of an uninformative category stays at the level of one
uninformative input. Correlated columns are alike: learning gradients credit each member
about as if it were alone, so a cluster's importance is its members' mean too.
docs/user_guide.md ("Categories and correlated inputs") measures both.
"""

import numpy as np


def group_labels(labels, n_features):
    """``labels`` (one per input) as an object array, checked to be one per input."""
    labels = np.asarray(labels, dtype=object)
    if labels.shape != (n_features,):
        raise ValueError(f"groups has {labels.size} labels for {n_features} inputs.")
    return labels


def group_means(values, labels):
    """The mean of ``values`` (one per input, or epochs x inputs) within each group.

    Returns
    -------
    names : list
        The groups, in the order of their first input.
    means : ndarray of shape (n_groups,) or (n_epochs, n_groups)
    """
    values = np.asarray(values, dtype=np.float64)
    labels = np.asarray(labels, dtype=object)
    names = list(dict.fromkeys(labels.tolist()))
    members = [labels == name for name in names]
    means = np.stack([values[..., mask].mean(axis=-1) for mask in members], axis=-1)
    return names, means


def group_shares(values, labels):
    """Each group's importance (the mean share of its inputs), normalized to sum to 1:
    the per-column importance of a table whose categories are one-hot encoded."""
    names, means = group_means(values, labels)
    totals = means.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(totals > 0, means / totals, means)
    return names, shares
