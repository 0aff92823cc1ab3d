"""What the Displays share: finding the learning record in a fitted model, and axes."""

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ..._utils._params import check_names  # noqa: F401 (the displays' helpers read it from here)


def _is_sklgrad(estimator):
    from ..._neural_network._base import _LearningGradientEstimator
    from ..._selection._selector import LearningGradientSelector

    return isinstance(estimator, (_LearningGradientEstimator, LearningGradientSelector))


def find_learning_model(estimator):
    """Return ``(model, feature_names)`` for an sklgrad estimator, a selector, or a Pipeline
    holding one; the names are those of the columns that reach the model."""
    if isinstance(estimator, Pipeline):
        for index in range(len(estimator.steps) - 1, -1, -1):
            step = estimator.steps[index][1]
            if _is_sklgrad(step):
                check_is_fitted(step)
                if index == 0:
                    return step, feature_names_of(step)
                return step, np.asarray(estimator[:index].get_feature_names_out(), dtype=object)
        raise ValueError("The pipeline holds no sklgrad estimator or selector.")
    if not _is_sklgrad(estimator):
        raise TypeError(
            "Expected a LearningGradientClassifier, LearningGradientRegressor, "
            f"LearningGradientSelector or a Pipeline holding one; got {type(estimator).__name__}."
        )
    check_is_fitted(estimator)
    return estimator, feature_names_of(estimator)


def feature_names_of(estimator):
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        return np.asarray(names, dtype=object)
    return check_names(None, estimator.n_features_in_)


def history_of(model):
    """The importance history (epochs x features) of an estimator or selector."""
    from ..._selection._selector import LearningGradientSelector

    if isinstance(model, LearningGradientSelector):
        if model.shadow_importances_ is not None:
            raise ValueError("This selector's networks were trained on shadow variables "
                             "too; plot the importances instead of a history.")
        model = model.estimator_
    history = getattr(model, "importance_history_", None)
    if history is None:
        raise ValueError(f"{type(model).__name__} records no importance_history_.")
    return history


def check_history(history):
    history = np.asarray(history, dtype=np.float64)
    if history.ndim != 2 or history.shape[0] == 0:
        raise ValueError(
            f"importance_history must be a 2-D array (epochs x features); got shape "
            f"{history.shape}."
        )
    return history


def new_axes(ax, figsize):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def memorization_note(model):
    """A line saying why a fitted network's importances cannot be trusted: it memorizes
    (``memorizing_``) or scores below a constant prediction (``below_constant_``; for an
    input-penalty path, its chosen point does not beat one); or None."""
    network = getattr(model, "estimator_", model)
    notes = []
    if getattr(network, "memorizing_", None):
        notes.append(f"memorizing: training score {network.train_score_:.3f}, held-out "
                     f"{network.best_validation_score_:.3f}")
    if getattr(network, "below_constant_", None):
        path = getattr(network, "path_", None)
        if path is not None:  # the path's chosen point, on its validation loss
            point = path[network.path_choice_]
            notes.append(f"learned nothing: validation loss {point['validation_loss']:.3f}, "
                         f"constant {point['validation_loss'] + point['gain']:.3f}")
        else:
            notes.append(f"below a constant prediction: held-out "
                         f"{network.best_validation_score_:.3f}, constant "
                         f"{network.constant_score_:.3f}")
    return "; ".join(notes) or None


def note_memorization(display, model, title):
    """Add :func:`memorization_note` under the default title of ``display``'s axes."""
    note = memorization_note(model)
    if note is not None and title is None:
        display.ax_.set_title(f"{display.ax_.get_title()}\n({note})", color="tab:red")
    return display
