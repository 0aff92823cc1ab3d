"""scikit-learn's MLP solvers as torch optimizers, so that the same settings take the same steps.

torch's SGD keeps ``buf = momentum * buf + grad`` and steps by ``lr * buf``; scikit-learn keeps
a velocity ``v = momentum * v - lr * grad``. The two agree only while the learning rate is
constant, and scikit-learn's ``"invscaling"`` and ``"adaptive"`` schedules change it. torch's
Adam adds ``epsilon`` after the bias correction of the second moment, scikit-learn before it:
on small gradients the steps differ by orders of magnitude more than rounding. Weight decay is
not done here: ``alpha`` enters the gradient where scikit-learn puts it (see ``_training.py``).
"""

import math

import torch


def _run(closure):
    # skorch passes the forward/backward step as a closure, as torch's optimizers allow.
    if closure is None:
        return None
    with torch.enable_grad():
        return closure()


class ScikitSGD(torch.optim.Optimizer):
    """Mini-batch SGD with scikit-learn's velocity update (``solver="sgd"``).

    ``v = momentum * v - lr * grad``; the step is ``v``, or ``momentum * v - lr * grad``
    with Nesterov's momentum.
    """

    def __init__(self, params, lr=0.1, momentum=0.9, nesterov=True):
        super().__init__(params, {"lr": lr, "momentum": momentum, "nesterov": nesterov})

    def step(self, closure=None):
        loss = _run(closure)
        with torch.no_grad():
            self.update()
        return loss

    def update(self):
        """The update itself, under the caller's ``no_grad``: without the closure and the
        profiling hooks that torch wraps around ``step`` (a tenth of a small network's
        step), and with one multi-tensor operation per line for all the parameters."""
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            lr, momentum = group["lr"], group["momentum"]
            grads = [p.grad for p in params]
            velocities = [self._state(p, "velocity") for p in params]
            torch._foreach_mul_(velocities, momentum)
            torch._foreach_add_(velocities, grads, alpha=-lr)
            if group["nesterov"]:
                torch._foreach_add_(params, velocities, alpha=momentum)
                torch._foreach_add_(params, grads, alpha=-lr)
            else:
                torch._foreach_add_(params, velocities)

    def _state(self, param, key):
        state = self.state[param]
        if key not in state:
            state[key] = torch.zeros_like(param)
        return state[key]


class ScikitAdam(torch.optim.Optimizer):
    """Adam as scikit-learn writes it (``solver="adam"``).

    ``lr_t = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)`` and the step is
    ``-lr_t * m / (sqrt(v) + eps)``: ``eps`` is added to the uncorrected second moment.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})

    def step(self, closure=None):
        loss = _run(closure)
        with torch.no_grad():
            self.update()
        return loss

    def update(self):
        """The update itself (see :meth:`ScikitSGD.update`)."""
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            beta_1, beta_2 = group["betas"]
            grads = [p.grad for p in params]
            first = [self._state(p)["m"] for p in params]
            second = [self.state[p]["v"] for p in params]
            # One step count for the group, kept per parameter as torch's optimizers do.
            t = self.state[params[0]]["step"] + 1
            for param in params:
                self.state[param]["step"] = t
            torch._foreach_mul_(first, beta_1)
            torch._foreach_add_(first, grads, alpha=1 - beta_1)
            torch._foreach_mul_(second, beta_2)
            torch._foreach_addcmul_(second, grads, grads, value=1 - beta_2)
            lr_t = group["lr"] * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
            denominators = torch._foreach_sqrt(second)
            torch._foreach_add_(denominators, group["eps"])
            torch._foreach_addcdiv_(params, first, denominators, value=-lr_t)

    def _state(self, param):
        state = self.state[param]
        if "step" not in state:
            state.update(step=0, m=torch.zeros_like(param), v=torch.zeros_like(param))
        return state
