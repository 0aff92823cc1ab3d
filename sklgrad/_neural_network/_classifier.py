"""LearningGradientClassifier: an MLP classifier that records learning gradients."""

import numpy as np
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets

from .._utils._docstrings import ATTRIBUTES_DOC, NOTES_DOC, PARAMETERS_DOC
from ._base import _LearningGradientEstimator, public_init


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
    >>> round(float(clf.feature_importances_.sum()), 12)
    1.0
    >>> clf.score(X, y) > 0.95
    True
    """

    __init__ = public_init("LearningGradientClassifier")

    _FITTED_STATE = (*_LearningGradientEstimator._FITTED_STATE, "classes_")

    def _loss_kind(self):
        return "binary" if len(self.classes_) == 2 else "multiclass"

    @staticmethod
    def _target_summary():
        return _ClassesSeen()

    @staticmethod
    def _network_outputs(state):
        classes = state["classes_"]
        if not isinstance(classes, np.ndarray) or classes.ndim != 1 or len(classes) < 2:
            raise ValueError("the LearningGradientClassifier's classes_ are not 2 or more "
                             "labels")
        return 1 if len(classes) == 2 else len(classes)

    def _encode_target(self, y, *, first_call, incremental, classes, sample_weight):
        """Class codes as a float column; sets or checks ``classes_`` as MLPClassifier."""
        check_classification_targets(y)
        # Unlike MLPClassifier, a first partial_fit without classes takes them from y (a
        # selector's partial_fit in a Pipeline has no way to pass them).
        if incremental:
            if classes is not None and not first_call and not np.array_equal(
                    self.classes_, np.unique(classes)):
                raise ValueError(
                    f"`classes={classes!r}` is not the same as on last call to partial_fit, "
                    f"was: {self.classes_!r}"
                )
        if first_call:
            found = np.unique(y if classes is None else np.asarray(classes))
            if len(found) < 2:
                hint = (" A first partial_fit whose batch holds one class (as a shuffled "
                        "first block under dask-ml's Incremental may) needs all the classes: "
                        "pass classes=[...]." if incremental else "")
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in the data, "
                    f"but the data contains only one class: {found.tolist()[0]!r}.{hint}"
                )
            self.classes_ = found
        labels = np.unique(y)
        if not first_call and not incremental and set(labels) != set(self.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as in the "
                f"previous call to fit. Previously got {self.classes_}, `y` has {labels}"
            )
        if not np.isin(labels, self.classes_).all():
            raise ValueError(
                f"`y` has classes not in `self.classes_`. `self.classes_` has "
                f"{self.classes_}. 'y' has {labels}."
            )
        codes = np.searchsorted(self.classes_, y).astype(np.float64).reshape(-1, 1)
        return codes, 1 if len(self.classes_) == 2 else len(self.classes_)

    def fit(self, X, y=None, sample_weight=None):
        """Train the network on (X, y) and record its learning gradients.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), or chunked data
            Training inputs: arrays (float64 or float32), DataFrames, lists, or CSR/CSC
            matrices (densified one batch at a time); or data larger than memory, a
            :class:`ChunkedData` or a Dask array or DataFrame, read one chunk at a time
            (an epoch is one pass over the chunks).
        y : array-like of shape (n_samples,)
            Class labels of any type (strings too); None for a ChunkedData (its chunks
            hold the targets), a Dask array or Series for a Dask X.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights: each example's loss, and so its learning gradient, is
            multiplied by its weight, and each batch's loss divided by the batch's total
            weight (as MLPClassifier does).

        Returns
        -------
        self : LearningGradientClassifier
            The fitted classifier.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Train for one more epoch on (X, y), appending to the learning history.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights, as in :meth:`fit`.
        classes : array-like of shape (n_classes,), default=None
            All the classes, for a first call whose batch may not show them all (None takes
            them from ``y``); a later call may repeat it, but not change it.

        Returns
        -------
        self : LearningGradientClassifier
            The updated classifier.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _logits(self, X):
        return self._forward(self._validate_for_inference(X))

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


class _ClassesSeen:
    """The classes of chunked targets, gathered over a first pass."""

    def __init__(self):
        self.labels = set()

    def add(self, y):
        check_classification_targets(y)
        self.labels.update(np.unique(y).tolist())

    def finish(self, estimator):
        """Set ``classes_`` (sorted, as MLPClassifier) and return the network's outputs."""
        labels = np.asarray(sorted(self.labels))
        _, n_outputs = estimator._encode_target(labels, first_call=True, incremental=False,
                                                classes=labels, sample_weight=None)
        return n_outputs
