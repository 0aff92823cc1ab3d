"""Trust flags: saying when importances describe a memorizing network, or one worse than a
constant prediction.

A network that fits its training rows far better than held-out rows has learned from what it
memorized: its learning gradients then spread over whatever inputs let it memorize (noise
inputs among them), and the importances describe that more than what carries to new rows.
A network below a constant prediction on held-out rows describes a model nobody should use.
"""

import warnings

import numpy as np

from .._engine.inference import module_outputs
from .._engine.math_numpy import score_outputs

# More than this share of what the network gained over a constant prediction on its
# training rows is lost on held-out rows.
LOST_SHARE = 0.5
# Standard errors by which a path's point must beat the constant prediction on its
# validation rows to have learned something they share: a one-sided test at about 2%.
LEARNED_SE = 2.0
# The step size at which the path learns a ring among hundreds of noise columns within its
# step budget (docs/benchmarks.md, "path-rate"), where Adam's default (0.001) does not.
SLOW_EFFECT_RATE = 0.01


class MemorizationWarning(UserWarning):
    """The fitted network scores far better on its training rows than on held-out rows, so
    its importances describe what it memorized. Fewer inputs, more rows, a smaller network,
    a larger ``alpha`` or early stopping help."""


def memorizing(train_score, held_out_score, constant_score):
    """Whether more than half of what the network gained over a constant prediction on
    its training rows is lost on held-out rows.

    Examples
    --------
    >>> memorizing(train_score=0.99, held_out_score=0.40, constant_score=0.0)
    True
    >>> memorizing(train_score=0.99, held_out_score=0.90, constant_score=0.0)
    False
    """
    gained = train_score - constant_score
    return bool(gained > 0 and (train_score - held_out_score) > LOST_SHARE * gained)


def learned(point):
    """Whether a point of an input-penalty path (an entry of ``path_``) predicts its
    validation rows better than the constant prediction, by more than ``LEARNED_SE``
    standard errors of the difference taken row by row.

    Where a network learned nothing, its path still ends with a few inputs alive, drawn
    at random among the noise (a ring among 512 uniform noise columns on 1,000 rows: a
    validation loss of 0.695 against the constant's 0.693, two or three noise inputs
    alive): their importances are not a finding.

    Examples
    --------
    >>> learned({"gain": 0.30, "gain_se": 0.05}), learned({"gain": 0.002, "gain_se": 0.009})
    (True, False)
    """
    return bool(point["gain"] > LEARNED_SE * point["gain_se"])


def warn_path_learned_nothing(name, point, learning_rate, stacklevel):
    """Warn that a path's chosen ``point`` did not beat the constant prediction; below
    ``SLOW_EFFECT_RATE``, say that a larger step lets the path learn a slow effect."""
    constant = point["validation_loss"] + point["gain"]
    hint = ""
    if learning_rate < SLOW_EFFECT_RATE:
        hint = (f" If the target depends on an effect a network learns slowly (an even "
                f"effect such as a ring), learning_rate_init={SLOW_EFFECT_RATE:g} lets "
                f"the path learn it within its step budget; on real tables it also keeps "
                f"more noise (docs/method.md, 'The step size').")
    warnings.warn(
        f"{name}'s input-penalty path ends on a point whose validation loss "
        f"({point['validation_loss']:.4f}) is not below a constant prediction's "
        f"({constant:.4f}) by two standard errors ({LEARNED_SE * point['gain_se']:.4f}): "
        f"it learned nothing its validation rows share, and the importances of its "
        f"{point['inputs_alive']} inputs alive cannot be trusted.{hint}",
        BelowBaselineWarning, stacklevel=stacklevel)


def constant_score(loss, train_targets, held_out_targets):
    """The held-out score of a constant prediction learned on the training rows: the most
    frequent class's accuracy, or 0 (R^2 of the mean) for a regression."""
    if loss == "regression":
        return 0.0
    classes, counts = np.unique(train_targets[:, 0], return_counts=True)
    return float(np.mean(held_out_targets[:, 0] == classes[np.argmax(counts)]))


def warn_memorizing(name, train_score, held_out_score, stacklevel):
    warnings.warn(
        f"{name} scores {train_score:.3f} on its training rows and {held_out_score:.3f} on "
        "held-out rows: it memorizes, and its importances describe what it memorized more "
        "than what carries to new rows. Try fewer inputs, a smaller network, a larger "
        "alpha, or sklgrad's selector (threshold='all-relevant').",
        MemorizationWarning, stacklevel=stacklevel)


class BelowBaselineWarning(UserWarning):
    """The fitted network scores below a constant prediction on held-out rows: its
    importances describe a model that does worse than predicting the most frequent class
    (or the mean). More epochs, class weights for a rare class, or another network help."""


def warn_below_constant(name, held_out_score, constant_score, stacklevel):
    warnings.warn(
        f"{name} scores {held_out_score:.3f} on held-out rows, below a constant "
        f"prediction's {constant_score:.3f}: its importances describe a model worse than "
        "predicting the most frequent class (or the mean), and cannot be trusted.",
        BelowBaselineWarning, stacklevel=stacklevel)


def record_trust(estimator, settings, data):
    """With a validation split, the trust flags on ``estimator``: the score on the training
    rows beside the held-out one (a :class:`MemorizationWarning` when most of the gain is
    lost there), and the held-out score beside a constant prediction's (a
    :class:`BelowBaselineWarning` when it is lower)."""
    module = estimator.net_.module_
    split = data.targets.shape[1] - int(data.weighted)
    weights = data.targets[:, split] if data.weighted else None
    outputs = module_outputs(module, data.X, dtype=next(module.parameters()).dtype)
    estimator.train_score_ = float(score_outputs(settings.loss, outputs,
                                                 data.targets[:, :split], weights))
    estimator.constant_score_ = constant_score(settings.loss, data.targets, data.y_val)
    held_out, name = estimator.best_validation_score_, type(estimator).__name__
    estimator.below_constant_ = bool(held_out < estimator.constant_score_)
    estimator.memorizing_ = memorizing(estimator.train_score_, held_out,
                                       estimator.constant_score_)
    if estimator.memorizing_:
        warn_memorizing(name, estimator.train_score_, held_out, stacklevel=6)
    if estimator.below_constant_:
        warn_below_constant(name, held_out, estimator.constant_score_, stacklevel=6)
