"""LearningGradientRegressor: an MLP regressor that records learning gradients."""

import numbers

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.preprocessing import StandardScaler

from .._utils._docstrings import ATTRIBUTES_DOC, NOTES_DOC, PARAMETERS_DOC
from ._base import _LearningGradientEstimator, public_init


class LearningGradientRegressor(RegressorMixin, _LearningGradientEstimator):
    __doc__ = f"""Multi-layer perceptron regressor that measures what it learns from.

    The regression counterpart of :class:`LearningGradientClassifier`: the squared error is
    minimized with mini-batch SGD or Adam while each input variable's share of |dLoss/dx| is
    recorded per epoch. One or several targets. With ``standardize=True`` the targets are
    standardized too (the loss is taken in standard deviations of each target) and the
    predictions are returned in the original units.

    Parameters
    ----------
{PARAMETERS_DOC}
    Attributes
    ----------
    n_outputs_ : int
        Number of targets.
{ATTRIBUTES_DOC}
    target_scaler_ : StandardScaler or None
        The scaler of the targets when ``standardize=True``.

    See Also
    --------
    LearningGradientClassifier : The same for classification.
    sklearn.neural_network.MLPRegressor : scikit-learn's MLP, without the capture.

    Notes
    -----
{NOTES_DOC}
    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklgrad import LearningGradientRegressor
    >>> X, y = load_diabetes(return_X_y=True, as_frame=True)
    >>> reg = LearningGradientRegressor(hidden_layer_sizes=(16,), max_iter=50,
    ...                                 random_state=0).fit(X, y)
    >>> reg.importance_history_.shape[1]
    10
    >>> reg.score(X, y) > 0.4
    True
    """

    __init__ = public_init("LearningGradientRegressor")

    _FITTED_STATE = (*_LearningGradientEstimator._FITTED_STATE, "n_outputs_",
                     "target_scaler_")

    def _loss_kind(self):
        return "regression"

    def _target_summary(self):
        return _TargetScaling(self.standardize)

    @staticmethod
    def _network_outputs(state):
        n_outputs = state["n_outputs_"]
        scaler = state["target_scaler_"]
        if not isinstance(n_outputs, numbers.Integral) or n_outputs < 1 or (
                scaler is not None and np.shape(scaler.scale_) != (n_outputs,)):
            raise ValueError("the LearningGradientRegressor's n_outputs_ and target scaler "
                             "disagree")
        return int(n_outputs)

    def _encode_target(self, y, *, first_call, incremental, classes, sample_weight):
        y = np.asarray(y, dtype=np.float64)
        y = y.reshape(-1, 1) if y.ndim == 1 else y
        if first_call:
            self.n_outputs_ = y.shape[1]
            with np.errstate(over="ignore", invalid="ignore"):
                self.target_scaler_ = (StandardScaler().fit(y, sample_weight=sample_weight)
                                       if self.standardize else None)
            if self.target_scaler_ is not None and not np.isfinite(
                    self.target_scaler_.var_).all():
                raise ValueError("The variance of y overflows float64: scale y down before "
                                 "fitting.")
        elif y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y.shape[1]} targets, but {type(self).__name__} was fitted with "
                f"{self.n_outputs_}."
            )
        if self.target_scaler_ is not None:
            y = self.target_scaler_.transform(y)
        return y, self.n_outputs_

    def fit(self, X, y=None, sample_weight=None):
        """Train the network on (X, y) and record its learning gradients.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), or chunked data
            Training inputs: arrays (float64 or float32), DataFrames, lists, or CSR/CSC
            matrices (densified one batch at a time); or data larger than memory, a
            :class:`ChunkedData` or a Dask array or DataFrame, read one chunk at a time
            (an epoch is one pass over the chunks).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets; None for a ChunkedData (its chunks hold them), a Dask array or
            Series for a Dask X.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights: each example's loss, and so its learning gradient, is
            multiplied by its weight, and each batch's loss divided by the batch's total
            weight (as MLPRegressor does).

        Returns
        -------
        self : LearningGradientRegressor
            The fitted regressor.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def partial_fit(self, X, y, sample_weight=None):
        """Train for one more epoch on (X, y), appending to the learning history.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights, as in :meth:`fit`.

        Returns
        -------
        self : LearningGradientRegressor
            The updated regressor.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """Predict the targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            One column per target; 1-D for a single target.
        """
        y_pred = self._forward(self._validate_for_inference(X))
        if self.target_scaler_ is not None:
            y_pred = self.target_scaler_.inverse_transform(y_pred)
        return y_pred.ravel() if y_pred.shape[1] == 1 else y_pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags


class _TargetScaling:
    """The outputs of chunked targets and their scaler, merged over a first pass."""

    def __init__(self, standardize):
        self.scaler = StandardScaler() if standardize else None
        self.n_outputs = None

    def add(self, y):
        y = np.asarray(y, dtype=np.float64)
        y = y.reshape(-1, 1) if y.ndim == 1 else y
        if self.n_outputs is not None and y.shape[1] != self.n_outputs:
            raise ValueError(f"a chunk has {y.shape[1]} targets where the first has "
                             f"{self.n_outputs}")
        self.n_outputs = y.shape[1]
        if self.scaler is not None:
            with np.errstate(over="ignore", invalid="ignore"):
                self.scaler.partial_fit(y)

    def finish(self, estimator):
        """Set ``n_outputs_`` and ``target_scaler_``; return the network's outputs."""
        if self.scaler is not None and not np.isfinite(self.scaler.var_).all():
            raise ValueError("The variance of y overflows float64: scale y down before "
                             "fitting.")
        estimator.n_outputs_, estimator.target_scaler_ = self.n_outputs, self.scaler
        return self.n_outputs
