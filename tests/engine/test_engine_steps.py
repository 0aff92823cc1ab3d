"""The hand-written steps (numpy, torch) against autograd's, and the capture they record
(``sklgrad/_engine/numpy_step.py``, ``torch_step.py``, ``net.py``)."""

import numpy as np
import pytest
import torch
from _engine_data import KINDS, engine_data, estimator_class

from sklgrad._engine import math_numpy, numpy_step
from sklgrad._engine.numpy_step import capture_sum
from sklgrad._engine.optimizers import _Optimizer
from sklgrad._engine.settings import engine_options

# What each engine option runs on the CPU.
STEP_KINDS = {"auto": "numpy", "torch": "torch", "autograd": "autograd"}


def fit_with_step(kind, step, **params):
    X, y = engine_data(kind)
    weights = np.random.RandomState(1).uniform(0.5, 2.0, len(X))
    with engine_options(step=step):
        estimator = estimator_class(kind)(hidden_layer_sizes=(6, 4), max_iter=4, tol=None,
                                          batch_size=16, random_state=0,
                                          **params).fit(X, y, sample_weight=weights)
    assert estimator.net_.step_kind_ == STEP_KINDS[step]
    return estimator


def assert_same_training(a, b, atol=1e-5):
    for p, q in zip(a.net_.module_.parameters(), b.net_.module_.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), atol=atol)
    np.testing.assert_allclose(a.importance_history_, b.importance_history_, atol=atol)
    np.testing.assert_allclose(a.gradient_magnitude_history_, b.gradient_magnitude_history_,
                               rtol=1e-5)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-6)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("activation", list(math_numpy.ACTIVATIONS))
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("step", ["auto", "torch"], ids=["numpy", "torch"])
def test_hand_written_step_equals_autograd(kind, activation, solver, step):
    params = dict(activation=activation, solver=solver, alpha=0.01, learning_rate_init=0.05)
    assert_same_training(fit_with_step(kind, step, **params),
                         fit_with_step(kind, "autograd", **params))


@pytest.mark.parametrize("kind", KINDS)
def test_numpy_step_keeps_float32_and_equals_the_torch_step(kind):
    X, y = engine_data(kind)
    X = X.astype(np.float32)
    fitted = []
    for step in ("auto", "torch"):
        with engine_options(step=step):
            fitted.append(estimator_class(kind)(hidden_layer_sizes=(6,), max_iter=3, tol=None,
                                                batch_size=16, alpha=0.01,
                                                random_state=0).fit(X, y))
    for a, b in zip(fitted[0].net_.module_.parameters(), fitted[1].net_.module_.parameters()):
        assert a.dtype == torch.float32
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(fitted[0].importance_history_, fitted[1].importance_history_,
                               atol=1e-5)


def test_capture_off_records_no_learning_gradient_and_trains_the_same():
    with_capture = fit_with_step("binary", "auto")
    with engine_options(capture=False):
        without = fit_with_step("binary", "auto")
    np.testing.assert_allclose(without.loss_curve_, with_capture.loss_curve_, rtol=1e-12)
    assert without.net_.history[-1].get("learning_gradient") is None


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


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_numpy_step_without_flat_layout_trains_the_same(solver, monkeypatch):
    fitted = fit_with_step("multiclass", "auto", solver=solver, alpha=0.01)
    monkeypatch.setattr(_Optimizer, "flat_layout", lambda self: None)
    plain = fit_with_step("multiclass", "auto", solver=solver, alpha=0.01)
    for a, b in zip(fitted.net_.module_.parameters(), plain.net_.module_.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(fitted.importance_history_, plain.importance_history_,
                               rtol=1e-10)
