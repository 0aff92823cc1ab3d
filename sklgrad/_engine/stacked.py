"""K networks of one architecture trained as one stacked model.

The selector's repeats, its shadow rounds and grid searches train the same architecture many
times on the same rows. On small networks each training step is overhead, not arithmetic,
so K networks cost about as much as one when their weights are stacked (shape
``(K, out, in)``) and every step is a batched matrix product. Each network keeps its own
seed, initial weights, data order, validation split, learning rate and stopping rule, and
the losses are never mixed: network k of the stack ends exactly as a separate fit with its
seed would (to rounding; pinned in the tests), and becomes an ordinary fitted estimator.

A network whose stopping rule fires leaves the stack there (its state is copied out) and
the others go on with a smaller stack, so early stopping and ``tol`` work as in separate
fits.
"""

import copy
import math

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F

from .._modules import _FUNCTIONS, MLP
from .optimizers import ScikitAdam, ScikitSGD
from .stacked_numpy import numpy_epoch
from .training import _DERIVATIVES, restore_net

_OPTIMIZERS = {cls.__name__: cls for cls in (ScikitAdam, ScikitSGD)}


def can_stack(estimators, X_list):
    """Whether these unfitted estimators can train as one stacked model on these inputs."""
    from .._classifier import LearningGradientClassifier
    from .._regressor import LearningGradientRegressor

    if len(estimators) < 2 or any(sp.issparse(X) for X in X_list):
        return False
    first = estimators[0]
    if type(first) not in (LearningGradientClassifier, LearningGradientRegressor):
        return False  # a subclass may train differently
    params = {k: v for k, v in first.get_params().items() if k != "random_state"}
    if first.verbose or first.warm_start or first.input_penalty is not None:
        return False
    for other in estimators[1:]:
        if type(other) is not type(first):
            return False
        mine = {k: v for k, v in other.get_params().items() if k != "random_state"}
        if mine.keys() != params.keys() or any(
                not _same(mine[k], params[k]) for k in params):
            return False
    return len({np.shape(X)[0] for X in X_list}) == 1


def _same(a, b):
    try:
        return bool(np.all(a == b)) and type(a) is type(b)
    except (TypeError, ValueError):
        return a is b


def fit_stacked(estimators, X_list, y, sample_weight=None):
    """Fit unfitted sklgrad estimators (differing only in ``random_state``) as one stacked
    model, network k on ``X_list[k]``; each ends as a separate ``fit`` with its seed would.

    Returns the estimators, fitted.
    """
    first = estimators[0]
    hidden = first._check_params()
    if all(X is X_list[0] for X in X_list):
        # The same rows for all: validate and scale them once, share the result.
        prepared = first._prepare(X_list[0], y, sample_weight, continuing=False,
                                  incremental=False, classes=None)
        fitted = {k: v for k, v in vars(first).items() if k.endswith("_")}
        for est in estimators[1:]:
            est.__dict__.update(copy.deepcopy(fitted))
        plans = [est._plan_from(prepared, continuing=False) for est in estimators]
    else:
        plans = [est._plan(X, y, sample_weight, continuing=False, incremental=False,
                           classes=None) for est, X in zip(estimators, X_list)]
    device = torch.device(first.device)
    dtype = torch.from_numpy(np.empty(0, plans[0].dtype)).dtype
    stack = _Stack(first, plans, hidden, device, dtype)
    rules = [est._stopping_rule(plan) for est, plan in zip(estimators, plans)]
    finished = {}
    for epoch in range(1, first.max_iter + 1):
        losses, totals = stack.epoch()
        scores = stack.validation_scores(estimators)
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
    for k, (est, plan, rule) in enumerate(zip(estimators, plans, rules)):
        net = est._build_net(plan.X.shape[1], plan.n_outputs, hidden)
        net.alpha = float(est.alpha)
        net.set_params(batch_size=est._batch_size(plan.X.shape[0]))
        with torch.random.fork_rng(devices=est._fork_rng_devices()):
            net.initialize()  # the weights are replaced: only the structure is wanted
        restore_net(net, finished[k], _OPTIMIZERS)
        est._finish(net, plan.state, epochs_run=len(finished[k]["train_loss"]),
                    converged=rule.converged, incremental=False)
    return estimators


class _Stack:
    """The stacked weights, optimizer state and per-network records of the active networks."""

    #: On the CPU, run the epoch in numpy (``stacked_numpy``; False: in torch, as on a GPU).
    numpy_on_cpu = True

    def __init__(self, template, plans, hidden, device, dtype):
        self.template = template
        self.device, self.dtype = device, dtype
        self.kind = template._loss_kind()
        n_outputs = plans[0].n_outputs
        self.n_targets = n_outputs if self.kind == "regression" else 1
        self.report_scale = 1.0 / n_outputs if self.kind == "regression" else 1.0
        self.alpha = float(template.alpha)
        self.solver = template.solver
        self.activation = _FUNCTIONS[template.activation]
        self.derivative = _DERIVATIVES[template.activation]
        self.batch_size = template._batch_size(plans[0].X.shape[0])
        self.shuffle = bool(template.shuffle)
        self.plans = plans
        self.active = list(range(len(plans)))
        weights, biases = [], []
        for plan in plans:  # each network's initial weights, drawn as its own fit draws them
            with torch.random.fork_rng(devices=template._fork_rng_devices()):
                template._seed_torch(plan.seed)
                module = MLP(plan.X.shape[1], plan.n_outputs, hidden, template.activation)
            layers = [m for m in module.layers if isinstance(m, torch.nn.Linear)]
            weights.append([layer.weight.detach() for layer in layers])
            biases.append([layer.bias.detach() for layer in layers])
        self.W = [torch.stack([w[i] for w in weights]).to(device, dtype)
                  for i in range(len(weights[0]))]
        self.B = [torch.stack([b[i] for b in biases]).to(device, dtype)
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
        self.lr = torch.full((len(plans),), float(template.learning_rate_init),
                             dtype=torch.float64)
        self.moments = [[torch.zeros_like(p) for p in self.params()]
                        for _ in range(1 if self.solver == "sgd" else 2)]
        self.t = 0
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
        if self.shuffle:
            return torch.stack([torch.randperm(n, generator=self.generators[k])
                                for k in self.active])
        return torch.arange(n).expand(len(self.active), n)

    def epoch(self):
        """One epoch of every active network; returns (mean losses, |dL/dx| sums)."""
        if self.device.type == "cpu" and self.numpy_on_cpu:
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
                loss_total += losses * index.shape[1]  # accumulated in float64
                totals += sums
        return (loss_total / n).cpu().numpy(), totals.cpu().numpy()

    def _gather(self, data, index):
        """Rows ``index[k]`` of network k's data, shaped (K, batch, columns); through one
        ``index_select`` (a quarter of the time of advanced indexing on CPU)."""
        if not self.shared:  # (K, n, F): network k's rows start at k * n
            offsets = torch.arange(0, data.shape[0] * data.shape[1], data.shape[1],
                                   device=index.device)
            index = index + offsets[:, None]
            data = data.reshape(-1, data.shape[-1])
        return torch.index_select(data, 0, index.reshape(-1)).reshape(
            *index.shape, data.shape[-1])

    def forward(self, X):
        inputs, h, last = [X], X, len(self.W) - 1
        for i in range(last):
            # matmul lays the transposed weights out for the batched product (faster
            # than baddbmm on the transposed view).
            h = self.activation(torch.matmul(h, self.W[i].transpose(1, 2)).add_(
                self.B[i][:, None, :]))
            inputs.append(h)
        return inputs, torch.matmul(h, self.W[last].transpose(1, 2)).add_(
            self.B[last][:, None, :])

    def step(self, X, y):
        """The hand-written step of ``_training.manual_step``, batched over networks."""
        inputs, out = self.forward(X)
        nt = self.n_targets
        target = y[..., :nt]
        weight = y[..., nt] if y.shape[2] > nt else None
        if self.kind == "binary":
            losses = F.binary_cross_entropy_with_logits(
                out, target, None if weight is None else weight[..., None],
                reduction="none").sum(dim=(1, 2))
            delta = torch.sigmoid(out).sub_(target)
        elif self.kind == "multiclass":
            log_p = torch.log_softmax(out, dim=2)
            codes = target[..., 0].long()[..., None]
            picked = log_p.gather(2, codes)
            losses = -(picked.sum(dim=(1, 2)) if weight is None
                       else (picked[..., 0] * weight).sum(dim=1))
            delta = log_p.exp_().scatter_add_(2, codes, torch.full_like(picked, -1.0))
        else:
            delta = out - target
            squared = delta.square().sum(dim=2)
            losses = 0.5 * (squared.sum(dim=1) if weight is None
                            else (squared * weight).sum(dim=1))
        if weight is None:
            weight_sum = float(X.shape[1])  # a number: no per-step tensor to broadcast
            scale = weight_sum
        else:
            weight_sum = weight.sum(dim=1).clamp_min(torch.finfo(X.dtype).tiny)
            delta = delta * weight[..., None]
            scale = weight_sum[:, None, None]
        delta = delta / scale
        losses = losses / weight_sum * self.report_scale
        grads_W, grads_B = [None] * len(self.W), [None] * len(self.W)
        squares = 0.0
        for i in range(len(self.W) - 1, -1, -1):
            grad = torch.bmm(delta.transpose(1, 2), inputs[i])
            if self.alpha:
                if weight is None:
                    grad.add_(self.W[i], alpha=self.alpha / weight_sum)
                else:
                    grad.add_(self.W[i] * (self.alpha / scale))
                squares = squares + self.W[i].square().sum(dim=(1, 2))
            grads_W[i], grads_B[i] = grad, delta.sum(dim=1)
            delta = torch.bmm(delta, self.W[i])
            if i > 0 and self.derivative is not None:
                delta = self.derivative(delta, inputs[i])
        if self.alpha:
            losses = losses + 0.5 * self.alpha * squares / weight_sum
        sums = delta.abs().sum(dim=1)
        sums *= weight_sum if weight is None else weight_sum[:, None]
        return losses, sums, [g for pair in zip(grads_W, grads_B) for g in pair]

    def update(self, grads):
        """scikit-learn's SGD or Adam update of ``ScikitSGD``/``ScikitAdam``, with one
        learning rate per network."""
        params = self.params()
        template = self.template
        for param, grad, lr, *moments in zip(params, grads, self.rates, *self.moments):
            if self.solver == "sgd":
                (velocity,) = moments
                momentum = template.momentum
                velocity.mul_(momentum).sub_(grad * lr)
                if template.nesterovs_momentum:
                    param.add_(velocity, alpha=momentum).sub_(grad * lr)
                else:
                    param.add_(velocity)
            else:
                m, v = moments
                beta_1, beta_2 = template.beta_1, template.beta_2
                t = self.t + 1
                m.mul_(beta_1).add_(grad, alpha=1 - beta_1)
                v.mul_(beta_2).addcmul_(grad, grad, value=1 - beta_2)
                lr_t = lr * (math.sqrt(1 - beta_2**t) / (1 - beta_1**t))
                param.sub_(lr_t * m / (v.sqrt() + template.epsilon))
        if self.solver == "adam":
            self.t += 1

    # ---------------------------------------------------------------- bookkeeping
    def validation_scores(self, estimators):
        if self.X_val is None:
            return None
        with torch.no_grad():
            _, outputs = self.forward(self.X_val)
        scores = []
        for j, k in enumerate(self.active):
            plan = self.plans[k]
            y_val = plan.y_val
            targets, weights = (y_val[:, :-1], y_val[:, -1]) if plan.weighted else (y_val, None)
            scores.append(float(estimators[k]._score_outputs(outputs[j].cpu().numpy(),
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
        mass = total.sum()
        history["train_loss"].append(loss)
        history["importance"].append(total / mass if mass > 0
                                     else np.full_like(total, 1.0 / total.size))
        history["magnitude"].append(total / self.n_rows)

    def module_state(self, j, clone=False):
        state = {}
        for i, (W, B) in enumerate(zip(self.W, self.B)):
            state[f"layers.{2 * i}.weight"] = W[j].clone() if clone else W[j]
            state[f"layers.{2 * i}.bias"] = B[j].clone() if clone else B[j]
        return state

    def network_state(self, j):
        """Network j as ``_training.net_state`` writes a fitted network."""
        template, lr = self.template, float(self.lr[j])
        if self.solver == "sgd":
            name = "ScikitSGD"
            group = {"lr": lr, "momentum": template.momentum,
                     "nesterov": template.nesterovs_momentum}
            states = [{"velocity": v[j].cpu().numpy().copy()} for v in self.moments[0]]
        else:
            name = "ScikitAdam"
            group = {"lr": lr, "betas": (template.beta_1, template.beta_2),
                     "eps": template.epsilon}
            states = [{"step": self.t, "m": m[j].cpu().numpy().copy(),
                       "v": v[j].cpu().numpy().copy()}
                      for m, v in zip(*self.moments)] if self.t else [{} for _ in self.moments[0]]
        history = self.history[self.active[j]]
        return {
            "module": {k: v.cpu().numpy().copy() for k, v in self.module_state(j).items()},
            "optimizer_class": name, "param_groups": [group], "optimizer_state": states,
            "train_loss": np.asarray(history["train_loss"]),
            "importance": np.asarray(history["importance"]),
            "magnitude": np.asarray(history["magnitude"]),
        }

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
