"""K networks trained as one stack end as their separate fits
(``sklgrad/_engine/stacked.py``, ``stacked_numpy.py``; the choice in
``sklgrad/_neural_network/_fit_many.py``)."""

import numpy as np
import pytest
import torch
from _engine_data import KINDS, engine_data, estimator_class
from sklearn.base import clone

from sklgrad import LearningGradientClassifier, LearningGradientSelector
from sklgrad._engine.fit import train_network
from sklgrad._engine.settings import FitData, TrainSettings, engine_options
from sklgrad._engine.stacked import fit_stack, stackable
from sklgrad._engine.stopping import StoppingState
from sklgrad._neural_network._fit_many import can_stack, fit_many


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("params", [
    dict(solver="sgd", tol=None, max_iter=6, alpha=0.01),
    dict(solver="adam", max_iter=40, tol=1e-3, n_iter_no_change=2),
    dict(solver="sgd", learning_rate="adaptive", max_iter=30, tol=1e-2, n_iter_no_change=1),
    dict(solver="adam", early_stopping=True, validation_fraction=0.2, max_iter=30,
         n_iter_no_change=2, activation="tanh"),
])
@pytest.mark.parametrize("step", ["auto", "torch"], ids=["numpy", "torch"])
def test_stacked_networks_end_as_their_separate_fits(kind, params, step):
    X, y = engine_data(kind)
    weights = np.random.RandomState(2).uniform(0.5, 2.0, len(X))
    base = estimator_class(kind)(hidden_layer_sizes=(5,), batch_size=16,
                                 learning_rate_init=0.05, **params)
    seeds = [3, 11, 7, 0]
    with engine_options(step=step):
        stacked, was_stacked = fit_many([clone(base).set_params(random_state=s)
                                         for s in seeds], [X] * 4, y, sample_weight=weights)
    assert was_stacked
    for seed, mine in zip(seeds, stacked):
        alone = clone(base).set_params(random_state=seed).fit(X, y, sample_weight=weights)
        assert mine.n_iter_ == alone.n_iter_ and mine.t_ == alone.t_
        np.testing.assert_allclose(mine.importance_history_, alone.importance_history_,
                                   atol=1e-5)
        np.testing.assert_allclose(mine.loss_curve_, alone.loss_curve_, rtol=1e-5)
        for a, b in zip(mine.net_.module_.parameters(), alone.net_.module_.parameters()):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-5)
        np.testing.assert_allclose(mine.predict(X[:10]), alone.predict(X[:10]), atol=1e-5)
        # The optimizer state came out too: one more epoch agrees.
        mine.set_params(early_stopping=False)
        alone.set_params(early_stopping=False)
        np.testing.assert_allclose(mine.partial_fit(X, y).loss_curve_,
                                   alone.partial_fit(X, y).loss_curve_, rtol=1e-5)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("step", ["auto", "torch"], ids=["numpy", "torch"])
def test_stacked_networks_without_the_capture_train_the_same_and_record_no_importance(
        kind, step):
    X, y = engine_data(kind)
    base = estimator_class(kind)(hidden_layer_sizes=(5,), batch_size=16, max_iter=8,
                                 tol=None, alpha=0.01)
    seeds = [3, 11, 7]
    fits = {}
    for capture in (True, False):
        with engine_options(step=step, capture=capture):
            fits[capture], was_stacked = fit_many(
                [clone(base).set_params(random_state=s) for s in seeds], [X] * 3, y)
        assert was_stacked
    with engine_options(step=step, capture=False):
        alone = clone(base).set_params(random_state=seeds[0]).fit(X, y)
    for on, off in zip(fits[True], fits[False]):
        np.testing.assert_allclose(off.loss_curve_, on.loss_curve_, rtol=1e-12)
        for a, b in zip(off.net_.module_.parameters(), on.net_.module_.parameters()):
            np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
        # No learning gradient was computed: no importance, never a plausible number.
        assert off.importance_history_.shape == (0, X.shape[1])
        assert np.isnan(off.feature_importances_).all()
        assert len(off.loss_curve_) == off.n_iter_ == 8
    np.testing.assert_allclose(fits[False][0].loss_curve_, alone.loss_curve_, rtol=1e-10)
    assert alone.importance_history_.shape == (0, X.shape[1])


@pytest.mark.parametrize("step", ["auto", "torch"], ids=["numpy", "torch"])
def test_selector_repeats_train_stacked_and_equal_separate_fits(step):
    X, y = engine_data("binary")
    base = LearningGradientClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0)
    with engine_options(step=step):
        selector = LearningGradientSelector(base, n_repeats=4, random_state=1,
                                            threshold="shadow").fit(X, y)
    seeds = np.random.RandomState(1).randint(np.iinfo(np.int32).max, size=4)
    rng = np.random.RandomState(1)  # the shadows' own stream
    for seed, fitted in zip(seeds, selector.estimators_):
        shadows = np.column_stack([rng.permutation(column) for column in X.T])
        alone = LearningGradientClassifier(hidden_layer_sizes=(5,), max_iter=20,
                                           random_state=seed).fit(np.hstack([X, shadows]), y)
        np.testing.assert_allclose(fitted.feature_importances_, alone.feature_importances_,
                                   atol=1e-5)


def test_what_cannot_be_stacked_is_fitted_one_by_one():
    X, y = engine_data("binary")
    a = LearningGradientClassifier(random_state=0)
    assert not can_stack([a, LearningGradientClassifier(alpha=0.1, random_state=1)], [X, X])
    assert not can_stack([a, LearningGradientClassifier(random_state=1)], [X, X[:50]])
    assert not can_stack([a, LearningGradientClassifier(verbose=1)], [X, X])
    assert not can_stack([a], [X])
    with engine_options(step="autograd"):  # the stack is hand-written only
        fitted, stacked = fit_many([clone(a).set_params(max_iter=2, random_state=s)
                                    for s in (1, 2)], [X, X], y)
    assert not stacked and all(est.net_.step_kind_ == "autograd" for est in fitted)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_stacked_networks_keep_float32_and_equal_their_separate_fits(solver):
    X, y = engine_data("multiclass")
    X = X.astype(np.float32)
    base = LearningGradientClassifier(hidden_layer_sizes=(5,), batch_size=16, max_iter=5,
                                      tol=None, alpha=0.01, solver=solver)
    stacked, _ = fit_many([clone(base).set_params(random_state=s) for s in (1, 2, 3)],
                          [X] * 3, y)
    for seed, mine in zip((1, 2, 3), stacked):
        alone = clone(base).set_params(random_state=seed).fit(X, y)
        assert next(mine.net_.module_.parameters()).dtype == torch.float32
        np.testing.assert_allclose(mine.importance_history_, alone.importance_history_,
                                   atol=1e-5)
        np.testing.assert_allclose(mine.loss_curve_, alone.loss_curve_, rtol=1e-5)


@pytest.mark.parametrize("step", ["auto", "torch"], ids=["numpy", "torch"])
def test_the_engine_stacks_settings_and_data_without_an_estimator(step):
    # Settings and data records in, trained networks out: the stack against separate
    # train_network calls, with different rows per network (the unshared layout).
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 4))
    targets = (X[:, :1] + X[:, 1:2] ** 2 > 0.5).astype(np.float64)
    settings = TrainSettings(loss="binary", n_outputs=1, hidden_layer_sizes=(6,),
                             solver="sgd", learning_rate_init=0.1, batch_size=16, max_iter=8,
                             tol=None, step=step)
    datas = [FitData(X=X[:, order], targets=targets, seed=seed, split_seed=seed)
             for seed, order in [(1, [0, 1, 2, 3]), (2, [3, 2, 1, 0]), (3, [1, 0, 3, 2])]]
    assert stackable([settings] * 3, datas)
    assert not stackable([settings, settings.__class__(**{**vars(settings), "alpha": 0.5})],
                         datas[:2])
    states = [StoppingState(early_stopping=False) for _ in datas]
    for state in states:
        state.start_loss_tracking()
    results = fit_stack([settings] * 3, datas, states)
    for data, state, (record, converged) in zip(datas, states, results):
        alone_state = StoppingState(early_stopping=False)
        net, rule = train_network(settings, data, alone_state)
        assert converged is rule.converged is False
        np.testing.assert_allclose(state.loss_curve, alone_state.loss_curve, rtol=1e-6)
        np.testing.assert_allclose(record["importance"],
                                   np.asarray(net.history[:, "learning_gradient"]), atol=1e-6)
        for name, value in net.module_.state_dict().items():
            np.testing.assert_allclose(record["module"][name], value.numpy(), atol=1e-6)
