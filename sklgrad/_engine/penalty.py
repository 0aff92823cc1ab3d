"""The group-lasso step on the first layer's columns (``input_penalty``)."""

import math

from . import math_numpy, math_torch


def group_shrink(net, strength, column_weights=None):
    """The proximal step of a group-lasso penalty ``strength * sum_j ||W1[:, j]||`` on the
    columns of the first layer (one column per input), after an optimizer update.

    Each column shrinks toward zero by ``step_j * strength`` in norm, and is set to exactly
    zero when its norm is smaller: an input whose column is zero gets a learning gradient
    of exactly zero. The step size is the optimizer's: ``lr`` for SGD; for Adam, whose step
    on a weight is ``lr_t / (sqrt(v) + eps)`` (scikit-learn's form), the column's mean of
    that step (the proximal operator in Adam's metric, averaged over the column).
    ``column_weights`` (one per input) multiplies the strength column by column: the
    reweighted penalty of the input-penalty path.
    """
    weight = net.module_.layers[0].weight  # (hidden, inputs): column j is input j's
    optimizer = net.optimizer_
    group = optimizer.param_groups[0]
    state = optimizer.state.get(weight, {})
    second = state.get("v")  # Adam's second moment; None for SGD
    if second is not None:
        beta_1, beta_2 = group["betas"]
        t = state["step"]
        rate = group["lr"] * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    else:
        rate = group["lr"]
    if weight.device.type == "cpu":  # numpy on views of the same memory, as the step
        math_numpy.shrink_columns(
            weight.detach().numpy(), None if second is None else second.numpy(), rate,
            group.get("eps"), strength,
            None if column_weights is None else column_weights.numpy())
    else:
        math_torch.shrink_columns(weight, second, rate, group.get("eps"), strength,
                                  column_weights)
