"""K networks of one architecture trained as one stacked model.

The selector's repeats, its shadow rounds and comparisons train the same architecture many
times on the same rows. On small networks each training step is overhead, not arithmetic,
so K networks cost about as much as one when their weights are stacked (shape
``(K, out, in)``) and every step is a batched matrix product. Each network keeps its own
seed, initial weights, data order, validation split, learning rate and stopping rule, and
the losses are never mixed: network k of the stack ends exactly as a separate fit with its
settings and data would (to rounding; pinned in the tests).

A network whose stopping rule fires leaves the stack there (its state is copied out) and
the others go on with a smaller stack, so early stopping and ``tol`` work as in separate
fits.
"""

import math

import numpy as np
import scipy.sparse as sp
import torch

from . import math_torch
from .capture import learning_share
from .data import epoch_order
from .fit import fork_rng_devices, seed_torch, torch_dtype
from .math_numpy import score_outputs
from .module import MLP
from .stacked_numpy import numpy_epoch
from .state import fitted_record
from .stopping import ScikitStoppingRule


def stackable(settings_list, data_list):
    """Whether these fits can train as one stack: two or more, the same settings but for
    what only reports (progress, labels), dense inputs with the same number of rows, no
    fixed input penalty, no printing, and a hand-written step."""
    if len(settings_list) < 2:
        return False
    first = settings_list[0].comparable()
    if (first.verbose or first.input_penalty or first.step == "autograd"
            or any(s.comparable() != first for s in settings_list[1:])):
        return False
    if any(sp.issparse(data.X) for data in data_list):
        return False
    return len({data.X.shape[0] for data in data_list}) == 1


def fit_stack(settings_list, data_list, states):
    """Train network k with ``settings_list[k]`` on ``data_list[k]`` (the settings equal but
    for what reports: see :func:`stackable`), all as one stacked model; each ends as its
    separate :func:`~sklgrad._engine.fit.train_network` would. ``states`` (one
    :class:`~sklgrad._engine.stopping.StoppingState` each) are updated in place.

    Returns one ``(record, converged)`` per network: its
    :func:`~sklgrad._engine.state.fitted_record` and whether its rule converged.
    """
    settings = settings_list[0]
    stack = NetworkStack(settings, data_list)
    rules = [ScikitStoppingRule(state, own, n_train=data.X.shape[0])
             for own, data, state in zip(settings_list, data_list, states)]
    finished = {}
    for epoch in range(1, settings.max_iter + 1):
        losses, totals = stack.epoch()
        scores = stack.validation_scores()
        leaving = []
        finite = stack.finite()
        rates = stack.lr.numpy()  # a view: indexing a tensor per network costs more
        for j, k in enumerate(stack.active):
            loss = float(losses[j]) if finite[j] else float("nan")
            stack.record(j, loss, totals[j])
            rate, stop = rules[k].end_epoch(
                loss, epoch, float(rates[j]), None if scores is None else scores[j],
                lambda j=j: stack.module_state(j, clone=True))
            rates[j] = rate
            if stop:
                leaving.append(j)
        for j in leaving:
            finished[stack.active[j]] = stack.network_state(j)
        stack.keep([j for j in range(len(stack.active)) if j not in leaving])
        if not stack.active:
            break
    for j, k in enumerate(stack.active):
        finished[k] = stack.network_state(j)
    return [(finished[k], rule.converged) for k, rule in enumerate(rules)]


class NetworkStack:
    """The stacked weights, optimizer state and per-network records of the active networks."""

    def __init__(self, settings, plans):
        self.settings = settings
        device = self.device = torch.device(settings.device)
        self.dtype = torch_dtype(plans[0].dtype)
        self.batch_size = settings.batch_rows(plans[0].X.shape[0])
        self.plans = plans
        self.active = list(range(len(plans)))
        weights, biases = [], []
        for plan in plans:  # each network's initial weights, drawn as its own fit draws them
            with torch.random.fork_rng(devices=fork_rng_devices(device)):
                seed_torch(plan.seed, device)
                module = MLP(plan.X.shape[1], settings.n_outputs, settings.hidden_layer_sizes,
                             settings.activation)
            layers = module.linear_layers()
            weights.append([layer.weight.detach() for layer in layers])
            biases.append([layer.bias.detach() for layer in layers])
        self.W = [torch.stack([w[i] for w in weights]).to(device, self.dtype)
                  for i in range(len(weights[0]))]
        self.B = [torch.stack([b[i] for b in biases]).to(device, self.dtype)
                  for i in range(len(biases[0]))]
        # The same training rows for all networks are held once (n, F); otherwise one
        # copy per network (K, n, F): early stopping splits, shadows.
        self.shared = all(plan.X is plans[0].X for plan in plans)
        if self.shared:
            self.X = torch.from_numpy(plans[0].X).to(device)
            self.Y = torch.from_numpy(plans[0].targets).to(device)
        else:
            self.X = torch.stack([torch.from_numpy(plan.X) for plan in plans]).to(device)
            self.Y = torch.stack([torch.from_numpy(plan.targets) for plan in plans]).to(device)
        self.X_val = (None if plans[0].X_val is None else
                      torch.stack([torch.from_numpy(p.X_val) for p in plans]).to(device))
        self.generators = [torch.Generator().manual_seed(plan.seed) for plan in plans]
        self.lr = torch.full((len(plans),), float(settings.learning_rate_init),
                             dtype=torch.float64)
        self.moments = [[torch.zeros_like(p) for p in self.params()]
                        for _ in range(1 if settings.solver == "sgd" else 2)]
        self.t = 0
        # A group-lasso step on the first layer's columns after each update, set by the
        # caller for the active networks: (strengths (K, 1), column weights (K, inputs)).
        self.penalty = None
        # Which active networks record their learning gradients this epoch: all or none
        # (a bool), or a mask; a caller that reads them at some epochs only turns them
        # off at the others (the training is the same).
        self.capture = settings.capture
        self.history = [{"train_loss": [], "importance": [], "magnitude": []} for _ in plans]

    @property
    def n_rows(self):
        return self.X.shape[-2]

    def params(self):
        return [p for pair in zip(self.W, self.B) for p in pair]

    # ---------------------------------------------------------------- training
    def epoch_order(self):
        """Each active network's order of the rows this epoch, drawn as its own fit's
        batch iterator draws it; shape (K, n), on the CPU."""
        n = self.n_rows
        if self.settings.shuffle:
            return torch.stack([epoch_order(n, self.generators[k]) for k in self.active])
        return torch.arange(n).expand(len(self.active), n)

    def epoch(self):
        """One epoch of every active network; returns (mean losses, |dL/dx| sums)."""
        if self.device.type == "cpu" and self.settings.step == "auto":
            return numpy_epoch(self)
        n = self.n_rows
        order = self.epoch_order().to(self.device)
        # Each parameter's learning rates, shaped to broadcast over it (fixed for the epoch).
        self.rates = [self.lr.to(self.device, p.dtype).reshape(-1, *[1] * (p.dim() - 1))
                      for p in self.params()]
        loss_total = torch.zeros(len(self.active), dtype=torch.float64, device=self.device)
        totals = torch.zeros(len(self.active), self.X.shape[-1], dtype=torch.float64,
                             device=self.device)
        with torch.no_grad():
            for start in range(0, n, self.batch_size):
                index = order[:, start:start + self.batch_size]
                X, Y = self._gather(self.X, index), self._gather(self.Y, index)
                losses, sums, grads = self.step(X, Y)
                self.update(grads)
                if self.penalty is not None:
                    self.shrink()
                loss_total += losses * index.shape[1]  # accumulated in float64
                if sums is not None:
                    totals += sums
        return (loss_total / n).cpu().numpy(), totals.cpu().numpy()

    def _gather(self, data, index):
        """Rows ``index[k]`` of network k's data, shaped (K, batch, columns); through one
        ``index_select`` (faster than advanced indexing on the CPU)."""
        if not self.shared:  # (K, n, F): network k's rows start at k * n
            offsets = torch.arange(0, data.shape[0] * data.shape[1], data.shape[1],
                                   device=index.device)
            index = index + offsets[:, None]
            data = data.reshape(-1, data.shape[-1])
        return torch.index_select(data, 0, index.reshape(-1)).reshape(
            *index.shape, data.shape[-1])

    def forward(self, X):
        activation = math_torch.ACTIVATIONS[self.settings.activation].forward
        inputs, h, last = [X], X, len(self.W) - 1
        for i in range(last):
            # matmul lays the transposed weights out for the batched product (faster
            # than baddbmm on the transposed view).
            h = activation(torch.matmul(h, self.W[i].transpose(1, 2)).add_(
                self.B[i][:, None, :]))
            inputs.append(h)
        return inputs, torch.matmul(h, self.W[last].transpose(1, 2)).add_(
            self.B[last][:, None, :])

    def step(self, X, y):
        """The hand-written step of :func:`~sklgrad._engine.torch_step.torch_step`,
        batched over networks; returns (losses, |dL/dx| sums or None without the
        capture, gradients)."""
        settings = self.settings
        activation = math_torch.ACTIVATIONS[settings.activation]
        inputs, out = self.forward(X)
        nt = settings.n_targets
        target = y[..., :nt]
        weight = y[..., nt] if y.shape[2] > nt else None
        per_example, delta = math_torch.LOSSES[settings.loss].error(out, target)
        if weight is None:
            losses = per_example.sum(dim=1)
            weight_sum = float(X.shape[1])  # a number: no per-step tensor to broadcast
            scale = weight_sum
        else:
            losses = (per_example * weight).sum(dim=1)
            weight_sum = weight.sum(dim=1).clamp_min(torch.finfo(X.dtype).tiny)
            delta = delta * weight[..., None]
            scale = weight_sum[:, None, None]
        delta = delta / scale
        losses = losses / weight_sum * settings.report_scale
        grads_W, grads_B = [None] * len(self.W), [None] * len(self.W)
        squares = 0.0
        alpha = settings.alpha
        for i in range(len(self.W) - 1, -1, -1):
            grad = torch.bmm(delta.transpose(1, 2), inputs[i])
            if alpha:
                if weight is None:
                    grad.add_(self.W[i], alpha=alpha / weight_sum)
                else:
                    grad.add_(self.W[i] * (alpha / scale))
                squares = squares + self.W[i].square().sum(dim=(1, 2))
            grads_W[i], grads_B[i] = grad, delta.sum(dim=1)
            if i == 0 and not np.any(self.capture):
                break
            delta = torch.bmm(delta, self.W[i])
            if i > 0 and activation.backward is not None:
                delta = activation.backward(delta, inputs[i])
        if alpha:
            losses = losses + 0.5 * alpha * squares / weight_sum
        grads = [g for pair in zip(grads_W, grads_B) for g in pair]
        if not np.any(self.capture):  # on the GPU a mask records every network
            return losses, None, grads
        sums = delta.abs().sum(dim=1)
        sums *= weight_sum if weight is None else weight_sum[:, None]
        return losses, sums, grads

    def update(self, grads):
        """scikit-learn's SGD or Adam update (:mod:`~sklgrad._engine.math_torch`), with one
        learning rate per network."""
        settings = self.settings
        if settings.solver == "sgd":
            math_torch.sgd_update(self.params(), grads, self.rates, self.moments[0],
                                  settings.momentum, settings.nesterovs_momentum)
            return
        self.t += 1
        math_torch.adam_update(self.params(), grads, self.rates, *self.moments, self.t,
                               settings.beta_1, settings.beta_2, settings.epsilon)

    def shrink(self):
        """The group-lasso step of :attr:`penalty`, each network with its own step size
        (:func:`~sklgrad._engine.penalty.group_shrink`'s, batched)."""
        strengths, column_weights = (torch.as_tensor(a, device=self.device)
                                     for a in self.penalty)
        rate = (self.lr[:, None] * self.rate_correction()).to(self.device, self.dtype)
        second = None if self.settings.solver == "sgd" else self.moments[1][0]
        math_torch.shrink_columns(self.W[0], second, rate, self.settings.epsilon,
                                  strengths, column_weights)

    def rate_correction(self):
        """What multiplies the learning rate in this step's update: Adam's bias correction
        (scikit-learn's form) at the current step, 1 for SGD."""
        if self.settings.solver == "sgd":
            return 1.0
        beta_1, beta_2 = self.settings.beta_1, self.settings.beta_2
        return math.sqrt(1 - beta_2**self.t) / (1 - beta_1**self.t)

    # ---------------------------------------------------------------- bookkeeping
    def validation_scores(self):
        if self.X_val is None:
            return None
        with torch.no_grad():
            _, outputs = self.forward(self.X_val)
        scores = []
        for j, k in enumerate(self.active):
            plan = self.plans[k]
            y_val = plan.y_val
            targets, weights = (y_val[:, :-1], y_val[:, -1]) if plan.weighted else (y_val, None)
            scores.append(float(score_outputs(self.settings.loss, outputs[j].cpu().numpy(),
                                              targets, weights)))
        return scores

    def finite(self):
        """Whether each active network's weights are all finite."""
        finite = torch.ones(len(self.active), dtype=torch.bool, device=self.device)
        for param in self.params():
            finite &= torch.isfinite(param).flatten(1).all(dim=1)
        return finite.tolist()

    def record(self, j, loss, total):
        history = self.history[self.active[j]]
        history["train_loss"].append(loss)
        if not self.settings.capture:  # no learning gradient: no importance, not a zero
            return
        history["importance"].append(learning_share(total))
        history["magnitude"].append(total / self.n_rows)

    def module_state(self, j, clone=False):
        state = {}
        for i, (W, B) in enumerate(zip(self.W, self.B)):
            state[f"layers.{2 * i}.weight"] = W[j].clone() if clone else W[j]
            state[f"layers.{2 * i}.bias"] = B[j].clone() if clone else B[j]
        return state

    def network_state(self, j):
        """Network j as :func:`~sklgrad._engine.state.fitted_record` writes a network."""
        settings, lr = self.settings, float(self.lr[j])
        if settings.solver == "sgd":
            name = "ScikitSGD"
            group = {"lr": lr, "momentum": settings.momentum,
                     "nesterov": settings.nesterovs_momentum}
            states = [{"velocity": v[j]} for v in self.moments[0]]
        else:
            name = "ScikitAdam"
            group = {"lr": lr, "betas": (settings.beta_1, settings.beta_2),
                     "eps": settings.epsilon}
            states = ([{"step": self.t, "m": m[j], "v": v[j]} for m, v in zip(*self.moments)]
                      if self.t else [{} for _ in self.moments[0]])
        history = self.history[self.active[j]]
        return fitted_record(self.module_state(j), name, [group],
                             [{k: v.cpu().numpy().copy() if torch.is_tensor(v) else v
                               for k, v in entry.items()} for entry in states],
                             history["train_loss"], history["importance"],
                             history["magnitude"])

    def keep(self, positions):
        """Go on with the networks at these positions of the active list only."""
        if len(positions) == len(self.active):
            return
        index = torch.as_tensor(positions, dtype=torch.long, device=self.device)
        self.W = [W[index] for W in self.W]
        self.B = [B[index] for B in self.B]
        self.moments = [[m[index] for m in group] for group in self.moments]
        if not self.shared:
            self.X, self.Y = self.X[index], self.Y[index]
        if self.X_val is not None:
            self.X_val = self.X_val[index]
        self.lr = self.lr[torch.as_tensor(positions, dtype=torch.long)]
        self.active = [self.active[j] for j in positions]
