"""The hand-written training step against autograd's, and the capture it records."""

import copy

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification, make_regression

from sklgrad import LearningGradientClassifier, LearningGradientRegressor
from sklgrad._engine import numpy_step
from sklgrad._engine.numpy_step import capture_sum
from sklgrad._engine.optimizers import ScikitAdam, ScikitSGD, _Optimizer
from sklgrad._engine.training import TabularNet
from sklgrad._modules import MLP


def _data(kind):
    if kind == "regression":
        X, y = make_regression(n_samples=90, n_features=5, n_targets=2, random_state=0)
        return X, y
    X, y = make_classification(n_samples=90, n_features=5, n_informative=3,
                               n_classes=2 if kind == "binary" else 3, random_state=0)
    return X, y


def _fit(kind, monkeypatch, hand_written, numpy_on_cpu=True, **params):
    monkeypatch.setattr(TabularNet, "hand_written_step", hand_written)
    monkeypatch.setattr(TabularNet, "numpy_on_cpu", numpy_on_cpu)
    cls = LearningGradientRegressor if kind == "regression" else LearningGradientClassifier
    X, y = _data(kind)
    weights = np.random.RandomState(1).uniform(0.5, 2.0, len(X))
    estimator = cls(hidden_layer_sizes=(6, 4), max_iter=4, tol=None, batch_size=16,
                    random_state=0, **params).fit(X, y, sample_weight=weights)
    assert estimator.net_.hand_written_ is hand_written
    assert estimator.net_.numpy_step_ is (hand_written and numpy_on_cpu)
    return estimator


@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression"])
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("numpy_on_cpu", [True, False], ids=["numpy", "torch"])
def test_hand_written_step_equals_autograd(kind, activation, solver, numpy_on_cpu,
                                           monkeypatch):
    params = dict(activation=activation, solver=solver, alpha=0.01,
                  learning_rate_init=0.05)
    manual = _fit(kind, monkeypatch, True, numpy_on_cpu, **params)
    auto = _fit(kind, monkeypatch, False, **params)
    for a, b in zip(manual.net_.module_.parameters(), auto.net_.module_.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(manual.importance_history_, auto.importance_history_,
                               atol=1e-5)
    np.testing.assert_allclose(manual.gradient_magnitude_history_,
                               auto.gradient_magnitude_history_, rtol=1e-5)
    np.testing.assert_allclose(manual.loss_curve_, auto.loss_curve_, rtol=1e-6)


@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression"])
def test_numpy_step_keeps_float32_and_equals_the_torch_step(kind, monkeypatch):
    cls = LearningGradientRegressor if kind == "regression" else LearningGradientClassifier
    X, y = _data(kind)
    X = X.astype(np.float32)
    fitted = []
    for numpy_on_cpu in (True, False):
        monkeypatch.setattr(TabularNet, "numpy_on_cpu", numpy_on_cpu)
        fitted.append(cls(hidden_layer_sizes=(6,), max_iter=3, tol=None, batch_size=16,
                          alpha=0.01, random_state=0).fit(X, y))
    for a, b in zip(fitted[0].net_.module_.parameters(), fitted[1].net_.module_.parameters()):
        assert a.dtype == torch.float32
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(fitted[0].importance_history_, fitted[1].importance_history_,
                               atol=1e-5)


@pytest.mark.parametrize("scale", [1.0, 1e-300, 1e30])
@pytest.mark.parametrize("stacked", [False, True])
def test_capture_product_in_float32_keeps_six_digits_at_any_scale(scale, stacked,
                                                                  monkeypatch):
    # A float64 network's capture product runs in float32 after an exact power-of-two
    # scaling: gradients far below float32's range (a well-fitted network) or above it
    # keep their relative precision instead of flushing to zero or overflowing.
    rng = np.random.default_rng(0)
    shape = (3, 128, 64) if stacked else (128, 64)
    delta = rng.standard_normal(shape) * scale
    weight = rng.standard_normal((*shape[:-2], 64, 70))
    exact = np.abs(delta @ weight).sum(axis=-2)
    monkeypatch.setattr(numpy_step, "_FLOAT32_PRODUCT", 0)  # float32 at any size
    sums = capture_sum(delta, weight)
    assert sums.dtype == np.float64 and sums.shape == exact.shape
    np.testing.assert_allclose(sums, exact, rtol=1e-5)
    assert capture_sum((delta / scale).astype(np.float32),
                       weight.astype(np.float32)).dtype == np.float32


def test_other_modules_keep_the_autograd_path():
    from sklgrad import LearningGradientNet
    X = np.random.RandomState(0).randn(64, 4).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    net = LearningGradientNet(torch.nn.Linear, module__in_features=4, module__out_features=2,
                              criterion=torch.nn.CrossEntropyLoss, max_epochs=2,
                              train_split=None, verbose=0).fit(X, y)
    assert len(net.history[:, "learning_gradient"]) == 2


# ---------------------------------------------------------------- stacked networks
@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression"])
@pytest.mark.parametrize("params", [
    dict(solver="sgd", tol=None, max_iter=6, alpha=0.01),
    dict(solver="adam", max_iter=40, tol=1e-3, n_iter_no_change=2),
    dict(solver="sgd", learning_rate="adaptive", max_iter=30, tol=1e-2, n_iter_no_change=1),
    dict(solver="adam", early_stopping=True, validation_fraction=0.2, max_iter=30,
         n_iter_no_change=2, activation="tanh"),
])
@pytest.mark.parametrize("numpy_on_cpu", [True, False], ids=["numpy", "torch"])
def test_stacked_networks_end_as_their_separate_fits(kind, params, numpy_on_cpu,
                                                     monkeypatch):
    from sklearn.base import clone

    from sklgrad._engine.stacked import _Stack, can_stack, fit_stacked
    monkeypatch.setattr(_Stack, "numpy_on_cpu", numpy_on_cpu)
    cls = LearningGradientRegressor if kind == "regression" else LearningGradientClassifier
    X, y = _data(kind)
    weights = np.random.RandomState(2).uniform(0.5, 2.0, len(X))
    base = cls(hidden_layer_sizes=(5,), batch_size=16, learning_rate_init=0.05, **params)
    seeds = [3, 11, 7, 0]
    stacked = [clone(base).set_params(random_state=s) for s in seeds]
    assert can_stack(stacked, [X] * 4)
    fit_stacked(stacked, [X] * 4, y, weights)
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


@pytest.mark.parametrize("numpy_on_cpu", [True, False], ids=["numpy", "torch"])
def test_selector_repeats_train_stacked_and_equal_separate_fits(numpy_on_cpu, monkeypatch):
    from sklgrad import LearningGradientSelector
    from sklgrad._engine.stacked import _Stack
    monkeypatch.setattr(_Stack, "numpy_on_cpu", numpy_on_cpu)
    X, y = _data("binary")
    base = LearningGradientClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0)
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
    from sklgrad._engine.stacked import can_stack
    X, _ = _data("binary")
    a = LearningGradientClassifier(random_state=0)
    assert not can_stack([a, LearningGradientClassifier(alpha=0.1, random_state=1)], [X, X])
    assert not can_stack([a, LearningGradientClassifier(random_state=1)], [X, X[:50]])
    assert not can_stack([a, LearningGradientClassifier(verbose=1)], [X, X])
    assert not can_stack([a], [X])


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_stacked_networks_keep_float32_and_equal_their_separate_fits(solver):
    from sklearn.base import clone

    from sklgrad._engine.stacked import fit_stacked
    X, y = _data("multiclass")
    X = X.astype(np.float32)
    base = LearningGradientClassifier(hidden_layer_sizes=(5,), batch_size=16, max_iter=5,
                                      tol=None, alpha=0.01, solver=solver)
    stacked = [clone(base).set_params(random_state=s) for s in (1, 2, 3)]
    fit_stacked(stacked, [X] * 3, y)
    for seed, mine in zip((1, 2, 3), stacked):
        alone = clone(base).set_params(random_state=seed).fit(X, y)
        assert next(mine.net_.module_.parameters()).dtype == torch.float32
        np.testing.assert_allclose(mine.importance_history_, alone.importance_history_,
                                   atol=1e-5)
        np.testing.assert_allclose(mine.loss_curve_, alone.loss_curve_, rtol=1e-5)


def _optimizer_pair(optimizer_class, settings):
    module = MLP(5, 1, (4,), "relu").double()
    twin = copy.deepcopy(module)
    return (module, optimizer_class(module.parameters(), **settings),
            twin, optimizer_class(twin.parameters(), **settings))


@pytest.mark.parametrize("optimizer_class, settings", [
    (ScikitSGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (ScikitSGD, dict(lr=0.1, momentum=0.5, nesterov=False)),
    (ScikitAdam, dict(lr=0.01)),
])
def test_flat_update_equals_the_update_per_tensor(optimizer_class, settings):
    module, flat, twin, plain = _optimizer_pair(optimizer_class, settings)
    params, twin_params = list(module.parameters()), list(twin.parameters())
    rng = np.random.default_rng(0)
    for _ in range(3):
        grads = [rng.standard_normal(p.shape) for p in params]
        layout = flat.flat_layout()
        for array, grad in zip(layout.grads_of(params), grads):
            array[...] = grad
        for param, grad in zip(twin_params, grads):
            param.grad = torch.from_numpy(grad.copy())
        with torch.no_grad():
            flat.update(layout)
            plain.update()
    for a, b in zip(params, twin_params):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12)
    flat_state, plain_state = flat.state_dict()["state"], plain.state_dict()["state"]
    for i in plain_state:
        for key, value in plain_state[i].items():
            np.testing.assert_allclose(np.asarray(flat_state[i][key]), np.asarray(value),
                                       rtol=1e-12)


def test_flat_layout_is_made_again_when_its_tensors_are_replaced():
    module, optimizer, _, _ = _optimizer_pair(ScikitSGD, dict(lr=0.1))
    params = list(module.parameters())
    layout = optimizer.flat_layout()
    assert optimizer.flat_layout() is layout
    # The parameters are views of one buffer: the model sees every flat update.
    layout.arrays["param"][...] = 2.0
    assert all(bool((p == 2.0).all()) for p in params)
    layout.arrays["velocity"][...] = 3.0
    # A gradient set by someone else (autograd) is taken in, not lost.
    params[0].grad = torch.ones_like(params[0])
    rebuilt = optimizer.flat_layout()
    assert rebuilt is not layout
    assert (rebuilt.grads_of(params[:1])[0] == 1.0).all()
    assert (rebuilt.arrays["velocity"] == 3.0).all()
    # A loaded state replaces the state tensors: their values are taken in.
    state = optimizer.state_dict()
    state["state"][0]["velocity"] = torch.full_like(params[0], 5.0)
    optimizer.load_state_dict(state)
    again = optimizer.flat_layout()
    assert again is not rebuilt and (again.arrays["velocity"][:params[0].numel()] == 5.0).all()
    # Parameters moved to another precision: a layout in that precision.
    module.float()
    assert optimizer.flat_layout().arrays["param"].dtype == np.float32


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_numpy_step_without_flat_layout_trains_the_same(solver, monkeypatch):
    fitted = _fit("multiclass", monkeypatch, True, solver=solver, alpha=0.01)
    monkeypatch.setattr(_Optimizer, "flat_layout", lambda self: None)
    plain = _fit("multiclass", monkeypatch, True, solver=solver, alpha=0.01)
    for a, b in zip(fitted.net_.module_.parameters(), plain.net_.module_.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(fitted.importance_history_, plain.importance_history_,
                               rtol=1e-10)
