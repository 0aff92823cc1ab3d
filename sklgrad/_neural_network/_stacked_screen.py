"""A screening round's block paths, trained as one stack.

A screening round of the input-penalty path (``_path.py``) runs one short path per block
of eliminated inputs beside the survivors: tens of small networks of one architecture,
each thousands of optimizer steps whose cost is overhead more than arithmetic. Trained as
one stack (:mod:`sklgrad._engine.stacked`), each block's network ends as its own path
would, to rounding: the same initial weights and data order, the dense phase under its
validation rule, then the same strengths, reweighting and ends (``_path_rules.py``).
"""

import math
from types import SimpleNamespace

import numpy as np
import torch

from .._engine import math_torch
from .._engine.capture import learning_share
from .._engine.stacked import NetworkStack
from .._engine.stopping import check_finite
from ._path_rules import mean_and_error, one_standard_error_choice, reweighted, run_settled

# The most networks in one stack: each holds its own copy of the training rows on its
# inputs, and the gain per network levels off well before.
MOST_STACKED = 32


class _BlockRun:
    """One block's path in the stack: where it is along the strengths, its dense phase's
    validation rule, and its points so far."""

    def __init__(self):
        self.point, self.epochs, self.total_epochs = 0, 0, 0
        self.strength, self.column_weights = 0.0, None
        self.best, self.best_weights, self.best_share, self.best_rows = math.inf, None, None, None
        self.misses = 0
        self.path, self.alive = [], []

    def kept(self):
        """The inputs alive at the point the one-standard-error rule chooses."""
        return self.alive[one_standard_error_choice(self.path)]


def screen_stacked(settings, schedule, networks, data, column_sets, n_survivors):
    """Train the screening path of each block as one stack, and return for each the
    inputs (a mask over its ``column_sets`` entry) alive at its chosen point.

    ``networks``: each block's network, initialized as its own path would start it
    (weights, data order and batch size are read from it); ``data``: the path's split
    ``(X, targets, X_val, y_val)``; ``column_sets``: each block's columns of ``X``, all of
    one width, the first ``n_survivors`` the survivors (the others are watched: a run ends
    once they are all eliminated)."""
    X, targets, X_val, y_val = data
    plans = [SimpleNamespace(X=np.ascontiguousarray(X[:, columns]), targets=targets,
                             X_val=np.ascontiguousarray(X_val[:, columns]), seed=0,
                             dtype=X.dtype) for columns in column_sets]
    stack = NetworkStack(settings, plans)
    for k, network in enumerate(networks):  # the initial weights and data order of each
        for i, layer in enumerate(network.module_.linear_layers()):
            stack.W[i][k].copy_(layer.weight.detach())
            stack.B[i][k].copy_(layer.bias.detach())
    stack.generators = [network.iterator_train__generator for network in networks]
    stack.batch_size = networks[0].batch_size
    runs = [_BlockRun() for _ in networks]
    watched = np.arange(n_survivors, len(column_sets[0]))
    point_epochs = schedule.point_epochs(X.shape[0], stack.batch_size)
    expected = y_val[:, :settings.n_targets]
    while stack.active:
        _set_penalty(stack, runs)
        # A network reads its validation rows and learning gradients in its dense phase
        # and at the end of a point only: most of its epochs record neither.
        reading = np.array([runs[k].point == 0 or runs[k].epochs + 1 >= point_epochs
                            for k in stack.active])
        reads = bool(reading.any())
        stack.capture = True if reading.all() else reading
        losses, totals = stack.epoch()
        finite = stack.finite()
        rows = _validation_rows(stack, expected) if reads else None
        leaving = []
        for j, k in enumerate(stack.active):
            run = runs[k]
            run.epochs += 1
            run.total_epochs += 1
            check_finite(float(losses[j]) if finite[j] else math.nan, run.total_epochs)
            share = learning_share(totals[j])
            if run.point == 0:
                ended, share, point_rows = _dense_epoch(stack, j, run, rows[j], share, settings)
            else:
                ended, point_rows = run.epochs >= point_epochs, rows[j] if reads else None
            if not ended:
                continue
            loss, error = mean_and_error(point_rows)
            alive = (torch.linalg.vector_norm(stack.W[0][j], dim=0) > 0).cpu().numpy()
            run.path.append({"strength": run.strength, "validation_loss": loss,
                             "validation_loss_se": error, "inputs_alive": int(alive.sum())})
            run.alive.append(alive)
            if (run.point + 1 == len(schedule.strengths)
                    or run_settled(run.path, alive, watched, schedule.stable)):
                leaving.append(j)
                continue
            run.point, run.epochs = run.point + 1, 0
            run.strength = schedule.strengths[run.point]
            run.column_weights = reweighted(torch.as_tensor(share, dtype=stack.dtype)).numpy()
        stack.keep([j for j in range(len(stack.active)) if j not in leaving])
    return [run.kept() for run in runs]


def _set_penalty(stack, runs):
    """Each active network's strength and column weights for this epoch (none while every
    one is in its dense phase)."""
    active = [runs[k] for k in stack.active]
    if not any(run.strength for run in active):
        stack.penalty = None
        return
    dtype = torch.empty(0, dtype=stack.dtype).numpy().dtype
    width = stack.W[0].shape[2]
    strengths = np.array([[run.strength] for run in active], dtype=dtype)
    # In the dense phase a network's strength is 0: its column weights only need be finite.
    column_weights = np.stack([np.ones(width, dtype) if run.column_weights is None
                               else run.column_weights for run in active])
    stack.penalty = (strengths, column_weights)


def _validation_rows(stack, expected):
    """Each active network's loss on each validation row, shape (networks, rows)."""
    with torch.no_grad():
        _, outputs = stack.forward(stack.X_val)
    criterion = math_torch.LOSSES[stack.settings.loss]
    return [criterion.per_example(outputs[j], expected) for j in range(len(outputs))]


def _dense_epoch(stack, j, run, rows, share, settings):
    """The dense phase's validation rule (:class:`~sklgrad._engine.stopping.ValidationLossRule`
    with the fit's patience) after one epoch of network ``j``; where it ends, the network
    goes back to its best epoch's weights. Returns (ended, the share its column weights
    come from, the validation rows of the weights it ends with)."""
    value = float(rows.mean())
    if value < run.best - (settings.tol or 0.0):
        run.misses = 0
    else:
        run.misses += 1
    if value < run.best:
        run.best, run.best_share, run.best_rows = value, share, rows
        run.best_weights = [tensor.clone() for tensor in _network_tensors(stack, j)]
    if run.misses <= settings.n_iter_no_change and run.epochs < settings.max_iter:
        return False, share, rows
    if run.best_weights is None:  # no finite validation loss: the last epoch, as alone
        return True, share, rows
    for tensor, best in zip(_network_tensors(stack, j), run.best_weights):
        tensor.copy_(best)
    return True, run.best_share, run.best_rows


def _network_tensors(stack, j):
    """Network ``j``'s weights and biases: views into the stack."""
    return [*(W[j] for W in stack.W), *(B[j] for B in stack.B)]
