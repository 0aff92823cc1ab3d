"""LearningGradientSelectorCV: choose how many inputs to keep by cross-validation, with one
network per split.

A plain ``GridSearchCV`` over ``max_features`` retrains the network for every candidate on
every split. The selector's mask is read lazily, so one network per split serves every
candidate: each split trains one selector, and each candidate only refits the (cheap)
downstream model on the columns it keeps.
"""

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.feature_selection import SelectorMixin
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import check_scoring
from sklearn.model_selection import ParameterGrid, check_cv
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping
from sklearn.utils.validation import check_is_fitted, validate_data

from .._utils._routing import per_sample, requesting_sample_weight, route, take_rows
from .._utils._target import infer_task
from ._selector import LearningGradientSelector


class LearningGradientSelectorCV(MetaEstimatorMixin, SelectorMixin, BaseEstimator):
    """Keep the inputs a network learns from, with ``max_features``/``threshold`` chosen by
    cross-validation of a downstream model (one network per split).

    Parameters
    ----------
    selector : LearningGradientSelector, default=None
        The selector to tune (its network, ``n_repeats`` ...); None is
        ``LearningGradientSelector(threshold=-np.inf)`` with a network chosen from the
        target's type.
    param_grid : dict or list of dicts, default=None
        Candidates for the selector's ``max_features`` and ``threshold`` (the parameters
        that reselect without retraining). None: ``max_features`` in 1, 2, 4, ... up to the
        number of inputs.
    model : estimator, default=None
        The downstream model refitted on the kept columns of each candidate and split. None:
        a standardized logistic regression (classification) or ridge (regression).
    cv : int, cross-validation generator or iterable, default=5
        As in ``GridSearchCV``.
    scoring : str or callable, default=None
        The model's score by default.

    Attributes
    ----------
    cv_results_ : dict of ndarray
        ``params``, ``mean_test_score``, ``std_test_score``, ``rank_test_score`` and
        ``split{k}_test_score``, as ``GridSearchCV`` writes them.
    best_params_ : dict
        The chosen candidate (highest mean score; the smallest ``max_features`` among ties).
    best_score_ : float
        Its mean cross-validated score.
    selector_ : LearningGradientSelector
        The selector refitted on all the data with ``best_params_``.
    n_features_in_ : int
        Number of inputs seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Their names, when X has string column names.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklgrad import (LearningGradientClassifier, LearningGradientSelector,
    ...                      LearningGradientSelectorCV)
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> network = LearningGradientClassifier(hidden_layer_sizes=(8,), max_iter=20,
    ...                                      random_state=0)
    >>> search = LearningGradientSelectorCV(
    ...     LearningGradientSelector(network, threshold=-float("inf")),
    ...     param_grid={"max_features": [3, 10]}, cv=3).fit(X, y)
    >>> search.best_params_["max_features"] in (3, 10)
    True
    >>> search.transform(X).shape[1] == search.best_params_["max_features"]
    True
    """

    def __init__(self, selector=None, *, param_grid=None, model=None, cv=5, scoring=None):
        self.selector = selector
        self.param_grid = param_grid
        self.model = model
        self.cv = cv
        self.scoring = scoring

    def _base_selector(self):
        return (clone(self.selector) if self.selector is not None
                else LearningGradientSelector(threshold=-np.inf))

    def _model(self, y, sparse):
        if self.model is not None:
            return clone(self.model)
        scaler = StandardScaler(with_mean=not sparse)
        model = LogisticRegression(max_iter=1000) if self._classifies(y) else Ridge()
        # A default the user did not build: its steps use sample weights when routed.
        return make_pipeline(requesting_sample_weight(scaler),
                             requesting_sample_weight(model))

    def _classifies(self, y):
        """A classification: the selector's network is a classifier, or (a network chosen
        from the target) the target reads as classes."""
        estimator = self._base_selector().estimator
        if estimator is not None:
            return is_classifier(estimator)
        return infer_task(y) == "classification"

    def _candidates(self, n_features):
        if self.param_grid is not None:
            grid = list(ParameterGrid(self.param_grid))
            allowed = {"max_features", "threshold"}
            for candidate in grid:
                if set(candidate) - allowed:
                    raise ValueError(
                        "param_grid may only vary max_features and threshold (the "
                        f"parameters that reselect without retraining); got {sorted(candidate)}.")
                k = candidate.get("max_features")
                if isinstance(k, (int, np.integer)) and k > n_features:
                    raise ValueError(f"param_grid asks for max_features={k}, but X has "
                                     f"n_features = {n_features}.")
            return grid
        sizes = sorted({min(2**k, n_features) for k in range(int(np.log2(n_features)) + 2)})
        return [{"max_features": size} for size in sizes]

    def fit(self, X, y, **fit_params):
        """Train one selector per split, score every candidate, refit the best on all data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.
        y : array-like of shape (n_samples,)
            Targets.
        **fit_params : dict
            Passed to the selector's ``fit`` (those with one value per row, such as
            ``sample_weight``, restricted to each split's training rows). With metadata
            routing enabled, each goes where it is requested: the selector's ``fit``, the
            model's ``fit``, the splitter's ``split`` (``groups``); see
            :meth:`get_metadata_routing`.

        Returns
        -------
        self : LearningGradientSelectorCV
        """
        X_checked, y = validate_data(self, X, y, dtype=None, accept_sparse="csr",
                                     multi_output=True)
        # The selector gets X as the user gave it (a DataFrame keeps its names).
        X = X if hasattr(X, "columns") else X_checked
        sparse = hasattr(X_checked, "toarray")
        candidates = self._candidates(self.n_features_in_)
        cv = check_cv(self.cv, y, classifier=self._classifies(y))
        routed = route(self, "fit", fit_params, selector={"fit": fit_params},
                       model={"fit": {}}, splitter={"split": {}})
        splits = list(cv.split(X, y, **routed.splitter.split))
        scores = np.empty((len(candidates), len(splits)))
        n_samples = len(y)
        for s, (train, test) in enumerate(splits):
            X_train, X_test = take_rows(X, train), take_rows(X, test)
            y_train, y_test = take_rows(y, train), take_rows(y, test)
            selector = self._base_selector().fit(
                X_train, y_train, **per_sample(routed.selector.fit, train, n_samples))
            model_params = per_sample(routed.model.fit, train, n_samples)
            for c, candidate in enumerate(candidates):
                selector.set_params(**candidate)  # reselects, no retraining
                model = self._model(y, sparse).fit(selector.transform(X_train), y_train,
                                                   **model_params)
                scorer = check_scoring(model, scoring=self.scoring)
                scores[c, s] = scorer(model, selector.transform(X_test), y_test)
        mean, std = scores.mean(axis=1), scores.std(axis=1)
        order = sorted(range(len(candidates)), key=lambda c: (
            -mean[c], candidates[c].get("max_features") or np.inf))
        ranks = np.empty(len(candidates), dtype=int)
        ranks[order] = np.arange(1, len(candidates) + 1)
        self.cv_results_ = {"params": candidates, "mean_test_score": mean,
                            "std_test_score": std, "rank_test_score": ranks}
        for s in range(len(splits)):
            self.cv_results_[f"split{s}_test_score"] = scores[:, s]
        self.best_params_ = candidates[order[0]]
        self.best_score_ = float(mean[order[0]])
        self.selector_ = self._base_selector().set_params(**self.best_params_).fit(
            X, y, **routed.selector.fit)
        return self

    def get_metadata_routing(self):
        """How fit parameters are routed: to the selector's ``fit`` (and through it to its
        network), the model's ``fit`` and the splitter's ``split``.

        Returns
        -------
        routing : MetadataRouter
        """
        return MetadataRouter(owner=type(self).__name__).add(
            selector=self._base_selector(),
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        ).add(
            model=self._model(np.zeros(1), False) if self.model is None else self.model,
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        ).add(
            splitter=check_cv(self.cv),
            method_mapping=MethodMapping().add(caller="fit", callee="split"),
        )

    def _get_support_mask(self):
        check_is_fitted(self)
        return self.selector_.get_support()

    def __sklearn_is_fitted__(self):
        return hasattr(self, "selector_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.sparse = True
        return tags

