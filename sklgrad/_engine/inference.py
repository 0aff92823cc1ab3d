"""A trained module's outputs on prepared inputs, and the validation scores read from them."""

import torch

from .data import CHUNK_ELEMENTS, dense_chunks
from .math_numpy import score_outputs


def module_outputs(module, X, dtype):
    """The module's raw outputs on prepared X, chunk by chunk (a sparse X is made dense a
    block at a time), computed in ``dtype``, as a NumPy array."""
    was_training = module.training
    module.eval()
    device = next(module.parameters()).device
    state = {name: tensor.to(dtype) if tensor.is_floating_point() else tensor
             for name, tensor in module.state_dict().items()}
    outputs = []
    with torch.no_grad():
        for chunk in dense_chunks(X, CHUNK_ELEMENTS):
            chunk = torch.from_numpy(chunk).to(device, dtype)
            outputs.append(torch.func.functional_call(module, state, (chunk,)).cpu())
    module.train(was_training)
    return torch.cat(outputs).numpy()


def validation_score(loss, X_val, y_val, weighted, module):
    """scikit-learn's validation score (accuracy or R^2) of ``module`` on held-out rows
    (``y_val``: the targets, then the weights when ``weighted``)."""
    outputs = module_outputs(module, X_val, dtype=next(module.parameters()).dtype)
    if weighted:
        return score_outputs(loss, outputs, y_val[:, :-1], y_val[:, -1])
    return score_outputs(loss, outputs, y_val, None)
