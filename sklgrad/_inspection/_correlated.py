"""Correlated inputs as groups: the clustering that scikit-learn's guide on permutation
importance uses, as labels for the selector's and the importance table's ``groups``."""

import numpy as np


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
