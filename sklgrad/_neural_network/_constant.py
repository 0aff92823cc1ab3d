"""Inputs constant in the training rows get a learning-gradient share of 0.

The gradient of the loss with respect to an input is ``W1[j] . delta`` whatever the input's
value, so a column that never varies still receives one; but the network cannot learn
anything from it (the first layer's bias absorbs it), and its share would be a number about
nothing. Each epoch's shares are renormalized over the other inputs.
"""

import warnings

import numpy as np
import scipy.sparse as sp

from .._engine.capture import BY_TARGET_KEY, IMPORTANCE_KEY, MAGNITUDE_KEY
from .._engine.data import CHUNK_ELEMENTS


class ConstantInputWarning(UserWarning):
    """An input column holds one value in every training row: its learning-gradient share
    is 0 in every epoch (nothing can be learned from it). Drop it, or check the data."""


def constant_columns(X):
    """Whether each column of ``X`` holds one value in every row (dense or sparse)."""
    if sp.issparse(X):
        low = X.min(axis=0).toarray().ravel()
        high = X.max(axis=0).toarray().ravel()
        return low == high
    low = np.full(X.shape[1], np.inf)
    high = np.full(X.shape[1], -np.inf)
    rows = max(1, CHUNK_ELEMENTS // max(1, X.shape[1]))
    for start in range(0, X.shape[0], rows):
        block = X[start:start + rows]
        low = np.minimum(low, block.min(axis=0))
        high = np.maximum(high, block.max(axis=0))
    return low == high


class ConstantTracker:
    """Constant columns found chunk by chunk (for chunked data)."""

    def __init__(self):
        self.low = self.high = None

    def add(self, X):
        low = X.min(axis=0).toarray().ravel() if sp.issparse(X) else X.min(axis=0)
        high = X.max(axis=0).toarray().ravel() if sp.issparse(X) else X.max(axis=0)
        if self.low is None:
            self.low, self.high = np.asarray(low, float), np.asarray(high, float)
        else:
            self.low, self.high = np.minimum(self.low, low), np.maximum(self.high, high)

    def constant(self):
        return self.low == self.high


def zero_constant_shares(history, first_epoch, constant):
    """Set the constant inputs' share (and gradient magnitude) to 0 in the epochs of a
    skorch history from ``first_epoch`` on, the other shares renormalized to sum to 1."""
    for index in range(first_epoch, len(history)):
        entry = history[index]
        for key in (IMPORTANCE_KEY, BY_TARGET_KEY):
            if key in entry:
                entry[key] = _renormalized(np.asarray(entry[key], dtype=np.float64),
                                           constant).tolist()
        if MAGNITUDE_KEY in entry:
            magnitude = np.array(entry[MAGNITUDE_KEY], dtype=np.float64)
            magnitude[..., constant] = 0.0
            entry[MAGNITUDE_KEY] = magnitude.tolist()


def _renormalized(shares, constant):
    shares = shares.copy()
    shares[..., constant] = 0.0
    totals = shares.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, shares / totals, shares)


def warn_constant(name, constant, column_name, stacklevel):
    """Say which inputs are constant, by name (``column_name(index)``)."""
    columns = np.flatnonzero(constant)
    shown = ", ".join(column_name(index) for index in columns[:10])
    more = f" and {len(columns) - 10} more" if len(columns) > 10 else ""
    warnings.warn(
        f"{name}: input column(s) {shown}{more} hold one value in every training row; "
        "nothing can be learned from them, and their learning-gradient share is 0.",
        ConstantInputWarning, stacklevel=stacklevel)
