"""What the selector selects on: one importance per input read from an estimator, and
SelectFromModel's thresholds beside the three named rules that are fitted with the selector."""

import numbers
from operator import attrgetter

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_scalar

from .._utils._groups import group_labels, group_means
from ._statistics import shadow_bar

SHADOW = "shadow"
MINIMAL, ALL_RELEVANT = "minimal", "all-relevant"
# Thresholds that name a rule fitted with the selector (shadow variables, a path).
FITTED_RULES = (SHADOW, MINIMAL, ALL_RELEVANT)


def importances_of(estimator, getter, norm_order):
    """One importance per input variable, read from a fitted estimator."""
    if callable(getter):
        scores = getter(estimator)
    elif getter == "auto":
        # SelectFromModel's order: coef_ first.
        if hasattr(estimator, "coef_"):
            scores = estimator.coef_
        elif hasattr(estimator, "feature_importances_"):
            scores = estimator.feature_importances_
        else:
            raise ValueError(
                f"{type(estimator).__name__} has neither feature_importances_ nor coef_; "
                "pass importance_getter (an attribute name or a callable)."
            )
    else:
        scores = attrgetter(getter)(estimator)
    if sp.issparse(scores):
        scores = scores.toarray()
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 1:
        return np.abs(scores)
    return np.linalg.norm(scores, axis=0, ord=norm_order)


def default_threshold(estimator):
    """SelectFromModel's default: 1e-5 after an L1 penalty (whose zeros are exact), else
    "mean". It recognizes the L1-penalized estimators by their class names and parameters;
    this copies its rule exactly, so that the same estimator selects the same columns."""
    name = type(estimator).__name__
    l1_ratio_is_1 = np.isclose(getattr(estimator, "l1_ratio", np.nan) or np.nan, 1.0)
    fitted_ratio_is_1 = np.all(np.isclose(getattr(estimator, "l1_ratio_", np.nan), 1.0))
    if (getattr(estimator, "penalty", None) == "l1" or "Lasso" in name
            or (name in ("ElasticNet", "LogisticRegression") and l1_ratio_is_1)
            or (name in ("ElasticNetCV", "LogisticRegressionCV") and fitted_ratio_is_1)):
        return 1e-5
    return "mean"


def threshold_value(threshold, scores, estimator):
    """SelectFromModel's reading of a threshold: a number, "mean", "median", "1.5*mean"."""
    if threshold is None:
        threshold = default_threshold(estimator)
    if not isinstance(threshold, str):
        return float(threshold)
    scale, reference = 1.0, threshold.strip()
    if "*" in reference:
        scale_text, reference = (part.strip() for part in reference.split("*", 1))
        scale = float(scale_text)
    if reference == "mean":
        return scale * float(np.mean(scores))
    if reference == "median":
        return scale * float(np.median(scores))
    raise ValueError(
        f"threshold must be a number, 'mean', 'median', 'k*mean', 'k*median', "
        f"'{MINIMAL}', '{ALL_RELEVANT}' or '{SHADOW}'; got {threshold!r}."
    )


def rule_in_force(selector):
    """The named rule in force: the threshold's, or with threshold None the default
    question, "minimal", for the default network (for an estimator the user gave,
    SelectFromModel's threshold: None)."""
    if isinstance(selector.threshold, str) and selector.threshold.strip() in FITTED_RULES:
        return selector.threshold.strip()
    if selector.threshold is None and selector.estimator is None and not selector.prefit:
        return MINIMAL
    return None


def resolve_max_features(selector, X):
    max_features = selector.max_features
    if max_features is None:
        return None
    if callable(max_features):
        max_features = max_features(X)
    elif isinstance(max_features, numbers.Real) and not isinstance(
            max_features, numbers.Integral):
        check_scalar(max_features, "max_features", numbers.Real, min_val=0, max_val=1,
                     include_boundaries="right")
        max_features = max(1, int(max_features * selector.n_features_in_))
    check_scalar(max_features, "max_features", numbers.Integral, min_val=0,
                 max_val=selector.n_features_in_)
    return int(max_features)


def max_features_now(selector):
    # Read at selection time, so set_params(max_features=...) reselects without a
    # refit; only a callable (which needs X) was resolved at fit.
    if callable(selector.max_features):
        if not hasattr(selector, "max_features_"):
            raise NotFittedError("When `prefit=True` and `max_features` is a callable, "
                                 "call `fit` before calling `transform`.")
        return selector.max_features_
    return resolve_max_features(selector, None)


def threshold_for(selector, scores, shadow_scores, estimator):
    rule = rule_in_force(selector)
    if rule in (SHADOW, ALL_RELEVANT):
        # The ranking networks of a "minimal" fit have shadows too, but not the screens'
        # answer that "all-relevant" keeps.
        fitted_rule = getattr(selector, "_fitted_rule", rule)
        if shadow_scores is None or (rule == ALL_RELEVANT and fitted_rule == MINIMAL):
            raise ValueError(f"threshold={rule!r} needs shadow variables: fit the "
                             f"selector with threshold={rule!r} (set_params alone "
                             "cannot).")
        # The ranking networks' bar is the largest shadow's (Boruta's): the ranking
        # selects nothing, it says which kept columns were learned from as noise is.
        bar = (np.max(shadow_scores) if rule == SHADOW or ranked(selector)
               else shadow_bar(shadow_scores))
        # Strictly more than the bar: np.nextafter turns '>' into '>='.
        return float(np.nextafter(bar, np.inf))
    if rule == MINIMAL:
        if not getattr(selector, "_fitted_rule", None) == MINIMAL:
            raise ValueError("threshold='minimal' needs the path network trained on "
                             "the relevant inputs: fit the selector with it "
                             "(set_params alone cannot).")
        # The inputs learned from at the point minimal chose: importance above zero.
        return float(np.nextafter(0.0, 1.0))
    return threshold_value(selector.threshold, scores, estimator)


def ranked(selector):
    """Whether a question's importances come from networks trained on its answer's
    columns (``_ranking``): False for a selector fitted by an earlier version, whose
    importances are the dense screen's."""
    result = getattr(selector, "selection_result_", None)
    return getattr(result, "selected", None) is not None


def support_mask(selector, scores, shadow_scores, estimator, admitted=None,
                 selected=None):
    """Inputs (or groups) at or above the threshold, or ``admitted`` (for "all-relevant"
    fitted by an earlier version: the other screens' finds), or exactly ``selected`` (a
    question's answer), then the ``max_features`` most important."""
    labels = None if selector.groups is None else group_labels_of(selector, len(scores))
    if labels is not None:
        # Selected per group, on the mean importance of its inputs: a category's
        # number of levels neither helps nor hurts it.
        names, scores = group_means(scores, labels)
        admitted, selected = ((None if mask is None else
                               np.array([mask[labels == name].any() for name in names]))
                              for mask in (admitted, selected))
    threshold = threshold_for(selector, scores, shadow_scores, estimator)
    passing = scores >= threshold if selected is None else selected.copy()
    if admitted is not None:
        passing |= admitted
    max_features = max_features_now(selector)
    if max_features is not None:
        mask = np.zeros_like(scores, dtype=bool)
        mask[np.argsort(-scores, kind="mergesort")[:max_features]] = True
    else:
        mask = np.ones_like(scores, dtype=bool)
    mask[~passing] = False
    if labels is not None:
        mask = np.isin(labels, np.asarray(names, dtype=object)[mask])  # groups kept whole
    return mask


def group_labels_of(selector, n_features):
    groups = selector.groups
    if callable(groups):
        names = getattr(selector, "feature_names_in_", None)
        groups = groups(np.asarray(names if names is not None else
                                   [f"x{i}" for i in range(n_features)], dtype=object))
    return group_labels(groups, n_features)
