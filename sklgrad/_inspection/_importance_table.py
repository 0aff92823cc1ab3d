"""importance_table: a model's importances as pandas objects, per column of the user's table.

A network behind a ``ColumnTransformer`` sees encoded inputs (one-hot categories, imputed
numbers); a user asks about the columns of the table. This traces the encoded inputs back
to their source column, through the Pipeline's steps (column transformers, selectors, which
keep a subset, and one-to-one transformers such as scalers and imputers), and gives each
column the mean share of its inputs, renormalized (see ``sklgrad/_utils/_groups.py``: a sum would
reward a category for its number of levels).
"""

import numpy as np
from sklearn.base import TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_selection import SelectorMixin
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .._utils._groups import group_labels, group_shares
from ._plot._base import _is_sklgrad, check_names


def importance_table(model, X=None, y=None, *, history=False, by_column=True, groups=None,
                     reliance=False, n_repeats=5, random_state=None, spread=False):
    """Importances of a fitted model, with names, per column of the input table.

    Parameters
    ----------
    model : estimator
        A fitted LearningGradientClassifier, LearningGradientRegressor,
        LearningGradientSelector, or a Pipeline holding one (after column transformers,
        selectors or scalers).
    X, y : array-like, default=None
        Held-out rows: when given, the importance is the held-out one, the mean |dLoss/dx|
        of the fitted network over these rows (normalized to sum to 1), instead of the
        last training epoch's. X is what the Pipeline takes.
    history : bool, default=False
        Return the whole importance history (epochs x columns) instead of one vector.
    by_column : bool, default=True
        Trace the encoded inputs back to the table's columns and give each column the mean
        share of its inputs (renormalized to sum to 1): a category with many uninformative
        levels gets what one uninformative input gets, not the sum of its levels. False
        keeps one entry per input of the network.
    groups : array-like of shape (n_columns,), default=None
        A label per column of the table (per input of the network with
        ``by_column=False``), such as :func:`correlated_groups` gives: the importance is
        then reported per group, as the mean share of its members, renormalized. Learning
        gradients credit each member of a correlated group about as if it were alone (on
        breast cancer, "mean radius" gets 0.050 beside its five size twins and 0.051
        without them), so a group's sum would count what it carries once per member.
    reliance : bool, default=False
        Beside each column's learning share, how much the fitted model relies on it: the
        drop of its score on the held-out rows ``X, y`` when the column's values are
        shuffled (scikit-learn's ``permutation_importance``, forward passes only), its
        mean and standard deviation over ``n_repeats`` shuffles, and a ``note`` where the
        two disagree (see :func:`reliance_notes`). Learning gradients measure what the
        network was learning from; the drop measures what its predictions need.
    n_repeats : int, default=5
        Shuffles per column, with ``reliance=True``.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffles, with ``reliance=True``.
    spread : bool, default=False
        For a selector, whose importances come from several networks: each column's share
        over them, with an interval and the ranks told apart (as
        :func:`importance_spread` gives for a fitted network's settings refit over
        seeds). An estimator holds one network, whose ranking is one draw: for it, use
        :func:`importance_spread`.

    Returns
    -------
    importances : pandas.Series or pandas.DataFrame
        A Series indexed by column (summing to 1), or with ``history=True`` a DataFrame
        indexed by epoch (from 1), one column per table column, or with ``reliance=True``
        a DataFrame indexed by column: ``importance``, ``reliance``, ``reliance_std`` and
        ``note``, or with ``spread=True`` a DataFrame sorted by ``mean``: ``mean``,
        ``std``, ``low``, ``high`` (a 95% interval) and ``distinct`` (the interval lies
        above the next column's). A Series from one network says so in its
        ``attrs["networks"]`` (1: one draw).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.compose import make_column_transformer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import OneHotEncoder
    >>> from sklgrad import LearningGradientClassifier, importance_table
    >>> rng = np.random.RandomState(0)
    >>> X = pd.DataFrame({"size": rng.randn(80), "colour": rng.choice(["r", "g", "b"], 80)})
    >>> y = (X["size"] > 0).astype(int)
    >>> model = make_pipeline(
    ...     make_column_transformer((OneHotEncoder(), ["colour"]), remainder="passthrough"),
    ...     LearningGradientClassifier(max_iter=5, tol=None, random_state=0)).fit(X, y)
    >>> sorted(importance_table(model).index)
    ['colour', 'size']
    >>> importance_table(model, history=True).shape
    (5, 2)
    """
    import pandas as pd

    if reliance and (X is None or y is None or history or not by_column
                     or groups is not None):
        raise ValueError("reliance=True measures the held-out score's drop per table "
                         "column: pass held-out X and y, with history=False, "
                         "by_column=True and groups=None.")
    steps = list(model.steps) if isinstance(model, Pipeline) else [("model", model)]
    position = max((i for i, (_, step) in enumerate(steps) if _is_sklgrad(step)), default=None)
    if position is None:
        raise TypeError("importance_table needs a fitted sklgrad estimator or selector, or a "
                        f"Pipeline holding one; got {type(model).__name__}.")
    learner, prefix = steps[position][1], [step for _, step in steps[:position]]
    check_is_fitted(learner)
    from .._selection._selector import LearningGradientSelector

    is_selector = isinstance(learner, LearningGradientSelector)
    if spread:
        if not is_selector or X is not None or history or reliance:
            raise ValueError("spread=True reads a selector's networks, as they were trained: "
                             "pass a fitted LearningGradientSelector (or a Pipeline holding "
                             "one) without X, history or reliance. An estimator's one "
                             "network is one draw: importance_spread refits its settings "
                             "over seeds.")
        return _selector_spread(learner, prefix, by_column, groups)
    values = _values(learner, prefix, X, y, history)
    sources = _sources(learner, prefix) if by_column else _names(learner, prefix)
    values = np.atleast_2d(values)
    if by_column:
        sources, values = group_shares(values, sources)
    if groups is not None:
        sources, values = group_shares(values, group_labels(groups, len(sources)))
    frame = pd.DataFrame(values, columns=pd.Index(sources))
    if history:
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="epoch")
        return frame
    shares = frame.iloc[0].rename("importance")
    shares.attrs["networks"] = len(learner.importances_) if is_selector and X is None else 1
    if not reliance:
        return shares
    return _with_reliance(model, shares, X, y, n_repeats, random_state)


def _selector_spread(selector, prefix, by_column, groups):
    """A selector's networks' shares per column, with their spread (:func:`spread_table`)."""
    from ._spread_table import spread_table

    shares = np.asarray(selector.importances_, dtype=float)
    names = _sources(selector, prefix) if by_column else _names(selector, prefix)
    if by_column:
        names, shares = group_shares(shares, names)
    if groups is not None:
        names, shares = group_shares(shares, group_labels(groups, len(names)))
    return spread_table(shares, names)


def _with_reliance(model, shares, X, y, n_repeats, random_state):
    """The learning shares beside the held-out score's drop when each column is shuffled."""
    import pandas as pd
    from sklearn.inspection import permutation_importance

    drops = permutation_importance(model, X, y, n_repeats=n_repeats,
                                   random_state=random_state)
    # X's columns are the table's; without names they are in the order of the shares.
    columns = list(X.columns) if hasattr(X, "columns") else list(shares.index)
    table = pd.DataFrame({"reliance": drops.importances_mean,
                          "reliance_std": drops.importances_std}, index=columns)
    table.insert(0, "importance", shares.reindex(columns))
    table["note"] = reliance_notes(table["importance"].to_numpy(),
                                   table["reliance"].to_numpy(),
                                   table["reliance_std"].to_numpy())
    return table


def reliance_notes(shares, drops, drops_std):
    """Where the learning share and the held-out drop disagree strongly: a column with
    twice a uniform share whose drop is within one standard deviation of 0 ("learned
    from, not relied on": memorization, or a correlated twin that predicts as well), or a
    column whose drop is more than two standard deviations above 0 and at least half the
    largest while its share is under half a uniform one ("relied on, little learned
    from": an indicator learned early, a single decisive split). "" elsewhere."""
    uniform = 1.0 / max(len(shares), 1)
    clear = drops > 2 * drops_std
    notes = np.full(len(shares), "", dtype=object)
    notes[(shares >= 2 * uniform) & (drops <= drops_std)] = "learned from, not relied on"
    notes[clear & (drops >= 0.5 * drops.max()) & (shares < 0.5 * uniform)] = (
        "relied on, little learned from")
    return notes


def _values(learner, prefix, X, y, history):
    from .._selection._selector import LearningGradientSelector

    network = learner.estimator_ if isinstance(learner, LearningGradientSelector) else learner
    if X is not None:
        if y is None:
            raise ValueError("A held-out importance needs y as well as X.")
        for step in prefix:
            X = step.transform(X)
        gradients = network.learning_gradients(X, y).sum(axis=0)
        return gradients / gradients.sum() if gradients.sum() > 0 else gradients
    if history:
        if isinstance(learner, LearningGradientSelector) and \
                learner.shadow_importances_ is not None:
            raise ValueError("This selector's networks were trained on shadow variables too; "
                             "ask for its importances, not a history.")
        return network.importance_history_
    if isinstance(learner, LearningGradientSelector):
        return learner.importances_mean_
    return learner.feature_importances_


def _names(learner, prefix):
    names = getattr(learner, "feature_names_in_", None)
    if names is None and prefix:
        try:
            names = prefix[-1].get_feature_names_out()
        except (AttributeError, ValueError):
            names = None
    return [str(n) for n in check_names(names, learner.n_features_in_)]


def _sources(learner, prefix):
    """For each input of the learner, the column of the table it comes from."""
    columns = list(range(learner.n_features_in_))  # positions in the current step's output
    for step in reversed(prefix):
        if isinstance(step, ColumnTransformer):
            origin = column_sources(step)
            return [str(origin[c]) for c in columns]
        if isinstance(step, SelectorMixin):
            kept = step.get_support(indices=True)
            columns = [int(kept[c]) for c in columns]
        elif isinstance(step, TransformerMixin) and len(step.get_feature_names_out()) == \
                getattr(step, "n_features_in_", -1):
            continue  # one output per input, in order: a scaler, an imputer
        else:
            raise ValueError(f"Cannot trace the inputs back through {type(step).__name__}: "
                             "pass by_column=False.")
    first = prefix[0] if prefix else learner
    names = getattr(first, "feature_names_in_", None)
    return [str(n) for n in check_names(names, first.n_features_in_)[columns]]


def column_sources(transformer):
    """For each output of a fitted ColumnTransformer, the input column it comes from.

    Parameters
    ----------
    transformer : ColumnTransformer
        Fitted; its one-hot encoders' outputs map to their column, one-to-one transformers'
        outputs to theirs.

    Returns
    -------
    sources : list
        One source column per output, in the order of ``get_feature_names_out()``: the
        ``groups`` of :class:`LearningGradientSelector` for those outputs.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.compose import make_column_transformer
    >>> from sklearn.preprocessing import OneHotEncoder
    >>> from sklgrad import column_sources
    >>> X = pd.DataFrame({"colour": ["r", "g", "b"], "size": [1.0, 2.0, 3.0]})
    >>> encode = make_column_transformer((OneHotEncoder(), ["colour"]),
    ...                                  remainder="passthrough").fit(X)
    >>> column_sources(encode)
    ['colour', 'colour', 'colour', 'size']
    """
    names_in = list(getattr(transformer, "feature_names_in_",
                            range(transformer.n_features_in_)))
    origin = []
    for name, step, columns in transformer.transformers_:
        if isinstance(step, str) and step == "drop":
            continue
        columns = [names_in[c] if isinstance(c, (int, np.integer)) else c
                   for c in np.atleast_1d(columns)]
        if not len(columns):
            continue
        if isinstance(step, str) and step == "passthrough":
            origin += columns
            continue
        last = step[-1] if isinstance(step, Pipeline) else step
        width = len(step.get_feature_names_out())
        if hasattr(last, "categories_"):  # one block of outputs per input column
            drop = getattr(last, "drop_idx_", None)
            for i, (column, categories) in enumerate(zip(columns, last.categories_)):
                dropped = drop is not None and drop[i] is not None
                origin += [column] * (len(categories) - int(dropped))
        elif width == len(columns):
            origin += columns
        elif len(columns) == 1:
            origin += columns * width
        else:
            raise ValueError(f"Cannot trace the outputs of {name!r} back to its columns: "
                             "pass by_column=False.")
    if len(origin) != len(transformer.get_feature_names_out()):
        raise ValueError("Cannot trace the column transformer's outputs back to its "
                         "columns: pass by_column=False.")
    return [c.item() if isinstance(c, np.generic) else c for c in origin]
