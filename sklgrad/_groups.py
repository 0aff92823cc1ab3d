"""Inputs that belong together: the one-hot columns of one category, or correlated columns.

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


def correlated_groups(X, threshold=0.7, *, feature_names=None):
    """Cluster the inputs whose rank correlation is high, as scikit-learn's guide on
    permutation importance with correlated features does: Spearman correlations, Ward
    hierarchical clustering of the distance ``1 - |rho|``, cut at ``1 - threshold``.

    The labels serve as ``groups`` of :class:`LearningGradientSelector` and of
    :func:`importance_table`, so that correlated inputs are kept, dropped and reported
    together: learning gradients credit each member about as if it were alone, so a
    ranking of single columns shows the same information several times over.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Numeric inputs.
    threshold : float, default=0.7
        Inputs whose clusters merge at a rank correlation of at least about this much go
        together (in (0, 1]).
    feature_names : sequence of str, default=None
        Names for the labels (default: X's columns, or x0, x1, ...).

    Returns
    -------
    labels : ndarray of object of shape (n_features,)
        For each input, its group: the name of the group's first input, joined with
        ``+`` to the others' (``"radius+perimeter+area"``), or its own name alone.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> a, b = rng.randn(200), rng.randn(200)
    >>> X = np.column_stack([a, a + 0.1 * rng.randn(200), b])
    >>> correlated_groups(X, feature_names=["a", "a2", "b"]).tolist()
    ['a+a2', 'a+a2', 'b']
    """
    from scipy.cluster import hierarchy
    from scipy.spatial.distance import squareform
    from scipy.stats import spearmanr

    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1]; got {threshold!r}.")
    names = feature_names
    if names is None:
        names = getattr(X, "columns", None)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D; got shape {X.shape}.")
    n_features = X.shape[1]
    names = [str(n) for n in (names if names is not None
                              else [f"x{i}" for i in range(n_features)])]
    if n_features == 1:
        return np.asarray(names, dtype=object)
    rho = spearmanr(X).statistic
    rho = np.nan_to_num(np.atleast_2d(rho))  # a constant column correlates with nothing
    rho = (rho + rho.T) / 2
    np.fill_diagonal(rho, 1.0)
    distance = squareform(1 - np.abs(rho), checks=False)
    clusters = hierarchy.fcluster(hierarchy.ward(distance), t=1 - threshold,
                                  criterion="distance")
    labels = np.empty(n_features, dtype=object)
    for cluster in np.unique(clusters):
        members = np.flatnonzero(clusters == cluster)
        labels[members] = "+".join(names[i] for i in members)
    return labels
