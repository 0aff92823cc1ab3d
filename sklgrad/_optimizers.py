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

    @torch.no_grad()
    def step(self, closure=None):
        loss = _run(closure)
        for group in self.param_groups:
            lr, momentum = group["lr"], group["momentum"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                grad = param.grad
                state = self.state[param]
                if "velocity" not in state:
                    state["velocity"] = torch.zeros_like(param)
                velocity = state["velocity"]
                velocity.mul_(momentum).add_(grad, alpha=-lr)
                if group["nesterov"]:
                    param.add_(velocity, alpha=momentum).add_(grad, alpha=-lr)
                else:
                    param.add_(velocity)
        return loss


class ScikitAdam(torch.optim.Optimizer):
    """Adam as scikit-learn writes it (``solver="adam"``).

    ``lr_t = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)`` and the step is
    ``-lr_t * m / (sqrt(v) + eps)``: ``eps`` is added to the uncorrected second moment.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})

    @torch.no_grad()
    def step(self, closure=None):
        loss = _run(closure)
        for group in self.param_groups:
            beta_1, beta_2 = group["betas"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                grad = param.grad
                state = self.state[param]
                if "step" not in state:
                    state["step"] = 0
                    state["m"] = torch.zeros_like(param)
                    state["v"] = torch.zeros_like(param)
                state["step"] += 1
                t = state["step"]
                m, v = state["m"], state["v"]
                m.mul_(beta_1).add_(grad, alpha=1 - beta_1)
                v.mul_(beta_2).addcmul_(grad, grad, value=1 - beta_2)
                lr_t = group["lr"] * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
                param.addcdiv_(m, v.sqrt().add_(group["eps"]), value=-lr_t)
        return loss
