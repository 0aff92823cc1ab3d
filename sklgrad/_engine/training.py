"""How the estimators train a network: scikit-learn's loss, penalty and stopping rule in skorch.

skorch keeps the epoch loop, the history and the callbacks. What is scikit-learn's here:

- the loss: the mean (or sample-weighted mean) of the per-example loss, with scikit-learn's
  squared error ``0.5 * (y - f(x))**2`` for regression;
- ``alpha``: ``alpha * W / sum(weights of the batch)`` is added to each weight matrix's
  gradient and ``0.5 * alpha * ||W||^2 / sum(weights)`` to the reported loss (torch's
  ``weight_decay`` would add ``alpha * W``, ``batch_size`` times more);
- the stopping rule (:class:`ScikitStoppingRule`), the learning-rate schedules and the check
  that training stayed finite;
- a real interrupt (Ctrl-C) reaches the caller: skorch's ``partial_fit`` swallows
  ``KeyboardInterrupt``, which its own early stopping raises to stop.
"""

import copy
import math

import numpy as np
import torch
import torch.nn.functional as F
from skorch.callbacks import Callback

from .._capture import IMPORTANCE_KEY, INPUT_KEY, MAGNITUDE_KEY, LearningGradientNet, _leaf_input
from .._modules import MLP
from .loop import LeanEpochMixin
from .numpy_step import numpy_step

NON_FINITE_MESSAGE = (
    "Solver produced non-finite parameter weights. The input data may contain large values "
    "and need to be preprocessed."
)


class TrainingConverged(Exception):
    """Raised by the stopping rule at the end of an epoch; ends the fit normally."""


class TabularLoss(torch.nn.Module):
    """Summed (sample-weighted) loss of a batch, in scikit-learn's form.

    ``y`` holds the targets in its first ``n_targets`` columns and, when the fit has sample
    weights, the weights in one more column. ``forward`` returns ``(sum_i w_i * loss_i,
    sum_i w_i)``; dividing the two gives scikit-learn's (weighted) mean loss.

    Parameters
    ----------
    kind : {"binary", "multiclass", "regression"}
        Logistic loss on one logit, cross-entropy on softmax logits, or half squared error.
    n_targets : int
        Target columns in ``y`` (1 for classification).
    """

    # What the post-hoc capture reads: get_loss returns the (weighted) mean.
    reduction = "mean"

    def __init__(self, kind, n_targets):
        super().__init__()
        self.kind, self.n_targets = kind, n_targets

    def per_example(self, y_pred, target):
        if self.kind == "binary":
            return F.binary_cross_entropy_with_logits(y_pred, target, reduction="none")[:, 0]
        if self.kind == "multiclass":
            return F.cross_entropy(y_pred, target[:, 0].long(), reduction="none")
        # scikit-learn's gradient is (f(x) - y) summed over the outputs: half the squared
        # error summed over them (its reported loss averages them; see report_scale).
        return 0.5 * (y_pred - target).square().sum(dim=1)

    def forward(self, y_pred, y):
        losses = self.per_example(y_pred, y[:, :self.n_targets])
        if y.shape[1] == self.n_targets:
            return losses.sum(), float(len(losses))
        weights = y[:, self.n_targets]
        # A batch whose weights are all zero teaches nothing (and must not divide by 0).
        return (losses * weights).sum(), weights.sum().clamp_min(torch.finfo(y.dtype).tiny)

    @property
    def report_scale(self):
        """Factor from the trained loss to scikit-learn's reported loss."""
        return 1.0 / self.n_targets if self.kind == "regression" else 1.0


# An error times the activation's derivative, read from the activation's output a: the
# backward pass needs no autograd graph.
def _relu_backward(delta, a):
    # One fused kernel: as fast as the mask alone, 2-3x faster than masking and multiplying.
    return torch.ops.aten.threshold_backward(delta, a, 0)


def _tanh_backward(delta, a):
    return delta.mul_(1 - a * a)


def _logistic_backward(delta, a):
    return delta.mul_(a * (1 - a))


_DERIVATIVES = {"relu": _relu_backward, "tanh": _tanh_backward,
                "logistic": _logistic_backward, "identity": None}


def manual_step(net, X, y):
    """Forward, backward and capture of sklgrad's MLP written out, without autograd.

    The same arithmetic as autograd's (pinned against it in the tests): output error
    ``delta = f(x) - y`` (the canonical link of each loss), back-propagated layer by layer;
    each layer's gradient ``delta^T a`` (plus ``alpha * W``), divided by the batch's weight;
    and one step past the first layer, ``delta1 @ W1``: the learning gradient. The
    parameters' ``.grad`` are written, so the optimizer updates them as usual. Runs under
    the caller's ``no_grad``.
    """
    kind, n_targets, report_scale, weights, biases, activation, derivative = net.step_plan_
    target = y[:, :n_targets]
    sample_weight = y[:, n_targets] if y.shape[1] > n_targets else None
    inputs, h, last = [X], X, len(weights) - 1
    for index in range(last):
        h = activation(torch.addmm(biases[index], h, weights[index].t()))
        inputs.append(h)
    out = torch.addmm(biases[last], h, weights[last].t())
    if kind == "binary":
        loss_sum = F.binary_cross_entropy_with_logits(
            out, target, None if sample_weight is None else sample_weight[:, None],
            reduction="sum")
        delta = torch.sigmoid(out).sub_(target)
    elif kind == "multiclass":
        log_p = torch.log_softmax(out, dim=1)
        codes = target[:, 0].long()
        picked = log_p.gather(1, codes[:, None])
        loss_sum = -(picked.sum() if sample_weight is None
                     else torch.dot(picked[:, 0], sample_weight))
        delta = log_p.exp_().scatter_add_(1, codes[:, None], torch.full_like(picked, -1.0))
    else:
        delta = out - target
        squared = delta.square().sum(dim=1)
        loss_sum = 0.5 * (squared.sum() if sample_weight is None
                          else torch.dot(squared, sample_weight))
    if sample_weight is None:
        weight_sum = float(X.shape[0])
    else:
        weight_sum = sample_weight.sum().clamp_min(torch.finfo(X.dtype).tiny)
        delta = delta * sample_weight[:, None]
    delta = delta / weight_sum
    reported = loss_sum / weight_sum * report_scale
    alpha = net.alpha
    if alpha:
        # The penalty's share of the reported loss, from the weights before this step.
        norms = torch._foreach_norm(weights)
        reported = reported + 0.5 * alpha * torch.stack(norms).square().sum() / weight_sum
    for index in range(last, -1, -1):
        weight = weights[index]
        grad = torch.mm(delta.t(), inputs[index])
        if alpha:
            if sample_weight is None:
                grad.add_(weight, alpha=alpha / weight_sum)
            else:
                grad.add_(weight * (alpha / weight_sum))
        weight.grad = grad
        biases[index].grad = delta.sum(dim=0)
        if index == 0 and not net.capture:
            break
        delta = torch.mm(delta, weight)  # at index 0: dLoss/dx, the learning gradient
        if index > 0 and derivative is not None:
            delta = derivative(delta, inputs[index])
    if not net.capture:
        return {"loss": reported, "y_pred": out}
    batch_sum = torch.linalg.vector_norm(delta, ord=1, dim=0)
    batch_sum *= weight_sum
    return {"loss": reported, "y_pred": out, IMPORTANCE_KEY: batch_sum}


def group_shrink(net, strength, column_weights=None):
    """The proximal step of a group-lasso penalty ``strength * sum_j ||W1[:, j]||`` on the
    columns of the first layer (one column per input), after an optimizer update.

    Each column shrinks toward zero by ``step_j * strength`` in norm, and is set to exactly
    zero when its norm is smaller: an input whose column is zero gets a learning gradient
    of exactly zero. The step size is the optimizer's: ``lr`` for SGD; for Adam, whose step
    on a weight is ``lr_t / (sqrt(v) + eps)`` (scikit-learn's form), the column's mean of
    that step (the proximal operator in Adam's metric, averaged over the column).
    ``column_weights`` (one per input) multiplies the strength column by column: the
    reweighted penalty of the input-penalty path.
    """
    weight = net.module_.layers[0].weight  # (hidden, inputs): column j is input j's
    optimizer = net.optimizer_
    group = optimizer.param_groups[0]
    state = optimizer.state.get(weight, {})
    if "v" in state:  # Adam
        beta_1, beta_2 = group["betas"]
        t = state["step"]
        lr_t = group["lr"] * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        step = lr_t / (state["v"].sqrt() + group["eps"]).mean(dim=0)
    else:
        step = group["lr"]
    if column_weights is not None:
        strength = strength * column_weights
    norms = torch.linalg.vector_norm(weight, dim=0)
    factor = (1 - step * strength / norms.clamp_min(torch.finfo(weight.dtype).tiny)).clamp_min_(0)
    weight.mul_(factor)


class ValidationLossRule:
    """End-of-epoch rule of one phase of the input-penalty path: check that training stays
    finite, record the validation loss, and (with ``patience``) stop once it has not
    improved by ``tol`` for more than ``patience`` epochs, keeping the best weights."""

    def __init__(self, state, validation_loss, *, n_train, patience=None, tol=0.0):
        self.state, self.validation_loss = state, validation_loss
        self.n_train, self.patience, self.tol = n_train, patience, tol
        self.best, self.best_state, self.best_epoch, self.misses = np.inf, None, None, 0
        self.converged = False

    def __call__(self, net):
        loss = float(net.history[-1, "train_loss"])
        epoch = len(net.history)
        if not np.isfinite(loss) or not all(
                bool(torch.isfinite(p).all()) for p in net.module_.parameters()):
            raise ValueError(
                f"{NON_FINITE_MESSAGE} The training loss was {loss} in epoch {epoch}: lower "
                "learning_rate_init, or scale the inputs (standardize=True)."
            )
        self.state.loss_curve.append(loss)
        self.state.t += self.n_train
        if self.patience is None:
            return
        value = self.validation_loss(net.module_)[0]
        if value < self.best - self.tol:
            self.misses = 0
        else:
            self.misses += 1
        if value < self.best:
            self.best, self.best_epoch = value, epoch - 1
            self.best_state = {k: v.detach().clone() for k, v in net.module_.state_dict().items()}
        if self.misses > self.patience:
            self.converged = True
            raise TrainingConverged("validation loss stopped improving")


class EpochRule(Callback):
    """Runs the estimator's end-of-epoch rule, after the history and the capture are recorded.

    The rule is set for one ``fit`` call and cleared afterwards, so that a fitted network
    keeps no validation data.
    """

    def __init__(self):
        self.rule = None

    def on_epoch_end(self, net, **kwargs):
        if self.rule is not None:
            self.rule(net)


class TabularNet(LeanEpochMixin, LearningGradientNet):
    """The estimators' network: scikit-learn's loss and penalty, capture, lean epoch loop.

    ``alpha`` is set on the instance by the estimator before each call (it is read at every
    step, as scikit-learn's is).
    """

    alpha = 0.0
    #: Write sklgrad's MLP step out by hand (False: autograd, as for any other module).
    hand_written_step = True
    #: On the CPU, run the hand-written step in numpy (False: in torch, as on a GPU).
    numpy_on_cpu = True
    #: Take the learning gradient (False only to measure what the capture costs).
    capture = True
    #: Strength of the group-lasso step on the first layer's columns after each update.
    input_penalty = 0.0
    #: Each column's multiple of that strength (None: the same for all).
    input_penalty_weights = None

    def initialize_module(self):
        super().initialize_module()
        # Weight matrices carry the L2 penalty; biases do not (as in scikit-learn).
        self.penalized_ = [param for name, param in self.module_.named_parameters()
                           if name.endswith("weight")]
        self.hand_written_ = self.hand_written_step and isinstance(self.module_, MLP)
        if self.hand_written_:
            # What the hand-written step reads at every batch, looked up once.
            layers = [m for m in self.module_.modules() if isinstance(m, torch.nn.Linear)]
            self.step_plan_ = (
                self.criterion__kind, self.criterion__n_targets,
                1.0 / self.criterion__n_targets if self.criterion__kind == "regression"
                else 1.0,
                [layer.weight for layer in layers], [layer.bias for layer in layers],
                self.module_.activation_fn, _DERIVATIVES[self.module_.activation])
            self.numpy_plan_ = (*self.step_plan_[:5], self.module_.activation)
        self.numpy_step_ = (self.hand_written_ and self.numpy_on_cpu
                            and torch.device(self.device).type == "cpu")
        return self

    def get_loss(self, y_pred, y_true, *args, **kwargs):
        loss_sum, weight_sum = self.criterion_(y_pred, y_true)
        return loss_sum / weight_sum

    def train_step(self, batch, **fit_params):
        # One forward/backward and one optimizer update, without skorch's per-batch
        # closure, step accumulator and on_grad_computed notification (no callback of
        # these networks listens to it): on a small network they cost as much as the step.
        if not self.module_.training:
            self._set_training(True)
        layout = None
        if not self.hand_written_:
            step = self.train_step_single(batch, **fit_params)
        elif self.numpy_step_:
            # The step reads the parameters from, and writes the gradients into, the
            # optimizer's flat buffers, which its update then works on whole.
            layout = self.optimizer_.flat_layout()
            step = numpy_step(self, *batch, layout)
        else:
            X, y = batch
            with torch.no_grad():
                step = manual_step(self, X.to(self.device), y.to(self.device))
        if layout is not None and not self.input_penalty:
            self.optimizer_.update(layout)  # numpy on the flat buffers: no graph to avoid
            return step
        with torch.no_grad():
            self.optimizer_.update(layout)
            if self.input_penalty:
                group_shrink(self, self.input_penalty, self.input_penalty_weights)
        return step

    def train_step_single(self, batch, **fit_params):
        if not self.module_.training:
            self._set_training(True)
        X, y = batch
        y = y.to(self.device)
        self.optimizer_.zero_grad(set_to_none=True)
        X = _leaf_input(X, self.device)
        y_pred = self.module_(X)
        loss_sum, weight_sum = self.criterion_(y_pred, y)
        loss = loss_sum / weight_sum
        loss.backward()
        reported = loss.detach() * self.criterion_.report_scale
        if self.alpha:
            with torch.no_grad():
                squares = 0.0
                for weight in self.penalized_:
                    weight.grad.add_(weight * (self.alpha / weight_sum))
                    squares = squares + weight.square().sum()
                reported = reported + 0.5 * self.alpha * squares / weight_sum
        # Each example's own gradient (times its weight): undo the division by the weights.
        batch_sum = torch.linalg.vector_norm(X.grad, ord=1, dim=0)
        batch_sum *= weight_sum
        return {"loss": reported, "y_pred": y_pred, IMPORTANCE_KEY: batch_sum, INPUT_KEY: X}

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        # skorch's partial_fit catches KeyboardInterrupt (its EarlyStopping raises one to
        # stop): a real interrupt would then look like a finished fit. Only the stopping
        # rule's own signal ends the loop quietly here.
        if not self.initialized_:
            self.initialize()
        self.notify("on_train_begin", X=X, y=y)
        try:
            self.fit_loop(X, y, **fit_params)
        except TrainingConverged:
            pass
        self.notify("on_train_end", X=X, y=y)
        return self


class StoppingState:
    """What scikit-learn's MLP keeps between calls (under ``warm_start`` and ``partial_fit``).

    Read from and written back to the estimator's fitted attributes of the same names as
    MLPClassifier's (``loss_curve_``, ``t_``, ``best_loss_``, ``validation_scores_``,
    ``best_validation_score_``), plus the no-improvement count and the best weights.
    """

    def __init__(self, early_stopping):
        self.loss_curve = []
        self.t = 0
        self.no_improvement_count = 0
        self.best_loss = None if early_stopping else np.inf
        self.validation_scores = [] if early_stopping else None
        self.best_validation_score = -np.inf if early_stopping else None
        self.best_state = None
        self.best_epoch = None

    @classmethod
    def resume(cls, estimator):
        """The state a fitted estimator ended with (copied: a failed call changes nothing)."""
        state = cls(early_stopping=False)
        state.loss_curve = list(estimator.loss_curve_)
        state.t = estimator.t_
        state.no_improvement_count = estimator._no_improvement_count
        state.best_loss = estimator.best_loss_
        if estimator.validation_scores_ is not None:
            state.validation_scores = list(estimator.validation_scores_)
        state.best_validation_score = estimator.best_validation_score_
        state.best_state = getattr(estimator, "_best_state", None)
        state.best_epoch = estimator.best_epoch_
        return state

    def commit(self, estimator):
        estimator.loss_curve_ = list(self.loss_curve)
        estimator.loss_ = self.loss_curve[-1]
        estimator.t_ = self.t
        estimator._no_improvement_count = self.no_improvement_count
        estimator.best_loss_ = self.best_loss
        estimator.validation_scores_ = (None if self.validation_scores is None
                                        else list(self.validation_scores))
        estimator.best_validation_score_ = self.best_validation_score
        estimator._best_state = self.best_state
        estimator.best_epoch_ = self.best_epoch

    def start_validation(self):
        """Early stopping switched on under warm_start: start scoring from here."""
        if self.validation_scores is None:
            self.validation_scores, self.best_validation_score = [], -np.inf

    def start_loss_tracking(self):
        """Early stopping switched off: track the training loss from here (scikit-learn
        would fail comparing it with the ``best_loss_`` of None it keeps then)."""
        if self.best_loss is None:
            self.best_loss = np.inf


class ScikitStoppingRule:
    """scikit-learn's end-of-epoch rule for its stochastic solvers, for one ``fit`` call.

    After each epoch: stop with a ValueError if the loss or the weights are not finite;
    append the epoch's loss; count an epoch without improvement when the loss is not below
    ``best_loss - tol`` (with ``validation``: when the validation score is below
    ``best_validation_score + tol``), else reset the count; keep the best loss (or score and
    weights); update the learning rate (``"invscaling"``); and once the count exceeds
    ``n_iter_no_change``, stop, or with ``"adaptive"`` divide the learning rate by 5 (stopping
    once it is at most 1e-6) and start counting again. ``tol=None`` never stops.

    Parameters
    ----------
    state : StoppingState
        Updated in place.
    tol, n_iter_no_change : float or None, int or float
        As in MLPClassifier.
    n_train : int
        Training rows (``t_`` counts samples seen).
    lr_schedule : {"constant", "invscaling", "adaptive"}
        The schedule; only the "sgd" solver uses the last two.
    learning_rate_init, power_t : float
        As in MLPClassifier.
    validation : callable or None
        ``validation(module) -> float``, the validation score, with early stopping.
    verbose : bool
        Print scikit-learn's messages.
    progress : callable or None
        ``progress(epoch, loss)``, called after each epoch (the command line's progress
        line).
    label : str, default=""
        Put before each printed line (a selector labels its networks' lines).
    """

    def __init__(self, state, *, tol, n_iter_no_change, n_train, lr_schedule,
                 learning_rate_init, power_t, validation=None, verbose=False, progress=None,
                 label=""):
        self.state = state
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.n_train = n_train
        self.lr_schedule = lr_schedule
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.validation = validation
        self.verbose = verbose
        self.progress = progress
        self.label = label
        self.converged = False

    def __call__(self, net):
        loss = float(net.history[-1, "train_loss"])
        epoch = len(net.history)
        if not all(bool(torch.isfinite(p).all()) for p in net.module_.parameters()):
            loss = float("nan")
        score = None if self.validation is None else float(self.validation(net.module_))
        learning_rate = net.optimizer_.param_groups[0]["lr"]
        new_rate, stop = self.end_epoch(loss, epoch, learning_rate, score, lambda: {
            name: tensor.detach().clone() for name, tensor in net.module_.state_dict().items()})
        if new_rate != learning_rate:
            for group in net.optimizer_.param_groups:
                group["lr"] = new_rate
        if stop:
            raise TrainingConverged(stop)

    def end_epoch(self, loss, epoch, learning_rate, score=None, snapshot=None):
        """The rule for one network at the end of one epoch, without the network.

        ``loss`` is the epoch's mean loss (NaN if the weights are not finite), ``score`` the
        validation score with early stopping, ``snapshot()`` copies the weights. Returns
        ``(learning rate for the next epoch, stop message or None)``.
        """
        if not np.isfinite(loss):
            raise ValueError(
                f"{NON_FINITE_MESSAGE} The training loss was {loss} in epoch {epoch}: lower "
                "learning_rate_init, or scale the inputs (standardize=True)."
            )
        state = self.state
        state.loss_curve.append(loss)
        state.t += self.n_train
        if self.verbose:
            print(f"{self.label}Iteration {epoch}, loss = {loss:.8f}")
        if self.progress is not None:
            self.progress(epoch, loss)
        self.update_no_improvement_count(loss, score, epoch, snapshot)
        if self.lr_schedule == "invscaling":
            learning_rate = self.learning_rate_init / (state.t + 1) ** self.power_t
        if self.tol is not None and state.no_improvement_count > self.n_iter_no_change:
            subject = ("Validation score did not improve" if score is not None
                       else "Training loss did not improve")
            message = (f"{subject} more than tol={self.tol:f} for {self.n_iter_no_change} "
                       "consecutive epochs.")
            if self.lr_schedule != "adaptive" or learning_rate <= 1e-6:
                if self.verbose:
                    print(f"{self.label}{message} Stopping.")
                self.converged = True
                return learning_rate, message
            learning_rate /= 5.0
            state.no_improvement_count = 0
            if self.verbose:
                print(f"{self.label}{message} Setting learning rate to {learning_rate:f}")
        return learning_rate, None

    def update_no_improvement_count(self, loss, score, epoch, snapshot):
        state, tol = self.state, self.tol or 0.0
        if score is not None:
            state.validation_scores.append(score)
            if self.verbose:
                print(f"{self.label}Validation score: {score:f}")
            if score < state.best_validation_score + tol:
                state.no_improvement_count += 1
            else:
                state.no_improvement_count = 0
            if score > state.best_validation_score:
                state.best_validation_score = score
                state.best_epoch = epoch - 1
                state.best_state = snapshot()
        else:
            if loss > state.best_loss - tol:
                state.no_improvement_count += 1
            else:
                state.no_improvement_count = 0
            if loss < state.best_loss:
                state.best_loss = loss


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


def history_column(history, key):
    """``key`` of every epoch of a skorch history that has it, as a list: what
    ``history[:, key]`` returns, without its generic indexing, which checks every row (a
    tenth of the bookkeeping of a stacked fit of small networks)."""
    return [epoch[key] for epoch in history if key in epoch]


def _to_numpy(value):
    return value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else value


def net_state(net):
    """A fitted network as plain data (arrays, numbers, strings): what pickle and skops save.

    Holds the module's weights, the optimizer's state (so that continued training goes on
    as it would have), and the per-epoch history the estimators read; not the per-batch
    records, nor any torch or skorch object.
    """
    optimizer = net.optimizer_.state_dict()
    history = net.history
    return {
        "module": {name: _to_numpy(t) for name, t in net.module_.state_dict().items()},
        "optimizer_class": type(net.optimizer_).__name__,
        "param_groups": [{k: v for k, v in group.items() if k != "params"}
                         for group in optimizer["param_groups"]],
        "optimizer_state": [
            {key: _to_numpy(value) for key, value in optimizer["state"][index].items()}
            if index in optimizer["state"] else {}
            for index in range(sum(len(g["params"]) for g in optimizer["param_groups"]))
        ],
        "train_loss": np.asarray(history_column(history, "train_loss"), dtype=np.float64)
        if len(history) else np.zeros(0),
        "importance": np.asarray(history_column(history, IMPORTANCE_KEY), dtype=np.float64)
        if len(history) else np.zeros((0, 0)),
        "magnitude": np.asarray(history_column(history, MAGNITUDE_KEY), dtype=np.float64)
        if len(history) else np.zeros((0, 0)),
    }


def restore_net(net, state, optimizers):
    """Fill an initialized ``net`` from :func:`net_state`'s data.

    ``optimizers`` maps the saved optimizer class names to classes: only those are built.
    """
    module = net.module_
    dtype = torch.from_numpy(np.asarray(state["module"]["layers.0.weight"])).dtype
    module.to(dtype)
    module.load_state_dict({name: torch.as_tensor(np.asarray(array))
                            for name, array in state["module"].items()})
    optimizer_class = optimizers[state["optimizer_class"]]
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
