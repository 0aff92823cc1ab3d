"""LearningGradientRegressor: an MLP regressor that records learning gradients."""

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn

from ._base import _LearningGradientEstimator
from ._docstrings import ATTRIBUTES_DOC, NOTES_DOC, PARAMETERS_DOC


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

    def _multi_output_target(self):
        return True

    def _criterion(self):
        return nn.MSELoss

    def _encode_target(self, y, first_call, classes=None):
        y = np.asarray(y, dtype=np.float64)
        y = y.reshape(-1, 1) if y.ndim == 1 else y
        if first_call:
            self.n_outputs_ = y.shape[1]
            self.target_scaler_ = StandardScaler().fit(y) if self.standardize else None
        elif y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y.shape[1]} targets, but {type(self).__name__} was fitted with "
                f"{self.n_outputs_}."
            )
        if self.target_scaler_ is not None:
            y = self.target_scaler_.transform(y)
        return y.astype(np.float32), self.n_outputs_

    def _split_stratify(self, y_torch):
        return None

    def fit(self, X, y):
        """Train the network on (X, y) and record its learning gradients.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs: arrays (float64 or float32), DataFrames or lists.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.

        Returns
        -------
        self : LearningGradientRegressor
            The fitted regressor.
        """
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y):
        """Train for one more epoch on (X, y), appending to the learning history.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.

        Returns
        -------
        self : LearningGradientRegressor
            The updated regressor.
        """
        return self._fit(X, y, incremental=True)

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
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        y_pred = self._forward(X)
        if self.target_scaler_ is not None:
            y_pred = self.target_scaler_.inverse_transform(y_pred)
        return y_pred.ravel() if y_pred.shape[1] == 1 else y_pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
