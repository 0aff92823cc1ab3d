"""What the estimators check and prepare before training: their parameters (one table of
constraints), sample weights, and the input scaler."""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import StandardScaler

from .._engine.data import CHUNK_ELEMENTS
from .._engine.math_numpy import ACTIVATIONS
from .._utils._params import BOOLEAN, RANDOM_STATE, Interval, NoneValue, Options

_REAL, _INT = numbers.Real, numbers.Integral
_UNIT = Interval(_REAL, 0, 1, "left")
PARAMETER_CONSTRAINTS = {
    "activation": (Options.keys_of(ACTIVATIONS),),
    "alpha": (Interval(_REAL, 0, None, "left"),),
    "batch_size": (Options("auto"), Interval(_INT, 1, None, "left")),
    "learning_rate": (Options("constant", "invscaling", "adaptive"),),
    "learning_rate_init": (Interval(_REAL, 0, None, "neither"),),
    "power_t": (Interval(_REAL, 0, None, "left"),),
    "max_iter": (Interval(_INT, 1, None, "left"),),
    "shuffle": (BOOLEAN,),
    "random_state": RANDOM_STATE,
    "tol": (Interval(_REAL, 0, None, "left"), NoneValue()),
    "verbose": (Interval(_INT, 0, None, "left"), BOOLEAN),
    "warm_start": (BOOLEAN,),
    "momentum": (Interval(_REAL, 0, 1, "both"),),
    "nesterovs_momentum": (BOOLEAN,),
    "early_stopping": (BOOLEAN,),
    "validation_fraction": (_UNIT,),
    "beta_1": (_UNIT,),
    "beta_2": (_UNIT,),
    "epsilon": (Interval(_REAL, 0, None, "neither"),),
    "n_iter_no_change": (Interval(_INT, 1, None, "left"), Options(np.inf)),
    "standardize": (BOOLEAN,),
    "input_penalty": (NoneValue(), Interval(_REAL, 0, None, "neither"), Options("path")),
}


def fit_scaler(X, sample_weight):
    """A StandardScaler fitted chunk by chunk: fitted at once, it makes a float64 temporary
    of the whole of X (2.25x the size of float32 data), which large data cannot spare.
    Sparse inputs are scaled but not centred, which would make them dense. With sample
    weights, a row of weight 2 counts as two rows, as it does in the loss."""
    scaler = StandardScaler(with_mean=not sp.issparse(X))
    rows = max(1, CHUNK_ELEMENTS // max(1, X.shape[1]))
    # Overflow on huge values is reported by the caller, naming the column.
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, X.shape[0], rows):
            weights = None if sample_weight is None else sample_weight[start:start + rows]
            scaler.partial_fit(X[start:start + rows], sample_weight=weights)
    return scaler


def column_name(estimator, index):
    names = getattr(estimator, "feature_names_in_", None)
    return f"{names[index]!r} (index {index})" if names is not None else f"{index}"


def check_sample_weight(sample_weight, n_samples):
    """Sample weights as a float64 vector, with scikit-learn's wording for bad ones."""
    if sample_weight is None:
        return None
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.ndim == 0:
        weights = np.full(n_samples, float(weights))
    if weights.shape != (n_samples,):
        raise ValueError(f"sample_weight.shape == {weights.shape}, expected {(n_samples,)}!")
    if not np.isfinite(weights).all():
        raise ValueError("Input sample_weight contains NaN or infinity.")
    if (weights < 0).any():
        raise ValueError("Negative values in data passed to sample_weight.")
    if weights.sum() <= 0:
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return weights
