"""Many networks fitted at once: as one stacked model when they can be, else one by one.

The one place that decides it, for the selector's repeats and shadow rounds and for the
comparison's seeds: above the estimators (it prepares their data and commits their fitted
state), below the meta-estimators that call it.
"""

import copy

import numpy as np
import scipy.sparse as sp

from .._engine.settings import current_options
from .._engine.stacked import fit_stack, stackable
from .._engine.state import net_from_record
from ._classifier import LearningGradientClassifier
from ._memorization import record_trust
from ._regressor import LearningGradientRegressor


def can_stack(estimators, X_list):
    """Whether these unfitted estimators can train as one stacked model on these inputs:
    sklgrad's own estimators (a subclass may train differently) whose parameters differ
    only in ``random_state``, without printing, continued training or an input penalty, on
    dense inputs with the same number of rows."""
    if len(estimators) < 2 or any(sp.issparse(X) for X in X_list):
        return False
    first = estimators[0]
    if type(first) not in (LearningGradientClassifier, LearningGradientRegressor):
        return False
    if (first.verbose or first.warm_start or first.input_penalty is not None
            or current_options().step == "autograd"):
        return False
    params = {k: v for k, v in first.get_params().items() if k != "random_state"}
    for other in estimators[1:]:
        if type(other) is not type(first):
            return False
        mine = {k: v for k, v in other.get_params().items() if k != "random_state"}
        if mine.keys() != params.keys() or any(
                not _same(mine[k], params[k]) for k in params):
            return False
    return len({np.shape(X)[0] for X in X_list}) == 1


def _same(a, b):
    try:
        return bool(np.all(a == b)) and type(a) is type(b)
    except (TypeError, ValueError):
        return a is b


def fit_many(estimators, X_list, y, **fit_params):
    """Fit each estimator on its own X (the same y and fit parameters for all): as one
    stacked model when :func:`can_stack` allows it (each ends as its separate ``fit``
    would), else one by one. Returns ``(fitted estimators, whether they were stacked)``."""
    if set(fit_params) <= {"sample_weight"} and can_stack(estimators, X_list):
        return _fit_stacked(estimators, X_list, y, fit_params.get("sample_weight")), True
    # What fit returns is not used: an estimator's fit may return None (as scikit-learn's
    # meta-estimators allow).
    for est, X in zip(estimators, X_list):
        est.fit(X, y, **fit_params)
    return list(estimators), False


def _fit_stacked(estimators, X_list, y, sample_weight):
    first = estimators[0]
    hidden = first._check_params()
    if all(X is X_list[0] for X in X_list):
        # The same rows for all: validate and scale them once, share the result.
        prepared = first._prepare(X_list[0], y, sample_weight, continuing=False,
                                  incremental=False, classes=None)
        fitted = {k: v for k, v in vars(first).items() if k.endswith("_")}
        for est in estimators[1:]:
            est.__dict__.update(copy.deepcopy(fitted))
        prepared_list = [prepared] * len(estimators)
    else:
        prepared_list = [est._prepare(X, y, sample_weight, continuing=False,
                                      incremental=False, classes=None)
                         for est, X in zip(estimators, X_list)]
    plans = [est._plan_from(prepared, continuing=False)
             for est, prepared in zip(estimators, prepared_list)]
    datas, states = [data for data, _ in plans], [state for _, state in plans]
    settings = [est._train_settings(hidden, prepared.n_outputs)
                for est, prepared in zip(estimators, prepared_list)]
    if not stackable(settings, datas):
        for est, X in zip(estimators, X_list):
            est.fit(X, y, sample_weight=sample_weight)
        return estimators
    first._check_batch_size(datas[0].X.shape[0])
    results = fit_stack(settings, datas, states)
    for est, own, data, state, prepared, (record, converged) in zip(
            estimators, settings, datas, states, prepared_list, results):
        net = net_from_record(own, data.X.shape[1], record, n_rows=data.X.shape[0])
        est._finish(net, state, epochs_run=len(record["train_loss"]), converged=converged,
                    incremental=False, constant=prepared.constant)
        if data.X_val is not None:
            record_trust(est, own, data)
    return estimators
