"""One epoch of a stack of networks in numpy, for stacks on the CPU.

The arithmetic of :meth:`sklgrad._engine.stacked._Stack.step` and ``update``, on numpy views
of the stack's torch tensors (weights, biases, moments, data), for the reason given in
:mod:`sklgrad._engine.numpy_step`: per operation, numpy costs a third of torch on these
sizes, and numpy's OpenBLAS multiplies them faster than torch's MKL on AMD processors.
``np.matmul`` on (K, m, n) arrays runs one BLAS product per network.
"""

import numpy as np

from .numpy_step import _ACTIVATIONS, batch_sum, capture_sum, output_error
from .optimizers import adam_update, sgd_update


def numpy_epoch(stack):
    """One epoch of every active network of ``stack``; returns (mean losses, |dL/dx| sums)
    as :meth:`~sklgrad._engine.stacked._Stack.epoch` does."""
    n, K = stack.n_rows, len(stack.active)
    order = stack.epoch_order().numpy()
    data_X, data_Y = stack.X.numpy(), stack.Y.numpy()
    if not stack.shared:  # (K, n, F): network k's rows start at k * n
        order = order + np.arange(0, K * n, n)[:, None]
        data_X = data_X.reshape(-1, data_X.shape[-1])
        data_Y = data_Y.reshape(-1, data_Y.shape[-1])
    weights = [w.numpy() for w in stack.W]
    biases = [b.numpy() for b in stack.B]
    moments = [[m.numpy() for m in group] for group in stack.moments]
    rates = [stack.lr.numpy().astype(w.dtype).reshape(-1, *[1] * (w.ndim - 1))
             for pair in zip(weights, biases) for w in pair]
    loss_total = np.zeros(K)
    totals = np.zeros((K, data_X.shape[-1]))
    with np.errstate(all="ignore"):  # divergence is reported by the finiteness check
        for start in range(0, n, stack.batch_size):
            index = order[:, start:start + stack.batch_size]
            X = data_X.take(index.reshape(-1), axis=0).reshape(*index.shape, -1)
            Y = data_Y.take(index.reshape(-1), axis=0).reshape(*index.shape, -1)
            losses, sums, grads = _step(stack, weights, biases, X, Y)
            _update(stack, [p for pair in zip(weights, biases) for p in pair], grads, rates,
                    moments)
            loss_total += losses * index.shape[1]
            totals += sums
    return loss_total / n, totals


def _step(stack, W, B, X, y):
    activation, derivative = _ACTIVATIONS[stack.template.activation]
    inputs, saved, h, last = [X], [None], X, len(W) - 1
    for i in range(last):
        z = np.matmul(h, W[i].transpose(0, 2, 1))
        z += B[i][:, None, :]
        h, kept = activation(z)
        inputs.append(h)
        saved.append(kept)
    out = np.matmul(h, W[last].transpose(0, 2, 1))
    out += B[last][:, None, :]
    nt = stack.n_targets
    target = y[..., :nt]
    weight = y[..., nt] if y.shape[2] > nt else None
    per_example, delta = output_error(stack.kind, out, target)
    if weight is None:
        losses = per_example.sum(axis=1)
        weight_sum = scale = float(X.shape[1])
    else:
        losses = (per_example * weight).sum(axis=1)
        weight_sum = np.maximum(weight.sum(axis=1), np.finfo(X.dtype).tiny)
        delta *= weight[..., None]
        scale = weight_sum[:, None, None]
    delta /= scale
    losses = losses / weight_sum * stack.report_scale
    alpha = stack.alpha
    grads_W, grads_B = [None] * len(W), [None] * len(W)
    squares = 0.0
    for i in range(last, -1, -1):
        grad = np.matmul(delta.transpose(0, 2, 1), inputs[i])
        if alpha:
            grad += W[i] * (alpha / scale)
            squares = squares + np.square(W[i]).sum(axis=(1, 2))
        grads_W[i], grads_B[i] = grad, batch_sum(delta)
        if i > 0:
            delta = np.matmul(delta, W[i])
            if derivative is not None:
                delta = derivative(delta, saved[i])
    if alpha:
        losses = losses + 0.5 * alpha * squares / weight_sum
    sums = capture_sum(delta, W[0])  # dLoss/dx, summed over each network's batch
    sums *= weight_sum if weight is None else weight_sum[:, None]
    return losses, sums, [g for pair in zip(grads_W, grads_B) for g in pair]


def _update(stack, params, grads, rates, moments):
    """scikit-learn's SGD or Adam update with one learning rate per network, in place."""
    template = stack.template
    if stack.solver == "sgd":
        sgd_update(params, grads, rates, moments[0], template.momentum,
                   template.nesterovs_momentum)
        return
    stack.t += 1
    adam_update(params, grads, rates, *moments, stack.t, template.beta_1, template.beta_2,
                template.epsilon)
