"""The estimators' skorch network: scikit-learn's loss and penalty, the capture, the step.

skorch keeps the epoch loop, the history and the callbacks. What is scikit-learn's here:

- the loss: the mean (or sample-weighted mean) of the per-example loss, with scikit-learn's
  squared error ``0.5 * (y - f(x))**2`` for regression;
- ``alpha``: ``alpha * W / sum(weights of the batch)`` is added to each weight matrix's
  gradient and ``0.5 * alpha * ||W||^2 / sum(weights)`` to the reported loss (torch's
  ``weight_decay`` would add ``alpha * W``, ``batch_size`` times more);
- a real interrupt (Ctrl-C) reaches the caller: skorch's ``partial_fit`` swallows
  ``KeyboardInterrupt``, which its own early stopping raises to stop.

The step is chosen by ``settings.step``: the hand-written step in numpy
(:mod:`~sklgrad._engine.numpy_step`) or torch (:mod:`~sklgrad._engine.torch_step`), or
autograd (for any module other than sklgrad's MLP too).
"""

import torch
from skorch.callbacks import Callback

from .capture import IMPORTANCE_KEY, INPUT_KEY, LearningGradientNet, _leaf_input
from .data import TensorBatchIterator
from .loop import LeanEpochMixin
from .math_torch import LOSSES
from .module import MLP
from .numpy_step import numpy_step
from .optimizers import ScikitAdam, ScikitSGD
from .penalty import group_shrink
from .stopping import TrainingConverged
from .torch_step import torch_step


class TabularLoss(torch.nn.Module):
    """Summed (sample-weighted) loss of a batch, in scikit-learn's form.

    ``y`` holds the targets in its first ``n_targets`` columns and, when the fit has sample
    weights, the weights in one more column. ``forward`` returns ``(sum_i w_i * loss_i,
    sum_i w_i)``; dividing the two gives scikit-learn's (weighted) mean loss.

    Parameters
    ----------
    kind : {"binary", "multiclass", "regression"}
        A loss of :data:`sklgrad._engine.math_torch.LOSSES`.
    n_targets : int
        Target columns in ``y`` (1 for classification).
    """

    # What the post-hoc capture reads: get_loss returns the (weighted) mean.
    reduction = "mean"

    def __init__(self, kind, n_targets):
        super().__init__()
        self.kind, self.n_targets = kind, n_targets

    def per_example(self, y_pred, target):
        return LOSSES[self.kind].per_example(y_pred, target)

    def forward(self, y_pred, y):
        losses = self.per_example(y_pred, y[:, :self.n_targets])
        if y.shape[1] == self.n_targets:
            return losses.sum(), float(len(losses))
        weights = y[:, self.n_targets]
        # A batch whose weights are all zero teaches nothing (and must not divide by 0).
        return (losses * weights).sum(), weights.sum().clamp_min(torch.finfo(y.dtype).tiny)


class EpochRule(Callback):
    """Runs the fit's end-of-epoch rule, after the history and the capture are recorded.

    The rule is set for one call (:func:`run_epochs`) and cleared afterwards, so that a
    fitted network keeps no validation data.
    """

    def __init__(self):
        self.rule = None

    def on_epoch_end(self, net, **kwargs):
        if self.rule is not None:
            self.rule(net)


class TabularNet(LeanEpochMixin, LearningGradientNet):
    """The estimators' network: scikit-learn's loss and penalty, capture, lean epoch loop.

    ``settings`` (a :class:`~sklgrad._engine.settings.TrainSettings`) is set by
    :func:`build_net` and again for every call that trains it; ``input_penalty`` and its
    per-column ``input_penalty_weights`` are set by the path, point by point.
    """

    settings = None
    #: Strength of the group-lasso step on the first layer's columns after each update.
    input_penalty = 0.0
    #: Each column's multiple of that strength (None: the same for all).
    input_penalty_weights = None

    def initialize_module(self):
        super().initialize_module()
        # Weight matrices carry the L2 penalty; biases do not (as in scikit-learn).
        self.penalized_ = [param for name, param in self.module_.named_parameters()
                           if name.endswith("weight")]
        # What the hand-written steps read at every batch, looked up once.
        self.layers_ = None
        if isinstance(self.module_, MLP):
            linear = self.module_.linear_layers()
            self.layers_ = ([layer.weight for layer in linear],
                            [layer.bias for layer in linear])
        return self

    def step_kind(self):
        """"numpy", "torch" or "autograd": the step this network trains with now."""
        if self.layers_ is None or self.settings.step == "autograd":
            return "autograd"
        if self.settings.step == "torch" or torch.device(self.device).type != "cpu":
            return "torch"
        return "numpy"

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
        kind = self.step_kind_
        if kind == "autograd":
            step = self.train_step_single(batch, **fit_params)
        elif kind == "numpy":
            # The step reads the parameters from, and writes the gradients into, the
            # optimizer's flat buffers, which its update then works on whole.
            layout = self.optimizer_.flat_layout()
            step = numpy_step(self, *batch, layout)
        else:
            X, y = batch
            with torch.no_grad():
                step = torch_step(self, X.to(self.device), y.to(self.device))
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
        reported = loss.detach() * self.settings.report_scale
        alpha = self.settings.alpha
        if alpha:
            with torch.no_grad():
                squares = 0.0
                for weight in self.penalized_:
                    weight.grad.add_(weight * (alpha / weight_sum))
                    squares = squares + weight.square().sum()
                reported = reported + 0.5 * alpha * squares / weight_sum
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
        self.step_kind_ = self.step_kind()
        self.notify("on_train_begin", X=X, y=y)
        try:
            self.fit_loop(X, y, **fit_params)
        except TrainingConverged:
            pass
        self.notify("on_train_end", X=X, y=y)
        return self


def build_net(settings, n_features):
    """An uninitialized :class:`TabularNet` for ``settings`` on ``n_features`` inputs."""
    net = TabularNet(
        MLP,
        module__n_features=n_features,
        module__n_outputs=settings.n_outputs,
        module__hidden_layer_sizes=tuple(settings.hidden_layer_sizes),
        module__activation=settings.activation,
        criterion=TabularLoss,
        criterion__kind=settings.loss,
        criterion__n_targets=settings.n_targets,
        # Replaced by make_optimizer at every fit (a new optimizer per fit, as
        # scikit-learn's; partial_fit keeps it).
        optimizer=ScikitAdam,
        lr=settings.learning_rate_init,
        max_epochs=settings.max_iter,
        iterator_train=TensorBatchIterator,
        iterator_valid=TensorBatchIterator,
        # Data order has its own generator, seeded per call from the fit's seed.
        iterator_train__generator=torch.Generator(),
        train_split=None,
        callbacks=[("epoch_rule", EpochRule())],
        # skorch formats its epoch table even when silent; verbose prints scikit-learn's
        # lines instead. There is no skorch validation step.
        callbacks__print_log=None,
        callbacks__valid_loss=None,
        device=settings.device,
        verbose=0,
    )
    net.settings = settings
    return net


def make_optimizer(settings, module):
    """scikit-learn's solver for ``module``'s parameters."""
    if settings.solver == "sgd":
        return ScikitSGD(module.parameters(), lr=settings.learning_rate_init,
                         momentum=settings.momentum, nesterov=settings.nesterovs_momentum)
    return ScikitAdam(module.parameters(), lr=settings.learning_rate_init,
                      betas=(settings.beta_1, settings.beta_2), eps=settings.epsilon)


def run_epochs(net, rule, X, targets, epochs):
    """Train ``net`` for at most ``epochs`` epochs under the end-of-epoch ``rule``."""
    epoch_rule = dict(net.callbacks_)["epoch_rule"]
    epoch_rule.rule = rule
    try:
        net.partial_fit(X, targets, epochs=epochs)
    finally:
        epoch_rule.rule = None
