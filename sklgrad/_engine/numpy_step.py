"""The hand-written MLP step in numpy, for networks on the CPU.

The arithmetic of :func:`sklgrad._engine.torch_step.torch_step`, on numpy views of the same
torch tensors (a CPU tensor and its ``.numpy()`` share memory): parameters, gradients and
the optimizer's state stay torch's, so skorch, the optimizers and a later move to a GPU see
nothing different. Why numpy: on the small networks of tabular work a step is a few dozen
operations on small arrays, and a numpy operation costs about a microsecond where a torch
operation costs three to five; numpy's OpenBLAS also multiplies these shapes faster than
torch's MKL on AMD processors (``benchmarks/bench_speed.py``).
"""

import math

import numpy as np
import torch
from scipy.linalg.blas import idamax

from .capture import IMPORTANCE_KEY
from .math_numpy import ACTIVATIONS, LOSSES


def batch_sum(values, out=None):
    """``values`` summed over the batch (axis -2), as a product with a vector of ones: the
    matrix-vector product is faster than numpy's sum along that axis on these shapes."""
    return np.matmul(np.ones(values.shape[-2], values.dtype), values, out=out)


# Multiply-adds per network from which the float32 capture product is faster than float64's
# with its conversions (about 500,000 on this project's machines: 128 x 64 x 64).
_FLOAT32_PRODUCT = 2**19


def capture_sum(delta, first_weight):
    """The capture: ``|delta @ W1|`` summed over the batch (axis -2), for one network's
    ``delta`` (batch, hidden) and ``W1`` (hidden, inputs) or a stack's (K, batch, hidden).

    A float64 network's product is computed in float32 when it is large: the capture is a
    third of the arithmetic of a float64 step, float32 halves it, and an importance share
    needs six significant digits, not sixteen. ``delta`` is first scaled by a power of two
    (exact), so that float32's narrower range cannot flush a well-fitted network's small
    gradients to zero; the sums are scaled back in float64. Below ``_FLOAT32_PRODUCT``
    multiply-adds per network the conversions cost more than they save.
    """
    if (delta.dtype != np.float64
            or delta.shape[-2] * delta.shape[-1] * first_weight.shape[-1] < _FLOAT32_PRODUCT):
        product = np.matmul(delta, first_weight)
        return batch_sum(np.abs(product, out=product))
    exponent = _peak_exponent(delta)
    # Multiplied in float64, rounded to float32 on the way out (dtype= would round first).
    scaled = np.multiply(delta, np.ldexp(1.0, -exponent), casting="same_kind",
                         out=np.empty(delta.shape, np.float32))
    product = np.matmul(scaled, first_weight.astype(np.float32))
    sums = batch_sum(np.abs(product, out=product))
    return np.ldexp(sums, exponent if delta.ndim == 2 else exponent[..., 0],
                    dtype=np.float64)


def _peak_exponent(delta):
    """The binary exponent of each network's largest ``|delta|`` (peak = mantissa *
    2**exponent, mantissa in [0.5, 1)): an int for one network, else shaped to broadcast
    over the stack's ``delta``. Not below -1000: scaling a subnormal peak up by more would
    overflow, and ``2**-1000`` already lies far inside float32's range once scaled."""
    if delta.ndim == 2:  # one network: BLAS's index of the largest |value|, in one pass
        flat = delta.ravel()
        return max(math.frexp(flat[idamax(flat)])[1], -1000)
    peak = np.maximum(delta.max(axis=(-2, -1), keepdims=True),
                      -delta.min(axis=(-2, -1), keepdims=True))
    return np.maximum(np.frexp(peak)[1], -1000)


def _batch_error(loss, out, target, sample_weight):
    """Summed (weighted) loss of one batch, ``dLoss/d out`` times each example's weight,
    and the batch's weight."""
    per_example, delta = LOSSES[loss](out, target)
    if sample_weight is None:
        return per_example.sum(), delta, float(len(out))
    weight_sum = max(sample_weight.sum(), np.finfo(out.dtype).tiny)
    delta *= sample_weight[:, None]
    return per_example @ sample_weight, delta, weight_sum


def numpy_step(net, X, y, layout=None):
    """Forward, backward and capture of sklgrad's MLP in numpy; writes the parameters'
    gradients and returns what :func:`~sklgrad._engine.torch_step.torch_step` returns.

    ``layout``: the optimizer's :class:`~sklgrad._engine.optimizers.FlatLayout`, whose
    arrays the parameters are read from and the gradients written into (None: each
    ``.grad`` is set to a new tensor).
    """
    # A diverging fit is reported by the stopping rule, with its epoch: torch's step does
    # not warn on overflow either.
    with np.errstate(all="ignore"):
        return _step(net, X, y, layout)


def _step(net, X, y, layout):
    settings, (weights, biases) = net.settings, net.layers_
    n_targets = settings.n_targets
    activation, derivative = ACTIVATIONS[settings.activation]
    X, y = X.numpy(), y.numpy()
    if layout is None:
        W = [w.detach().numpy() for w in weights]
        B = [b.detach().numpy() for b in biases]
        grads_W, grads_B = _new_grads(weights), _new_grads(biases)
    else:
        W, B = layout.values_of(weights), layout.values_of(biases)
        grads_W, grads_B = layout.grads_of(weights), layout.grads_of(biases)
    sample_weight = y[:, n_targets] if y.shape[1] > n_targets else None
    inputs, saved, h, last = [X], [None], X, len(W) - 1
    for index in range(last):
        z = h @ W[index].T
        z += B[index]
        h, kept = activation(z)
        inputs.append(h)
        saved.append(kept)
    out = h @ W[last].T
    out += B[last]
    loss_sum, delta, weight_sum = _batch_error(settings.loss, out, y[:, :n_targets],
                                               sample_weight)
    delta /= weight_sum
    reported = loss_sum / weight_sum * settings.report_scale
    alpha = settings.alpha
    if alpha:
        # The penalty's share of the reported loss, from the weights before this step.
        squares = sum(np.vdot(w, w) for w in W)
        reported += 0.5 * alpha * squares / weight_sum
    for index in range(last, -1, -1):
        grad = np.matmul(delta.T, inputs[index], out=grads_W[index])
        if alpha:
            grad += (alpha / weight_sum) * W[index]
        batch_sum(delta, out=grads_B[index])
        if index > 0:
            delta = backward_product(delta, W[index])
            if derivative is not None:
                delta = derivative(delta, saved[index])
    step = {"loss": np.float64(reported), "y_pred": torch.from_numpy(out)}
    if settings.capture:
        # dLoss/dx, the learning gradient; each example's own (times its weight): undo the
        # division by the weights.
        batch_sums = capture_sum(delta, W[0])
        batch_sums *= weight_sum
        step[IMPORTANCE_KEY] = torch.from_numpy(batch_sums)
    return step


def _new_grads(params):
    """New gradient arrays for ``params``, set as their ``.grad``."""
    grads = []
    for param in params:
        param.grad = torch.empty_like(param)
        grads.append(param.grad.numpy())
    return grads


def backward_product(delta, W):
    """``delta @ W``, for one network (W of shape (out, in)) or a stack ((K, out, in)).
    Through a one-unit layer (a binary or single-output network's last) it is an outer
    product, which a broadcast multiply does faster."""
    if W.shape[-2] == 1:
        return np.multiply(delta, W)
    return np.matmul(delta, W)
