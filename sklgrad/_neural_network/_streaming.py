"""Training on chunked data (:class:`ChunkedData`, Dask collections): an epoch is one pass
over the chunks, and no more than two of them are held at a time."""

import numpy as np
import torch
from sklearn.preprocessing import StandardScaler

from .._engine.chunks import PreparedChunks
from .._engine.fit import train_network
from .._engine.settings import FitData
from .._engine.stopping import StoppingState
from ._checks import column_name
from ._chunked import ChunkChecker
from ._constant import ConstantTracker, warn_constant


def check_streamable(estimator, incremental, continuing, sample_weight):
    what = ("partial_fit" if incremental else "warm_start=True" if continuing
            else "input_penalty='path'" if estimator.input_penalty == "path"
            else "sample_weight" if sample_weight is not None else None)
    if what is not None:
        raise ValueError(f"{what} is not available with chunked data: fit on "
                         "ChunkedData trains a new network, one pass over the chunks "
                         "per epoch (partial_fit takes one chunk per call, in memory).")


def _prepared_reader(chunks, checker, estimator, dtype):
    """``read(i)``: chunk ``i`` checked, scaled and encoded for the network."""
    def read(index):
        X, y = chunks.read(index)
        X = estimator._prepare_X(checker.inputs(X, index), dtype)
        encoded, _ = estimator._encode_target(checker.targets(y, len(X), index),
                                              first_call=False, incremental=True,
                                              classes=None, sample_weight=None)
        return X, encoded.astype(dtype)
    return read


def train_stream(estimator, chunks, hidden_layer_sizes):
    """A fit whose epoch is one pass over ``chunks``: a first pass checks every chunk,
    merges the input scaler and learns the targets; training then reads the chunks
    again each epoch, never holding more than two of them."""
    checker = ChunkChecker(chunks.description)
    scaler = StandardScaler() if estimator.standardize else None
    targets = estimator._target_summary()
    constant = ConstantTracker()
    n_rows = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for index in range(chunks.n_chunks):
            X, y = chunks.read(index)
            X = checker.inputs(X, index)
            targets.add(checker.targets(y, len(X), index))
            constant.add(X)
            if scaler is not None:
                scaler.partial_fit(X)
            n_rows += len(X)
    estimator.n_features_in_ = checker.width
    if checker.columns is not None and all(isinstance(c, str) for c in checker.columns):
        estimator.feature_names_in_ = np.asarray(checker.columns, dtype=object)
    elif hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_
    estimator.scaler_ = estimator._checked_scaler(scaler)
    constant = constant.constant()
    if constant.any():
        warn_constant(type(estimator).__name__, constant,
                      lambda index: column_name(estimator, index), stacklevel=5)
    n_outputs = targets.finish(estimator)
    dtype = np.float32 if checker.dtype == np.float32 or torch.device(
        estimator.device).type != "cpu" else np.float64

    seed = estimator._seed_for_call(first_call=True)
    X_val = y_val = None
    if estimator.early_stopping:
        if chunks.validation is None:
            raise ValueError("early_stopping=True with chunked data scores held-out "
                             "chunks: pass ChunkedData(..., validation=ChunkedData(...)).")
        read = _prepared_reader(chunks.validation, checker, estimator, dtype)
        parts = [read(index) for index in range(chunks.validation.n_chunks)]
        X_val = np.concatenate([X for X, _ in parts])
        y_val = np.concatenate([y for _, y in parts])
    data = FitData(X=PreparedChunks(chunks.n_chunks,
                                    _prepared_reader(chunks, checker, estimator, dtype),
                                    n_rows, checker.width, dtype),
                   targets=None, seed=seed, split_seed=estimator._base_seed,
                   X_val=X_val, y_val=y_val)
    state = StoppingState(estimator.early_stopping)
    if estimator.early_stopping:
        state.start_validation()
    else:
        state.start_loss_tracking()
    settings = estimator._train_settings(hidden_layer_sizes, n_outputs)
    estimator._check_batch_size(n_rows)
    net, rule = train_network(settings, data, state)
    estimator._finish(net, state, epochs_run=len(net.history), converged=rule.converged,
                      incremental=False, constant=constant)
