"""When training stops: scikit-learn's end-of-epoch rule, the input-penalty path's rule, and
the state that scikit-learn's MLP keeps between calls.

Every rule checks first that training stayed finite (:func:`check_finite`): a diverged fit
raises, it never ends as a plausible model.
"""

import numpy as np
import torch

NON_FINITE_MESSAGE = (
    "Solver produced non-finite parameter weights. The input data may contain large values "
    "and need to be preprocessed."
)


class TrainingConverged(Exception):
    """Raised by a rule at the end of an epoch; ends the fit normally."""


def epoch_loss(net):
    """The last epoch's training loss of a skorch net, NaN when a weight is not finite."""
    if not all(bool(torch.isfinite(p).all()) for p in net.module_.parameters()):
        return float("nan")
    return float(net.history[-1]["train_loss"])


def check_finite(loss, epoch):
    """Raise scikit-learn's error when an epoch's loss (NaN for non-finite weights) is not
    finite."""
    if not np.isfinite(loss):
        raise ValueError(
            f"{NON_FINITE_MESSAGE} The training loss was {loss} in epoch {epoch}: lower "
            "learning_rate_init, or scale the inputs (standardize=True)."
        )


def _weights(module):
    return {name: tensor.detach().clone() for name, tensor in module.state_dict().items()}


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
    settings : TrainSettings
        ``tol``, ``n_iter_no_change``, the schedule, ``verbose``, ``progress``, ``label``.
    n_train : int
        Training rows (``t_`` counts samples seen).
    validation : callable or None
        ``validation(module) -> float``, the validation score, with early stopping.
    """

    def __init__(self, state, settings, *, n_train, validation=None):
        self.state = state
        self.settings = settings
        self.n_train = n_train
        self.validation = validation
        self.converged = False

    def __call__(self, net):
        loss = epoch_loss(net)
        score = None if self.validation is None else float(self.validation(net.module_))
        learning_rate = net.optimizer_.param_groups[0]["lr"]
        new_rate, stop = self.end_epoch(loss, len(net.history), learning_rate, score,
                                        lambda: _weights(net.module_))
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
        if score is None:
            # With early stopping, scikit-learn trains on through a non-finite epoch (its
            # validation score is then NaN) and keeps the best validated weights.
            check_finite(loss, epoch)
        settings, state = self.settings, self.state
        label = settings.label
        state.loss_curve.append(loss)
        state.t += self.n_train
        if settings.verbose:
            print(f"{label}Iteration {epoch}, loss = {loss:.8f}")
        if settings.progress is not None:
            settings.progress(epoch, loss)
        self.update_no_improvement_count(loss, score, epoch, snapshot)
        if settings.lr_schedule == "invscaling":
            learning_rate = settings.learning_rate_init / (state.t + 1) ** settings.power_t
        if settings.tol is not None and state.no_improvement_count > settings.n_iter_no_change:
            subject = ("Validation score did not improve" if score is not None
                       else "Training loss did not improve")
            message = (f"{subject} more than tol={settings.tol:f} for "
                       f"{settings.n_iter_no_change} consecutive epochs.")
            if settings.lr_schedule != "adaptive" or learning_rate <= 1e-6:
                if settings.verbose:
                    print(f"{label}{message} Stopping.")
                self.converged = True
                return learning_rate, message
            learning_rate /= 5.0
            state.no_improvement_count = 0
            if settings.verbose:
                print(f"{label}{message} Setting learning rate to {learning_rate:f}")
        return learning_rate, None

    def update_no_improvement_count(self, loss, score, epoch, snapshot):
        state, tol = self.state, self.settings.tol or 0.0
        if score is not None:
            state.validation_scores.append(score)
            if self.settings.verbose:
                print(f"{self.settings.label}Validation score: {score:f}")
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


class ValidationLossRule:
    """End-of-epoch rule of one phase of the input-penalty path: check that training stays
    finite, record the loss, and (with ``patience``) stop once the validation loss has not
    improved by ``tol`` for more than ``patience`` epochs, keeping the best weights."""

    def __init__(self, state, validation_loss, *, n_train, patience=None, tol=0.0):
        self.state, self.validation_loss = state, validation_loss
        self.n_train, self.patience, self.tol = n_train, patience, tol
        self.best, self.best_state, self.best_epoch, self.misses = np.inf, None, None, 0
        self.converged = False

    def __call__(self, net):
        loss = epoch_loss(net)
        epoch = len(net.history)
        check_finite(loss, epoch)
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
            self.best_state = _weights(net.module_)
        if self.misses > self.patience:
            self.converged = True
            raise TrainingConverged("validation loss stopped improving")
