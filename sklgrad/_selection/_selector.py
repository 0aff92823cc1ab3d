"""LearningGradientSelector: input simplification in the manner of SelectFromModel."""

import numbers
import warnings
from copy import deepcopy

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.feature_selection import SelectorMixin
from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, check_scalar, validate_data

from .._neural_network._base import _LearningGradientEstimator
from .._neural_network._checks import column_name
from .._neural_network._chunked import as_chunks
from .._neural_network._classifier import LearningGradientClassifier
from .._neural_network._constant import (
    ConstantInputWarning,
    constant_columns,
    warn_constant,
)
from .._utils._restore import restored_on_failure
from .._utils._routing import requesting_sample_weight, route
from ._orchestrator import plain, run_rule
from ._path_screen import path_network
from ._report import selection_report
from ._result import QUESTION_ATTRIBUTES, SelectionResult
from ._streamed import fit_streamed
from ._thresholds import (
    ALL_RELEVANT,
    FITTED_RULES,
    MINIMAL,
    importances_of,
    resolve_max_features,
    rule_in_force,
    support_mask,
    threshold_for,
)


def _estimator_has(attr):
    def check(self):
        return hasattr(self.estimator if self.estimator is not None
                       else LearningGradientClassifier(), attr)
    return check


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
    minimal_tolerance : float, default=1.0
        With ``threshold="minimal"``: how many standard errors of its excess over the best
        set's held-out loss the set kept may lose (the one-standard-error rule at 1.0).
        Smaller keeps more columns and loses less on held-out rows (0: the best set
        compared, or one as good and narrower); larger keeps fewer. docs/selection.md
        measures what each trades.

    Attributes
    ----------
    estimator_ : estimator
        The first fitted estimator (the one trained with the first seed). With
        ``threshold="shadow"`` it was trained on the (surviving) inputs and their shadows;
        with ``"all-relevant"`` or ``"minimal"`` it is the first ranking network (trained
        on the selected inputs and their shadows, see Notes).
    estimators_ : list of estimators
        All ``n_repeats`` fitted estimators (of the last round with ``threshold="shadow"``;
        the ranking networks with the two questions).
    importances_ : ndarray of shape (n_repeats, n_features_in_)
        Importances of each repeat. With ``threshold="shadow"`` they are shares among the
        real and the shadow variables of the last round together, and 0 for variables
        eliminated in an earlier round. With ``"all-relevant"`` or ``"minimal"``, the
        ranking networks' shares among the selected inputs and their shadows together,
        and 0 for the inputs not selected.
    importances_mean_ : ndarray of shape (n_features_in_,)
        Mean importance over the repeats; the selection is made on it, except with the
        two questions, whose answer is the screens' (it only ranks the answer).
    importances_std_ : ndarray of shape (n_features_in_,)
        Standard deviation of the importance over the repeats.
    shadow_importances_ : ndarray of shape (n_repeats, n_shadows) or None
        Importances of the shadow variables (shuffled copies of the inputs) of the last
        round, when fitted with ``threshold="shadow"``; with the two questions, those of
        the ranking networks' shadows (copies of the selected inputs).
    screen_importances_ : ndarray of shape (n_repeats, n_features_in_) or None
        With ``"all-relevant"`` or ``"minimal"``: the dense screen's shares of every
        input (its networks learn from all of them and from at least 500 shadows), the
        numbers it compared with its shadows' bar.
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
        The interaction tests' p-values against shadows (the two cuts' smaller), per variable.
    relevant_by_conditional_ : ndarray of shape (n_features_in_,) of bool or None
        The relevant variables that only the conditional tests found (variables that add
        to the others' finds, given them, and not on their own).
    conditional_p_values_ : ndarray of shape (n_features_in_,) or None
        The conditional tests' p-values against the variables' shadows (0 for the
        variables the other tests found, which are the conditioning set).
    minimal_choice_ : int or None
        With ``"minimal"``: the index in ``path_network_.path_`` of the point chosen: the
        point whose inputs are kept (those its last epoch learned from), or the wider
        point that a set between two points was cut from (see Notes).
    path_network_ : estimator or None
        With ``"minimal"``: the path network trained on the relevant inputs.
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
    selection_result_ : SelectionResult
        What the fit found, in one object: the estimators, the importances, each
        screen's mask and p-values, minimal's candidates, and ``timings`` (seconds per
        step). The attributes above are read from it.
    threshold_ : float
        The threshold in force.
    selection_report_ : pandas.DataFrame
        One row per input: ``kept``, ``found_by`` (the first of the question's screens
        that found it), the dependence, interaction and conditional tests' p-values,
        ``share`` and ``share_std`` (``importances_mean_`` and ``importances_std_`` over
        ``n_networks``), ``shadow_bar`` (the largest shadow's share beside the ranking
        networks', or the bar of "shadow"), for the questions ``screen_share`` (the
        dense screen's), and for "minimal" ``in_sets_compared``.
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
    The two questions share six screens, run in order, each on what the others left
    (docs/selection.md gives the details and the measured rates). Dense screen: small
    stacked networks (hidden (32,), ``alpha=1.0``, 50 epochs, fewer on large tables) learn
    from the inputs and one fixed set of at least 500 shadows; an input is relevant when its
    learning gradient summed over the training, averaged over the networks, beats the
    shadows' bar (where the largest of ten times as many shadows is expected: a noise input,
    exchangeable with the shadows of its distribution, beats the largest of ``m`` with
    probability ``1 / (m + 1)``). Path screen: one path network on the inputs and the
    shadows adds those it keeps above every shadow (interactions, periodic effects), when
    its point beats a constant prediction. Dependence tests: each input alone against 20
    permutations of the target, at a false discovery rate of 1%. Interaction tests: the
    inputs not yet found, in pairs cut at their medians, against pairs with one input
    shuffled, at 1%. Conditional tests: what each input adds to the finds (normal scores
    residualized on them by least squares), against shadows, at 1% (diabetes's ``sex``).
    Last, interaction tests cut at the median distance from the median (a ring).
    ``"all-relevant"`` keeps the six screens' finds. ``"minimal"`` trains the path network
    on them; each distinct set of inputs its path goes through, and sets between its points,
    each less the inputs its other inputs compute (a one-hot's last level, a constant), is
    refit without the penalty on 3 folds, and the fewest inputs whose held-out loss exceeds
    the best set's by at most one standard error of that excess (row by row) are kept. The
    tests do not read ``sample_weight``. Either answer is then ranked: networks trained on
    its inputs beside one shadow of each (at least 5; hidden (32,), ``alpha=0.01``, about
    3,000 steps at a learning rate of 0.01), stacked, give ``importances_`` with a spread
    over the networks and, in the largest shadow's share, a bar for what noise is learned
    as. A network among every input and hundreds of shadows learns the noise too: its
    numbers (``screen_importances_``) find columns, and rank them poorly.

    The shadow rule: one network per repeat on ``[X, shadows]`` (each column copied, its
    rows shuffled); a variable is kept when its mean importance exceeds the largest
    shadow's. A noise variable beats all ``d`` shadows with probability at most
    ``1 / (d + 1)``. ``shadow_rounds > 1`` first keeps, round by round, the variables above
    the *median* shadow, so that the next network learns weak variables among fewer
    distractions (docs/selection.md).

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
                 shadow_rounds=1, random_state=None, verbose=0, groups=None,
                 minimal_tolerance=1.0):
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
        self.minimal_tolerance = minimal_tolerance

    def _default_estimator(self, y):
        if self.estimator is not None:
            return self.estimator
        return path_network(y)

    def get_metadata_routing(self):
        """How fit parameters are routed: to the estimator's ``fit`` and ``partial_fit``
        (the default network requests ``sample_weight``), as SelectFromModel routes them.

        Returns
        -------
        routing : MetadataRouter
        """
        estimator = (self.estimator if self.estimator is not None
                     else requesting_sample_weight(path_network(None)))
        return MetadataRouter(owner=type(self).__name__).add(
            estimator=estimator, method_mapping=MethodMapping().add(
                caller="fit", callee="fit").add(caller="partial_fit", callee="partial_fit"))

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
        X : {array-like, sparse matrix} of shape (n_samples, n_features) or ChunkedData
            Training inputs; chunked data (or a Dask collection) is streamed.
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
            with warnings.catch_warnings():
                # Said once below, not once per network the selection trains.
                warnings.simplefilter("ignore", ConstantInputWarning)
                constant = self._fit(X, y, **routed.estimator.fit)
        if constant is not None and constant.any():
            warn_constant(type(self).__name__, constant,
                          lambda index: column_name(self, index), stacklevel=2)
        return self

    def _fit(self, X, y, **fit_params):
        if self.n_repeats is not None:
            check_scalar(self.n_repeats, "n_repeats", numbers.Integral, min_val=1)
        check_scalar(self.shadow_rounds, "shadow_rounds", numbers.Integral, min_val=1)
        check_scalar(self.minimal_tolerance, "minimal_tolerance", numbers.Real, min_val=0)
        chunks = as_chunks(X, y)
        if chunks is not None:  # before validation, which would gather every row
            return fit_streamed(self, chunks, **fit_params)
        X_checked = validate_data(self, X, dtype=None, ensure_all_finite="allow-nan",
                                  ensure_2d=True, accept_sparse=("csr", "csc"))
        rule = rule_in_force(self)
        result = run_rule(self, rule, X, X_checked, y, **fit_params)
        if rule not in FITTED_RULES and result.importances.shape[1] != self.n_features_in_:
            raise ValueError(f"The estimator reports {result.importances.shape[1]} "
                             f"importances for {self.n_features_in_} input variables.")
        self._store(result, rule)
        self.max_features_ = resolve_max_features(self, X_checked)
        # The inputs constant in the training rows, where the selection read learning
        # gradients (which give them a share of 0).
        if not self.prefit and isinstance(self.estimator_, _LearningGradientEstimator):
            return constant_columns(plain(X_checked))
        return None

    def _store(self, result, rule):
        """The fitted attributes, all read from one :class:`SelectionResult`."""
        self.selection_result_, self._fitted_rule = result, rule
        self.estimators_ = result.estimators
        self.estimator_ = self.estimators_[0]
        self.importances_ = result.importances
        self.shadow_importances_ = result.shadow_importances
        self.importances_mean_ = self.importances_.mean(axis=0)
        self.importances_std_ = self.importances_.std(axis=0)
        for name in QUESTION_ATTRIBUTES:
            setattr(self, name, getattr(result, name[:-1]))

    def __setstate__(self, state):
        super().__setstate__(state)
        # A selector saved before the result object: its result rebuilt from its attributes.
        if self.__sklearn_is_fitted__() and "selection_result_" not in state:
            self.selection_result_ = SelectionResult.from_fitted(self)

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
        if self.n_repeats not in (None, 1) or rule_in_force(self) is not None:
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
            scores = importances_of(self.estimator_, self.importance_getter, self.norm_order)
            self._store(SelectionResult([self.estimator_], scores[np.newaxis, :]), None)
            self.max_features_ = resolve_max_features(self, X_checked)
        return self

    def _shadow_mean(self):
        if self.shadow_importances_ is None:
            return None
        return self.shadow_importances_.mean(axis=0)

    def _get_support_mask(self):
        if self.prefit and not self.__sklearn_is_fitted__():
            # As SelectFromModel: a prefit selector transforms without being fitted.
            self._check_prefit_estimator()
            scores = importances_of(self.estimator, self.importance_getter, self.norm_order)
            return support_mask(self, scores, None, self.estimator)
        check_is_fitted(self)
        result, rule = self.selection_result_, rule_in_force(self)
        # A question's answer is the screens' (and minimal's refits'), not a comparison of
        # the ranking's numbers; a selector saved before the ranking kept the other
        # screens' finds beside the dense networks' for "all-relevant".
        selected = result.selected if rule in (MINIMAL, ALL_RELEVANT) else None
        admitted = (result.found_beside_the_dense_screen
                    if rule == ALL_RELEVANT and selected is None else None)
        return support_mask(self, self.importances_mean_, self._shadow_mean(),
                            self.estimator_, admitted, selected)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "importances_mean_")

    @property
    def threshold_(self):
        """The threshold in force, computed from the mean importances."""
        check_is_fitted(self)
        return threshold_for(self, self.importances_mean_, self._shadow_mean(),
                             self.estimator_)

    @property
    def selection_frequency_(self):
        """Share of the repeats that would select each variable on their own."""
        check_is_fitted(self)
        shadows = (self.shadow_importances_ if self.shadow_importances_ is not None
                   else [None] * len(self.importances_))
        return np.mean([support_mask(self, scores, shadow, estimator) for scores, shadow,
                        estimator in zip(self.importances_, shadows, self.estimators_)],
                       axis=0)

    @property
    def selection_report_(self):
        """One row per input: what the selection decided, and on what grounds."""
        check_is_fitted(self)
        return selection_report(self)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        estimator = self.estimator if self.estimator is not None else (
            LearningGradientClassifier())
        sub = estimator.__sklearn_tags__()
        tags.input_tags.allow_nan = sub.input_tags.allow_nan
        tags.input_tags.sparse = sub.input_tags.sparse
        tags.target_tags.required = True
        return tags
