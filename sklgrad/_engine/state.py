"""A trained network's state as plain data, written by one function (:func:`fitted_record`)
for the single and the stacked engines, read back by :func:`restore_net`; and the snapshot
that a failed continued fit restores.

Plain data (arrays, numbers, strings): what pickle and skops save, and what skops loads
without running code.
"""

import copy

import numpy as np
import torch

from .capture import IMPORTANCE_KEY, MAGNITUDE_KEY
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
    # per epoch weigh on a stacked fit of small networks).
    # A network trained without the capture has loss rows and no importance rows.
    shares, magnitudes = state["importance"], state["magnitude"]
    captured = len(shares) == len(state["train_loss"])
    net.history.extend(
        {"batches": [], "epoch": epoch, "train_loss": float(loss),
         **({IMPORTANCE_KEY: np.asarray(shares[epoch - 1]).tolist(),
             MAGNITUDE_KEY: np.asarray(magnitudes[epoch - 1]).tolist()} if captured else {})}
        for epoch, loss in enumerate(state["train_loss"], start=1))
    return net


_FLOATS = (np.float32, np.float64)


def check_record(record, n_features, n_outputs, activations):
    """Check a record read from a file before anything is built from it: the weights'
    shapes chain from ``n_features`` inputs to ``n_outputs`` outputs and agree with the
    declared sizes, every array is a finite float array, the optimizer state fits the
    parameters, and the history's rows agree. Nothing is allocated beyond what the record
    already holds. Raises ValueError saying what is inconsistent."""
    if not isinstance(record, dict):
        raise ValueError("net_ is not a network record")
    missing = {"module", "optimizer_class", "param_groups", "optimizer_state", "train_loss",
               "importance", "magnitude", "hidden_layer_sizes", "activation"} - set(record)
    if missing:
        raise ValueError(f"net_ lacks {', '.join(sorted(missing))}")
    if record["activation"] not in activations:
        raise ValueError(f"net_ has an unknown activation {record['activation']!r}")
    module = record["module"]
    if not isinstance(module, dict):
        raise ValueError("net_ has no weights")
    n_layers = len(module) // 2
    names = [f"layers.{2 * i}.{kind}" for i in range(n_layers) for kind in ("weight", "bias")]
    if n_layers == 0 or sorted(module) != sorted(names):
        raise ValueError(f"net_'s weights are not an MLP's (layers {sorted(module)[:6]})")
    widths = [n_features]
    for i in range(n_layers):
        weight, bias = module[f"layers.{2 * i}.weight"], module[f"layers.{2 * i}.bias"]
        for name, array in ((f"layers.{2 * i}.weight", weight), (f"layers.{2 * i}.bias", bias)):
            _check_floats(array, f"net_ weight {name}")
        if weight.ndim != 2 or weight.shape[1] != widths[-1] or bias.shape != weight.shape[:1]:
            raise ValueError(f"net_'s layer {i} has weights of shape {weight.shape} and bias "
                             f"{bias.shape} after a layer of width {widths[-1]}")
        widths.append(weight.shape[0])
    declared = [int(size) for size in record["hidden_layer_sizes"]]
    if widths[1:-1] != declared or widths[-1] != n_outputs:
        raise ValueError(f"net_ declares hidden layers {declared} and {n_outputs} outputs, "
                         f"but its weights have widths {widths}")
    if record["optimizer_class"] not in OPTIMIZERS:
        raise ValueError(f"net_ names an unknown optimizer {record['optimizer_class']!r}")
    shapes = [module[name].shape for name in names]
    entries = record["optimizer_state"]
    if len(entries) != len(shapes):
        raise ValueError("net_'s optimizer state does not match its parameters")
    for shape, entry in zip(shapes, entries):
        for key, value in entry.items():
            if isinstance(value, np.ndarray):
                _check_floats(value, f"net_ optimizer state {key!r}")
                if value.shape != shape:
                    raise ValueError("net_'s optimizer state does not match its parameters")
    epochs = np.shape(record["train_loss"])
    for key in ("importance", "magnitude"):
        rows = np.shape(record[key])
        if len(epochs) != 1 or rows != (epochs[0], n_features) and rows != (0, 0):
            raise ValueError(f"net_'s {key} history has shape {rows} for {epochs} epochs of "
                             f"{n_features} inputs")
    return widths


def _check_floats(array, what):
    if not isinstance(array, np.ndarray) or array.dtype.type not in _FLOATS:
        raise ValueError(f"{what} is not a float array")
    if not np.isfinite(array).all():
        raise ValueError(f"{what} holds non-finite values")


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
