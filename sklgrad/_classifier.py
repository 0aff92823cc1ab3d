"""LearningGradientClassifier: an MLP classifier that records learning gradients."""

import numpy as np
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn

from ._base import _LearningGradientEstimator
from ._docstrings import ATTRIBUTES_DOC, NOTES_DOC, PARAMETERS_DOC


class LearningGradientClassifier(ClassifierMixin, _LearningGradientEstimator):
    __doc__ = f"""Multi-layer perceptron classifier that measures what it learns from.

    While the network trains with mini-batch SGD or Adam, the gradient of the loss with
    respect to every input variable of every training example (the *learning gradient*) is
    taken from the backward pass that training runs anyway. Summed in absolute value over an
    epoch and normalized to sum to 1, it is each variable's share of what the network learns
    from in that epoch. The parameters follow :class:`sklearn.neural_network.MLPClassifier`.

    Two classes are fitted with one output and a logistic loss, more classes with a softmax
    and the cross-entropy loss.

    Parameters
    ----------
{PARAMETERS_DOC}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.
{ATTRIBUTES_DOC}
    See Also
    --------
    LearningGradientRegressor : The same for regression.
    LearningGradientSelector : Keep the input variables that the network learns from.
    sklearn.neural_network.MLPClassifier : scikit-learn's MLP, without the capture.

    Notes
    -----
{NOTES_DOC}
    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklgrad import LearningGradientClassifier
    >>> X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    >>> clf = LearningGradientClassifier(hidden_layer_sizes=(3,), solver="sgd",
    ...                                  learning_rate_init=0.01, max_iter=40, tol=None,
    ...                                  random_state=0).fit(X, y)
    >>> clf.importance_history_.shape
    (40, 30)
    >>> float(clf.feature_importances_.sum())
    1.0
    >>> clf.score(X, y) > 0.95
    True
    """

    def _multi_output_target(self):
        return False

    def _criterion(self):
        return nn.BCEWithLogitsLoss if len(self.classes_) == 2 else nn.CrossEntropyLoss

    def _encode_target(self, y, first_call, classes=None):
        check_classification_targets(y)
        if first_call:
            found = np.unique(y if classes is None else np.asarray(classes))
            if len(found) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in the data, "
                    f"but the data contains only one class: {found.tolist()[0]!r}."
                )
            self.classes_ = found
        unseen = ~np.isin(y, self.classes_)
        if unseen.any():
            raise ValueError(
                f"y contains labels that are not in classes_ {self.classes_.tolist()}: "
                f"{np.unique(np.asarray(y)[unseen]).tolist()}."
            )
        codes = np.searchsorted(self.classes_, y)
        if len(self.classes_) == 2:
            return codes.astype(np.float32).reshape(-1, 1), 1
        return codes.astype(np.int64), len(self.classes_)

    def _split_stratify(self, y_torch):
        return np.asarray(y_torch).ravel()

    def fit(self, X, y):
        """Train the network on (X, y) and record its learning gradients.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs: arrays (float64 or float32), DataFrames or lists.
        y : array-like of shape (n_samples,)
            Class labels of any type (strings too).

        Returns
        -------
        self : LearningGradientClassifier
            The fitted classifier.
        """
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y, classes=None):
        """Train for one more epoch on (X, y), appending to the learning history.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            All the classes, needed on the first call when one batch may not show them all;
            later calls ignore it.

        Returns
        -------
        self : LearningGradientClassifier
            The updated classifier.
        """
        return self._fit(X, y, incremental=True, classes=classes)

    def _logits(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return self._forward(X)

    def predict_proba(self, X):
        """Probability of each class, in float64 (rows sum to 1).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        logits = self._logits(X)
        if len(self.classes_) == 2:
            positive = expit(logits[:, 0])
            return np.column_stack([1.0 - positive, positive])
        return softmax(logits, axis=1)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed stably.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        logits = self._logits(X)
        if len(self.classes_) == 2:
            return np.column_stack([log_expit(-logits[:, 0]), log_expit(logits[:, 0])])
        return log_softmax(logits, axis=1)

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        logits = self._logits(X)
        if len(self.classes_) == 2:
            return self.classes_[(logits[:, 0] > 0).astype(int)]
        return self.classes_[np.argmax(logits, axis=1)]
