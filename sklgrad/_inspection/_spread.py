"""The spread of a ranking: a fitted network's settings refit over several seeds.

One network's ranking is one draw: two seeds of the same settings rank the columns
differently. The networks, stacked, train in little more than one fit's time; the table
gives each column's mean share over them, an interval, and which ranks they tell apart.
"""

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._neural_network._fit_many import fit_many
from .._utils._groups import group_shares
from ._importance_table import _names, _sources
from ._plot._base import _is_sklgrad
from ._spread_table import spread_table


def importance_spread(model, X, y, *, n_networks=5, by_column=True, random_state=None,
                      sample_weight=None):
    """Each column's learning share over ``n_networks`` refits of a fitted network's
    settings, each with its own seed.

    Parameters
    ----------
    model : estimator
        A fitted LearningGradientClassifier or LearningGradientRegressor, or a Pipeline
        whose last step is one (its fitted steps before are applied to X as they are).
    X, y : array-like
        The rows to train the networks on (those the model was fitted on).
    n_networks : int, default=5
        Networks trained, stacked where the engine can.
    by_column : bool, default=True
        Per column of the table (the mean share of a column's encoded inputs,
        renormalized), as :func:`importance_table` reports it; False: per network input.
    random_state : int, RandomState instance or None, default=None
        Draws the networks' seeds.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the rows, as the model was fitted with them (balanced classes, say).

    Returns
    -------
    spread : pandas.DataFrame
        Indexed by column, sorted by ``mean`` (descending): ``mean`` and ``std`` of the
        share over the networks, ``low`` and ``high`` (a 95% interval for the mean,
        Student's t), and ``distinct``: whether the interval lies above the next column's
        (the two ranks are told apart). ``attrs["shares"]`` holds every network's shares.

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from sklgrad import LearningGradientClassifier, importance_spread
    >>> X, y = load_wine(return_X_y=True, as_frame=True)
    >>> spread = importance_spread(
    ...     LearningGradientClassifier(max_iter=20, random_state=0).fit(X, y), X, y,
    ...     n_networks=3, random_state=0)
    >>> list(spread.columns), len(spread)
    (['mean', 'std', 'low', 'high', 'distinct'], 13)
    """

    steps = list(model.steps) if isinstance(model, Pipeline) else [("model", model)]
    network, prefix = steps[-1][1], [step for _, step in steps[:-1]]
    if not _is_sklgrad(network) or not hasattr(network, "hidden_layer_sizes"):
        raise TypeError("importance_spread needs a fitted LearningGradientClassifier or "
                        "LearningGradientRegressor, or a Pipeline ending with one; got "
                        f"{type(network).__name__}.")
    check_is_fitted(network)
    if not isinstance(n_networks, (int, np.integer)) or n_networks < 1:
        raise ValueError(f"n_networks must be a positive integer; got {n_networks!r}.")
    for step in prefix:
        X = step.transform(X)
    seeds = check_random_state(random_state).randint(np.iinfo(np.int32).max, size=n_networks)
    clones = [clone(network).set_params(random_state=int(seed), verbose=0) for seed in seeds]
    fitted, _ = fit_many(clones, [X] * n_networks, y,
                         **({} if sample_weight is None else {"sample_weight": sample_weight}))
    shares = np.array([net.feature_importances_ for net in fitted])
    names = _sources(network, prefix) if by_column else _names(network, prefix)
    if by_column:
        names, shares = group_shares(shares, names)
    return spread_table(shares, names)
