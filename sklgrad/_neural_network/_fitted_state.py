"""A fitted estimator as plain data and back: what pickle and skops save (arrays, numbers,
strings, scikit-learn objects, never torch objects), and the checks a state read from a file
passes before anything it declares is built."""

import dataclasses
import numbers

import numpy as np
import torch
from sklearn.preprocessing import StandardScaler

from .._engine.math_numpy import ACTIVATIONS
from .._engine.state import check_record, net_from_record, net_state


def plain_state(state):
    """An estimator's state (``BaseEstimator.__getstate__``'s) as plain data: pickle and
    skops both save it, and skops can load it without running code."""
    state = dict(state)  # object's state is the live __dict__ itself
    # What the command line and the selector attach for one fit is not the model.
    state.pop("_epoch_hook", None)
    state.pop("_verbose_label", None)
    # Metadata requests say how a caller routes parameters, not what was learned
    # (and skops cannot save their objects).
    state.pop("_metadata_request", None)
    if "net_" in state:
        net = state["net_"]
        state["net_"] = {
            "n_features": net.module__n_features, "n_outputs": net.module__n_outputs,
            "hidden_layer_sizes": list(net.module__hidden_layer_sizes),
            "activation": net.module__activation, **net_state(net),
        }
    if state.get("_best_state") is not None:
        state["_best_state"] = {k: v.cpu().numpy() for k, v in state["_best_state"].items()}
    return state


def rebuilt_state(estimator, state):
    """The state to set on ``estimator`` from :func:`plain_state`'s: checked, then its
    network rebuilt from the arrays."""
    if "net_" in state or "feature_importances_" in state:
        # A fitted state from a file: checked whole before anything it declares is
        # built (a network is made from the shapes of the arrays it holds).
        widths = check_fitted_state(estimator, state)
        # The loss follows the classes: the other attributes go in first.
        estimator.__dict__.update({k: v for k, v in state.items() if k != "net_"})
        settings = dataclasses.replace(
            estimator._train_settings(widths[1:-1], widths[-1]),
            activation=state["net_"]["activation"],
            device=_restore_device(state.get("device", "cpu")))
        state = {**state, "net_": net_from_record(settings, widths[0], state["net_"])}
    if state.get("_best_state") is not None:
        state["_best_state"] = {k: torch.as_tensor(np.asarray(v))
                                for k, v in state["_best_state"].items()}
    return state


def check_fitted_state(estimator, state):
    """The checks of a fitted state read from a file: every fitted attribute there,
    the network's widths, outputs and weights consistent with them (see
    :func:`~sklgrad._engine.state.check_record`), the histories of the right shapes.
    Returns the network's widths, input to output."""
    name = type(estimator).__name__
    missing = [key for key in estimator._FITTED_STATE if key not in state]
    if missing:
        raise ValueError(f"the {name} lacks its fitted {', '.join(missing)}")
    n_features = state["n_features_in_"]
    if not isinstance(n_features, numbers.Integral) or n_features < 1:
        raise ValueError(f"the {name} has n_features_in_={n_features!r}")
    widths = check_record(state["net_"], n_features, estimator._network_outputs(state),
                          ACTIVATIONS)
    for key in ("feature_importances_", "importance_history_",
                "gradient_magnitude_history_"):
        value = state[key]
        if not isinstance(value, np.ndarray) or value.shape[-1:] != (n_features,):
            raise ValueError(f"the {name}'s {key} does not have {n_features} columns")
    if state["importance_history_"].ndim != 2:
        raise ValueError(f"the {name}'s importance_history_ is not epochs x inputs")
    names = state.get("feature_names_in_")
    if names is not None and np.shape(names) != (n_features,):
        raise ValueError(f"the {name} has {np.size(names)} feature names for "
                         f"{n_features} inputs")
    scaler = state["scaler_"]
    if scaler is not None and (not isinstance(scaler, StandardScaler)
                               or np.shape(scaler.scale_) != (n_features,)):
        raise ValueError(f"the {name}'s scaler does not scale {n_features} inputs")
    best = state.get("_best_state")
    if best is not None and (not isinstance(best, dict) or {
            k: np.shape(v) for k, v in best.items()} != {
            k: np.shape(v) for k, v in state["net_"]["module"].items()}):
        raise ValueError(f"the {name}'s best weights do not match its network")
    return widths


def _restore_device(device):
    # A model trained on a GPU loads on a machine without one.
    return device if torch.device(device).type == "cpu" or torch.cuda.is_available() \
        else "cpu"
