"""What the classifier and the regressor share: parameters, the training loop, the capture.

The estimators hold a fitted skorch network (``net_``) by composition; all torch and skorch
glue lives here so that ``_classifier.py`` and ``_regressor.py`` read like scikit-learn.
"""

import numbers
import warnings

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, check_scalar, validate_data
from skorch.callbacks import EarlyStopping
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from ._capture import IMPORTANCE_KEY, MAGNITUDE_KEY, LearningGradientNet
from ._data import TensorBatchIterator
from ._loop import LeanEpochMixin
from ._modules import ACTIVATIONS, MLP

# Rows per chunk when predicting and when fitting the scaler: bounds memory on large inputs.
_CHUNK_ROWS = 65536


def _silent(*args, **kwargs):
    pass


def _fit_scaler(X):
    """A StandardScaler fitted chunk by chunk: fitted at once, it makes a float64 temporary
    of the whole of X (2.25x the size of float32 data), which large data cannot spare."""
    scaler = StandardScaler()
    for start in range(0, len(X), _CHUNK_ROWS):
        scaler.partial_fit(X[start:start + _CHUNK_ROWS])
    return scaler


class _TabularNet(LeanEpochMixin, LearningGradientNet):
    """The estimators' network: learning-gradient capture with a lean epoch loop."""


class _LearningGradientEstimator(BaseEstimator):
    """Base class; use :class:`LearningGradientClassifier` or :class:`LearningGradientRegressor`."""

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=1e-4,
        batch_size="auto",
        learning_rate_init=1e-3,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=0,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        standardize=True,
        device="cpu",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.standardize = standardize
        self.device = device

    # ------------------------------------------------------------------ hooks for subclasses
    # _criterion(): the torch loss class; _encode_target(y, first_call) -> (y for torch,
    # n_outputs); _split_stratify(y) -> labels to stratify the validation split, or None.

    # ------------------------------------------------------------------ validation
    def _hidden_layer_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, numbers.Integral) else tuple(sizes)
        if not all(isinstance(s, numbers.Integral) and s > 0 for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes must be positive integers; got {self.hidden_layer_sizes!r}."
            )
        return tuple(int(s) for s in sizes)

    def _check_params(self):
        if self.solver not in ("sgd", "adam"):
            raise ValueError(
                f"solver must be 'sgd' or 'adam'; got {self.solver!r}. Learning gradients are "
                "taken from mini-batch steps, so full-batch solvers such as 'lbfgs' are not "
                "offered."
            )
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(ACTIVATIONS)}; got {self.activation!r}."
            )
        check_scalar(self.alpha, "alpha", numbers.Real, min_val=0)
        check_scalar(self.learning_rate_init, "learning_rate_init", numbers.Real, min_val=0,
                     include_boundaries="neither")
        check_scalar(self.max_iter, "max_iter", numbers.Integral, min_val=1)
        check_scalar(self.momentum, "momentum", numbers.Real, min_val=0, max_val=1)
        check_scalar(self.validation_fraction, "validation_fraction", numbers.Real, min_val=0,
                     max_val=1, include_boundaries="neither")
        check_scalar(self.n_iter_no_change, "n_iter_no_change", numbers.Integral, min_val=1)
        for name in ("beta_1", "beta_2"):
            check_scalar(getattr(self, name), name, numbers.Real, min_val=0, max_val=1,
                         include_boundaries="left")
        check_scalar(self.epsilon, "epsilon", numbers.Real, min_val=0,
                     include_boundaries="neither")
        if self.tol is not None:
            check_scalar(self.tol, "tol", numbers.Real, min_val=0)
        if self.batch_size != "auto":
            check_scalar(self.batch_size, "batch_size", numbers.Integral, min_val=1)
        device = torch.device(self.device)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device={self.device!r} was asked for, but CUDA is not available.")
        return self._hidden_layer_sizes()

    # ------------------------------------------------------------------ the network
    def _batch_size(self, n_samples):
        return min(200, n_samples) if self.batch_size == "auto" else min(self.batch_size, n_samples)

    def _optimizer(self):
        params = {}
        if self.alpha > 0:
            # Weight decay on weights only, like scikit-learn's alpha (biases are not
            # penalized). Without a penalty, one parameter group steps faster than two.
            params["optimizer__param_groups"] = [("*weight", {"weight_decay": self.alpha})]
        if self.solver == "sgd":
            return torch.optim.SGD, {
                **params,
                "optimizer__momentum": self.momentum,
                "optimizer__nesterov": bool(self.nesterovs_momentum and self.momentum > 0),
            }
        return torch.optim.Adam, {
            **params,
            "optimizer__betas": (self.beta_1, self.beta_2),
            "optimizer__eps": self.epsilon,
        }

    def _build_net(self, n_features, n_outputs, hidden_layer_sizes):
        optimizer, optimizer_params = self._optimizer()
        callbacks = []
        if self.tol is not None:
            callbacks.append(("convergence", EarlyStopping(
                monitor="valid_loss" if self.early_stopping else "train_loss",
                patience=self.n_iter_no_change, threshold=self.tol, threshold_mode="abs",
                load_best=self.early_stopping, sink=print if self.verbose else _silent,
            )))
        return _TabularNet(
            MLP,
            module__n_features=n_features,
            module__n_outputs=n_outputs,
            module__hidden_layer_sizes=hidden_layer_sizes,
            module__activation=self.activation,
            criterion=self._criterion(),
            optimizer=optimizer,
            lr=self.learning_rate_init,
            **optimizer_params,
            max_epochs=self.max_iter,
            iterator_train=TensorBatchIterator,
            iterator_valid=TensorBatchIterator,
            iterator_train__shuffle=self.shuffle,
            # Data order has its own generator, reseeded per call (see _fit).
            iterator_train__generator=torch.Generator(),
            train_split=None,
            callbacks=callbacks,
            device=self.device,
            verbose=self.verbose,
            # Callbacks that would only cost time: skorch formats its epoch table even when
            # silent, and there is no validation loss without early stopping.
            **({} if self.verbose else {"callbacks__print_log": None}),
            **({} if self.early_stopping else {"callbacks__valid_loss": None}),
        )

    # ------------------------------------------------------------------ training
    def _seed_for_call(self, first_call):
        """An integer seed for this call: all randomness inside the fit derives from it."""
        if first_call:
            self._base_seed = int(check_random_state(self.random_state).randint(2**31 - 1))
            return self._base_seed
        # Continued training gets a fresh, reproducible seed per call.
        seq = np.random.SeedSequence([self._base_seed, len(self.net_.history)])
        return int(seq.generate_state(1)[0] % (2**31 - 1))

    def _fork_rng_devices(self):
        device = torch.device(self.device)
        if device.type != "cuda":
            return []
        return [device.index if device.index is not None else torch.cuda.current_device()]

    def _prepare_X(self, X, first_call):
        if first_call:
            self.scaler_ = _fit_scaler(X) if self.standardize else None
        if self.scaler_ is not None:
            X = self.scaler_.transform(X)
        X = np.asarray(X, dtype=np.float32)
        return X if X.flags.writeable else X.copy()

    def _fit(self, X, y, *, incremental, classes=None):
        hidden_layer_sizes = self._check_params()
        continuing = hasattr(self, "net_") and (incremental or self.warm_start)
        X, y = validate_data(
            self, X, y, reset=not continuing, dtype=(np.float64, np.float32),
            multi_output=self._multi_output_target(),
            y_numeric=self._multi_output_target(),
        )
        y_torch, n_outputs = self._encode_target(y, first_call=not continuing, classes=classes)
        X_torch = self._prepare_X(X, first_call=not continuing)

        seed = self._seed_for_call(first_call=not continuing)
        if not continuing:
            self.net_ = self._build_net(X.shape[1], n_outputs, hidden_layer_sizes)
        net = self.net_

        epochs = 1 if incremental else self.max_iter
        if self.early_stopping and not incremental:
            X_torch, X_valid, y_torch, y_valid = train_test_split(
                X_torch, y_torch, test_size=self.validation_fraction, random_state=seed,
                stratify=self._split_stratify(y_torch),
            )
            net.set_params(train_split=predefined_split(Dataset(X_valid, y_valid)))
        else:
            net.set_params(train_split=None)
        net.set_params(batch_size=self._batch_size(len(X_torch)))
        net.iterator_train__generator.manual_seed(seed)
        epochs_before = len(net.history) if continuing else 0
        with torch.random.fork_rng(devices=self._fork_rng_devices()):
            torch.manual_seed(seed)
            if not continuing:
                net.initialize()
            net.partial_fit(X_torch, y_torch, epochs=epochs)

        if (not incremental and self.tol is not None
                and len(net.history) - epochs_before == self.max_iter):
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                "optimization hasn't converged yet.", ConvergenceWarning, stacklevel=3,
            )
        self._read_history()
        return self

    def _read_history(self):
        history = self.net_.history
        self.n_iter_ = len(history)
        self.loss_curve_ = [float(v) for v in history[:, "train_loss"]]
        self.validation_loss_curve_ = (
            [float(v) for v in history[:, "valid_loss"]]
            if "valid_loss" in history[-1] else None
        )
        self.importance_history_ = np.asarray(history[:, IMPORTANCE_KEY], dtype=np.float64)
        self.gradient_magnitude_history_ = np.asarray(history[:, MAGNITUDE_KEY], dtype=np.float64)
        self.feature_importances_ = self.importance_history_[-1].copy()

    def __sklearn_is_fitted__(self):
        # Set last in a successful fit: a fit that failed half-way does not count as fitted.
        return hasattr(self, "feature_importances_")

    # ------------------------------------------------------------------ inference
    def _forward(self, X):
        """Raw network outputs (logits) for validated, unscaled X, as float64.

        Inference runs in float64: float32 matrix products round differently with the
        number of rows, so a row's prediction would depend on what it is predicted with.
        """
        X = self._prepare_X(X, first_call=False)
        module = self.net_.module_
        module.eval()
        state = {name: tensor.to(torch.float64) if tensor.is_floating_point() else tensor
                 for name, tensor in module.state_dict().items()}
        outputs = []
        with torch.no_grad():
            for start in range(0, len(X), _CHUNK_ROWS):
                chunk = torch.from_numpy(X[start:start + _CHUNK_ROWS])
                chunk = chunk.to(self.net_.device, torch.float64)
                outputs.append(torch.func.functional_call(module, state, (chunk,)).cpu())
        return torch.cat(outputs).numpy()

    def learning_gradients(self, X, y, *, absolute=True):
        """Per-example learning gradients |dLoss/dx| at the fitted weights.

        Nothing is updated: this is the gradient that training *would* follow on these
        examples now. Averaged over a held-out set it gives a held-out importance; one row is
        a local explanation of one example's loss.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets; a classifier's labels must be among ``classes_``.
        absolute : bool, default=True
            Return |dLoss/dx|; ``False`` keeps the sign (the direction in which each input,
            in standard deviations when ``standardize=True``, would lower the loss).

        Returns
        -------
        gradients : ndarray of shape (n_samples, n_features), dtype float64
        """
        check_is_fitted(self)
        X, y = validate_data(
            self, X, y, reset=False, dtype=(np.float64, np.float32),
            multi_output=self._multi_output_target(), y_numeric=self._multi_output_target(),
        )
        y_torch, _ = self._encode_target(y, first_call=False)
        X_torch = self._prepare_X(X, first_call=False)
        gradients = self.net_.learning_gradients(X_torch, y_torch, absolute=absolute)
        return gradients.astype(np.float64)
