"""What the classifier and the regressor share: parameters, validation, the fit's bookkeeping.

The estimators hold a fitted skorch network (``net_``) by composition. How a network is
trained (scikit-learn's loss, penalty and stopping rule inside skorch) lives in
``_engine/``, and the input-penalty path in ``_path.py``; this file decides what is trained
on, and keeps the fitted state whole: a fit that fails or is interrupted leaves the
estimator exactly as it was before the call.
"""

import numbers
import types
import warnings
from functools import partial
from types import SimpleNamespace

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator, is_regressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from ._capture import IMPORTANCE_KEY, MAGNITUDE_KEY
from ._engine.data import CHUNK_ELEMENTS, TensorBatchIterator, dense_chunks
from ._engine.optimizers import ScikitAdam, ScikitSGD
from ._engine.training import (
    EpochRule,
    NetSnapshot,
    ScikitStoppingRule,
    StoppingState,
    TabularLoss,
    TabularNet,
    history_column,
    net_state,
    restore_net,
)
from ._modules import ACTIVATIONS, MLP
from ._params import BOOLEAN, RANDOM_STATE, Interval, NoneValue, Options, validate_params
from ._path import InputPenaltyPath

_OPTIMIZERS = {cls.__name__: cls for cls in (ScikitAdam, ScikitSGD)}

_REAL, _INT = numbers.Real, numbers.Integral
_UNIT = Interval(_REAL, 0, 1, "left")
_PARAMETER_CONSTRAINTS = {
    "activation": (Options(*ACTIVATIONS),),
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


class _LearningGradientEstimator(InputPenaltyPath, BaseEstimator):
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
    # _score_outputs(outputs, targets, weights) -> validation score (accuracy or R^2);
    # _split_stratify(targets) -> labels to stratify the validation split, or None.

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

    # ------------------------------------------------------------------ the network
    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is "
                          "going to be clipped", stacklevel=4)
        return min(self.batch_size, n_samples)

    def _make_optimizer(self, module):
        if self.solver == "sgd":
            return ScikitSGD(module.parameters(), lr=self.learning_rate_init,
                             momentum=self.momentum, nesterov=self.nesterovs_momentum)
        return ScikitAdam(module.parameters(), lr=self.learning_rate_init,
                          betas=(self.beta_1, self.beta_2), eps=self.epsilon)

    def _build_net(self, n_features, n_outputs, hidden_layer_sizes, activation=None,
                   device=None):
        return TabularNet(
            MLP,
            module__n_features=n_features,
            module__n_outputs=n_outputs,
            module__hidden_layer_sizes=hidden_layer_sizes,
            module__activation=activation or self.activation,
            criterion=TabularLoss,
            criterion__kind=self._loss_kind(),
            criterion__n_targets=n_outputs if self._loss_kind() == "regression" else 1,
            # Replaced by _make_optimizer at every fit (a new optimizer per fit, as
            # scikit-learn's; partial_fit keeps it).
            optimizer=ScikitAdam,
            lr=self.learning_rate_init,
            max_epochs=self.max_iter,
            iterator_train=TensorBatchIterator,
            iterator_valid=TensorBatchIterator,
            # Data order has its own generator, reseeded per call (see _train).
            iterator_train__generator=torch.Generator(),
            train_split=None,
            callbacks=[("epoch_rule", EpochRule())],
            # skorch formats its epoch table even when silent; verbose prints
            # scikit-learn's lines instead. There is no skorch validation step.
            callbacks__print_log=None,
            callbacks__valid_loss=None,
            device=device or self.device,
            verbose=0,
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

    def _seed_torch(self, seed):
        """Seed torch's CPU generator and this estimator's GPU, inside ``fork_rng`` over
        :meth:`_fork_rng_devices`. Not ``torch.manual_seed``: it also seeds every other
        accelerator that torch knows (outside what ``fork_rng`` restores), and queues
        those seeds with a stack trace each, a millisecond per fit."""
        torch.default_generator.manual_seed(seed)
        for index in self._fork_rng_devices():
            with torch.cuda.device(index):
                torch.cuda.manual_seed(seed)

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

    def _prepare_X(self, X, dtype, first_call=False, sample_weight=None):
        """Scaled X in ``dtype`` (CSR when sparse), checked to be finite in that dtype."""
        if first_call:
            self.scaler_ = _fit_scaler(X, sample_weight) if self.standardize else None
            if self.scaler_ is not None:
                bad = ~np.isfinite(self.scaler_.var_)
                if self.scaler_.with_mean:
                    bad |= ~np.isfinite(self.scaler_.mean_)
                if bad.any():
                    raise ValueError(
                        f"The variance of input column {_column_name(self, np.argmax(bad))} "
                        "overflows float64: scale it down before fitting."
                    )
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
        before = dict(self.__dict__)
        snapshot = NetSnapshot(self.net_) if continuing else None
        try:
            self._train(X, y, sample_weight, hidden_layer_sizes, continuing=continuing,
                        incremental=incremental, classes=classes)
        except BaseException:  # KeyboardInterrupt too: an interrupted fit is not a fit
            if snapshot is not None:
                snapshot.restore()
            self.__dict__.clear()
            self.__dict__.update(before)
            raise
        return self

    def _train(self, X, y, sample_weight, hidden_layer_sizes, *, continuing, incremental,
               classes):
        plan = self._plan(X, y, sample_weight, continuing=continuing,
                          incremental=incremental, classes=classes)
        net = self.net_ if continuing else self._build_net(
            plan.X.shape[1], plan.n_outputs, hidden_layer_sizes)
        net.set_params(batch_size=self._batch_size(plan.X.shape[0]))
        # skorch's set_params refuses iterator arguments on an initialized net; they are
        # read when each epoch's iterator is made.
        net.iterator_train__shuffle = bool(self.shuffle)
        net.alpha = float(self.alpha)
        net.input_penalty = (float(self.input_penalty)
                             if self.input_penalty not in (None, "path") else 0.0)
        net.iterator_train__generator.manual_seed(plan.seed)
        if self.input_penalty == "path":
            return self._train_path(plan, net)
        rule = self._stopping_rule(plan)
        epochs_before = len(net.history) if continuing else 0
        with torch.random.fork_rng(devices=self._fork_rng_devices()):
            self._seed_torch(plan.seed)
            if not continuing:
                net.initialize()
                net.module_.to(torch.from_numpy(np.empty(0, plan.dtype)).dtype)
            epoch_rule = dict(net.callbacks_)["epoch_rule"]
            if not incremental or not continuing:
                net.optimizer_ = self._make_optimizer(net.module_)
            epoch_rule.rule = rule
            try:
                net.partial_fit(plan.X, plan.targets,
                                epochs=1 if incremental else self.max_iter)
            finally:
                epoch_rule.rule = None
        self._finish(net, plan.state, epochs_run=len(net.history) - epochs_before,
                     converged=rule.converged, incremental=incremental)

    def _plan(self, X, y, sample_weight, *, continuing, incremental, classes):
        """Everything a fit trains on, validated and prepared: the training rows and targets
        in the network's precision, the seed, the validation rows, the stopping state."""
        prepared = self._prepare(X, y, sample_weight, continuing=continuing,
                                 incremental=incremental, classes=classes)
        return self._plan_from(prepared, continuing=continuing)

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
        return SimpleNamespace(X=X, targets=targets, dtype=dtype, n_outputs=n_outputs,
                               weighted=sample_weight is not None)

    def _plan_from(self, prepared, *, continuing):
        """The seed, the validation split and the stopping state of one call."""
        plan = SimpleNamespace(
            **vars(prepared), seed=self._seed_for_call(first_call=not continuing),
            X_val=None, y_val=None,
            state=StoppingState.resume(self) if continuing
            else StoppingState(self.early_stopping))
        if self.early_stopping:
            plan.X, plan.X_val, plan.targets, plan.y_val = train_test_split(
                prepared.X, prepared.targets, test_size=self.validation_fraction,
                random_state=self._base_seed, stratify=self._split_stratify(prepared.targets))
            if plan.X_val.shape[0] < 2:
                raise ValueError("The validation set is too small. Increase "
                                 "'validation_fraction' or the size of your dataset.")
            plan.state.start_validation()
        else:
            plan.state.start_loss_tracking()
        return plan

    def _stopping_rule(self, plan):
        validation = None
        if plan.X_val is not None:
            validation = partial(self._validation_score, plan.X_val, plan.y_val,
                                 plan.weighted)
        return ScikitStoppingRule(
            plan.state, tol=self.tol, n_iter_no_change=self.n_iter_no_change,
            n_train=plan.X.shape[0],
            lr_schedule=self.learning_rate if self.solver == "sgd" else "constant",
            learning_rate_init=self.learning_rate_init, power_t=self.power_t,
            validation=validation, verbose=bool(self.verbose),
            # Set by the command line (its progress line) and the selector (labels for
            # its networks' lines) on estimators they own.
            progress=getattr(self, "_epoch_hook", None),
            label=getattr(self, "_verbose_label", ""),
        )

    def _finish(self, net, state, *, epochs_run, converged, incremental):
        """Commit a trained network and its stopping state as the fitted attributes."""
        if self.early_stopping and state.best_state is not None:
            net.module_.load_state_dict(state.best_state)  # scikit-learn's best weights
        self.net_ = net
        state.commit(self)
        self._read_history(epochs_run)
        self.path_ = self.path_choice_ = None  # set by the input-penalty path only
        if (not incremental and not converged and self.tol is not None
                and epochs_run == self.max_iter):
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                "optimization hasn't converged yet.", ConvergenceWarning, stacklevel=5,
            )

    def _read_history(self, epochs_run):
        history = self.net_.history
        self.n_iter_ = epochs_run
        self.importance_history_ = np.asarray(history_column(history, IMPORTANCE_KEY),
                                              dtype=np.float64)
        self.gradient_magnitude_history_ = np.asarray(history_column(history, MAGNITUDE_KEY),
                                                      dtype=np.float64)
        self.feature_importances_ = self.importance_history_[-1].copy()

    def _validation_score(self, X_val, y_val, weighted, module):
        """scikit-learn's validation score (accuracy or R^2) of the module on held-out rows."""
        outputs = self._outputs(module, X_val, dtype=next(module.parameters()).dtype)
        if weighted:
            return self._score_outputs(outputs, y_val[:, :-1], y_val[:, -1])
        return self._score_outputs(outputs, y_val, None)

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

    def __setstate__(self, state):
        net = state.get("net_")
        if isinstance(net, dict):
            # The loss follows the classes: the other attributes go in first.
            self.__dict__.update({k: v for k, v in state.items() if k != "net_"})
            device = self._restore_device(state.get("device", "cpu"))
            built = self._build_net(int(net["n_features"]), int(net["n_outputs"]),
                                    tuple(int(s) for s in net["hidden_layer_sizes"]),
                                    activation=net["activation"], device=device)
            built.initialize()
            state = {**state, "net_": restore_net(built, net, _OPTIMIZERS)}
        if state.get("_best_state") is not None:
            state["_best_state"] = {k: torch.as_tensor(np.asarray(v))
                                    for k, v in state["_best_state"].items()}
        super().__setstate__(state)

    @staticmethod
    def _restore_device(device):
        # A model trained on a GPU loads on a machine without one.
        return device if torch.device(device).type == "cpu" or torch.cuda.is_available() \
            else "cpu"

    # ------------------------------------------------------------------ inference
    def _outputs(self, module, X, dtype):
        """The module's raw outputs on prepared X, chunk by chunk, as a NumPy array."""
        was_training = module.training
        module.eval()
        device = next(module.parameters()).device
        state = {name: tensor.to(dtype) if tensor.is_floating_point() else tensor
                 for name, tensor in module.state_dict().items()}
        outputs = []
        with torch.no_grad():
            for chunk in dense_chunks(X, CHUNK_ELEMENTS):
                chunk = torch.from_numpy(chunk).to(device, dtype)
                outputs.append(torch.func.functional_call(module, state, (chunk,)).cpu())
        module.train(was_training)
        return torch.cat(outputs).numpy()

    def _forward(self, X):
        """Raw network outputs (logits) for validated, unscaled X, as float64.

        Inference runs in float64: float32 matrix products round differently with the
        number of rows, so a row's prediction would depend on what it is predicted with.
        """
        X = self._prepare_X(X, np.float64)
        return self._outputs(self.net_.module_, X, dtype=torch.float64)

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
