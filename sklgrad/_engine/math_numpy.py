"""The mathematics of sklgrad's MLP in numpy: one table each of activations and losses, the
validation scores, and scikit-learn's SGD and Adam updates.

Read by the numpy step (one network) and the numpy stack (K networks) alike, as
scikit-learn's ``neural_network/_base.py`` tables are read by its MLP. Adding an activation
is one entry here and one in :mod:`~sklgrad._engine.math_torch` (the tests run every entry
through every step against autograd).
"""

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from scipy.special import expit
from sklearn.metrics import accuracy_score, r2_score


class Activation(NamedTuple):
    """An activation in place on ``z``, returning ``(a, kept)``, and its derivative applied
    to an error, ``backward(delta, kept) -> delta * f'(z)`` (in place); ``kept`` is what
    the derivative needs (the output ``a``, or ReLU's mask). None: the identity's."""

    forward: Callable
    backward: Callable | None


# ReLU keeps its mask as 0.0 and 1.0 in z's type: one comparison for both passes, and a
# product with a float array is cheaper than one with a boolean array (numpy casts the
# booleans element by element).
def _relu(z):
    mask = (z > 0).astype(z.dtype)
    return np.multiply(z, mask, out=z), mask


def _relu_backward(delta, mask):
    return np.multiply(delta, mask, out=delta)


def _tanh(z):
    h = np.tanh(z, out=z)
    return h, h


def _tanh_backward(delta, a):
    return np.multiply(delta, 1 - a * a, out=delta)


def _logistic(z):
    h = expit(z, out=z)
    return h, h


def _logistic_backward(delta, a):
    return np.multiply(delta, a * (1 - a), out=delta)


ACTIVATIONS = {
    "identity": Activation(lambda z: (z, None), None),
    "logistic": Activation(_logistic, _logistic_backward),
    "tanh": Activation(_tanh, _tanh_backward),
    "relu": Activation(_relu, _relu_backward),
}


def softplus(x):
    """``log(1 + exp(x))`` as ``max(x, 0) + log1p(exp(-|x|))``: the same to a rounding,
    faster than ``np.logaddexp(0, x)`` on a stack's outputs."""
    result = np.abs(x)
    np.negative(result, out=result)
    np.exp(result, out=result)
    np.log1p(result, out=result)
    result += np.maximum(x, 0)
    return result


# Each loss: ``(out, target) -> (per-example loss, dLoss/d out)``, for outputs of shape
# (..., batch, outputs) (one network's batch or a stack's); the canonical link of each loss
# makes ``dLoss/d out = f(x) - y``.
def _binary(out, target):
    per_example = (softplus(out) - out * target)[..., 0]
    delta = expit(out)
    delta -= target
    return per_example, delta


def _multiclass(out, target):
    shifted = out - out.max(axis=-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    codes = target[..., :1].astype(np.intp)
    per_example = -np.take_along_axis(log_p, codes, axis=-1)[..., 0]
    delta = np.exp(log_p, out=log_p)
    np.put_along_axis(delta, codes, np.take_along_axis(delta, codes, axis=-1) - 1, axis=-1)
    return per_example, delta


def _regression(out, target):
    # scikit-learn's gradient is (f(x) - y) summed over the outputs: half the squared error
    # summed over them (its reported loss averages them: TrainSettings.report_scale).
    delta = out - target
    return 0.5 * np.square(delta).sum(axis=-1), delta


LOSSES = {"binary": _binary, "multiclass": _multiclass, "regression": _regression}


def score_outputs(loss, outputs, targets, weights=None):
    """scikit-learn's validation score of raw outputs: accuracy for a classifier (a logit
    above 0, or the largest of the softmax logits), R^2 for a regressor; NaN when an
    output is not finite (a diverged network), as scikit-learn's MLP scores it."""
    if not np.isfinite(outputs).all():
        return float("nan")
    if loss == "regression":
        return r2_score(targets, outputs, sample_weight=weights)
    if outputs.shape[1] == 1:
        predicted = (outputs[:, 0] > 0).astype(np.float32)
    else:
        predicted = np.argmax(outputs, axis=1).astype(np.float32)
    return accuracy_score(targets[:, 0], predicted, sample_weight=weights)


def sgd_update(params, grads, rates, velocities, momentum, nesterov):
    """scikit-learn's SGD update on numpy arrays, in place, in its order of operations:
    ``v = momentum * v - lr * grad``, then ``param += v`` (or ``momentum * v - lr * grad``
    with Nesterov's momentum). ``rates`` broadcast against each parameter: one learning
    rate, or one per network of a stack."""
    for param, grad, lr, velocity in zip(params, grads, rates, velocities):
        step = grad * lr
        velocity *= momentum
        velocity -= step
        if nesterov:
            update = momentum * velocity
            update -= step
            param += update
        else:
            param += velocity


def adam_update(params, grads, rates, firsts, seconds, t, beta_1, beta_2, epsilon):
    """scikit-learn's Adam update on numpy arrays, in place, at step ``t`` (from 1):
    ``epsilon`` is added to the uncorrected second moment's root."""
    correction = math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    for param, grad, lr, m, v in zip(params, grads, rates, firsts, seconds):
        m *= beta_1
        m += (1 - beta_1) * grad
        v *= beta_2
        v += (1 - beta_2) * grad * grad
        param -= (lr * correction) * m / (np.sqrt(v) + epsilon)


def shrink_columns(weight, second, rate, epsilon, strength, column_weights=None):
    """The group-lasso proximal step on ``weight``'s columns, in place (see
    :func:`sklgrad._engine.penalty.group_shrink`): column j shrinks in norm by its step
    times ``strength`` (times ``column_weights[j]``), and is zero when that is more than
    its norm. The step is ``rate`` for SGD; for Adam (``second``, its second moment) the
    column's mean of ``rate / (sqrt(v) + epsilon)``.

    A stack of K networks' weights, shape (K, hidden, inputs), takes ``rate`` and
    ``strength`` of shape (K, 1) (or numbers) and ``column_weights`` of shape (K, inputs):
    each network's columns shrink by its own."""
    step = rate if second is None else rate / (np.sqrt(second) + epsilon).mean(axis=-2)
    if column_weights is not None:
        strength = strength * column_weights
    norms = np.sqrt(np.einsum("...ij,...ij->...j", weight, weight))
    with np.errstate(over="ignore"):  # a zero column's quotient: inf, its factor 0
        factor = 1 - step * strength / np.maximum(norms, np.finfo(weight.dtype).tiny)
    factor = np.maximum(factor, 0, out=factor).astype(weight.dtype, copy=False)
    weight *= factor[..., None, :]
