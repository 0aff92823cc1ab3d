"""A trained network's state as plain data, written by one function (:func:`fitted_record`)
for the single and the stacked engines, read back by :func:`restore_net`; and the snapshot
that a failed continued fit restores.

Plain data (arrays, numbers, strings): what pickle and skops save, and what skops loads
without running code.
"""

import copy

import numpy as np
import torch

from .._capture import IMPORTANCE_KEY, MAGNITUDE_KEY
from .fit import fork_rng_devices
from .net import build_net
from .optimizers import ScikitAdam, ScikitSGD

#: The optimizer classes a record may name: only those are built when one is restored.
OPTIMIZERS = {cls.__name__: cls for cls in (ScikitAdam, ScikitSGD)}


def _to_numpy(value):
    return value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else value


def fitted_record(module, optimizer_class, param_groups, optimizer_state, train_loss,
                  importance, magnitude):
    """A trained network as plain data: its weights (a state dict), its optimizer (class
    name, settings, one state entry per parameter) so that continued training goes on as
    it would have, and its per-epoch history (loss, importance shares, gradient
    magnitudes)."""
    return {
        "module": {name: np.array(_to_numpy(value)) for name, value in module.items()},
        "optimizer_class": optimizer_class,
        "param_groups": [dict(group) for group in param_groups],
        "optimizer_state": [{key: _to_numpy(value) for key, value in entry.items()}
                            for entry in optimizer_state],
        "train_loss": np.asarray(train_loss, dtype=np.float64).reshape(-1),
        "importance": _rows(importance),
        "magnitude": _rows(magnitude),
    }


def _rows(values):
    array = np.asarray(values, dtype=np.float64)
    return array if array.ndim == 2 else array.reshape(0, 0)


def history_column(history, key):
    """``key`` of every epoch of a skorch history that has it, as a list: what
    ``history[:, key]`` returns, without its generic indexing, which checks every row (a
    tenth of the bookkeeping of a stacked fit of small networks)."""
    return [epoch[key] for epoch in history if key in epoch]


def net_state(net):
    """A fitted skorch network as :func:`fitted_record`'s plain data (not the per-batch
    records, nor any torch or skorch object)."""
    optimizer = net.optimizer_.state_dict()
    n_params = sum(len(group["params"]) for group in optimizer["param_groups"])
    return fitted_record(
        net.module_.state_dict(), type(net.optimizer_).__name__,
        [{k: v for k, v in group.items() if k != "params"}
         for group in optimizer["param_groups"]],
        [optimizer["state"].get(index, {}) for index in range(n_params)],
        history_column(net.history, "train_loss"),
        history_column(net.history, IMPORTANCE_KEY),
        history_column(net.history, MAGNITUDE_KEY))


def restore_net(net, state):
    """Fill an initialized ``net`` from :func:`fitted_record`'s data."""
    module = net.module_
    dtype = torch.from_numpy(np.asarray(state["module"]["layers.0.weight"])).dtype
    module.to(dtype)
    module.load_state_dict({name: torch.as_tensor(np.asarray(array))
                            for name, array in state["module"].items()})
    optimizer_class = OPTIMIZERS[state["optimizer_class"]]
    params = list(module.parameters())
    net.optimizer_ = optimizer_class(params, **state["param_groups"][0])
    saved = state["optimizer_state"]
    if len(saved) != len(params):
        raise ValueError("the optimizer state does not match the network")
    net.optimizer_.load_state_dict({
        "state": {index: {key: torch.as_tensor(np.asarray(value)).to(params[index].device)
                          if isinstance(value, np.ndarray) else value
                          for key, value in entry.items()}
                  for index, entry in enumerate(saved) if entry},
        "param_groups": [{**group, "params": list(range(len(params)))}
                         for group in state["param_groups"]],
    })
    # The rows that skorch's new_epoch and record would write, appended whole (five calls
    # per epoch cost a stacked fit of small networks a twentieth of its time).
    net.history.extend(
        {"batches": [], "epoch": epoch, "train_loss": float(loss),
         IMPORTANCE_KEY: np.asarray(share).tolist(),
         MAGNITUDE_KEY: np.asarray(magnitude).tolist()}
        for epoch, (loss, share, magnitude) in enumerate(zip(
            state["train_loss"], state["importance"], state["magnitude"]), start=1))
    return net


def net_from_record(settings, n_features, record, n_rows=None):
    """A trained :class:`~sklgrad._engine.net.TabularNet` rebuilt from ``record``
    (:func:`fitted_record`'s data), for ``settings`` on ``n_features`` inputs (with the
    batch size of ``n_rows`` training rows, when given)."""
    net = build_net(settings, n_features)
    if n_rows is not None:
        net.set_params(batch_size=settings.batch_rows(n_rows))
    with torch.random.fork_rng(devices=fork_rng_devices(settings.device)):
        net.initialize()  # the weights are replaced: only the structure is wanted
    return restore_net(net, record)


class NetSnapshot:
    """The trainable state of a fitted network, to put back when a continued fit fails.

    Holds copies of the module's and the optimizer's state and the length of the history:
    cheaper than a deep copy of the network, whose history grows with every epoch.
    """

    def __init__(self, net):
        self.net = net
        self.module = {name: tensor.detach().clone()
                       for name, tensor in net.module_.state_dict().items()}
        self.optimizer = copy.deepcopy(net.optimizer_.state_dict())
        self.optimizer_object = net.optimizer_
        self.n_epochs = len(net.history)

    def restore(self):
        net = self.net
        net.module_.load_state_dict(self.module)
        net.optimizer_ = self.optimizer_object
        net.optimizer_.load_state_dict(self.optimizer)
        del net.history[self.n_epochs:]
