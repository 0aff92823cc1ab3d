"""The engine's two tables of mathematics (``sklgrad/_engine/math_numpy.py``,
``math_torch.py``): the same entries, each loss's error equal to autograd's derivative, and
an activation added to both tables (one entry per backend) trained by every step."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from _engine_data import engine_data
from sklearn.base import clone

from sklgrad import LearningGradientClassifier
from sklgrad._engine import math_numpy, math_torch
from sklgrad._engine.settings import engine_options
from sklgrad._neural_network._fit_many import fit_many


def test_both_backends_define_the_same_activations_and_losses():
    assert list(math_numpy.ACTIVATIONS) == list(math_torch.ACTIVATIONS)
    assert set(math_numpy.LOSSES) == set(math_torch.LOSSES)


@pytest.mark.parametrize("loss", list(math_torch.LOSSES))
@pytest.mark.parametrize("stacked", [False, True])
def test_each_loss_error_is_its_derivative_in_both_backends(loss, stacked):
    rng = np.random.default_rng(0)
    shape = (2, 8, 3) if stacked else (8, 3)
    out = rng.standard_normal(shape)
    if loss == "regression":
        target = rng.standard_normal(shape)
    else:
        width = 1 if loss == "binary" else 3
        out = out[..., :width]
        target = rng.integers(0, 2 if loss == "binary" else 3, shape[:-1] + (1,)).astype(float)
    leaf = torch.tensor(out, requires_grad=True)
    per_example = math_torch.LOSSES[loss].per_example(leaf, torch.from_numpy(target))
    per_example.sum().backward()
    torch_loss, torch_delta = math_torch.LOSSES[loss].error(torch.from_numpy(out.copy()),
                                                            torch.from_numpy(target))
    numpy_loss, numpy_delta = math_numpy.LOSSES[loss](out.copy(), target)
    for value in (torch_loss.numpy(), numpy_loss):
        np.testing.assert_allclose(value, per_example.detach().numpy(), rtol=1e-12)
    for delta in (torch_delta.numpy(), numpy_delta):
        np.testing.assert_allclose(delta, leaf.grad.numpy(), rtol=1e-10, atol=1e-14)


def _softplus_numpy(z):
    a = math_numpy.softplus(z)
    z[...] = a
    return z, z


@pytest.fixture
def softplus(monkeypatch):
    """A test-only activation, softplus (f' = sigmoid(z) = 1 - exp(-a)), as one entry in each
    backend's table and nothing else."""
    monkeypatch.setitem(math_numpy.ACTIVATIONS, "softplus", math_numpy.Activation(
        _softplus_numpy,
        lambda delta, a: np.multiply(delta, -np.expm1(-a), out=delta)))
    monkeypatch.setitem(math_torch.ACTIVATIONS, "softplus", math_torch.Activation(
        F.softplus, lambda delta, a: delta.mul_(-torch.expm1(-a))))
    return "softplus"


@pytest.mark.parametrize("activation", [*math_numpy.ACTIVATIONS, "softplus"])
def test_every_table_entry_trains_the_same_in_every_step(activation, softplus):
    # Single network: numpy and torch steps; stack: numpy and torch epochs; each against
    # autograd on the module, whose forward reads the torch table.
    X, y = engine_data("multiclass")
    base = LearningGradientClassifier(hidden_layer_sizes=(6, 4), activation=activation,
                                      max_iter=4, tol=None, batch_size=16, alpha=0.01,
                                      learning_rate_init=0.05)
    seeds = (0, 1)
    with engine_options(step="autograd"):
        reference = [clone(base).set_params(random_state=s).fit(X, y) for s in seeds]
    for step in ("auto", "torch"):
        with engine_options(step=step):
            single = [clone(base).set_params(random_state=s).fit(X, y) for s in seeds]
            stack, stacked = fit_many([clone(base).set_params(random_state=s) for s in seeds],
                                      [X] * len(seeds), y)
        assert stacked
        for fitted in (single, stack):
            for mine, auto in zip(fitted, reference):
                np.testing.assert_allclose(mine.importance_history_, auto.importance_history_,
                                           atol=1e-6)
                np.testing.assert_allclose(mine.loss_curve_, auto.loss_curve_, rtol=1e-7)
                np.testing.assert_allclose(mine.predict_proba(X), auto.predict_proba(X),
                                           atol=1e-6)


@pytest.mark.parametrize("adam", [True, False])
def test_the_group_lasso_step_is_the_same_in_both_tables(adam):
    # The numpy step's proximal step (on views of the CPU tensors) against the torch one:
    # each column's step, a weighted strength, an eliminated column (weight inf) and a
    # column already at zero.
    rng = np.random.default_rng(0)
    weight = rng.normal(size=(7, 5))
    weight[:, 3] = 0.0
    second = rng.random((7, 5)) * 1e-3 if adam else None
    column_weights = np.array([1.0, 0.5, np.inf, 1.0, 2.0])
    numpy_weight = weight.copy()
    math_numpy.shrink_columns(numpy_weight, second, 0.01, 1e-8, 0.4, column_weights)
    torch_weight = torch.from_numpy(weight.copy())
    math_torch.shrink_columns(torch_weight, None if second is None else torch.from_numpy(
        second), 0.01, 1e-8, 0.4, torch.from_numpy(column_weights))
    np.testing.assert_allclose(numpy_weight, torch_weight.numpy(), rtol=1e-12, atol=0)
    norms = np.linalg.norm(numpy_weight, axis=0)
    assert norms[2] == 0 and norms[3] == 0  # eliminated, and zero stays zero
    step = 0.01 / (np.sqrt(second) + 1e-8).mean(axis=0) if adam else 0.01
    expected = np.linalg.norm(weight, axis=0) - step * 0.4 * column_weights
    alive = [0, 1, 4]
    np.testing.assert_allclose(norms[alive], np.maximum(np.broadcast_to(
        expected, (5,))[alive], 0), rtol=1e-12)
