"""A failure never looks like a result: interrupts, failed refits, hyper-parameter changes."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.exceptions import NotFittedError

from sklgrad import LearningGradientClassifier, LearningGradientRegressor
from sklgrad._engine.capture import LearningGradientRecorder

SMALL = dict(hidden_layer_sizes=(4,), max_iter=6, tol=None, random_state=0)


@pytest.fixture
def interrupt_at(monkeypatch):
    """Raise KeyboardInterrupt from a callback at the end of the given epoch (of any fit)."""
    def arm(epoch):
        original = LearningGradientRecorder.on_epoch_end

        def on_epoch_end(self, net, **kwargs):
            original(self, net, **kwargs)
            if len(net.history) == epoch:
                raise KeyboardInterrupt
        monkeypatch.setattr(LearningGradientRecorder, "on_epoch_end", on_epoch_end)
    return arm


def _state(estimator):
    return {key: (value.copy() if isinstance(value, np.ndarray) else value)
            for key, value in vars(estimator).items()}


def test_an_interrupted_first_fit_raises_and_leaves_no_model(interrupt_at):
    X, y = load_iris(return_X_y=True)
    clf = LearningGradientClassifier(**SMALL)
    interrupt_at(2)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert vars(clf) == vars(LearningGradientClassifier(**SMALL))
    with pytest.raises(NotFittedError):
        clf.predict(X)


@pytest.mark.parametrize("how", ["refit", "warm_start", "partial_fit"])
def test_an_interrupted_later_fit_leaves_the_previous_model(interrupt_at, how):
    X, y = load_iris(return_X_y=True)
    clf = LearningGradientClassifier(**SMALL).fit(X, y)
    before = _state(clf)
    proba = clf.predict_proba(X)
    weights = [p.detach().clone() for p in clf.net_.module_.parameters()]
    if how == "refit":  # on other columns: the mixed estimator of the issue (4 values, 3 features)
        interrupt_at(2)
        with pytest.raises(KeyboardInterrupt):
            clf.fit(X[:, :3], y)
    else:
        interrupt_at(len(clf.net_.history) + 1)
        with pytest.raises(KeyboardInterrupt):
            if how == "warm_start":
                clf.set_params(warm_start=True).fit(X, y)
            else:
                clf.partial_fit(X, y)
        clf.set_params(warm_start=False)
    assert set(vars(clf)) == set(before)
    assert clf.n_features_in_ == 4 and clf.feature_importances_.shape == (4,)
    np.testing.assert_array_equal(clf.importance_history_, before["importance_history_"])
    assert clf.loss_curve_ == before["loss_curve_"] and clf.n_iter_ == before["n_iter_"]
    assert len(clf.net_.history) == len(before["loss_curve_"])
    for saved, now in zip(weights, clf.net_.module_.parameters()):
        assert torch.equal(saved, now)
    np.testing.assert_array_equal(clf.predict_proba(X), proba)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_training_after_an_interrupt_goes_on_as_if_none_happened(interrupt_at, monkeypatch,
                                                                  solver):
    # The interrupted call's optimizer state (momentum, Adam's moments and step count) is
    # put back as well as the weights: the next call takes exactly the uninterrupted steps.
    X, y = load_iris(return_X_y=True)
    settings = dict(SMALL, solver=solver)
    clean = LearningGradientClassifier(**settings).fit(X, y).partial_fit(X, y)
    clf = LearningGradientClassifier(**settings).fit(X, y)
    interrupt_at(len(clf.net_.history) + 1)
    with pytest.raises(KeyboardInterrupt):
        clf.partial_fit(X, y)
    monkeypatch.undo()  # disarmed
    clf.partial_fit(X, y)
    for a, b in zip(clean.net_.module_.parameters(), clf.net_.module_.parameters()):
        assert torch.equal(a, b)
    np.testing.assert_array_equal(clf.importance_history_, clean.importance_history_)
    assert clf.loss_curve_ == clean.loss_curve_


def test_warm_start_takes_changed_hyper_parameters():
    X, y = load_breast_cancer(return_X_y=True)
    clf = LearningGradientClassifier(**SMALL, warm_start=True).fit(X, y)
    clf.set_params(solver="sgd", learning_rate_init=0.123, momentum=0.5, alpha=0.01,
                   nesterovs_momentum=False, max_iter=2).fit(X, y)
    group = clf.net_.optimizer_.param_groups[0]
    assert type(clf.net_.optimizer_).__name__ == "ScikitSGD"
    assert group["lr"] == 0.123 and group["momentum"] == 0.5 and not group["nesterov"]
    assert clf.net_.settings.alpha == 0.01 and clf.n_iter_ == 2
    clf.set_params(solver="adam", beta_1=0.5, epsilon=1e-6, max_iter=1).fit(X, y)
    assert clf.net_.optimizer_.param_groups[0]["betas"] == (0.5, 0.999)
    assert clf.net_.optimizer_.param_groups[0]["eps"] == 1e-6


@pytest.mark.parametrize("change", [dict(hidden_layer_sizes=(5,)), dict(activation="tanh"),
                                    dict(standardize=False)])
def test_warm_start_refuses_what_would_need_a_new_network(change):
    X, y = load_iris(return_X_y=True)
    clf = LearningGradientClassifier(**SMALL, warm_start=True).fit(X, y)
    history = clf.importance_history_.copy()
    name = next(iter(change))
    with pytest.raises(ValueError, match=f"{name} is .* but the fitted network has .*"
                                         "warm_start=False"):
        clf.set_params(**change).fit(X, y)
    np.testing.assert_array_equal(clf.importance_history_, history)
    with pytest.raises(ValueError, match="partial_fit continues"):
        clf.partial_fit(X, y)


def test_inputs_that_overflow_are_named():
    X, y = load_iris(return_X_y=True, as_frame=True)
    X.columns = ["a", "b", "c", "d"]
    X["c"] = X["c"] * 1e200
    with pytest.raises(ValueError, match="variance of input column 'c' \\(index 2\\) overflows"):
        LearningGradientClassifier(**SMALL).fit(X, y)


def test_huge_targets_and_rates_are_errors_not_models():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="Solver produced non-finite parameter weights"):
        # float32 data trains in float32, where the squared error of 1e30 overflows.
        LearningGradientRegressor(**SMALL, standardize=False, solver="sgd").fit(
            X.astype(np.float32), (y * 1e30).astype(np.float32))
    with pytest.raises(ValueError, match="variance of y overflows"):
        LearningGradientRegressor(**SMALL).fit(X, y * 1e300)
    with pytest.raises(ValueError, match="The 'learning_rate_init' parameter .* Got inf"):
        LearningGradientClassifier(learning_rate_init=float("inf")).fit(X, y)
    with pytest.raises(ValueError, match="y has values beyond the range of float32"):
        LearningGradientRegressor(**SMALL, standardize=False).fit(X.astype(np.float32),
                                                                  y * 1e39)
