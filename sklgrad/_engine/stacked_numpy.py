"""One epoch of a stack of networks in numpy, for stacks on the CPU.

The arithmetic of :meth:`sklgrad._engine.stacked.NetworkStack.step` and ``update`` in numpy, on
views of the stack's data and on (K, P) copies of its weights, biases and moments for the
epoch (:class:`_FlatStack`), for the reason given in :mod:`sklgrad._engine.numpy_step`: per
operation, numpy costs less than torch on these sizes, and numpy's OpenBLAS multiplies
them faster than torch's MKL on AMD processors. ``np.matmul`` on (K, m, n) arrays runs one
BLAS product per network.
"""

import numpy as np

from .math_numpy import ACTIVATIONS, LOSSES, adam_update, sgd_update, shrink_columns
from .numpy_step import backward_product, batch_sum, capture_sum


def _flat(arrays):
    """(K, ...) arrays side by side in one new (K, P) array, and views of it shaped as each
    (network k's parameters are row k)."""
    flat = np.concatenate([a.reshape(len(a), -1) for a in arrays], axis=1)
    views, offset = [], 0
    for array in arrays:
        size = array[0].size
        views.append(flat[:, offset:offset + size].reshape(array.shape))
        offset += size
    return flat, views


class _FlatStack:
    """For one epoch, the active networks' parameters, gradients and optimizer moments as
    one (K, P) array each (network k's in row k, every weight matrix before the biases),
    copied out of the stack's tensors and back by :meth:`write_back`: an update, and the
    penalty on all weight matrices, are then a handful of operations for all networks."""

    def __init__(self, stack):
        n_layers = len(stack.W)
        # stack.params() and the moments alternate weight and bias; here weights come first.
        order = [*range(0, 2 * n_layers, 2), *range(1, 2 * n_layers, 2)]
        params = stack.params()
        self.tensors = [params[i] for i in order]
        self.params, views = _flat([t.numpy() for t in self.tensors])
        self.grads, grad_views = _flat([np.zeros_like(view) for view in views])
        self.W, self.B = views[:n_layers], views[n_layers:]
        self.grads_W, self.grads_B = grad_views[:n_layers], grad_views[n_layers:]
        n_weights = sum(w[0].size for w in self.W)
        self.weights, self.weight_grads = self.params[:, :n_weights], self.grads[:, :n_weights]
        self.moment_tensors = [[group[i] for i in order] for group in stack.moments]
        self.moments, self.moment_views = zip(*[_flat([m.numpy() for m in group])
                                               for group in self.moment_tensors])

    def write_back(self):
        views = [*self.W, *self.B]
        for tensors, arrays in [(self.tensors, views),
                                *zip(self.moment_tensors, self.moment_views)]:
            for tensor, array in zip(tensors, arrays):
                tensor.numpy()[...] = array


def numpy_epoch(stack):
    """One epoch of every active network of ``stack``; returns (mean losses, |dL/dx| sums)
    as :meth:`~sklgrad._engine.stacked.NetworkStack.epoch` does."""
    n, K = stack.n_rows, len(stack.active)
    order = stack.epoch_order().numpy()
    data_X, data_Y = stack.X.numpy(), stack.Y.numpy()
    if not stack.shared:  # (K, n, F): network k's rows start at k * n
        order = order + np.arange(0, K * n, n)[:, None]
        data_X = data_X.reshape(-1, data_X.shape[-1])
        data_Y = data_Y.reshape(-1, data_Y.shape[-1])
    flat = _FlatStack(stack)
    rates = stack.lr.numpy().astype(flat.params.dtype)[:, None]
    loss_total = np.zeros(K)
    totals = np.zeros((K, data_X.shape[-1]))
    with np.errstate(all="ignore"):  # divergence is reported by the finiteness check
        for start in range(0, n, stack.batch_size):
            index = order[:, start:start + stack.batch_size]
            X = data_X.take(index.reshape(-1), axis=0).reshape(*index.shape, -1)
            Y = data_Y.take(index.reshape(-1), axis=0).reshape(*index.shape, -1)
            losses, sums = _step(stack, flat, X, Y)
            _update(stack, flat, rates)
            if stack.penalty is not None:
                _shrink(stack, flat)
            loss_total += losses * index.shape[1]
            if sums is not None:
                totals += sums
    flat.write_back()
    return loss_total / n, totals


def _step(stack, flat, X, y):
    """Forward, backward and capture of every network; writes the gradients into
    ``flat.grads``; returns (losses, |dL/dx| sums, None without the capture)."""
    W, B, settings = flat.W, flat.B, stack.settings
    activation, derivative = ACTIVATIONS[settings.activation]
    inputs, saved, h, last = [X], [None], X, len(W) - 1
    for i in range(last):
        z = np.matmul(h, W[i].transpose(0, 2, 1))
        z += B[i][:, None, :]
        h, kept = activation(z)
        inputs.append(h)
        saved.append(kept)
    out = np.matmul(h, W[last].transpose(0, 2, 1))
    out += B[last][:, None, :]
    nt = settings.n_targets
    target = y[..., :nt]
    weight = y[..., nt] if y.shape[2] > nt else None
    per_example, delta = LOSSES[settings.loss](out, target)
    if weight is None:
        losses = per_example.sum(axis=1)
        weight_sum = scale = float(X.shape[1])
    else:
        losses = (per_example * weight).sum(axis=1)
        weight_sum = np.maximum(weight.sum(axis=1), np.finfo(X.dtype).tiny)
        delta *= weight[..., None]
        scale = weight_sum[:, None, None]
    delta /= scale
    losses = losses / weight_sum * settings.report_scale
    for i in range(last, -1, -1):
        np.matmul(delta.transpose(0, 2, 1), inputs[i], out=flat.grads_W[i])
        batch_sum(delta, out=flat.grads_B[i])
        if i > 0:
            delta = backward_product(delta, W[i])
            if derivative is not None:
                delta = derivative(delta, saved[i])
    alpha = settings.alpha
    if alpha:  # on every weight matrix at once (the biases are not penalized)
        weights = flat.weights
        flat.weight_grads += weights * (alpha / (scale if weight is None else scale[:, :, 0]))
        squares = np.einsum("kp,kp->k", weights, weights)
        losses = losses + 0.5 * alpha * squares / weight_sum
    capture = stack.capture
    if capture is True:
        sums = capture_sum(delta, W[0])  # dLoss/dx, summed over each network's batch
    elif not np.any(capture):
        return losses, None
    else:  # the networks of the mask only; the others' sums stay zero
        picked = np.flatnonzero(capture)
        sums = np.zeros((len(delta), W[0].shape[-1]))
        sums[picked] = capture_sum(delta[picked], W[0][picked])
    sums *= weight_sum if weight is None else weight_sum[:, None]
    return losses, sums


def _update(stack, flat, rates):
    """scikit-learn's SGD or Adam update with one learning rate per network, in place, on
    the (K, P) arrays."""
    settings = stack.settings
    if settings.solver == "sgd":
        sgd_update([flat.params], [flat.grads], [rates], flat.moments, settings.momentum,
                   settings.nesterovs_momentum)
        return
    stack.t += 1
    first, second = flat.moments
    adam_update([flat.params], [flat.grads], [rates], [first], [second], stack.t,
                settings.beta_1, settings.beta_2, settings.epsilon)


def _shrink(stack, flat):
    """The group-lasso step of ``stack.penalty`` on the first weight matrices, in place
    (:meth:`~sklgrad._engine.stacked.NetworkStack.shrink` in numpy)."""
    strengths, column_weights = stack.penalty
    second = None if stack.settings.solver == "sgd" else flat.moment_views[1][0]
    # The step size in float64, then the weights' precision, as a single network's.
    rates = (stack.lr.numpy()[:, None] * stack.rate_correction()).astype(flat.params.dtype)
    shrink_columns(flat.W[0], second, rates, stack.settings.epsilon, strengths,
                   column_weights)
