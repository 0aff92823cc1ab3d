"""One network trained: settings and data in, a trained skorch network out.

Everything random in a fit derives from the data record's seed, inside
``torch.random.fork_rng``: the global random state is never touched.
"""

from functools import partial

import numpy as np
import torch

from .inference import validation_score
from .net import build_net, make_optimizer, run_epochs
from .stopping import ScikitStoppingRule


def fork_rng_devices(device):
    """The GPU that ``fork_rng`` must restore for a fit on ``device`` (none on the CPU)."""
    device = torch.device(device)
    if device.type != "cuda":
        return []
    return [device.index if device.index is not None else torch.cuda.current_device()]


def seed_torch(seed, device):
    """Seed torch's CPU generator and ``device``'s GPU, inside ``fork_rng`` over
    :func:`fork_rng_devices`. Not ``torch.manual_seed``: it also seeds every other
    accelerator that torch knows (outside what ``fork_rng`` restores), and queues those
    seeds with a stack trace each, a millisecond per fit."""
    torch.default_generator.manual_seed(seed)
    for index in fork_rng_devices(device):
        with torch.cuda.device(index):
            torch.cuda.manual_seed(seed)


def torch_dtype(dtype):
    """The torch dtype of a numpy dtype."""
    return torch.from_numpy(np.empty(0, dtype)).dtype


def start_network(net, settings, dtype):
    """Initialize ``net`` (from torch's generator, seeded by the caller) in the training
    precision, with a new optimizer."""
    net.initialize()
    net.module_.to(torch_dtype(dtype))
    net.optimizer_ = make_optimizer(settings, net.module_)


def configure(net, settings, n_rows, seed):
    """Set what a call trains with on ``net`` (new or continued): the settings, the batch
    size, the data order and its seed."""
    net.settings = settings
    net.set_params(batch_size=settings.batch_rows(n_rows))
    # skorch's set_params refuses iterator arguments on an initialized net; they are read
    # when each epoch's iterator is made.
    net.iterator_train__shuffle = bool(settings.shuffle)
    net.input_penalty = float(settings.input_penalty)
    net.input_penalty_weights = None
    net.iterator_train__generator.manual_seed(seed)


def stopping_rule(settings, data, state):
    """scikit-learn's stopping rule for a fit on ``data`` (scored on its held-out rows
    with early stopping)."""
    validation = None
    if data.X_val is not None:
        validation = partial(validation_score, settings.loss, data.X_val, data.y_val,
                             data.weighted)
    return ScikitStoppingRule(state, settings, n_train=data.X.shape[0], validation=validation)


def train_network(settings, data, state, net=None, *, incremental=False):
    """Train a new network on ``data`` (``net`` None), or continue ``net``: for
    ``settings.max_iter`` epochs under scikit-learn's stopping rule, or one epoch when
    ``incremental``. ``state`` (a :class:`~sklgrad._engine.stopping.StoppingState`) is
    updated in place. Returns ``(net, rule)``; the rule says whether it converged.

    A new optimizer is made for every call but a continued ``partial_fit``'s, as
    scikit-learn does.
    """
    continuing = net is not None
    if net is None:
        net = build_net(settings, data.X.shape[1])
    configure(net, settings, data.X.shape[0], data.seed)
    rule = stopping_rule(settings, data, state)
    with torch.random.fork_rng(devices=fork_rng_devices(settings.device)):
        seed_torch(data.seed, settings.device)
        if not continuing:
            start_network(net, settings, data.dtype)
        elif not incremental:
            net.optimizer_ = make_optimizer(settings, net.module_)
        run_epochs(net, rule, data.X, data.targets,
                   1 if incremental else settings.max_iter)
    return net, rule
