"""scikit-learn's MLP solvers as torch optimizers, so that the same settings take the same steps.

torch's SGD keeps ``buf = momentum * buf + grad`` and steps by ``lr * buf``; scikit-learn keeps
a velocity ``v = momentum * v - lr * grad``. The two agree only while the learning rate is
constant, and scikit-learn's ``"invscaling"`` and ``"adaptive"`` schedules change it. torch's
Adam adds ``epsilon`` after the bias correction of the second moment, scikit-learn before it:
on small gradients the steps differ by orders of magnitude more than rounding. Weight decay is
not done here: ``alpha`` enters the gradient where scikit-learn puts it (see ``net.py``).
The updates themselves are the backends' (``math_numpy``, on the flat layout; ``math_torch``).
"""

import operator
from collections import defaultdict

import torch

from . import math_numpy, math_torch


def _flat(tensors):
    """One new flat tensor holding the values of ``tensors``, and views of it shaped as each."""
    flat = torch.cat([t.detach().reshape(-1) for t in tensors])
    views, offset = [], 0
    for tensor in tensors:
        views.append(flat[offset:offset + tensor.numel()].view_as(tensor))
        offset += tensor.numel()
    return flat, views


class FlatLayout:
    """An optimizer's parameters, their gradients and each state tensor as views of one
    flat CPU buffer each, so that an update is one numpy operation per line for all the
    parameters (faster than one per parameter on small networks).

    Made by :meth:`_Optimizer.flat_layout` for a step that writes each gradient into
    :meth:`grads_of`'s arrays (the numpy step); valid while the parameters and gradients
    are still those views, which :meth:`intact` checks: a step that assigns new tensors
    (autograd), a move to another device or a loaded state breaks it.
    """

    def __init__(self, params, state, keys):
        self.params = params
        values, value_views = _flat(params)
        grads, self.grads = _flat([torch.zeros_like(p) if p.grad is None else p.grad
                                   for p in params])
        for param, value, grad in zip(params, value_views, self.grads):
            param.data = value
            param.grad = grad
        self.pointers = [p.data_ptr() for p in params]
        self.arrays = {"param": values.numpy(), "grad": grads.numpy()}
        for key in keys:
            flat, views = _flat([state[p][key] for p in params])
            for param, view in zip(params, views):
                state[param][key] = view
            self.arrays[key] = flat.numpy()
        # Each parameter's value and gradient as numpy views, for the step.
        self._views = {id(p): (value.numpy(), grad.numpy())
                       for p, value, grad in zip(params, value_views, self.grads)}

    def intact(self, params):
        return (len(params) == len(self.params)
                and all(map(operator.is_, params, self.params))
                and all(map(operator.is_, [p.grad for p in params], self.grads))
                and [p.data_ptr() for p in params] == self.pointers)

    def values_of(self, params):
        """The numpy views of these parameters' values."""
        return [self._views[id(p)][0] for p in params]

    def grads_of(self, params):
        """The numpy views of these parameters' gradients, to be written in place."""
        return [self._views[id(p)][1] for p in params]


def _run(closure):
    # skorch passes the forward/backward step as a closure, as torch's optimizers allow.
    if closure is None:
        return None
    with torch.enable_grad():
        return closure()


class _Optimizer:
    """The part of ``torch.optim.Optimizer``'s interface that skorch and sklgrad use:
    ``param_groups``, ``state``, ``step``, ``zero_grad``, ``state_dict``,
    ``load_state_dict``, with torch's state-dict layout.

    Not a subclass: torch's constructor imports its compiler stack (about 2 s, once per
    process, which a command line pays on every run) to wrap ``step`` in profiling hooks.
    """

    def __init__(self, params, defaults):
        params = list(params)
        groups = params if params and isinstance(params[0], dict) else [{"params": params}]
        self.defaults = defaults
        self.param_groups = [{**defaults, **group, "params": list(group["params"])}
                             for group in groups]
        self.state = defaultdict(dict)
        self._layout = None

    def step(self, closure=None):
        loss = _run(closure)
        with torch.no_grad():
            self.update()
        return loss

    def update(self, layout=None):
        """The update itself, under the caller's ``no_grad``: without the closure and the
        profiling hooks that torch wraps around ``step`` (a noticeable share of a small
        network's step). ``layout``: the :meth:`flat_layout` that the caller's step wrote the
        gradients into (the whole update is then done on its flat buffers).
        """
        if layout is not None:
            self._update_flat(self.param_groups[0], layout.params, layout.arrays)
            return
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if params:
                self._update_tensors(group, params)

    def flat_layout(self):
        """The :class:`FlatLayout` of the parameters, made at the first call and again
        whenever something replaced them; None where one cannot be made (parameter
        groups, a GPU, mixed precisions)."""
        if len(self.param_groups) != 1:
            return None
        params = self.param_groups[0]["params"]
        if self._layout is not None and self._layout.intact(params):
            return self._layout
        if not params or not all(p.device.type == "cpu" and p.dtype == params[0].dtype
                                 for p in params):
            return None
        for param in params:
            self._state(param)
        self._layout = FlatLayout(params, self.state, self._state_keys)
        return self._layout

    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for param in group["params"]:
                if set_to_none:
                    param.grad = None
                elif param.grad is not None:
                    param.grad.zero_()

    def _params(self):
        return [param for group in self.param_groups for param in group["params"]]

    def state_dict(self):
        index = {id(param): i for i, param in enumerate(self._params())}
        return {
            "state": {index[id(param)]: dict(values) for param, values in self.state.items()},
            "param_groups": [{**{k: v for k, v in group.items() if k != "params"},
                              "params": [index[id(p)] for p in group["params"]]}
                             for group in self.param_groups],
        }

    def load_state_dict(self, state_dict):
        params = self._params()
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups) or any(
                len(saved["params"]) != len(group["params"])
                for saved, group in zip(groups, self.param_groups)):
            raise ValueError("the optimizer state does not match the parameters")
        for saved, group in zip(groups, self.param_groups):
            group.update({k: v for k, v in saved.items() if k != "params"})
        self.state = defaultdict(dict)
        self._layout = None  # its state views are gone
        for i, values in state_dict["state"].items():
            param = params[int(i)]
            self.state[param] = {k: v.to(param.device, param.dtype)
                                 if isinstance(v, torch.Tensor) else v
                                 for k, v in values.items()}

    def __repr__(self):
        settings = {k: v for k, v in self.param_groups[0].items() if k != "params"}
        return f"{type(self).__name__}({settings})"


class ScikitSGD(_Optimizer):
    """Mini-batch SGD with scikit-learn's velocity update (``solver="sgd"``).

    ``v = momentum * v - lr * grad``; the step is ``v``, or ``momentum * v - lr * grad``
    with Nesterov's momentum.
    """

    _state_keys = ("velocity",)

    def __init__(self, params, lr=0.1, momentum=0.9, nesterov=True):
        super().__init__(params, {"lr": lr, "momentum": momentum, "nesterov": nesterov})

    def _update_tensors(self, group, params):
        math_torch.sgd_update(params, [p.grad for p in params], [group["lr"]] * len(params),
                              [self._state(p)["velocity"] for p in params],
                              group["momentum"], group["nesterov"])

    def _update_flat(self, group, params, arrays):
        math_numpy.sgd_update([arrays["param"]], [arrays["grad"]], [group["lr"]],
                              [arrays["velocity"]], group["momentum"], group["nesterov"])

    def _state(self, param):
        state = self.state[param]
        if "velocity" not in state:
            state["velocity"] = torch.zeros_like(param)
        return state


class ScikitAdam(_Optimizer):
    """Adam as scikit-learn writes it (``solver="adam"``).

    ``lr_t = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)`` and the step is
    ``-lr_t * m / (sqrt(v) + eps)``: ``eps`` is added to the uncorrected second moment.
    """

    _state_keys = ("m", "v")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})

    def _count_step(self, params):
        # One step count for the group, kept per parameter as torch's optimizers do.
        t = self.state[params[0]]["step"] + 1
        for param in params:
            self.state[param]["step"] = t
        return t

    def _update_flat(self, group, params, arrays):
        beta_1, beta_2 = group["betas"]
        math_numpy.adam_update([arrays["param"]], [arrays["grad"]], [group["lr"]],
                               [arrays["m"]], [arrays["v"]], self._count_step(params),
                               beta_1, beta_2, group["eps"])

    def _update_tensors(self, group, params):
        beta_1, beta_2 = group["betas"]
        first = [self._state(p)["m"] for p in params]
        math_torch.adam_update(params, [p.grad for p in params], [group["lr"]] * len(params),
                               first, [self.state[p]["v"] for p in params],
                               self._count_step(params), beta_1, beta_2, group["eps"])

    def _state(self, param):
        state = self.state[param]
        if "step" not in state:
            state.update(step=0, m=torch.zeros_like(param), v=torch.zeros_like(param))
        return state
