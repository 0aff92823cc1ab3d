"""What the classifier and the regressor share: parameters, validation, the fit's bookkeeping.

The estimators hold a fitted skorch network (``net_``) by composition. This file validates
the parameters and the data, builds the engine's records (``TrainSettings``, ``FitData``)
and commits what the engine trains as the fitted attributes, whole: a fit that fails or is
interrupted leaves the estimator exactly as it was before the call. How a network is
trained lives in ``_engine/``, the input-penalty path in ``_path.py`` beside it.
"""

import dataclasses
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
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from .._engine.capture import IMPORTANCE_KEY, MAGNITUDE_KEY
from .._engine.chunks import PreparedChunks
from .._engine.data import CHUNK_ELEMENTS, dense_chunks
from .._engine.fit import train_network
from .._engine.inference import module_outputs
from .._engine.math_numpy import ACTIVATIONS, score_outputs
from .._engine.settings import FitData, TrainSettings, current_options
from .._engine.state import (
    NetSnapshot,
    check_record,
    history_column,
    net_from_record,
    net_state,
)
from .._engine.stopping import StoppingState, check_finite
from .._utils._params import BOOLEAN, RANDOM_STATE, Interval, NoneValue, Options, validate_params
from .._utils._restore import restored_on_failure
from ._chunked import ChunkChecker, as_chunks
from ._memorization import constant_score, memorizing, warn_memorizing
from ._path import InputPenaltyPath

_REAL, _INT = numbers.Real, numbers.Integral
_UNIT = Interval(_REAL, 0, 1, "left")
_PARAMETER_CONSTRAINTS = {
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


def _fit_scaler(X, sample_weight):
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


def _column_name(estimator, index):
    names = getattr(estimator, "feature_names_in_", None)
    return f"{names[index]!r} (index {index})" if names is not None else f"{index}"


def _check_sample_weight(sample_weight, n_samples):
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
        validate_params(self, _PARAMETER_CONSTRAINTS)
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
                    f"The variance of input column {_column_name(self, np.argmax(bad))} "
                    "overflows float64: scale it down before fitting."
                )
        return scaler

    def _prepare_X(self, X, dtype, first_call=False, sample_weight=None):
        """Scaled X in ``dtype`` (CSR when sparse), checked to be finite in that dtype."""
        if first_call:
            self.scaler_ = self._checked_scaler(
                _fit_scaler(X, sample_weight) if self.standardize else None)
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
                    f"the network computes, in column {_column_name(self, index)}: scale it "
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
            self._check_streamable(incremental, continuing, sample_weight)
            with restored_on_failure(self):
                self._train_stream(chunks, hidden_layer_sizes)
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
                         converged=True, incremental=False)
            self.path_, self.path_choice_ = result.path, result.chosen
            # The importances of the chosen point: its last epoch's learning gradients.
            last_epoch = result.path[result.chosen]["last_epoch"]
            self.feature_importances_ = self.importance_history_[last_epoch].copy()
            return
        epochs_before = len(self.net_.history) if continuing else 0
        net, rule = train_network(settings, data, state, self.net_ if continuing else None,
                                  incremental=incremental)
        self._finish(net, state, epochs_run=len(net.history) - epochs_before,
                     converged=rule.converged, incremental=incremental)
        if data.X_val is not None:
            self._check_memorization(settings, data)

    def _check_memorization(self, settings, data):
        """With a validation split: the score on the training rows beside the held-out
        one, and a :class:`MemorizationWarning` when most of the gain is lost there."""
        split = data.targets.shape[1] - int(data.weighted)
        weights = data.targets[:, split] if data.weighted else None
        outputs = module_outputs(self.net_.module_, data.X,
                                 dtype=next(self.net_.module_.parameters()).dtype)
        self.train_score_ = float(score_outputs(settings.loss, outputs,
                                                data.targets[:, :split], weights))
        constant = constant_score(settings.loss, data.targets, data.y_val)
        self.memorizing_ = memorizing(self.train_score_, self.best_validation_score_,
                                      constant)
        if self.memorizing_:
            warn_memorizing(type(self).__name__, self.train_score_,
                            self.best_validation_score_, stacklevel=6)

    # ------------------------------------------------------------------ chunked data
    def _check_streamable(self, incremental, continuing, sample_weight):
        what = ("partial_fit" if incremental else "warm_start=True" if continuing
                else "input_penalty='path'" if self.input_penalty == "path"
                else "sample_weight" if sample_weight is not None else None)
        if what is not None:
            raise ValueError(f"{what} is not available with chunked data: fit on "
                             "ChunkedData trains a new network, one pass over the chunks "
                             "per epoch (partial_fit takes one chunk per call, in memory).")

    def _train_stream(self, chunks, hidden_layer_sizes):
        """A fit whose epoch is one pass over ``chunks``: a first pass checks every chunk,
        merges the input scaler and learns the targets; training then reads the chunks
        again each epoch, never holding more than two of them."""
        checker = ChunkChecker(chunks.description)
        scaler = StandardScaler() if self.standardize else None
        targets = self._target_summary()
        n_rows = 0
        with np.errstate(over="ignore", invalid="ignore"):
            for index in range(chunks.n_chunks):
                X, y = chunks.read(index)
                X = checker.inputs(X, index)
                targets.add(checker.targets(y, len(X), index))
                if scaler is not None:
                    scaler.partial_fit(X)
                n_rows += len(X)
        self.n_features_in_ = checker.width
        if checker.columns is not None and all(isinstance(c, str) for c in checker.columns):
            self.feature_names_in_ = np.asarray(checker.columns, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.scaler_ = self._checked_scaler(scaler)
        n_outputs = targets.finish(self)
        dtype = np.float32 if checker.dtype == np.float32 or torch.device(
            self.device).type != "cpu" else np.float64

        seed = self._seed_for_call(first_call=True)
        X_val = y_val = None
        if self.early_stopping:
            if chunks.validation is None:
                raise ValueError("early_stopping=True with chunked data scores held-out "
                                 "chunks: pass ChunkedData(..., validation=ChunkedData(...)).")
            read = _prepared_reader(chunks.validation, checker, self, dtype)
            parts = [read(index) for index in range(chunks.validation.n_chunks)]
            X_val = np.concatenate([X for X, _ in parts])
            y_val = np.concatenate([y for _, y in parts])
        data = FitData(X=PreparedChunks(chunks.n_chunks,
                                        _prepared_reader(chunks, checker, self, dtype),
                                        n_rows, checker.width, dtype),
                       targets=None, seed=seed, split_seed=self._base_seed,
                       X_val=X_val, y_val=y_val)
        state = StoppingState(self.early_stopping)
        if self.early_stopping:
            state.start_validation()
        else:
            state.start_loss_tracking()
        settings = self._train_settings(hidden_layer_sizes, n_outputs)
        self._check_batch_size(n_rows)
        net, rule = train_network(settings, data, state)
        self._finish(net, state, epochs_run=len(net.history), converged=rule.converged,
                     incremental=False)

    def _prepare(self, X, y, sample_weight, *, continuing, incremental, classes):
        """Validated, scaled inputs and encoded targets (sets the fitted preprocessing)."""
        X, y = validate_data(
            self, X, y, reset=not continuing, accept_sparse=("csr", "csc"),
            dtype=(np.float64, np.float32), multi_output=is_regressor(self),
            y_numeric=is_regressor(self),
        )
        sample_weight = _check_sample_weight(sample_weight, X.shape[0])
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
        return _Prepared(X, targets, n_outputs, sample_weight is not None)

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

    def _finish(self, net, state, *, epochs_run, converged, incremental):
        """Commit a trained network and its stopping state as the fitted attributes."""
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
        self.train_score_ = self.memorizing_ = None  # set with a validation split only
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

    # ------------------------------------------------------------------ persistence
    def __getstate__(self):
        # Plain data only (arrays, numbers, strings, scikit-learn objects): pickle and
        # skops both save it, and skops can load it without running code.
        state = dict(super().__getstate__())  # object's is the live __dict__ itself
        # What the command line and the selector attach for one fit is not the model.
        state.pop("_epoch_hook", None)
        state.pop("_verbose_label", None)
        # Metadata requests say how a caller routes parameters, not what was learned
        # (and skops cannot save their objects).
        state.pop("_metadata_request", None)
        if "net_" in state:
            net = state["net_"]
            state["net_"] = {
                "n_features": net.module__n_features, "n_outputs": net.module__n_outputs,
                "hidden_layer_sizes": list(net.module__hidden_layer_sizes),
                "activation": net.module__activation, **net_state(net),
            }
        if state.get("_best_state") is not None:
            state["_best_state"] = {k: v.cpu().numpy() for k, v in state["_best_state"].items()}
        return state

    #: Fitted attributes every fitted estimator has (subclasses add their own).
    _FITTED_STATE = ("n_features_in_", "net_", "scaler_", "feature_importances_",
                     "importance_history_", "gradient_magnitude_history_", "loss_curve_",
                     "n_iter_", "t_", "_base_seed")

    def __setstate__(self, state):
        if "net_" in state or "feature_importances_" in state:
            # A fitted state from a file: checked whole before anything it declares is
            # built (a network is made from the shapes of the arrays it holds).
            widths = self._check_fitted_state(state)
            # The loss follows the classes: the other attributes go in first.
            self.__dict__.update({k: v for k, v in state.items() if k != "net_"})
            settings = dataclasses.replace(
                self._train_settings(widths[1:-1], widths[-1]),
                activation=state["net_"]["activation"],
                device=self._restore_device(state.get("device", "cpu")))
            state = {**state, "net_": net_from_record(settings, widths[0], state["net_"])}
        if state.get("_best_state") is not None:
            state["_best_state"] = {k: torch.as_tensor(np.asarray(v))
                                    for k, v in state["_best_state"].items()}
        super().__setstate__(state)

    def _check_fitted_state(self, state):
        """The checks of a fitted state read from a file: every fitted attribute there,
        the network's widths, outputs and weights consistent with them (see
        :func:`~sklgrad._engine.state.check_record`), the histories of the right shapes.
        Returns the network's widths, input to output."""
        name = type(self).__name__
        missing = [key for key in self._FITTED_STATE if key not in state]
        if missing:
            raise ValueError(f"the {name} lacks its fitted {', '.join(missing)}")
        n_features = state["n_features_in_"]
        if not isinstance(n_features, numbers.Integral) or n_features < 1:
            raise ValueError(f"the {name} has n_features_in_={n_features!r}")
        widths = check_record(state["net_"], n_features, self._network_outputs(state),
                              ACTIVATIONS)
        for key in ("feature_importances_", "importance_history_",
                    "gradient_magnitude_history_"):
            value = state[key]
            if not isinstance(value, np.ndarray) or value.shape[-1:] != (n_features,):
                raise ValueError(f"the {name}'s {key} does not have {n_features} columns")
        if state["importance_history_"].ndim != 2:
            raise ValueError(f"the {name}'s importance_history_ is not epochs x inputs")
        names = state.get("feature_names_in_")
        if names is not None and np.shape(names) != (n_features,):
            raise ValueError(f"the {name} has {np.size(names)} feature names for "
                             f"{n_features} inputs")
        scaler = state["scaler_"]
        if scaler is not None and (not isinstance(scaler, StandardScaler)
                                   or np.shape(scaler.scale_) != (n_features,)):
            raise ValueError(f"the {name}'s scaler does not scale {n_features} inputs")
        best = state.get("_best_state")
        if best is not None and (not isinstance(best, dict) or {
                k: np.shape(v) for k, v in best.items()} != {
                k: np.shape(v) for k, v in state["net_"]["module"].items()}):
            raise ValueError(f"the {name}'s best weights do not match its network")
        return widths

    @staticmethod
    def _restore_device(device):
        # A model trained on a GPU loads on a machine without one.
        return device if torch.device(device).type == "cpu" or torch.cuda.is_available() \
            else "cpu"

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
