"""The selection orchestrator: runs the rule a selector is fitted with and returns one
:class:`SelectionResult`.

The two questions run the screens in order, each on what the others left:

1. the dense screen (``_dense``): small networks on the inputs and one fixed set of their
   shadows; an input is kept when its importance over the whole training beats the
   shadows' bar;
2. the path screen (``_path_screen``): one path network on the inputs and the same shadows;
3. the dependence tests (``_dependence``): each input alone against the target;
4. the interaction tests (``_interactions``): the inputs untested so far, in pairs, each
   cut at its median (odd effects: an XOR);
5. the conditional tests (``_conditional``): what each input adds to the others' finds;
6. the interaction tests of even effects (a ring): the inputs left, in pairs, each cut at
   its median distance from the median.

"all-relevant" answers with the six; "minimal" trains the path network on the relevant
inputs and keeps those alive at the point chosen by held-out refits (``_minimal``). Either
answer is then ranked by networks trained on its columns beside their shadows
(``_ranking``): those are the importances the selector returns.
"""

import math
import time
import warnings
from contextlib import contextmanager
from copy import deepcopy

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.utils import check_random_state

from .._neural_network._fit_many import fit_many
from .._neural_network._memorization import BelowBaselineWarning
from ._conditional import conditional_screen
from ._dense import relevance_network, relevant_inputs, whole_training_importances
from ._dependence import dependence_screen
from ._interactions import interaction_screen
from ._minimal import held_out_choice
from ._path_screen import path_screen
from ._ranking import ranking_inputs, ranking_network, spread_over_inputs
from ._result import SelectionResult
from ._statistics import SCREEN_DTYPE, beside_shadows, shadow_columns, side_by_side
from ._thresholds import ALL_RELEVANT, MINIMAL, SHADOW, importances_of

# Networks in the dense screen of the two questions when n_repeats is None.
SCREEN_REPEATS = 8
SCREEN_SHADOWS = 500
# Up to this many values (rows x inputs), the screen trains SCREEN_REPEATS networks.
SCREEN_VALUES = 200_000


def n_repeats_for(selector, rule, n_values=0):
    """The networks a selection trains: ``n_repeats``, or for the two questions fewer on
    larger tables, whose importances vary less between seeds."""
    if selector.n_repeats is not None:
        return selector.n_repeats
    if rule not in (MINIMAL, ALL_RELEVANT):
        return 1
    return int(np.clip(round(SCREEN_REPEATS * SCREEN_VALUES / max(n_values, 1)),
                       SCREEN_REPEATS // 4, SCREEN_REPEATS))


def repeat_seeds(selector, rule=None, n_values=0):
    """One seed per network, drawn from ``random_state`` (None for one unseeded network)."""
    n_repeats = n_repeats_for(selector, rule, n_values)
    if n_repeats == 1 and selector.random_state is None:
        return [None]
    rng = check_random_state(selector.random_state)
    return rng.randint(np.iinfo(np.int32).max, size=n_repeats).tolist()


@contextmanager
def timed(selector, timings, step, describe):
    """Record a step's seconds in ``timings``; with ``verbose``, print ``describe(seconds)``
    after it (a callable, so that the line can say what the step found)."""
    start = time.perf_counter()
    yield
    seconds = timings[step] = time.perf_counter() - start
    if selector.verbose:
        print(f"[{type(selector).__name__}] {describe(seconds)}", flush=True)


def fit_repeats(selector, estimator, X, y, seeds, shadow_rng, timings, step="networks",
                **fit_params):
    """One fitted clone of ``estimator`` per seed (each on X and its own shadows when
    ``shadow_rng`` is given), timed as ``step``. sklgrad networks that differ only in
    their seed train as one stacked model: each ends as its separate fit would, at a
    fraction of the time."""
    estimators, inputs = [], []
    for number, seed in enumerate(seeds, start=1):
        clone_ = clone(estimator)
        if seed is not None and "random_state" in clone_.get_params():
            clone_.set_params(random_state=seed)
        # A network's own epoch lines say which repeat they belong to.
        clone_._verbose_label = f"[repeat {number}/{len(seeds)}] "
        X_k = X
        if shadow_rng is not None:
            X_k = side_by_side([X, shadow_columns(X, shadow_rng)])
        estimators.append(clone_)
        inputs.append(X_k)
    outcome = {}

    def describe(seconds):
        return (f"{len(seeds)} network(s) on {np.shape(inputs[0])[1]} inputs"
                f"{' (stacked)' if outcome['stacked'] else ''}: {seconds:.2f} s, "
                f"{seconds / len(seeds):.2f} s per network")

    with timed(selector, timings, step, describe):
        fitted, outcome["stacked"] = fit_many(estimators, inputs, y, **fit_params)
    return fitted


def _scores(selector, estimators):
    return np.array([importances_of(estimator, selector.importance_getter,
                                    selector.norm_order) for estimator in estimators])


def plain(X):
    """X as an array, or as the sparse matrix it is."""
    return X if sp.issparse(X) else np.asarray(X)


def run_rule(selector, rule, X, X_checked, y, **fit_params):
    """The selection ``rule`` asks for (the selector's named rule, or None for a
    threshold on the estimator's importances), as one :class:`SelectionResult`. ``X`` is
    what the user gave, ``X_checked`` it validated."""
    if selector.prefit:
        if n_repeats_for(selector, rule) != 1 or rule is not None:
            raise ValueError("prefit=True uses the given estimator as it is: n_repeats "
                             "must be 1 and threshold cannot be 'shadow', 'minimal' or "
                             "'all-relevant'.")
        selector._check_prefit_estimator()
        return run_prefit(selector)
    if y is None:
        raise ValueError(f"{type(selector).__name__} requires y to be passed, but the "
                         "target y is None.")
    estimator = selector._default_estimator(y)
    if rule == SHADOW:
        return run_shadow_rounds(selector, estimator, plain(X_checked), y, **fit_params)
    if rule in (MINIMAL, ALL_RELEVANT):
        return run_question(selector, rule, plain(X_checked), y, estimator, **fit_params)
    # The estimator gets X as the user gave it (a DataFrame keeps its names).
    return run_repeats(selector, estimator, X if hasattr(X, "columns") else X_checked, y,
                       **fit_params)


def run_prefit(selector):
    """The given fitted estimator, as it is."""
    estimators = [deepcopy(selector.estimator)]
    return SelectionResult(estimators, _scores(selector, estimators))


def run_repeats(selector, estimator, X, y, **fit_params):
    """``estimator`` refit once per repeat; its importances as it reports them."""
    timings = {}
    estimators = fit_repeats(selector, estimator, X, y, repeat_seeds(selector), None,
                             timings, **fit_params)
    return SelectionResult(estimators, _scores(selector, estimators), timings=timings)


def run_shadow_rounds(selector, estimator, X, y, **fit_params):
    """Rounds of networks on [survivors, shadows] ("shadow"): a round keeps the inputs
    whose mean importance beats the shadows' median for the next."""
    rng = check_random_state(selector.random_state)
    seeds = repeat_seeds(selector)
    alive, timings = np.arange(X.shape[1]), {}
    for round_ in range(selector.shadow_rounds):
        if selector.verbose:
            print(f"[{type(selector).__name__}] shadow round {round_ + 1}/"
                  f"{selector.shadow_rounds}: {len(alive)} variables and their shadows",
                  flush=True)
        estimators = fit_repeats(selector, estimator, X[:, alive], y, seeds, rng, timings,
                                 **fit_params)
        scores = _scores(selector, estimators)
        if scores.shape[1] != 2 * len(alive):
            raise ValueError(f"The estimator reports {scores.shape[1]} importances for "
                             f"{len(alive)} variables and {len(alive)} shadows.")
        real, shadows = scores[:, :len(alive)], scores[:, len(alive):]
        if round_ == selector.shadow_rounds - 1:
            break
        survivors = real.mean(axis=0) > np.median(shadows.mean(axis=0))
        if survivors.all() or not survivors.any():
            break
        alive = alive[survivors]
    importances = np.zeros((len(seeds), X.shape[1]))
    importances[:, alive] = real
    return SelectionResult(estimators, importances, shadows, timings=timings)


def _whole_training(selector, estimator):
    scores = (whole_training_importances(estimator)
              if selector.importance_getter == "auto" else None)
    if scores is None:
        scores = importances_of(estimator, selector.importance_getter, selector.norm_order)
    return scores


class InMemoryTests:
    """The statistical screens on the rows in memory (a streamed selection reads every
    chunk's sums instead: ``_streamed.StreamedTests``)."""

    dependence = staticmethod(dependence_screen)
    interaction = staticmethod(interaction_screen)
    conditional = staticmethod(conditional_screen)
    #: Rows minimal's refits are scored on instead of folds of X (None: folds).
    held_out = None
    #: Rows (X, y) the dense screen's and the ranking's own networks read instead of X's,
    #: at the steps they take on X (None: X's).
    network_rows = None


def run_question(selector, rule, X, y, default_network, tests=InMemoryTests, **fit_params):
    """The two questions' screens, then for "minimal" the path network on the relevant
    inputs and minimal's choice, then the ranking of the answer's columns.
    ``default_network`` is the path network for ``y``; ``tests`` runs the statistical
    screens (:class:`InMemoryTests` on ``X``)."""
    n_rows, n_features = X.shape
    rng = check_random_state(selector.random_state)
    seeds = repeat_seeds(selector, rule, n_rows * n_features)
    timings = {}
    # The screen's own networks, or (all-relevant only) the user's estimator.
    own = not (rule == ALL_RELEVANT and selector.estimator is not None)
    # A streamed selection's own networks read more rows than its sample, at the steps
    # they take on the sample: more new rows per step find more (stream-sample).
    X_net, y_net = (tests.network_rows if own and tests.network_rows is not None
                    else (X, y))
    rows_read = None if X_net is X else len(X_net)
    screen = relevance_network(y, n_rows, rows_read) if own else selector.estimator
    # At least SCREEN_SHADOWS shadows: with few inputs, few shadows share a noise input's
    # distribution, and the bar they set is low.
    copies = max(1, math.ceil(SCREEN_SHADOWS / n_features))
    shadows = side_by_side([shadow_columns(X, rng) for _ in range(copies)])
    if X_net is X:
        both = side_by_side([X, shadows], dtype=SCREEN_DTYPE if own else None)
    else:
        both = beside_shadows(X_net, copies, rng, dtype=SCREEN_DTYPE)
    estimators = fit_repeats(selector, screen, both, y_net, seeds, None, timings,
                             **fit_params)
    scores = np.array([_whole_training(selector, estimator) for estimator in estimators])
    _check_width(scores, both.shape[1], n_features)
    real, shadow_scores = scores[:, :n_features], scores[:, n_features:]
    dense = relevant_inputs(real, shadow_scores)
    with timed(selector, timings, "path screen",
                lambda s: f"path screen on {both.shape[1]} inputs: {s:.2f} s"):
        by_path, screen_network = path_screen(X, shadows, y, seeds[0], **fit_params)
    with timed(selector, timings, "dependence tests",
                lambda s: f"dependence tests: {by_dependence.sum()} inputs kept"):
        by_dependence, dependence_p_values = tests.dependence(X, y, rng)
    found = dense | by_path | by_dependence
    with timed(selector, timings, "interaction tests",
                lambda s: f"interaction tests: {by_interaction.sum()} more inputs kept"):
        by_interaction, interaction_p_values = tests.interaction(X, y, rng,
                                                                  tested=~found)
    found |= by_interaction
    with timed(selector, timings, "conditional tests",
                lambda s: f"conditional tests: {by_conditional.sum()} more inputs kept"):
        by_conditional, conditional_p_values = tests.conditional(X, y, found, rng)
    relevant = found | by_conditional
    # Last, the interaction tests of even effects (a ring) on what every screen left.
    with timed(selector, timings, "even interaction tests", lambda s: (
            f"interaction tests of even effects: {by_even.sum()} more inputs kept")):
        by_even, even_p_values = tests.interaction(X, y, rng, tested=~relevant, even=True)
    relevant |= by_even
    result = SelectionResult(
        estimators, np.zeros((len(estimators), n_features)), relevant=relevant,
        selected=relevant, screen_importances=real,
        screen_shadow_importances=shadow_scores,
        relevant_by_path=by_path & ~dense, path_screen=screen_network,
        relevant_by_dependence=by_dependence & ~dense & ~by_path,
        dependence_p_values=dependence_p_values,
        relevant_by_interaction=by_interaction | by_even,
        interaction_p_values=np.minimum(interaction_p_values, even_p_values),
        relevant_by_conditional=by_conditional, conditional_p_values=conditional_p_values,
        timings=timings)
    if rule == MINIMAL:
        _choose_minimal(selector, result, X, y, default_network, seeds[0], tests.held_out,
                        **fit_params)
    _rank(selector, rule, result, X_net, y_net,
          ranking_network(y, n_rows, rows_read) if own else screen, seeds, rng,
          **fit_params)
    return result


def _check_width(scores, n_inputs, n_features):
    if scores.shape[1] != n_inputs:
        raise ValueError(f"The estimator reports {scores.shape[1]} importances for "
                         f"{n_features} variables and {n_inputs - n_features} shadows.")


def _rank(selector, rule, result, X, y, network, seeds, rng, **fit_params):
    """The importances of the answer: networks trained on its columns beside their
    shadows (``_ranking``). With no column selected, every importance stays 0 beside the
    dense screen's networks and, for "all-relevant", its shadows' bar."""
    selected = result.selected
    if not selected.any():
        if rule == ALL_RELEVANT:
            result.shadow_importances = result.screen_shadow_importances
        return
    inputs = ranking_inputs(X, selected, rng)
    estimators = fit_repeats(selector, network, inputs, y, seeds, None, result.timings,
                             step="ranking networks", **fit_params)
    scores = np.array([_whole_training(selector, estimator) for estimator in estimators])
    _check_width(scores, inputs.shape[1], int(selected.sum()))
    result.estimators = estimators
    result.importances, result.shadow_importances = spread_over_inputs(scores, selected)


def _choose_minimal(selector, result, X, y, default_network, seed, held_out=None,
                    **fit_params):
    """Train the path network on the relevant inputs and keep those the point chosen by
    held-out refits learned from (its last epoch's learning gradients above 0); the
    refits are scored on ``held_out`` rows where given, else on folds of X."""
    columns = np.flatnonzero(result.relevant)
    result.selected = np.zeros(X.shape[1], dtype=bool)
    if columns.size == 0:
        return
    path = clone(default_network)
    if seed is not None and "random_state" in path.get_params():
        path.set_params(random_state=seed)
    with timed(selector, result.timings, "path network", lambda s: (
            f"path network on the {columns.size} relevant inputs: {s:.2f} s")), \
            warnings.catch_warnings():
        # Minimal's answer is the held-out refits' (below), not the path's importances.
        warnings.simplefilter("ignore", BelowBaselineWarning)
        path.fit(X[:, columns], y, **fit_params)
    with timed(selector, result.timings, "minimal refits", lambda s: (
            f"{len(result.minimal_candidates)} sets of the path refit and compared on "
            f"held-out rows: {s:.2f} s")):
        scored = None if held_out is None else (held_out[0][:, columns], held_out[1])
        result.minimal_choice, inputs, result.minimal_candidates = held_out_choice(
            path, X[:, columns], y, seed, selector.minimal_tolerance, scored, **fit_params)
    point = path.path_[result.minimal_choice]
    if selector.importance_getter == "auto":
        # The learning gradients of the chosen point's last epoch.
        scores = path.importance_history_[point["last_epoch"]]
    else:
        scores = np.asarray(importances_of(path, selector.importance_getter,
                                           selector.norm_order), dtype=float)
    learned = np.zeros(columns.size, dtype=bool)
    learned[inputs] = True
    learned &= scores > 0  # an input whose weights reach only inactive units: not used
    result.selected[columns[learned]] = True
    result.path_network = path
