"""Saving and loading fitted estimators without pickle.

A model file is a zip archive: ``model.json`` (format marker, class, parameters and small
fitted values), ``arrays.npz`` (fitted arrays, loaded with ``allow_pickle=False``) and
``weights.pt`` (the network's state dict, loaded with ``torch.load(weights_only=True)``).
Loading rebuilds the estimator from an allow-list of classes, so a file can hold data but
never code: a foreign or tampered file is refused with a ValueError.
"""

import io
import json
import os
import tempfile
import zipfile

import numpy as np
import torch
from sklearn.preprocessing import StandardScaler

from ._capture import IMPORTANCE_KEY, MAGNITUDE_KEY
from ._classifier import LearningGradientClassifier
from ._regressor import LearningGradientRegressor

FORMAT = "sklgrad-model"
FORMAT_VERSION = 1
_CLASSES = {cls.__name__: cls for cls in (LearningGradientClassifier, LearningGradientRegressor)}
_ARRAYS = ("importance_history_", "gradient_magnitude_history_")
_SCALARS = ("n_features_in_", "n_iter_", "loss_curve_", "validation_loss_curve_", "_base_seed")


def _scaler_to_arrays(scaler, prefix, arrays):
    if scaler is not None:
        arrays[prefix + "mean"] = scaler.mean_
        arrays[prefix + "scale"] = scaler.scale_


def _scaler_from_arrays(prefix, arrays):
    if prefix + "mean" not in arrays:
        return None
    scaler = StandardScaler()
    scaler.mean_, scaler.scale_ = arrays[prefix + "mean"], arrays[prefix + "scale"]
    scaler.var_ = scaler.scale_ ** 2
    scaler.n_features_in_ = len(scaler.mean_)
    return scaler


def save_model(estimator, path, *, extra=None):
    """Write a fitted sklgrad estimator to ``path`` (atomically: a temporary file, renamed).

    Parameters
    ----------
    estimator : LearningGradientClassifier or LearningGradientRegressor
        A fitted estimator.
    path : str or path-like
        Where to write.
    extra : dict, default=None
        JSON-serializable data stored beside the model (e.g. how a table was encoded).
    """
    name = type(estimator).__name__
    if name not in _CLASSES:
        raise TypeError(f"Only {sorted(_CLASSES)} can be saved; got {name}.")
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "class": name,
            "params": estimator.get_params(), "extra": extra or {}}
    meta["params"]["hidden_layer_sizes"] = list(estimator._hidden_layer_sizes())
    meta["fitted"] = {key: getattr(estimator, key) for key in _SCALARS}
    arrays = {key: getattr(estimator, key) for key in _ARRAYS}
    _scaler_to_arrays(estimator.scaler_, "scaler_", arrays)
    if hasattr(estimator, "feature_names_in_"):
        meta["fitted"]["feature_names_in_"] = [str(n) for n in estimator.feature_names_in_]
    if name == "LearningGradientClassifier":
        meta["fitted"]["classes_"] = estimator.classes_.tolist()
    else:
        meta["fitted"]["n_outputs_"] = estimator.n_outputs_
        _scaler_to_arrays(estimator.target_scaler_, "target_scaler_", arrays)
    state = {k: v.detach().cpu() for k, v in estimator.net_.module_.state_dict().items()}

    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".sklgrad-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(handle, "w") as archive:
            archive.writestr("model.json", json.dumps(meta, indent=1))
            buffer = io.BytesIO()
            np.savez(buffer, **arrays)
            archive.writestr("arrays.npz", buffer.getvalue())
            buffer = io.BytesIO()
            torch.save(state, buffer)
            archive.writestr("weights.pt", buffer.getvalue())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load_model(path):
    """Load an estimator written by :func:`save_model`; return ``(estimator, extra)``.

    Parameters
    ----------
    path : str or path-like
        The model file.

    Returns
    -------
    estimator : LearningGradientClassifier or LearningGradientRegressor
        Ready to predict, on the CPU.
    extra : dict
        What was stored with ``extra=``.
    """
    path = os.fspath(path)
    try:
        with zipfile.ZipFile(path) as archive:
            meta = json.loads(archive.read("model.json"))
            arrays = dict(np.load(io.BytesIO(archive.read("arrays.npz")), allow_pickle=False))
            state = torch.load(io.BytesIO(archive.read("weights.pt")), weights_only=True,
                               map_location="cpu")
    except (zipfile.BadZipFile, KeyError, ValueError, RuntimeError, EOFError,
            UnicodeDecodeError, OSError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise ValueError(f"{path} is not an sklgrad model file ({error}).") from error
    try:
        return _rebuild(meta, arrays, state), dict(meta.get("extra") or {})
    except (KeyError, TypeError, ValueError, AttributeError, RuntimeError) as error:
        raise ValueError(f"{path} is not a valid sklgrad model file ({error}).") from error


def _rebuild(meta, arrays, state):
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError("no sklgrad format marker")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"format version {meta.get('format_version')!r} is not supported")
    cls = _CLASSES[meta["class"]]
    params = dict(meta["params"])
    params["device"] = "cpu"
    estimator = cls(**params)
    fitted = meta["fitted"]
    for key in _SCALARS:
        setattr(estimator, key, fitted[key])
    if "feature_names_in_" in fitted:
        estimator.feature_names_in_ = np.asarray(fitted["feature_names_in_"], dtype=object)
    estimator.scaler_ = _scaler_from_arrays("scaler_", arrays)
    if cls is LearningGradientClassifier:
        estimator.classes_ = np.asarray(fitted["classes_"])
        n_outputs = 1 if len(estimator.classes_) == 2 else len(estimator.classes_)
    else:
        estimator.n_outputs_ = int(fitted["n_outputs_"])
        estimator.target_scaler_ = _scaler_from_arrays("target_scaler_", arrays)
        n_outputs = estimator.n_outputs_
    for key in _ARRAYS:
        setattr(estimator, key, np.asarray(arrays[key], dtype=np.float64))
    estimator.net_ = estimator._build_net(int(fitted["n_features_in_"]), n_outputs,
                                          estimator._check_params())
    estimator.net_.initialize()
    estimator.net_.module_.load_state_dict(state)
    # The per-epoch record, so that continued training appends to it as before saving.
    history = estimator.net_.history
    valid = estimator.validation_loss_curve_
    for epoch in range(estimator.n_iter_):
        history.new_epoch()
        history.record("epoch", epoch + 1)
        history.record("train_loss", estimator.loss_curve_[epoch])
        if valid is not None:
            history.record("valid_loss", valid[epoch])
        history.record(IMPORTANCE_KEY, estimator.importance_history_[epoch].tolist())
        history.record(MAGNITUDE_KEY, estimator.gradient_magnitude_history_[epoch].tolist())
    estimator.feature_importances_ = estimator.importance_history_[-1].copy()
    return estimator
