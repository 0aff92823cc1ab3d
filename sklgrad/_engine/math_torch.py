"""The mathematics of sklgrad's MLP in torch: one table each of activations and losses, and
scikit-learn's SGD and Adam updates.

Read by the network module (its forward pass, which autograd differentiates), the
hand-written torch step (one network) and the torch stack (K networks), as scikit-learn's
``neural_network/_base.py`` tables are read by its MLP. The numpy twin is
:mod:`~sklgrad._engine.math_numpy`; the two tables hold the same names.
"""

import math
from collections.abc import Callable
from typing import NamedTuple

import torch
import torch.nn.functional as F


class Activation(NamedTuple):
    """An activation ``forward(z) -> a``; its derivative applied to an error, read from the
    output, ``backward(delta, a) -> delta * f'(z)`` (may work in place; None: the
    identity's); and the factor of scikit-learn's Glorot initialization, whose bound is
    ``sqrt(init_factor / (fan_in + fan_out))``."""

    forward: Callable
    backward: Callable | None
    init_factor: float = 6.0


def _identity(z):
    return z


def _relu_backward(delta, a):
    # One fused kernel: as fast as the mask alone, faster than masking and multiplying.
    return torch.ops.aten.threshold_backward(delta, a, 0)


def _tanh_backward(delta, a):
    return delta.mul_(1 - a * a)


def _logistic_backward(delta, a):
    return delta.mul_(a * (1 - a))


ACTIVATIONS = {
    "identity": Activation(_identity, None),
    "logistic": Activation(torch.sigmoid, _logistic_backward, init_factor=2.0),
    "tanh": Activation(torch.tanh, _tanh_backward),
    "relu": Activation(torch.relu, _relu_backward),
}


class Loss(NamedTuple):
    """A loss: ``per_example(out, target)``, differentiable (autograd and the post-hoc
    gradients use it), and ``error(out, target) -> (per-example loss, dLoss/d out)`` for
    the hand-written steps; outputs of shape (..., batch, outputs)."""

    per_example: Callable
    error: Callable


def _binary(out, target):
    return F.binary_cross_entropy_with_logits(out, target, reduction="none")[..., 0]


def _binary_error(out, target):
    return _binary(out, target), torch.sigmoid(out).sub_(target)


def _multiclass(out, target):
    return -torch.log_softmax(out, dim=-1).gather(-1, target[..., :1].long())[..., 0]


def _multiclass_error(out, target):
    log_p = torch.log_softmax(out, dim=-1)
    codes = target[..., :1].long()
    picked = log_p.gather(-1, codes)
    delta = log_p.exp_().scatter_add_(-1, codes, torch.full_like(picked, -1.0))
    return -picked[..., 0], delta


def _regression(out, target):
    # Half the squared error summed over the outputs: scikit-learn's gradient (f(x) - y).
    return 0.5 * (out - target).square().sum(dim=-1)


def _regression_error(out, target):
    delta = out - target
    return 0.5 * delta.square().sum(dim=-1), delta


LOSSES = {
    "binary": Loss(_binary, _binary_error),
    "multiclass": Loss(_multiclass, _multiclass_error),
    "regression": Loss(_regression, _regression_error),
}


def sgd_update(params, grads, rates, velocities, momentum, nesterov):
    """scikit-learn's SGD update on tensors, in place, in its order of operations (as
    :func:`sklgrad._engine.math_numpy.sgd_update`); ``rates`` broadcast against each
    parameter: one learning rate, or one per network of a stack."""
    for param, grad, lr, velocity in zip(params, grads, rates, velocities):
        step = grad * lr
        velocity.mul_(momentum).sub_(step)
        if nesterov:
            param.add_(velocity * momentum - step)
        else:
            param.add_(velocity)


def adam_update(params, grads, rates, firsts, seconds, t, beta_1, beta_2, epsilon):
    """scikit-learn's Adam update on tensors, in place, at step ``t`` (from 1)."""
    correction = math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    for param, grad, lr, m, v in zip(params, grads, rates, firsts, seconds):
        m.mul_(beta_1).add_(grad, alpha=1 - beta_1)
        v.mul_(beta_2).addcmul_(grad, grad, value=1 - beta_2)
        param.sub_((lr * correction) * m / (v.sqrt() + epsilon))


def shrink_columns(weight, second, rate, epsilon, strength, column_weights=None):
    """The group-lasso proximal step on tensors, in place (as
    :func:`sklgrad._engine.math_numpy.shrink_columns`, stacks included)."""
    step = rate if second is None else rate / (second.sqrt() + epsilon).mean(dim=-2)
    if column_weights is not None:
        strength = strength * column_weights
    norms = torch.linalg.vector_norm(weight, dim=-2)
    tiny = torch.finfo(weight.dtype).tiny
    factor = (1 - step * strength / norms.clamp_min(tiny)).clamp_min_(0)
    weight.mul_(factor.unsqueeze(-2))
