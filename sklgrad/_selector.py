"""LearningGradientSelector: input simplification in the manner of SelectFromModel."""

import dataclasses
import math
import numbers
import time
from copy import deepcopy
from operator import attrgetter

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.feature_selection import SelectorMixin
from sklearn.utils import check_random_state
from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, check_scalar, validate_data

from ._classifier import LearningGradientClassifier
from ._conditional import conditional_screen
from ._dependence import dependence_screen
from ._engine.settings import current_options, engine_options
from ._fit_many import fit_many
from ._groups import group_labels, group_means
from ._interactions import interaction_screen
from ._minimal_choice import held_out_choice
from ._regressor import LearningGradientRegressor
from ._relevance import (
    relevance_network,
    relevant_inputs,
    shadow_bar,
    whole_training_importances,
)
from ._restore import restored_on_failure
from ._routing import requesting_sample_weight, route
from ._target import infer_task

SHADOW = "shadow"
MINIMAL, ALL_RELEVANT = "minimal", "all-relevant"
# Thresholds that name a rule fitted with the selector (shadow variables, a path).
FITTED_RULES = (SHADOW, MINIMAL, ALL_RELEVANT)
# Networks in the dense screen of the two questions when n_repeats is None.
SCREEN_REPEATS = 8
SCREEN_SHADOWS = 500
# Up to this many values (rows x inputs), the screen trains SCREEN_REPEATS networks.
SCREEN_VALUES = 200_000
# Doublings of the strength past a fit's path's last that the path screen may go on to.
PATH_SCREEN_MORE = 4
# The path screen's hidden layer: on the slow-effect sets of docs/selection.md it found
# as much as the estimators' (100,) and more, in a third of the time (measured).
PATH_SCREEN_HIDDEN = (32,)
#: What the two questions fit beside the importances (None for the other thresholds).
QUESTION_ATTRIBUTES = (
    "relevant_", "relevant_by_path_", "path_screen_",
    "relevant_by_dependence_", "dependence_p_values_",
    "relevant_by_interaction_", "interaction_p_values_",
    "relevant_by_conditional_", "conditional_p_values_",
    "minimal_choice_", "minimal_candidates_")
# The screens' own networks train in single precision, as networks usually do: on 2,000
# rows x 3,000 columns and their shadows, the dense screen took 0.56x and the path screen
# 0.65x the time in double precision, and they found the same columns (measured).
SCREEN_DTYPE = np.float32


def _estimator_has(attr):
    def check(self):
        return hasattr(self.estimator if self.estimator is not None
                       else LearningGradientClassifier(), attr)
    return check


def _importances(estimator, getter, norm_order):
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


def _default_threshold(estimator):
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


def _threshold_value(threshold, scores, estimator):
    """SelectFromModel's reading of a threshold: a number, "mean", "median", "1.5*mean"."""
    if threshold is None:
        threshold = _default_threshold(estimator)
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


def _shadow_columns(X, rng):
    """Each column's values shuffled among the rows, independently per column.

    Sparse columns keep their values and move them to permuted rows: the same random
    stream as the dense case, so sparse and dense inputs get the same shadows.
    """
    if not sp.issparse(X):
        return np.column_stack([rng.permutation(column) for column in X.T])
    X = X.tocsc(copy=True)
    for j in range(X.shape[1]):
        # Dense: new[i] = column[order[i]], so the value in row r moves to row order^-1[r].
        order = rng.permutation(X.shape[0])
        moved_to = np.empty_like(order)
        moved_to[order] = np.arange(len(order))
        rows = slice(X.indptr[j], X.indptr[j + 1])
        X.indices[rows] = moved_to[X.indices[rows]]
    X.has_sorted_indices = False
    return X


def _side_by_side(blocks, dtype=None):
    """The blocks' columns side by side (in ``dtype``, or as numpy promotes them): sparse
    (CSR) when the first block is."""
    together = sp.hstack(blocks).tocsr() if sp.issparse(blocks[0]) else np.hstack(blocks)
    return together if dtype is None else together.astype(dtype, copy=False)


class LearningGradientSelector(MetaEstimatorMixin, SelectorMixin, BaseEstimator):
    """Keep the input variables that a network learns from (input simplification).

    A :class:`~sklearn.feature_selection.SelectFromModel` for learning gradients, usable in
    Pipelines and grid searches, that answers two named questions, each with shadow
    variables (shuffled copies of the inputs) controlling the noise it keeps:
    ``threshold="all-relevant"``, which columns carry signal, and ``threshold="minimal"``,
    which few columns suffice (the default without an estimator). Beside them,
    ``n_repeats`` averages the importances of several seeds and ``threshold="shadow"``
    keeps what beats the shadows of one network.

    Parameters
    ----------
    estimator : estimator, default=None
        The model that ranks the variables; any estimator with ``feature_importances_`` or
        ``coef_`` after ``fit`` (or see ``importance_getter``). None picks a
        :class:`LearningGradientClassifier` or :class:`LearningGradientRegressor` from the
        target as a user reads it (text, booleans and integers with at most 20 values are
        classes; floats, whatever values they hold, are a regression), with
        ``input_penalty="path"`` (the importances of inputs the network does not need go to
        zero); the choice is ``estimator_``. With ``"all-relevant"``, a given estimator
        replaces the screen's small networks; with ``"minimal"``, the path network.
    threshold : str or float, default=None
        ``"all-relevant"``: every variable that carries signal; ``"minimal"``: a few that
        suffice (see Notes). Or, as SelectFromModel, keep variables whose importance is at
        least this: a number, ``"mean"``, ``"median"``, a multiple such as ``"1.5*mean"``;
        or ``"shadow"``: more than the largest importance of a shadow variable. None means
        ``"minimal"`` without an estimator, and with one what SelectFromModel decides
        (``1e-5`` for an L1-penalized estimator, else ``"mean"``). Changing it after
        ``fit`` reselects without retraining, except to ``"shadow"``, ``"minimal"`` or
        ``"all-relevant"``, which are fitted with the selector.
    prefit : bool, default=False
        The estimator is already fitted: ``fit`` (and the first ``partial_fit``) store a
        deep copy of it in ``estimator_``, and ``transform`` works without ``fit``, as in
        SelectFromModel. Inside a grid search, wrap the fitted estimator in
        :class:`sklearn.frozen.FrozenEstimator` instead (see the selection guide).
    norm_order : int, default=1
        Norm used to collapse a 2-D ``coef_`` into one importance per variable.
    max_features : int, float, callable or None, default=None
        At most this many variables (the most important), then filtered by ``threshold``:
        an int, a fraction of ``n_features_in_`` (float in (0, 1]), or a callable taking X
        and returning an int. Use ``threshold=-np.inf`` to select on ``max_features`` only.
    importance_getter : str or callable, default="auto"
        How to read importances from a fitted estimator: ``"auto"`` (``feature_importances_``
        or ``coef_``), an attribute path such as ``"regressor_.feature_importances_"``, or a
        callable taking the estimator.
    n_repeats : int or None, default=None
        Networks trained with different seeds drawn from ``random_state``; the selection
        uses their mean importance. None: 1, or for the two questions the screen's 8
        networks (2 to 8: fewer on tables of more than 200,000 values).
    shadow_rounds : int, default=1
        With ``threshold="shadow"``: rounds of elimination. Each round but the last drops
        the variables below the median shadow (about half of the noise); the last applies
        the shadow rule to the survivors. See Notes.
    random_state : int, RandomState instance or None, default=None
        Seeds the repeats and the shuffling of the shadow variables. With ``n_repeats=1``
        and None, the estimator's own ``random_state`` is used as it is.
    verbose : int, default=0
        Print a line per training round (networks, inputs, whether they were stacked, time
        per network) when positive.
    groups : array-like of shape (n_features,) or callable, default=None
        Inputs that belong together, such as the one-hot columns of one category or
        correlated columns: a label per input (or a callable taking the input names and
        returning the labels). The selection is then made per group, on the mean
        importance of its inputs (``threshold`` and ``max_features`` apply to the groups),
        and a group is kept or dropped whole: a category is never kept in part, and its
        number of levels neither helps nor hurts it. None: each input on its own, as
        SelectFromModel. For a ColumnTransformer's outputs,
        ``sklgrad.column_sources(transformer)`` gives the labels; for correlated inputs,
        ``sklgrad.correlated_groups(X)``.

    Attributes
    ----------
    estimator_ : estimator
        The first fitted estimator (the one trained with the first seed). With
        ``threshold="shadow"`` it was trained on the (surviving) inputs and their shadows.
    estimators_ : list of estimators
        All ``n_repeats`` fitted estimators (of the last round with ``threshold="shadow"``).
    importances_ : ndarray of shape (n_repeats, n_features_in_)
        Importances of each repeat. With ``threshold="shadow"`` they are shares among the
        real and the shadow variables of the last round together, and 0 for variables
        eliminated in an earlier round.
    importances_mean_ : ndarray of shape (n_features_in_,)
        Mean importance over the repeats; the selection is made on it.
    importances_std_ : ndarray of shape (n_features_in_,)
        Standard deviation of the importance over the repeats.
    shadow_importances_ : ndarray of shape (n_repeats, n_shadows) or None
        Importances of the shadow variables (shuffled copies of the inputs) of the last
        round, when fitted with ``threshold="shadow"`` or ``"all-relevant"``.
    relevant_ : ndarray of shape (n_features_in_,) of bool or None
        With ``"all-relevant"`` or ``"minimal"``: the all-relevant answer (for
        ``"minimal"``, the columns its path network was trained on).
    relevant_by_path_ : ndarray of shape (n_features_in_,) of bool or None
        The relevant variables that the path screen found and the dense screen did not
        (see Notes).
    relevant_by_dependence_ : ndarray of shape (n_features_in_,) of bool or None
        The relevant variables that only the dependence tests found.
    dependence_p_values_ : ndarray of shape (n_features_in_,) or None
        The dependence tests' permutation p-values, one per variable.
    relevant_by_interaction_ : ndarray of shape (n_features_in_,) of bool or None
        The relevant variables that only the interaction tests found (variables that act
        on the target with another and not on their own).
    interaction_p_values_ : ndarray of shape (n_features_in_,) or None
        The interaction tests' p-values against the variables' shadows, one per variable.
    relevant_by_conditional_ : ndarray of shape (n_features_in_,) of bool or None
        The relevant variables that only the conditional tests found (variables that add
        to the others' finds, given them, and not on their own).
    conditional_p_values_ : ndarray of shape (n_features_in_,) or None
        The conditional tests' p-values against the variables' shadows (0 for the
        variables the other tests found, which are the conditioning set).
    minimal_choice_ : int or None
        With ``"minimal"``: the index in ``estimator_.path_`` of the point whose
        learning gradients are the importances: the point whose inputs are kept, or the
        wider point that a set between two points was cut from (see Notes).
    minimal_candidates_ : list of dict or None
        With ``"minimal"``: the sets of inputs compared (``point``, ``inputs``, indices
        among the relevant variables, ``inputs_alive``, ``computed``, ``held_out_loss``,
        ``held_out_loss_se``, and ``excess``, ``excess_se``: the mean over held-out rows
        of its loss less the best set's, and that mean's standard error), the path's
        points first, then the sets between the one chosen among them and the next
        narrower point, and between the best point and the one chosen where the best is
        wider, each without the inputs its other
        inputs compute (an affine combination of them, listed in ``computed``); empty
        when one set was left to compare (the path went through one set of inputs, or
        its sets are alike less their computed inputs).
    path_screen_ : estimator or None
        The path screen's network (trained on the inputs and the dense screen's shadows).
    threshold_ : float
        The threshold in force.
    selection_frequency_ : ndarray of shape (n_features_in_,)
        Share of the repeats whose own importances would select each variable under the
        current ``threshold`` and ``max_features``.
    max_features_ : int or None
        ``max_features`` resolved to a number at fit time (a callable is evaluated on the
        training X; a number is read again whenever the selection is made).
    n_features_in_ : int
        Number of input variables seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the input variables, when X has string column names.

    See Also
    --------
    sklearn.feature_selection.SelectFromModel : The same selection for any model.
    LearningGradientClassifier : The default estimator for classification targets.

    Notes
    -----
    The two questions share a relevance screen of five tests. Dependence tests: each
    input on its own against the target (binned and by ranks), calibrated by 20
    permutations of the target, kept at a false discovery rate of 1%. Dense screen: each
    input is copied and its rows shuffled once (at least 500 shadows in all); small
    networks, stacked (hidden (32,), ``alpha=1.0``, 50 epochs), learn from the inputs and
    their shadows; an input is relevant when its learning gradient summed over the
    training, averaged over the networks, beats the shadows' bar. As the shadows are drawn once, a
    noise input and the shadows of its distribution are exchangeable: it beats the largest
    of ``m`` of them with probability ``1 / (m + 1)``; the bar stands where the largest of
    ten times as many shadows is expected (from the scale of the shadows' exponential
    tail), ten times rarer. Path screen: one path network on the inputs and their shadows
    adds the inputs it keeps above every shadow: effects that dense networks among many
    noise inputs do not learn (interactions, periodic functions). ``"all-relevant"`` keeps
    the finds of the three and of the interaction tests, which look at the inputs the
    others did not find: each pair of inputs cut at their medians, the product of the two
    halves correlated with the target, against pairs with one input's rows shuffled, at a
    false discovery rate of 1% (an input that acts only with another, as in
    ``y = x2 x3``, has no effect of its own to test), and of the conditional tests,
    which look at what is left given the finds: the target and each input on normal
    scores, residualized on the finds by least squares, their residuals' correlation
    against shadows', Benjamini-Hochberg at 1% with the finds counted as discoveries (an
    input with no effect of its own that adds to the others, as diabetes's ``sex``).
    ``"minimal"`` trains the path network
    on the relevant inputs; each distinct set of inputs its path goes through is refit
    without the penalty (stacked, on the rows of each fold of a 3-fold split, as many folds
    as hold out 500 rows), with sets between the one chosen and the next narrower point,
    and between the best point and the one chosen where the best is wider (the most
    learned-from inputs first), each set less the inputs its other inputs compute (an
    affine combination of them: the last level of a one-hot encoding, a constant), and
    the fewest inputs whose held-out loss exceeds the best set's by at most one standard
    error of that excess (row by row, on the same held-out rows) are kept, a subset of
    the relevant ones:
    the path's own validation loss at a sparse point is that of a penalized network, not
    of one trained on those inputs. Measured against Boruta, a forest, permutation
    importance, SHAP and L1 in docs/selection.md. The dependence, interaction and
    conditional tests do not read ``sample_weight``.

    The shadow rule: each input column is copied and its rows shuffled independently, which
    keeps each copy's distribution and destroys its relation to the target. One network is
    trained on ``[X, shadows]`` (per repeat). A variable is kept when its mean importance
    exceeds the largest mean importance of the shadows. If the noise variables and the
    shadows are exchangeable (both unrelated to the target), a noise variable beats all
    ``d`` shadows with probability at most ``1 / (d + 1)``: the expected share of noise
    variables kept is about ``1 / (d + 1)``, for instance 1% with 100 inputs.

    Informative variables that the network learns only weakly may fall below the line:
    with many noise variables and few rows, the network memorizes with the noise (and the
    shadows), and the learning gradient follows. ``shadow_rounds > 1`` prunes first: each
    early round keeps the variables above the *median* shadow, which halves the noise in
    expectation and never drops a variable that beats most shadows; the network of the
    next round, with fewer distractions, learns the weak variables better. Each round is
    one fit on fewer inputs than the last.
    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from sklgrad import LearningGradientSelector
    >>> X_wine, y_wine = load_wine(return_X_y=True, as_frame=True)
    >>> relevant = LearningGradientSelector(threshold="all-relevant", random_state=0)
    >>> relevant.fit(X_wine, y_wine).get_support().sum()
    np.int64(13)

    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklgrad import LearningGradientClassifier, LearningGradientSelector
    >>> X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    >>> selector = LearningGradientSelector(
    ...     LearningGradientClassifier(hidden_layer_sizes=(16,), max_iter=30, random_state=0),
    ...     max_features=5, threshold=-float("inf"),
    ... ).set_output(transform="pandas").fit(X, y)
    >>> selector.transform(X).shape
    (569, 5)
    >>> selector.set_params(max_features=10).transform(X).shape  # no retraining
    (569, 10)
    """

    def __init__(self, estimator=None, *, threshold=None, prefit=False, norm_order=1,
                 max_features=None, importance_getter="auto", n_repeats=None,
                 shadow_rounds=1, random_state=None, verbose=0, groups=None):
        self.estimator = estimator
        self.threshold = threshold
        self.prefit = prefit
        self.norm_order = norm_order
        self.max_features = max_features
        self.importance_getter = importance_getter
        self.n_repeats = n_repeats
        self.shadow_rounds = shadow_rounds
        self.random_state = random_state
        self.verbose = verbose
        self.groups = groups

    def _default_estimator(self, y):
        if self.estimator is not None:
            return self.estimator
        return self._default_for(y)

    @staticmethod
    def _default_for(y):
        # The path network: its importances concentrate on the inputs it needs (the
        # estimators' own default stays the paper's plain network).
        if y is not None and infer_task(y) == "classification":
            return LearningGradientClassifier(input_penalty="path")
        return LearningGradientRegressor(input_penalty="path")

    def get_metadata_routing(self):
        """How fit parameters are routed: to the estimator's ``fit`` and ``partial_fit``
        (the default network requests ``sample_weight``), as SelectFromModel routes them.

        Returns
        -------
        routing : MetadataRouter
        """
        estimator = (self.estimator if self.estimator is not None
                     else requesting_sample_weight(self._default_for(None)))
        return MetadataRouter(owner=type(self).__name__).add(
            estimator=estimator, method_mapping=MethodMapping().add(
                caller="fit", callee="fit").add(caller="partial_fit", callee="partial_fit"))

    def _resolve_max_features(self, X):
        max_features = self.max_features
        if max_features is None:
            return None
        if callable(max_features):
            max_features = max_features(X)
        elif isinstance(max_features, numbers.Real) and not isinstance(
                max_features, numbers.Integral):
            check_scalar(max_features, "max_features", numbers.Real, min_val=0, max_val=1,
                         include_boundaries="right")
            max_features = max(1, int(max_features * self.n_features_in_))
        check_scalar(max_features, "max_features", numbers.Integral, min_val=0,
                     max_val=self.n_features_in_)
        return int(max_features)

    def _n_repeats(self, rule, n_values=0):
        if self.n_repeats is not None:
            return self.n_repeats
        if rule not in (MINIMAL, ALL_RELEVANT):
            return 1
        # Fewer networks on larger tables, whose importances vary less between seeds.
        return int(np.clip(round(SCREEN_REPEATS * SCREEN_VALUES / max(n_values, 1)),
                           SCREEN_REPEATS // 4, SCREEN_REPEATS))

    def _seeds(self, rule=None, n_values=0):
        n_repeats = self._n_repeats(rule, n_values)
        if n_repeats == 1 and self.random_state is None:
            return [None]
        rng = check_random_state(self.random_state)
        return rng.randint(np.iinfo(np.int32).max, size=n_repeats).tolist()

    def _rule(self):
        """The named rule in force: the threshold's, or with threshold None the default
        question, "minimal", for the default network (for an estimator the user gave,
        SelectFromModel's threshold: None)."""
        if isinstance(self.threshold, str) and self.threshold.strip() in FITTED_RULES:
            return self.threshold.strip()
        if self.threshold is None and self.estimator is None and not self.prefit:
            return MINIMAL
        return None

    def _fit_repeats(self, estimator, X, y, seeds, shadow_rng, **fit_params):
        """One fitted clone of ``estimator`` per seed (each on X and its own shadows when
        ``shadow_rng`` is given). sklgrad networks that differ only in their seed train as
        one stacked model: each ends as its separate fit would, at a fraction of the time."""
        estimators, inputs = [], []
        for number, seed in enumerate(seeds, start=1):
            clone_ = clone(estimator)
            if seed is not None and "random_state" in clone_.get_params():
                clone_.set_params(random_state=seed)
            # A network's own epoch lines say which repeat they belong to.
            clone_._verbose_label = f"[repeat {number}/{len(seeds)}] "
            X_k = X
            if shadow_rng is not None:
                shadows = _shadow_columns(X, shadow_rng)
                X_k = _side_by_side([X, shadows])
            estimators.append(clone_)
            inputs.append(X_k)
        start = time.perf_counter()
        fitted, stacked = fit_many(estimators, inputs, y, **fit_params)
        if self.verbose:
            seconds = time.perf_counter() - start
            print(f"[{type(self).__name__}] {len(fitted)} network(s) on "
                  f"{np.shape(inputs[0])[1]} inputs{' (stacked)' if stacked else ''}: "
                  f"{seconds:.2f} s, {seconds / len(fitted):.2f} s per network", flush=True)
        return fitted

    def _check_prefit_estimator(self):
        try:
            check_is_fitted(self.estimator)
        except NotFittedError as error:
            raise NotFittedError("When `prefit=True`, `estimator` is expected to be a fitted "
                                 "estimator.") from error

    def fit(self, X, y=None, **fit_params):
        """Fit the estimator(s) and record the importances.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Targets.
        **fit_params : dict
            Passed to the estimator's ``fit`` (with metadata routing enabled, those that
            it requests: see :meth:`get_metadata_routing`).

        Returns
        -------
        self : LearningGradientSelector
            The fitted selector.
        """
        routed = route(self, "fit", fit_params, estimator={"fit": fit_params})
        with restored_on_failure(self):  # a failed fit leaves the previous one (or none)
            return self._fit(X, y, **routed.estimator.fit)

    def _fit(self, X, y, **fit_params):
        if self.n_repeats is not None:
            check_scalar(self.n_repeats, "n_repeats", numbers.Integral, min_val=1)
        check_scalar(self.shadow_rounds, "shadow_rounds", numbers.Integral, min_val=1)
        X_checked = validate_data(self, X, dtype=None, ensure_all_finite="allow-nan",
                                  ensure_2d=True, accept_sparse=("csr", "csc"))
        # The estimator gets X as the user gave it (a DataFrame keeps its names).
        X_fit = X if hasattr(X, "columns") else X_checked
        rule = self._fitted_rule = self._rule()
        paired = rule in FITTED_RULES  # (importances, shadow importances or None)
        n_features = self.n_features_in_
        self._clear_questions()
        if self.prefit:
            if self._n_repeats(rule) != 1 or rule is not None:
                raise ValueError("prefit=True uses the given estimator as it is: n_repeats "
                                 "must be 1 and threshold cannot be 'shadow', 'minimal' or "
                                 "'all-relevant'.")
            self._check_prefit_estimator()
            self.estimators_ = [deepcopy(self.estimator)]
            scores = self._scores()
        elif y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the "
                             "target y is None.")
        elif rule == SHADOW:
            scores = self._fit_shadow_rounds(self._plain(X_checked), y, **fit_params)
        elif rule in (MINIMAL, ALL_RELEVANT):
            scores = self._fit_question(rule, self._plain(X_checked), y, **fit_params)
        else:
            self.estimators_ = self._fit_repeats(self._default_estimator(y), X_fit, y,
                                                 self._seeds(), None, **fit_params)
            scores = self._scores()
        if not paired and scores.shape[1] != n_features:
            raise ValueError(f"The estimator reports {scores.shape[1]} importances for "
                             f"{n_features} input variables.")
        self.estimator_ = self.estimators_[0]
        if paired:
            self.importances_, self.shadow_importances_ = scores
        else:
            self.importances_, self.shadow_importances_ = scores, None
        self.importances_mean_ = self.importances_.mean(axis=0)
        self.importances_std_ = self.importances_.std(axis=0)
        self.max_features_ = self._resolve_max_features(X_checked)
        return self

    def _clear_questions(self):
        """The two questions' fitted attributes, None until a question fills them."""
        for name in QUESTION_ATTRIBUTES:
            setattr(self, name, None)

    @staticmethod
    def _plain(X):
        return X if sp.issparse(X) else np.asarray(X)

    def _fit_question(self, rule, X, y, **fit_params):
        """The two questions. Both start with the relevance screen (``_relevance.py``):
        small networks on the inputs and one fixed set of their shadows, an input kept
        when its mean importance over the whole training beats the shadows' bar; beside
        it, one path network on the inputs and their shadows admits the inputs it keeps
        above every shadow (effects that a dense network among many noise inputs does not
        learn: interactions, periodic and even functions), and the dependence tests
        (``_dependence.py``) admit the inputs that depend on the target on their own, and
        the interaction tests (``_interactions.py``) those that act in a pair, and the
        conditional tests (``_conditional.py``) those that add to the others' finds.
        "all-relevant" answers with the five; "minimal" trains the path network on the
        relevant inputs and keeps those alive at the point chosen by held-out refits
        (``_minimal_choice.py``). Returns (importances, shadow importances)."""
        n_rows, n_features = X.shape
        rng = check_random_state(self.random_state)
        seeds = self._seeds(rule, n_rows * n_features)
        # The screen's own networks, or (all-relevant only) the user's estimator.
        own = not (rule == ALL_RELEVANT and self.estimator is not None)
        screen = relevance_network(y, n_rows) if own else self.estimator
        # At least SCREEN_SHADOWS shadows: with few inputs, few shadows share a noise
        # input's distribution, and the bar they set is low.
        copies = max(1, math.ceil(SCREEN_SHADOWS / n_features))
        shadows = [_shadow_columns(X, rng) for _ in range(copies)]
        shadows = _side_by_side(shadows)
        both = _side_by_side([X, shadows], dtype=SCREEN_DTYPE if own else None)
        self.estimators_ = self._fit_repeats(screen, both, y, seeds, None, **fit_params)
        scores = np.array([self._whole_training(estimator) for estimator in self.estimators_])
        if scores.shape[1] != both.shape[1]:
            raise ValueError(f"The estimator reports {scores.shape[1]} importances for "
                             f"{n_features} variables and {copies * n_features} shadows.")
        real, shadow_scores = scores[:, :n_features], scores[:, n_features:]
        dense = relevant_inputs(real, shadow_scores)
        by_path = self._path_screen(X, shadows, y, seeds[0], **fit_params)
        by_dependence, self.dependence_p_values_ = dependence_screen(X, y, rng)
        if self.verbose:
            print(f"[{type(self).__name__}] dependence tests: {by_dependence.sum()} inputs "
                  "kept", flush=True)
        found = dense | by_path | by_dependence
        by_interaction, self.interaction_p_values_ = interaction_screen(X, y, rng,
                                                                        tested=~found)
        if self.verbose:
            print(f"[{type(self).__name__}] interaction tests: {by_interaction.sum()} "
                  "more inputs kept", flush=True)
        found |= by_interaction
        by_conditional, self.conditional_p_values_ = conditional_screen(X, y, found, rng)
        if self.verbose:
            print(f"[{type(self).__name__}] conditional tests: {by_conditional.sum()} "
                  "more inputs kept", flush=True)
        self.relevant_by_path_ = by_path & ~dense
        self.relevant_by_dependence_ = by_dependence & ~dense & ~by_path
        self.relevant_by_interaction_ = by_interaction
        self.relevant_by_conditional_ = by_conditional
        self.relevant_ = found | by_conditional
        if rule == ALL_RELEVANT:
            return real, shadow_scores
        columns = np.flatnonzero(self.relevant_)
        importances = np.zeros((1, n_features))
        if columns.size == 0:
            return importances, None
        path = clone(self._default_estimator(y))
        if seeds[0] is not None and "random_state" in path.get_params():
            path.set_params(random_state=seeds[0])
        start = time.perf_counter()
        path.fit(X[:, columns], y, **fit_params)
        if self.verbose:
            print(f"[{type(self).__name__}] path network on the {columns.size} relevant "
                  f"inputs: {time.perf_counter() - start:.2f} s", flush=True)
        start = time.perf_counter()
        self.minimal_choice_, inputs, self.minimal_candidates_ = held_out_choice(
            path, X[:, columns], y, seeds[0], **fit_params)
        if self.verbose:
            print(f"[{type(self).__name__}] {len(self.minimal_candidates_)} sets of the "
                  f"path refit and compared on held-out rows: "
                  f"{time.perf_counter() - start:.2f} s", flush=True)
        point = path.path_[self.minimal_choice_]
        if self.importance_getter == "auto":
            # The learning gradients of the chosen point's last epoch.
            scores = path.importance_history_[point["last_epoch"]].copy()
        else:
            scores = np.asarray(_importances(path, self.importance_getter, self.norm_order),
                                dtype=float).copy()
        dropped = np.ones(columns.size, dtype=bool)
        dropped[inputs] = False
        scores[dropped] = 0.0
        importances[0, columns] = scores
        self.estimators_ = [path]
        return importances, None

    def _path_screen(self, X, shadows, y, seed, **fit_params):
        """The inputs that a path network on ``[X, shadows]`` keeps above every shadow.
        Its screening rounds are left out: the shadows double the inputs, and the
        networks of the question's second step have the screen's finds."""
        network = clone(self._default_for(y)).set_params(
            hidden_layer_sizes=PATH_SCREEN_HIDDEN)
        if seed is not None:
            network.set_params(random_state=seed)
        X_both = _side_by_side([X, shadows], dtype=SCREEN_DTYPE)
        start = time.perf_counter()
        schedule = current_options().path
        # Stronger points than a fit's: on thousands of inputs and shadows, the strengths
        # of a fit's path end with many inputs alive, noise among them.
        strengths = schedule.strengths + tuple(
            schedule.strengths[-1] * 2.0**i for i in range(1, PATH_SCREEN_MORE + 1))
        with engine_options(path=dataclasses.replace(schedule, screen_rounds=0,
                                                     strengths=strengths)):
            network.fit(X_both, y, **fit_params)
        self.path_screen_ = network
        importances = network.feature_importances_
        real, shadow_max = importances[:X.shape[1]], importances[X.shape[1]:].max()
        if self.verbose:
            print(f"[{type(self).__name__}] path screen on {X_both.shape[1]} inputs: "
                  f"{time.perf_counter() - start:.2f} s", flush=True)
        return (real > shadow_max) & (real > 0)

    def _whole_training(self, estimator):
        scores = (whole_training_importances(estimator)
                  if self.importance_getter == "auto" else None)
        if scores is None:
            scores = _importances(estimator, self.importance_getter, self.norm_order)
        return scores

    def _scores(self):
        return np.array([_importances(est, self.importance_getter, self.norm_order)
                         for est in self.estimators_])

    def _fit_shadow_rounds(self, X, y, **fit_params):
        """Rounds of networks on [survivors, shadows]; return (importances, shadows)."""
        estimator = self._default_estimator(y)
        rng = check_random_state(self.random_state)
        seeds = self._seeds()
        alive = np.arange(X.shape[1])
        for round_ in range(self.shadow_rounds):
            if self.verbose:
                print(f"[{type(self).__name__}] shadow round {round_ + 1}/"
                      f"{self.shadow_rounds}: {len(alive)} variables and their shadows",
                      flush=True)
            self.estimators_ = self._fit_repeats(estimator, X[:, alive], y, seeds, rng,
                                                 **fit_params)
            scores = self._scores()
            if scores.shape[1] != 2 * len(alive):
                raise ValueError(f"The estimator reports {scores.shape[1]} importances for "
                                 f"{len(alive)} variables and {len(alive)} shadows.")
            real, shadows = scores[:, :len(alive)], scores[:, len(alive):]
            if round_ == self.shadow_rounds - 1:
                break
            survivors = real.mean(axis=0) > np.median(shadows.mean(axis=0))
            if survivors.all() or not survivors.any():
                break
            alive = alive[survivors]
        importances = np.zeros((len(seeds), X.shape[1]))
        importances[:, alive] = real
        return importances, shadows

    @available_if(_estimator_has("partial_fit"))
    def partial_fit(self, X, y=None, **fit_params):
        """Train the estimator on one more batch and update the importances.

        As SelectFromModel's: with ``prefit=True`` the first call copies the fitted
        estimator and later calls change nothing; otherwise each call runs the estimator's
        ``partial_fit``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,), default=None
            Targets.
        **fit_params : dict
            Passed to the estimator's ``partial_fit`` (e.g. ``classes``).

        Returns
        -------
        self : LearningGradientSelector
            The updated selector.
        """
        first_call = not hasattr(self, "estimator_")
        if self.n_repeats not in (None, 1) or self._rule() is not None:
            raise ValueError("partial_fit trains one estimator: it needs n_repeats=1, an "
                             "estimator, and a threshold other than 'shadow', 'minimal' or "
                             "'all-relevant'.")
        routed = route(self, "partial_fit", fit_params,
                       estimator={"partial_fit": fit_params})
        fit_params = routed.estimator.partial_fit
        with restored_on_failure(self):
            X_checked = validate_data(self, X, dtype=None, ensure_all_finite="allow-nan",
                                      reset=first_call, accept_sparse=("csr", "csc"))
            if self.prefit:
                if not first_call:
                    return self
                self._check_prefit_estimator()
                self.estimator_ = deepcopy(self.estimator)
            else:
                if first_call:
                    self.estimator_ = clone(self._default_estimator(y))
                self.estimator_.partial_fit(X if hasattr(X, "columns") else X_checked, y,
                                            **fit_params)
            self.estimators_ = [self.estimator_]
            self.shadow_importances_, self._fitted_rule = None, None
            self._clear_questions()
            scores = _importances(self.estimator_, self.importance_getter, self.norm_order)
            self.importances_ = scores[np.newaxis, :]
            self.importances_mean_ = scores
            self.importances_std_ = np.zeros_like(scores)
            self.max_features_ = self._resolve_max_features(X_checked)
        return self

    def _threshold_for(self, scores, shadow_scores, estimator):
        rule = self._rule()
        if rule in (SHADOW, ALL_RELEVANT):
            if shadow_scores is None:
                raise ValueError(f"threshold={rule!r} needs shadow variables: fit the "
                                 f"selector with threshold={rule!r} (set_params alone "
                                 "cannot).")
            bar = np.max(shadow_scores) if rule == SHADOW else shadow_bar(shadow_scores)
            # Strictly more than the bar: np.nextafter turns '>' into '>='.
            return float(np.nextafter(bar, np.inf))
        if rule == MINIMAL:
            if not self._fitted_minimal():
                raise ValueError("threshold='minimal' needs the path network trained on "
                                 "the relevant inputs: fit the selector with it "
                                 "(set_params alone cannot).")
            # The inputs learned from at the point minimal chose: importance above zero.
            return float(np.nextafter(0.0, 1.0))
        return _threshold_value(self.threshold, scores, estimator)

    def _max_features_now(self):
        # Read at selection time, so set_params(max_features=...) reselects without a
        # refit; only a callable (which needs X) was resolved at fit.
        if callable(self.max_features):
            if not hasattr(self, "max_features_"):
                raise NotFittedError("When `prefit=True` and `max_features` is a callable, "
                                     "call `fit` before calling `transform`.")
            return self.max_features_
        return self._resolve_max_features(None)

    def _mask(self, scores, shadow_scores, estimator, admitted=None):
        """Inputs (or groups) at or above the threshold, or ``admitted`` (the path
        screen's finds, for "all-relevant"), then the ``max_features`` most important."""
        labels = None if self.groups is None else self._group_labels(len(scores))
        if labels is not None:
            # Selected per group, on the mean importance of its inputs: a category's
            # number of levels neither helps nor hurts it.
            names, scores = group_means(scores, labels)
            if admitted is not None:
                admitted = np.array([admitted[labels == name].any() for name in names])
        threshold = self._threshold_for(scores, shadow_scores, estimator)
        passing = scores >= threshold
        if admitted is not None:
            passing |= admitted
        max_features = self._max_features_now()
        if max_features is not None:
            mask = np.zeros_like(scores, dtype=bool)
            mask[np.argsort(-scores, kind="mergesort")[:max_features]] = True
        else:
            mask = np.ones_like(scores, dtype=bool)
        mask[~passing] = False
        if labels is not None:
            mask = np.isin(labels, np.asarray(names, dtype=object)[mask])  # groups kept whole
        return mask

    def _group_labels(self, n_features):
        groups = self.groups
        if callable(groups):
            names = getattr(self, "feature_names_in_", None)
            groups = groups(np.asarray(names if names is not None else
                                       [f"x{i}" for i in range(n_features)], dtype=object))
        return group_labels(groups, n_features)

    def _fitted_minimal(self):
        return getattr(self, "_fitted_rule", None) == MINIMAL

    def _shadow_mean(self):
        if self.shadow_importances_ is None:
            return None
        return self.shadow_importances_.mean(axis=0)

    def _get_support_mask(self):
        if self.prefit and not self.__sklearn_is_fitted__():
            # As SelectFromModel: a prefit selector transforms without being fitted.
            self._check_prefit_estimator()
            scores = _importances(self.estimator, self.importance_getter, self.norm_order)
            return self._mask(scores, None, self.estimator)
        check_is_fitted(self)
        admitted = None
        if self._rule() == ALL_RELEVANT:  # the screens' finds beside the dense networks'
            found = [getattr(self, name, None) for name in (
                "relevant_by_path_", "relevant_by_dependence_", "relevant_by_interaction_",
                "relevant_by_conditional_")]
            found = [mask for mask in found if mask is not None]
            admitted = np.logical_or.reduce(found) if found else None
        return self._mask(self.importances_mean_, self._shadow_mean(), self.estimator_,
                          admitted)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "importances_mean_")

    @property
    def threshold_(self):
        """The threshold in force, computed from the mean importances."""
        check_is_fitted(self)
        return self._threshold_for(self.importances_mean_, self._shadow_mean(),
                                   self.estimator_)

    @property
    def selection_frequency_(self):
        """Share of the repeats that would select each variable on their own."""
        check_is_fitted(self)
        shadows = (self.shadow_importances_ if self.shadow_importances_ is not None
                   else [None] * len(self.importances_))
        return np.mean([self._mask(scores, shadow, estimator) for scores, shadow, estimator
                        in zip(self.importances_, shadows, self.estimators_)], axis=0)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        estimator = self.estimator if self.estimator is not None else (
            LearningGradientClassifier())
        sub = estimator.__sklearn_tags__()
        tags.input_tags.allow_nan = sub.input_tags.allow_nan
        tags.input_tags.sparse = sub.input_tags.sparse
        tags.target_tags.required = True
        return tags
