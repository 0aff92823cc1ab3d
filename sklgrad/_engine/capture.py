"""Learning gradients for any skorch network: dLoss/dInput captured during training.

The capture rides on the backward pass that training runs anyway: the batch input is marked
``requires_grad`` before the forward pass, so ``loss.backward()`` also fills ``X.grad`` (one
more matrix product through the first layer) and no second backward pass is needed.
"""

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, PrintLog
from skorch.dataset import unpack_data
from skorch.utils import to_tensor

#: History keys written once per epoch by :class:`LearningGradientRecorder`.
IMPORTANCE_KEY = "learning_gradient"
MAGNITUDE_KEY = "learning_gradient_magnitude"
BY_TARGET_KEY = "learning_gradient_by_target"
# Step key holding the batch's leaf input: its .grad is the batch's dLoss/dx.
INPUT_KEY = "learning_gradient_input"


def _per_example_scale(criterion, n_rows):
    """Factor that turns the gradient of the batch loss into each example's own gradient.

    A mean-reduced loss divides every example's gradient by the batch size; undoing it makes
    the figures independent of the batch size (and the short last batch weigh the same).
    """
    reduction = getattr(criterion, "reduction", "mean")
    if reduction == "mean":
        return float(n_rows)
    if reduction == "sum":
        return 1.0
    raise ValueError(
        f"Learning gradients need a criterion with reduction='mean' or 'sum'; got {reduction!r}."
    )


def _leaf_input(X, device):
    """The batch input as a fresh leaf tensor on ``device`` whose ``.grad`` backward fills."""
    if isinstance(X, torch.Tensor):
        X = X.to(device)
    elif isinstance(X, np.ndarray):
        X = to_tensor(X, device=device)
    else:
        raise TypeError(
            "Learning gradients need each batch input to be a single tensor or array; "
            f"got {type(X).__name__}."
        )
    return X.detach().requires_grad_(True)



def learning_share(total):
    """Each input's share of an epoch's summed |dLoss/dx| (``total``); an epoch without
    any learning signal (every gradient zero) favours no variable: equal shares."""
    mass = total.sum()
    return total / mass if mass > 0 else np.full_like(total, 1.0 / total.size)

class LearningGradientRecorder(Callback):
    """Sum |dLoss/dx| over the training examples of each epoch and record it in the history.

    Added automatically by :class:`LearningGradientMixin`. At the end of each epoch it
    records, under the keys ``"learning_gradient"`` and ``"learning_gradient_magnitude"``:

    - the importance vector: the sum of |dLoss/dx| over all training examples of the epoch,
      normalized over the input variables so that it sums to 1;
    - the magnitude vector: the mean |dLoss/dx| per example (the size of the learning
      signal, before normalization).

    Both are flat lists with one entry per input variable (an image's pixels in C order).

    Parameters
    ----------
    by_target : bool, default=False
        Also record, under ``"learning_gradient_by_target"``, one normalized vector per
        class (integer targets 0..n_classes-1): what the network learns from the examples
        of each class. Costs one more pass over each batch's gradient.
    """

    def __init__(self, by_target=False):
        self.by_target = by_target

    def on_epoch_begin(self, net, **kwargs):
        self.total_ = None
        self.by_target_ = None
        self.n_examples_ = 0

    def on_batch_end(self, net, batch=None, training=False, learning_gradient=None, **kwargs):
        if not training or learning_gradient is None:
            return
        # Stays on the device: no host synchronisation inside the epoch.
        if self.total_ is None:
            self.total_ = learning_gradient.to(torch.float64)
        else:
            self.total_ += learning_gradient
        self.n_examples_ += len(batch[0])
        if self.by_target:
            self._add_by_target(net, batch[1], kwargs[INPUT_KEY])

    def _add_by_target(self, net, y, X_leaf):
        y = torch.as_tensor(y, device=X_leaf.device).long().reshape(-1)
        per_example = X_leaf.grad.abs().flatten(1).to(torch.float64)
        per_example *= _per_example_scale(net.criterion_, len(X_leaf))
        n_classes = int(y.max()) + 1
        if self.by_target_ is None or len(self.by_target_) < n_classes:
            grown = per_example.new_zeros((n_classes, per_example.shape[1]))
            if self.by_target_ is not None:
                grown[:len(self.by_target_)] = self.by_target_
            self.by_target_ = grown
        self.by_target_.index_add_(0, y, per_example)

    def on_epoch_end(self, net, **kwargs):
        if self.total_ is None:
            return
        total = self.total_.cpu().numpy().ravel()
        net.history.record(IMPORTANCE_KEY, learning_share(total).tolist())
        net.history.record(MAGNITUDE_KEY, (total / self.n_examples_).tolist())
        if self.by_target_ is not None:
            by_target = self.by_target_.cpu().numpy()
            mass = by_target.sum(axis=1, keepdims=True)
            net.history.record(BY_TARGET_KEY, np.divide(
                by_target, mass, out=np.zeros_like(by_target), where=mass > 0).tolist())


class LearningGradientMixin:
    """Add learning-gradient capture to any skorch ``NeuralNet`` subclass.

    Put it first among the bases, e.g.
    ``class Net(LearningGradientMixin, NeuralNetClassifier)``. Training then records, per
    epoch, each input variable's share of |dLoss/dx| (see
    :class:`LearningGradientRecorder`), at the cost of one extra matrix product per step.

    The batch input must be one tensor (or array). The module must treat examples
    independently (no batch normalization in training mode), so that the gradient of the
    batch loss with respect to one example is that example's own gradient.
    """

    def get_default_callbacks(self):
        callbacks = []
        for name, callback in super().get_default_callbacks():
            if isinstance(callback, PrintLog):
                callback = PrintLog(keys_ignored=[IMPORTANCE_KEY, MAGNITUDE_KEY, BY_TARGET_KEY])
            callbacks.append((name, callback))
        return callbacks + [(IMPORTANCE_KEY, LearningGradientRecorder())]

    def train_step_single(self, batch, **fit_params):
        # Module.train() walks every submodule; on a small network that costs as much as the
        # step itself, so switch only when an evaluation left the module in eval mode.
        if not self.module_.training:
            self._set_training(True)
        Xi, yi = unpack_data(batch)
        Xi = _leaf_input(Xi, self.device)
        scale = _per_example_scale(self.criterion_, len(Xi))
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        loss.backward()
        # Sum of |grad| over the batch in one kernel; the scale restores per-example gradients.
        batch_sum = torch.linalg.vector_norm(Xi.grad, ord=1, dim=0)
        batch_sum *= scale
        return {"loss": loss, "y_pred": y_pred, IMPORTANCE_KEY: batch_sum, INPUT_KEY: Xi}

    def learning_gradients(self, X, y, absolute=True):
        """Per-example dLoss/dx at the current weights, without updating them.

        Parameters
        ----------
        X : array-like or tensor
            Inputs, as the network takes them.
        y : array-like or tensor
            Targets, as the criterion takes them.
        absolute : bool, default=True
            Return |dLoss/dx| (the learning gradient); ``False`` keeps the sign, which
            says in which direction each input would have to move to lower the loss.

        Returns
        -------
        gradients : ndarray of shape (n_samples, *input_shape), dtype float32
        """
        self.check_is_fitted()
        self._set_training(False)
        dataset = self.get_dataset(X, y)
        parts = []
        for batch in self.get_iterator(dataset, training=False):
            Xi, yi = unpack_data(batch)
            Xi = _leaf_input(Xi, self.device)
            scale = _per_example_scale(self.criterion_, len(Xi))
            with torch.enable_grad():
                loss = self.get_loss(self.infer(Xi), yi, X=Xi, training=False)
                # autograd.grad leaves the parameters' .grad untouched.
                (grad,) = torch.autograd.grad(loss, Xi)
            grad = grad * scale
            parts.append((grad.abs() if absolute else grad).cpu())
        return torch.cat(parts).numpy()


class LearningGradientNet(LearningGradientMixin, NeuralNet):
    """A skorch :class:`~skorch.NeuralNet` that records learning gradients while it trains.

    Takes every argument of ``NeuralNet``. After ``fit``, ``net.history[:, "learning_gradient"]``
    holds one importance vector per epoch (each sums to 1) and
    ``net.history[:, "learning_gradient_magnitude"]`` the mean |dLoss/dx| per epoch.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from sklgrad import LearningGradientNet
    >>> X = np.random.RandomState(0).randn(64, 4).astype(np.float32)
    >>> y = (X[:, 0] > 0).astype(np.int64)
    >>> net = LearningGradientNet(
    ...     torch.nn.Linear, module__in_features=4, module__out_features=2,
    ...     criterion=torch.nn.CrossEntropyLoss, max_epochs=3, train_split=None, verbose=0,
    ... ).fit(X, y)
    >>> shares = np.array(net.history[:, "learning_gradient"])
    >>> shares.shape
    (3, 4)
    >>> bool(np.allclose(shares.sum(axis=1), 1.0))
    True
    """
