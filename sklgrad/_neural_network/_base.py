"""What the classifier and the regressor share: parameters, validation, the fit's bookkeeping.

The estimators hold a fitted skorch network (``net_``) by composition. This file validates
the parameters and the data, builds the engine's records (``TrainSettings``, ``FitData``)
and commits what the engine trains as the fitted attributes, whole: a fit that fails or is
interrupted leaves the estimator exactly as it was before the call. How a network is
trained lives in ``_engine/``, the input-penalty path in ``_path.py`` beside it.
"""

import numbers
import types
import warnings
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator, is_regressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from .._engine.capture import IMPORTANCE_KEY, MAGNITUDE_KEY
from .._engine.data import CHUNK_ELEMENTS, dense_chunks
from .._engine.fit import train_network
from .._engine.inference import module_outputs
from .._engine.settings import FitData, TrainSettings, current_options
from .._engine.state import (
    NetSnapshot,
    history_column,
)
from .._engine.stopping import StoppingState, check_finite
from .._utils._params import validate_params
from .._utils._restore import restored_on_failure
from ._checks import PARAMETER_CONSTRAINTS, check_sample_weight, column_name, fit_scaler
from ._chunked import as_chunks
from ._constant import constant_columns, warn_constant, zero_constant_shares
from ._fitted_state import plain_state, rebuilt_state
from ._memorization import learned, record_trust, warn_path_learned_nothing
from ._path import InputPenaltyPath
from ._streaming import check_streamable, train_stream


def public_init(class_name):
    """The shared ``__init__``, named after the public class that uses it, so that a wrong
    keyword is reported as ``LearningGradientClassifier.__init__() got an unexpected keyword
    argument`` rather than naming this private base."""
    base = _LearningGradientEstimator.__init__
    code = base.__code__
    if hasattr(code, "co_qualname"):  # Python >= 3.11 names functions by their code's qualname
        code = code.replace(co_qualname=f"{class_name}.__init__")
    init = types.FunctionType(code, base.__globals__, "__init__", base.__defaults__)
    init.__kwdefaults__ = base.__kwdefaults__
    init.__qualname__ = f"{class_name}.__init__"
    return init


class _Prepared(NamedTuple):
    """Validated, scaled inputs and encoded targets (with a weight column when weighted)."""

    X: object
    targets: np.ndarray
    n_outputs: int
    weighted: bool
    constant: np.ndarray  # the inputs constant in these rows (their share is 0)


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
        learning_rate="constant",
        learning_rate_init=1e-3,
        power_t=0.5,
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
        input_penalty=None,
        standardize=True,
        device="cpu",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
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
        self.input_penalty = input_penalty
        self.standardize = standardize
        self.device = device

    # ------------------------------------------------------------------ hooks for subclasses
    # _loss_kind() -> "binary" | "multiclass" | "regression";
    # _encode_target(y, *, first_call, incremental, classes, sample_weight)
    #     -> (2-D float targets, n_outputs);

    # ------------------------------------------------------------------ validation
    def _hidden_layer_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, numbers.Integral) else tuple(sizes)
        if not all(isinstance(s, numbers.Integral) and s > 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {list(sizes)}.")
        return tuple(int(s) for s in sizes)

    def _check_params(self):
        if self.solver not in ("sgd", "adam"):
            raise ValueError(
                f"The 'solver' parameter of {type(self).__name__} must be a str among "
                f"{{'adam', 'sgd'}}. Got {self.solver!r} instead. Learning gradients are "
                "taken from mini-batch steps, so full-batch solvers such as 'lbfgs' are not "
                "offered."
            )
        validate_params(self, PARAMETER_CONSTRAINTS)
        device = torch.device(self.device)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device={self.device!r} was asked for, but CUDA is not available.")
        return self._hidden_layer_sizes()

    def _check_same_network(self, hidden_layer_sizes, incremental):
        """Continued training keeps the network: what shapes it cannot change."""
        net = self.net_
        fitted = {"hidden_layer_sizes": tuple(net.module__hidden_layer_sizes),
                  "activation": net.module__activation,
                  "standardize": self.scaler_ is not None,
                  "device": str(torch.device(net.device))}
        asked = {"hidden_layer_sizes": hidden_layer_sizes, "activation": self.activation,
                 "standardize": bool(self.standardize),
                 "device": str(torch.device(self.device))}
        for name, value in asked.items():
            if value != fitted[name]:
                mode = "partial_fit" if incremental else "warm_start=True"
                raise ValueError(
                    f"{name} is {value!r}, but the fitted network has {fitted[name]!r}; "
                    f"{mode} continues training that network. Fit with warm_start=False "
                    f"to train a new one."
                )

    # ------------------------------------------------------------------ the engine's records
    def _train_settings(self, hidden_layer_sizes, n_outputs):
        """The engine's :class:`TrainSettings` for this estimator's parameters."""
        options = current_options()
        penalty = self.input_penalty
        return TrainSettings(
            loss=self._loss_kind(), n_outputs=int(n_outputs),
            hidden_layer_sizes=tuple(hidden_layer_sizes), activation=self.activation,
            solver=self.solver, alpha=float(self.alpha), batch_size=self.batch_size,
            learning_rate_init=float(self.learning_rate_init),
            lr_schedule=self.learning_rate if self.solver == "sgd" else "constant",
            power_t=self.power_t, momentum=self.momentum,
            nesterovs_momentum=self.nesterovs_momentum, beta_1=self.beta_1,
            beta_2=self.beta_2, epsilon=self.epsilon, max_iter=self.max_iter,
            shuffle=bool(self.shuffle), tol=self.tol, n_iter_no_change=self.n_iter_no_change,
            input_penalty=float(penalty) if penalty not in (None, "path") else 0.0,
            device=self.device, verbose=bool(self.verbose),
            # Set by the command line (its progress line) and the selector (labels for
            # its networks' lines) on estimators they own.
            progress=getattr(self, "_epoch_hook", None),
            label=getattr(self, "_verbose_label", ""),
            step=options.step, capture=options.capture,
        )

    def _check_batch_size(self, n_samples):
        if self.batch_size != "auto" and self.batch_size > n_samples:
            warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is "
                          "going to be clipped", stacklevel=5)

    # ------------------------------------------------------------------ training
    def _seed_for_call(self, first_call):
        """An integer seed for this call: all randomness inside the fit derives from it."""
        if first_call:
            self._base_seed = int(check_random_state(self.random_state).randint(2**31 - 1))
            return self._base_seed
        # Continued training gets a fresh, reproducible seed per call.
        seq = np.random.SeedSequence([self._base_seed, len(self.net_.history)])
        return int(seq.generate_state(1)[0] % (2**31 - 1))

    def _training_dtype(self, X, continuing):
        """Train in X's precision, as scikit-learn does (float32 on a GPU, where float64 is
        slow); continued training keeps the network's."""
        if continuing:
            return self._module_dtype()
        if X.dtype == np.float64 and torch.device(self.device).type == "cpu":
            return np.float64
        return np.float32

    def _module_dtype(self):
        return torch.empty(0, dtype=next(self.net_.module_.parameters()).dtype).numpy().dtype

    def _checked_scaler(self, scaler):
        """The fitted input scaler, refused if a column's variance overflowed."""
        if scaler is not None:
            bad = ~np.isfinite(scaler.var_)
            if scaler.with_mean:
                bad |= ~np.isfinite(scaler.mean_)
            if bad.any():
                raise ValueError(
                    f"The variance of input column {column_name(self, np.argmax(bad))} "
                    "overflows float64: scale it down before fitting."
                )
        return scaler

    def _prepare_X(self, X, dtype, first_call=False, sample_weight=None):
        """Scaled X in ``dtype`` (CSR when sparse), checked to be finite in that dtype."""
        if first_call:
            self.scaler_ = self._checked_scaler(
                fit_scaler(X, sample_weight) if self.standardize else None)
        if self.scaler_ is not None:
            X = self.scaler_.transform(X)
        if sp.issparse(X):
            X = X.astype(dtype).tocsr()
            values, columns = X.data, X.indices
        else:
            X = np.asarray(X, dtype=dtype)
            X = X if X.flags.writeable else X.copy()
            values, columns = X, None
        for chunk in dense_chunks(values, CHUNK_ELEMENTS, densify=False):
            if not np.isfinite(chunk).all():
                finite = np.isfinite(values)
                index = (columns[np.argmin(finite)] if columns is not None
                         else int(np.argmin(finite.all(axis=0))))
                raise ValueError(
                    f"Input X has values beyond the range of {np.dtype(dtype).name}, in which "
                    f"the network computes, in column {column_name(self, index)}: scale it "
                    "down or set standardize=True."
                )
        return X

    def _fit(self, X, y, sample_weight=None, *, incremental, classes=None):
        """Train, then commit the fitted state whole; on any failure, put back the old one."""
        hidden_layer_sizes = self._check_params()
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        continuing = self.__sklearn_is_fitted__() and (incremental or self.warm_start)
        if self.input_penalty == "path" and (continuing or incremental or self.early_stopping):
            raise ValueError(
                "input_penalty='path' trains a new network along the path, on its own "
                "validation split: use it with fit, warm_start=False and "
                "early_stopping=False.")
        if continuing:
            self._check_same_network(hidden_layer_sizes, incremental)
        chunks = as_chunks(X, y)
        if chunks is not None:
            check_streamable(self, incremental, continuing, sample_weight)
            with restored_on_failure(self):
                train_stream(self, chunks, hidden_layer_sizes)
            return self
        snapshot = NetSnapshot(self.net_) if continuing else None
        with restored_on_failure(self, undo=snapshot.restore if snapshot else None):
            self._train(X, y, sample_weight, hidden_layer_sizes, continuing=continuing,
                        incremental=incremental, classes=classes)
        return self

    def _train(self, X, y, sample_weight, hidden_layer_sizes, *, continuing, incremental,
               classes):
        prepared = self._prepare(X, y, sample_weight, continuing=continuing,
                                 incremental=incremental, classes=classes)
        data, state = self._plan_from(prepared, continuing=continuing)
        settings = self._train_settings(hidden_layer_sizes, prepared.n_outputs)
        self._check_batch_size(data.X.shape[0])
        if self.input_penalty == "path":
            result = InputPenaltyPath(settings, current_options().path).fit(data, state)
            self._finish(result.net, state, epochs_run=len(result.net.history),
                         converged=True, incremental=False, constant=prepared.constant)
            self.path_, self.path_choice_ = result.path, result.chosen
            # The importances of the chosen point: its last epoch's learning gradients.
            point = result.path[result.chosen]
            self.feature_importances_ = self.importance_history_[point["last_epoch"]].copy()
            self.below_constant_ = not learned(point)
            if self.below_constant_:
                warn_path_learned_nothing(type(self).__name__, point,
                                          self.learning_rate_init, stacklevel=5)
            return
        epochs_before = len(self.net_.history) if continuing else 0
        net, rule = train_network(settings, data, state, self.net_ if continuing else None,
                                  incremental=incremental)
        self._finish(net, state, epochs_run=len(net.history) - epochs_before,
                     converged=rule.converged, incremental=incremental,
                     constant=prepared.constant)
        if data.X_val is not None:
            record_trust(self, settings, data)

    def _prepare(self, X, y, sample_weight, *, continuing, incremental, classes):
        """Validated, scaled inputs and encoded targets (sets the fitted preprocessing)."""
        X, y = validate_data(
            self, X, y, reset=not continuing, accept_sparse=("csr", "csc"),
            dtype=(np.float64, np.float32), multi_output=is_regressor(self),
            y_numeric=is_regressor(self),
        )
        sample_weight = check_sample_weight(sample_weight, X.shape[0])
        constant = constant_columns(X)
        if constant.any() and not (incremental and continuing):
            warn_constant(type(self).__name__, constant,
                          lambda index: column_name(self, index), stacklevel=6)
        targets, n_outputs = self._encode_target(
            y, first_call=not continuing, incremental=incremental, classes=classes,
            sample_weight=sample_weight)
        dtype = self._training_dtype(X, continuing)
        X = self._prepare_X(X, dtype, first_call=not continuing, sample_weight=sample_weight)
        if sample_weight is not None:
            targets = np.column_stack([targets, sample_weight])
        targets = targets.astype(dtype)
        if not np.isfinite(targets).all():
            raise ValueError(f"y has values beyond the range of {np.dtype(dtype).name}, in "
                             "which the network computes: scale y down or set "
                             "standardize=True.")
        return _Prepared(X, targets, n_outputs, sample_weight is not None, constant)

    def _plan_from(self, prepared, *, continuing):
        """The engine's :class:`FitData` for one call (the seed, the validation split) and
        the stopping state it starts from."""
        seed = self._seed_for_call(first_call=not continuing)
        state = (StoppingState.resume(self) if continuing
                 else StoppingState(self.early_stopping))
        X, targets, X_val, y_val = prepared.X, prepared.targets, None, None
        if self.early_stopping:
            X, X_val, targets, y_val = train_test_split(
                prepared.X, prepared.targets, test_size=self.validation_fraction,
                random_state=self._base_seed,
                # As scikit-learn's MLP: stratified for a binary target only (its
                # multiclass split is not, so a class of one row is no error).
                stratify=prepared.targets[:, 0] if self._loss_kind() == "binary" else None)
            if X_val.shape[0] < 2:
                raise ValueError("The validation set is too small. Increase "
                                 "'validation_fraction' or the size of your dataset.")
            state.start_validation()
        else:
            state.start_loss_tracking()
        data = FitData(X=X, targets=targets, seed=seed, split_seed=self._base_seed,
                       weighted=prepared.weighted, X_val=X_val, y_val=y_val)
        return data, state

    def _finish(self, net, state, *, epochs_run, converged, incremental, constant=None):
        """Commit a trained network and its stopping state as the fitted attributes
        (``constant``: the inputs whose share is 0 in the epochs trained)."""
        losses = state.loss_curve[len(state.loss_curve) - epochs_run:]
        diverged = not np.isfinite(losses).all()
        if diverged and state.best_state is None:
            # Only early stopping trains on through a non-finite epoch, and it has no
            # finite validated weights to fall back on.
            check_finite(float("nan"), 1 + int(np.argmin(np.isfinite(losses))))
        if self.early_stopping and state.best_state is not None:
            net.module_.load_state_dict(state.best_state)  # scikit-learn's best weights
        self.net_ = net
        state.commit(self)
        if constant is not None and constant.any():
            zero_constant_shares(net.history, len(net.history) - epochs_run, constant)
        self._read_history(epochs_run)
        if diverged:
            # As scikit-learn's MLP (its issue 29504): the network holds the weights of
            # the best validation score; the importances are that epoch's.
            self.feature_importances_ = self.importance_history_[self.best_epoch_].copy()
            warnings.warn(
                f"Training diverged (a non-finite loss in epoch "
                f"{1 + int(np.argmin(np.isfinite(losses)))}); with early_stopping the network "
                f"keeps the weights of its best validation score (epoch {self.best_epoch_ + 1})"
                " and feature_importances_ are that epoch's.", ConvergenceWarning,
                stacklevel=5)
        self.path_ = self.path_choice_ = None  # set by the input-penalty path only
        # Set with a validation split only.
        self.train_score_ = self.memorizing_ = None
        self.constant_score_ = self.below_constant_ = None
        if (not incremental and not converged and self.tol is not None
                and epochs_run == self.max_iter):
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                "optimization hasn't converged yet.", ConvergenceWarning, stacklevel=5,
            )

    def _read_history(self, epochs_run):
        history = self.net_.history
        self.n_iter_ = epochs_run
        width = self.net_.module__n_features
        self.importance_history_ = np.asarray(history_column(history, IMPORTANCE_KEY),
                                              dtype=np.float64).reshape(-1, width)
        self.gradient_magnitude_history_ = np.asarray(history_column(history, MAGNITUDE_KEY),
                                                      dtype=np.float64).reshape(-1, width)
        # Without the capture (engine_options(capture=False), to measure its cost) there
        # is no importance: NaN, never a plausible number.
        self.feature_importances_ = (self.importance_history_[-1].copy()
                                     if len(self.importance_history_)
                                     else np.full(width, np.nan))

    def __sklearn_is_fitted__(self):
        # Set last in a successful fit: a fit that failed half-way does not count as fitted.
        return hasattr(self, "feature_importances_")

    def __getstate__(self):
        return plain_state(super().__getstate__())

    def __setstate__(self, state):
        super().__setstate__(rebuilt_state(self, state))

    #: Fitted attributes every fitted estimator has (subclasses add their own).
    _FITTED_STATE = ("n_features_in_", "net_", "scaler_", "feature_importances_",
                     "importance_history_", "gradient_magnitude_history_", "loss_curve_",
                     "n_iter_", "t_", "_base_seed")

    # ------------------------------------------------------------------ inference
    def _forward(self, X):
        """Raw network outputs (logits) for validated, unscaled X, as float64.

        Inference runs in float64: float32 matrix products round differently with the
        number of rows, so a row's prediction would depend on what it is predicted with.
        """
        X = self._prepare_X(X, np.float64)
        return module_outputs(self.net_.module_, X, dtype=torch.float64)

    def _validate_for_inference(self, X):
        check_is_fitted(self)
        return validate_data(self, X, reset=False, accept_sparse=("csr", "csc"),
                             dtype=(np.float64, np.float32))

    def learning_gradients(self, X, y, *, absolute=True):
        """Per-example learning gradients |dLoss/dx| at the fitted weights.

        Nothing is updated: this is the gradient that training *would* follow on these
        examples now. Averaged over a held-out set it gives a held-out importance; one row is
        a local explanation of one example's loss.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
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
            self, X, y, reset=False, accept_sparse=("csr", "csc"),
            dtype=(np.float64, np.float32), multi_output=is_regressor(self),
            y_numeric=is_regressor(self),
        )
        targets, _ = self._encode_target(y, first_call=False, incremental=True, classes=None,
                                         sample_weight=None)
        dtype = self._module_dtype()
        X = self._prepare_X(X, dtype)
        gradients = self.net_.learning_gradients(X, targets.astype(dtype), absolute=absolute)
        return gradients.astype(np.float64)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
