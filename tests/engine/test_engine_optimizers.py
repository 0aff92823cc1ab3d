"""scikit-learn's SGD and Adam: the flat numpy update against the update per tensor, and the
two backends' updates against each other (``sklgrad/_engine/optimizers.py``,
``math_numpy.py``, ``math_torch.py``)."""

import copy

import numpy as np
import pytest
import torch

from sklgrad._engine import math_numpy, math_torch
from sklgrad._engine.module import MLP
from sklgrad._engine.optimizers import ScikitAdam, ScikitSGD


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


@pytest.mark.parametrize("solver", ["sgd", "nesterov", "adam"])
def test_the_numpy_and_torch_updates_agree(solver):
    # One learning rate per network of a stack of 3, broadcast over (3, 4, 5) parameters.
    rng = np.random.default_rng(1)
    params = [rng.standard_normal((3, 4, 5)) for _ in range(2)]
    rates = [np.array([0.1, 0.01, 0.5])[:, None, None]] * 2
    moments = [[np.zeros_like(p) for p in params] for _ in range(2)]
    torch_params, torch_moments = ([torch.from_numpy(p.copy()) for p in params],
                                   [[torch.from_numpy(m.copy()) for m in g] for g in moments])
    torch_rates = [torch.from_numpy(r) for r in rates]
    for t in range(1, 4):
        grads = [rng.standard_normal(p.shape) for p in params]
        torch_grads = [torch.from_numpy(g.copy()) for g in grads]
        if solver == "adam":
            math_numpy.adam_update(params, grads, rates, *moments, t, 0.9, 0.999, 1e-8)
            math_torch.adam_update(torch_params, torch_grads, torch_rates, *torch_moments, t,
                                   0.9, 0.999, 1e-8)
        else:
            nesterov = solver == "nesterov"
            math_numpy.sgd_update(params, grads, rates, moments[0], 0.9, nesterov)
            math_torch.sgd_update(torch_params, torch_grads, torch_rates, torch_moments[0],
                                  0.9, nesterov)
    for a, b in zip(params, torch_params):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-12)


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
