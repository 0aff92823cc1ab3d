"""The hand-written MLP step in torch: forward, backward and capture without autograd.

Used on a GPU (and on the CPU with ``engine_options(step="torch")``); on the CPU the same
arithmetic runs in numpy (:mod:`~sklgrad._engine.numpy_step`). Both are pinned against
autograd's in the tests.
"""

import torch

from .capture import IMPORTANCE_KEY
from .math_torch import ACTIVATIONS, LOSSES


def torch_step(net, X, y):
    """Forward, backward and capture of sklgrad's MLP written out, without autograd.

    The same arithmetic as autograd's: output error ``delta = f(x) - y`` (the canonical
    link of each loss), back-propagated layer by layer; each layer's gradient
    ``delta^T a`` (plus ``alpha * W``), divided by the batch's weight; and one step past
    the first layer, ``delta1 @ W1``: the learning gradient. The parameters' ``.grad`` are
    written, so the optimizer updates them as usual. Runs under the caller's ``no_grad``.
    """
    settings, (weights, biases) = net.settings, net.layers_
    n_targets = settings.n_targets
    activation = ACTIVATIONS[settings.activation]
    target = y[:, :n_targets]
    sample_weight = y[:, n_targets] if y.shape[1] > n_targets else None
    inputs, h, last = [X], X, len(weights) - 1
    for index in range(last):
        h = activation.forward(torch.addmm(biases[index], h, weights[index].t()))
        inputs.append(h)
    out = torch.addmm(biases[last], h, weights[last].t())
    per_example, delta = LOSSES[settings.loss].error(out, target)
    if sample_weight is None:
        loss_sum = per_example.sum()
        weight_sum = float(X.shape[0])
    else:
        loss_sum = torch.dot(per_example, sample_weight)
        weight_sum = sample_weight.sum().clamp_min(torch.finfo(X.dtype).tiny)
        delta = delta * sample_weight[:, None]
    delta = delta / weight_sum
    reported = loss_sum / weight_sum * settings.report_scale
    alpha = settings.alpha
    if alpha:
        # The penalty's share of the reported loss, from the weights before this step.
        norms = torch._foreach_norm(weights)
        reported = reported + 0.5 * alpha * torch.stack(norms).square().sum() / weight_sum
    for index in range(last, -1, -1):
        weight = weights[index]
        grad = torch.mm(delta.t(), inputs[index])
        if alpha:
            if sample_weight is None:
                grad.add_(weight, alpha=alpha / weight_sum)
            else:
                grad.add_(weight * (alpha / weight_sum))
        weight.grad = grad
        biases[index].grad = delta.sum(dim=0)
        if index == 0 and not settings.capture:
            break
        delta = torch.mm(delta, weight)  # at index 0: dLoss/dx, the learning gradient
        if index > 0 and activation.backward is not None:
            delta = activation.backward(delta, inputs[index])
    if not settings.capture:
        return {"loss": reported, "y_pred": out}
    batch_sum = torch.linalg.vector_norm(delta, ord=1, dim=0)
    batch_sum *= weight_sum
    return {"loss": reported, "y_pred": out, IMPORTANCE_KEY: batch_sum}
