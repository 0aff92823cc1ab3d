"""Same name, same behaviour: the same input through scikit-learn's MLP and through sklgrad's
estimators.

Where a run must match step for step, both networks start from the same weights: each is
fitted once for one epoch with ``warm_start=True``, scikit-learn's weights are copied into
sklgrad's network, and the stopping state is reset on both through their public attributes;
the next ``fit`` then starts a fresh optimizer on each side (as scikit-learn does under
``warm_start``) from identical weights, on unshuffled float32 data.
"""

import os
import re
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.neural_network import MLPClassifier, MLPRegressor

from sklgrad import LearningGradientClassifier, LearningGradientRegressor
from sklgrad._engine.settings import TrainSettings
from sklgrad._engine.stopping import ScikitStoppingRule, StoppingState

SHARED = dict(hidden_layer_sizes=(5,), batch_size=16, shuffle=False, random_state=0)


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(n_samples=60, n_features=6, random_state=0)
    return X.astype(np.float32), y


@pytest.fixture(scope="module")
def multiclass():
    X, y = make_classification(n_samples=60, n_features=6, n_informative=4, n_classes=3,
                               random_state=1)
    return X.astype(np.float32), np.array(["a", "b", "c"])[y]


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(n_samples=60, n_features=6, n_targets=2, noise=1.0,
                           random_state=2)
    return X.astype(np.float32), (y / y.std()).astype(np.float32)


def _copy_weights(sk, ours):
    layers = [m for m in ours.net_.module_.layers if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for layer, coef, intercept in zip(layers, sk.coefs_, sk.intercepts_):
            layer.weight.copy_(torch.from_numpy(np.asarray(coef, np.float32).T))
            layer.bias.copy_(torch.from_numpy(np.asarray(intercept, np.float32)))


def _weights(ours):
    layers = [m for m in ours.net_.module_.layers if isinstance(m, torch.nn.Linear)]
    return ([layer.weight.detach().numpy().T for layer in layers],
            [layer.bias.detach().numpy() for layer in layers])


def _same_start(sk, ours, X, y, sample_weight=None):
    """Both fitted for one epoch, then holding scikit-learn's weights and a fresh stopping
    state: the next fit of each starts from the same point."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk.set_params(warm_start=True, max_iter=1).fit(X, y, sample_weight=sample_weight)
        ours.set_params(warm_start=True, max_iter=1).fit(X, y, sample_weight=sample_weight)
    _copy_weights(sk, ours)
    for est in (sk, ours):
        if est.early_stopping:
            est.best_validation_score_ = -np.inf
        else:
            est.best_loss_ = np.inf


def _pair(kind, **params):
    params = {**SHARED, **params}
    if kind == "regression":
        return MLPRegressor(**params), LearningGradientRegressor(standardize=False, **params)
    return MLPClassifier(**params), LearningGradientClassifier(standardize=False, **params)


@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression"])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("weighted", [False, True])
def test_one_epoch_of_steps_matches_scikit_learn(kind, solver, weighted, request):
    # Four steps (the last one short) with alpha: the penalty scales with each batch's size
    # (or total weight), the reported loss includes it.
    X, y = request.getfixturevalue(kind)
    weights = np.random.RandomState(0).uniform(0.2, 3.0, len(X)) if weighted else None
    sk, ours = _pair(kind, solver=solver, alpha=0.5, learning_rate_init=0.05, tol=0.0,
                     n_iter_no_change=np.inf)
    _same_start(sk, ours, X, y, weights)
    sk.fit(X, y, sample_weight=weights)
    ours.fit(X, y, sample_weight=weights)
    coefs, intercepts = _weights(ours)
    for mine, theirs in zip(coefs + intercepts, sk.coefs_ + sk.intercepts_):
        np.testing.assert_allclose(mine, theirs, atol=1e-6)
    # The first entry is each side's own first epoch, from its own initial weights.
    np.testing.assert_allclose(ours.loss_curve_[1:], sk.loss_curve_[1:], rtol=1e-5)
    assert ours.n_iter_ == sk.n_iter_ == 1 and ours.t_ == sk.t_


@pytest.mark.parametrize("params", [
    dict(solver="sgd", learning_rate="constant", momentum=0.9),
    dict(solver="sgd", learning_rate="invscaling", power_t=0.3, learning_rate_init=0.5),
    dict(solver="sgd", learning_rate="adaptive", nesterovs_momentum=False, tol=1e-3,
         n_iter_no_change=2),
    dict(solver="adam", alpha=0.01, tol=1e-3, n_iter_no_change=3),
])
def test_whole_fits_stop_in_the_same_epoch_as_scikit_learn(binary, params):
    X, y = binary
    params = {"learning_rate_init": 0.1, "max_iter": 60, **params}
    sk, ours = _pair("binary", **params)
    _same_start(sk, ours, X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk.fit(X, y)
        ours.fit(X, y)
    assert ours.n_iter_ == sk.n_iter_
    assert len(ours.loss_curve_) == len(sk.loss_curve_)
    np.testing.assert_allclose(ours.loss_curve_[1:], sk.loss_curve_[1:], rtol=1e-4, atol=1e-6)
    coefs, _ = _weights(ours)
    for mine, theirs in zip(coefs, sk.coefs_):
        np.testing.assert_allclose(mine, theirs, atol=1e-4)


def _replay(losses, *, tol, n_iter_no_change, scores=None):
    """Feed a sequence of epoch losses (or validation scores) to sklgrad's stopping rule;
    return the epoch at which it stops (or the length of the sequence)."""
    state = StoppingState(early_stopping=scores is not None)
    values = iter(scores) if scores is not None else None
    settings = TrainSettings(loss="binary", n_outputs=1, hidden_layer_sizes=(1,), tol=tol,
                             n_iter_no_change=n_iter_no_change, learning_rate_init=0.1)
    rule = ScikitStoppingRule(
        state, settings, n_train=1,
        validation=(lambda module: next(values)) if scores is not None else None)

    class History(list):
        def __getitem__(self, key):
            return self[-1]["train_loss"] if isinstance(key, tuple) else super().__getitem__(key)

    class FakeNet:
        history = History()
        module_ = torch.nn.Linear(1, 1)
        optimizer_ = torch.optim.SGD(module_.parameters(), lr=0.1)

    for epoch, loss in enumerate(losses, start=1):
        FakeNet.history.append({"train_loss": loss})
        try:
            rule(FakeNet)
        except Exception as stop:
            assert type(stop).__name__ == "TrainingConverged"
            return epoch, state
    return len(losses), state


@pytest.mark.parametrize("n_iter_no_change", [2, 5, 10, 50])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_stopping_rule_replays_scikit_learns_runs(n_iter_no_change, early_stopping):
    # The case: the first 100 rows of digits, 0 against the rest. scikit-learn's
    # real run gives a loss (or validation score) sequence and the epoch it stopped at; the
    # same sequence through sklgrad's rule must stop at the same epoch.
    X, y = load_digits(return_X_y=True)
    X, y = X[:100] / 16.0, y[:100] == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = MLPClassifier(n_iter_no_change=n_iter_no_change, early_stopping=early_stopping,
                           max_iter=2000, random_state=0).fit(X, y)
    assert sk.n_iter_ < 2000
    if early_stopping:
        stop, state = _replay(sk.loss_curve_, tol=sk.tol, n_iter_no_change=n_iter_no_change,
                              scores=sk.validation_scores_)
        assert state.best_validation_score == sk.best_validation_score_
        assert state.best_epoch == int(np.argmax(sk.validation_scores_))
    else:
        stop, state = _replay(sk.loss_curve_, tol=sk.tol, n_iter_no_change=n_iter_no_change)
        assert state.best_loss == sk.best_loss_
    assert stop == sk.n_iter_


def test_stopping_rule_counts_as_scikit_learn_states_it():
    # "not improving by at least tol for n_iter_no_change consecutive iterations": the
    # count must exceed n_iter_no_change, so with 2 the third epoch without improvement stops.
    losses = [1.0, 0.5, 0.49999, 0.49998, 0.49997, 0.2]
    assert _replay(losses, tol=1e-4, n_iter_no_change=2)[0] == 5
    # Improvement is measured against the best loss, not against the last one.
    losses = [1.0, 2.0, 0.99995, 0.9999, 0.99985, 0.9998]
    assert _replay(losses, tol=1e-4, n_iter_no_change=3)[0] == 5
    assert _replay([1.0] * 30, tol=1e-4, n_iter_no_change=np.inf)[0] == 30


def test_n_iter_no_change_inf_trains_max_iter_epochs(binary):
    X, y = binary
    for est in _pair("binary", n_iter_no_change=np.inf, max_iter=7, tol=0.0):
        with pytest.warns(ConvergenceWarning):
            est.fit(X, y)
        assert est.n_iter_ == 7


def test_n_iter_counts_the_last_call_and_partial_fit_as_scikit_learn(binary):
    X, y = binary
    for sk_est, ours in [_pair("binary", warm_start=True, max_iter=4, n_iter_no_change=np.inf,
                               tol=0.0)]:
        for est in (sk_est, ours):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                est.fit(X, y)
                est.set_params(max_iter=3).fit(X, y)
        assert ours.n_iter_ == sk_est.n_iter_ == 3
        assert len(ours.loss_curve_) == len(sk_est.loss_curve_) == 7
        assert ours.importance_history_.shape[0] == 7  # every epoch of every call
        for est in (sk_est, ours):
            est.partial_fit(X, y)
        assert ours.n_iter_ == sk_est.n_iter_ == 1
        assert len(ours.loss_curve_) == len(sk_est.loss_curve_) == 8
        assert ours.t_ == sk_est.t_


@pytest.mark.parametrize("kind", ["binary", "regression"])
def test_non_finite_training_raises_as_scikit_learn(kind, request):
    X, y = request.getfixturevalue(kind)
    X = X * 1e15
    sk, ours = _pair(kind, solver="sgd", learning_rate_init=10.0, max_iter=5)
    with pytest.raises(ValueError, match="Solver produced non-finite parameter weights"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sk.fit(X, y)
    with pytest.raises(ValueError, match="Solver produced non-finite parameter weights.*"
                                         "learning_rate_init"):
        ours.fit(X, y)
    with pytest.raises(NotFittedError):
        ours.predict(X)


def test_a_failed_refit_leaves_the_previous_fit(binary):
    X, y = binary
    clf = LearningGradientClassifier(**SHARED, max_iter=5, tol=None).fit(X, y)
    before = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in vars(clf).items()}
    weights = [p.detach().clone() for p in clf.net_.module_.parameters()]
    with pytest.raises(ValueError, match="non-finite"):
        clf.set_params(solver="sgd", learning_rate_init=1e3, standardize=False).fit(X * 1e15, y)
    assert set(vars(clf)) == set(before)
    np.testing.assert_array_equal(clf.importance_history_, before["importance_history_"])
    assert clf.net_ is before["net_"]
    for saved, now in zip(weights, clf.net_.module_.parameters()):
        assert torch.equal(saved, now)


def test_partial_fit_with_early_stopping_raises_before_training(binary):
    X, y = binary
    sk, ours = _pair("binary", early_stopping=True)
    for est in (sk, ours):
        with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
            est.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(NotFittedError):
        ours.predict(X)
    # Fitted first, then partial_fit: nothing changes either.
    ours.set_params(early_stopping=False, max_iter=3, tol=None).fit(X, y)
    history = ours.importance_history_.copy()
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        ours.set_params(early_stopping=True).partial_fit(X, y)
    np.testing.assert_array_equal(ours.importance_history_, history)
    assert len(ours.net_.history) == 3


def test_alpha_has_scikit_learns_strength(binary):
    # With the default batch of 200 rows, torch's weight_decay=alpha would be 200x stronger:
    # the loss curves of the two estimators from the same start must agree.
    X, y = binary
    sk, ours = _pair("binary", batch_size="auto", alpha=1.0, max_iter=10, tol=0.0,
                     n_iter_no_change=np.inf)
    _same_start(sk, ours, X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk.fit(X, y)
        ours.fit(X, y)
    np.testing.assert_allclose(ours.loss_curve_[1:], sk.loss_curve_[1:], rtol=1e-5)


@pytest.mark.parametrize("params, match", [
    (dict(learning_rate="sometimes"), "The 'learning_rate' parameter of .* must be a str among"),
    (dict(alpha=-1.0), r"The 'alpha' parameter of .* must be a float in the range \[0.0, inf\)"),
    (dict(learning_rate_init=np.inf), "The 'learning_rate_init' parameter"),
    (dict(power_t=-0.5), "The 'power_t' parameter"),
    (dict(n_iter_no_change=0), "The 'n_iter_no_change' parameter"),
    (dict(momentum=2.0), r"The 'momentum' parameter of .* range \[0.0, 1.0\]"),
    (dict(batch_size=0), "The 'batch_size' parameter"),
    (dict(validation_fraction=1.0), "The 'validation_fraction' parameter"),
    (dict(hidden_layer_sizes=(0,)), r"hidden_layer_sizes must be > 0, got \[0\]"),
])
def test_bad_parameters_get_scikit_learns_error(binary, params, match):
    X, y = binary
    sk, ours = _pair("binary", **params)
    errors = []
    for est in (sk, ours):
        with pytest.raises(ValueError, match=match) as info:
            est.fit(X, y)
        errors.append(info.value)
    # The same message, with the class's own name (scikit-learn lists options in set order).
    def normalized(message):
        return re.sub(r"\{([^}]*)\}", lambda m: str(sorted(m.group(1).split(", "))), message)
    assert normalized(str(errors[1])) == normalized(
        str(errors[0]).replace("MLPClassifier", type(ours).__name__))


def test_an_unknown_parameter_names_the_public_class():
    with pytest.raises(TypeError, match=r"LearningGradientClassifier.__init__\(\) got an "
                                        "unexpected keyword argument 'max_fun_'"):
        LearningGradientClassifier(max_fun_=1)
    with pytest.raises(ValueError, match="Invalid parameter 'learning_rates'"):
        LearningGradientRegressor().set_params(learning_rates="constant")


def test_classes_in_partial_fit_and_warm_start_as_scikit_learn(multiclass):
    X, y = multiclass
    sk, ours = _pair("multiclass", max_iter=2)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        sk.partial_fit(X, y)
    # The one difference (docs/api.md): sklgrad takes the classes from y when not given.
    assert list(clone(ours).partial_fit(X, y).classes_) == ["a", "b", "c"]
    for est in (sk, ours):
        est.partial_fit(X, y, classes=["a", "b", "c"])
        with pytest.raises(ValueError, match="is not the same as on last call to partial_fit"):
            est.partial_fit(X, y, classes=["a", "b", "c", "d"])
        with pytest.raises(ValueError, match="`y` has classes not in `self.classes_`"):
            est.partial_fit(X, np.where(y == "a", "z", y))
    for est in _pair("multiclass", max_iter=2, warm_start=True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X, y)
            with pytest.raises(ValueError, match="warm_start can only be used where `y` has "
                                                 "the same classes"):
                est.fit(X[y != "c"], y[y != "c"])


def test_sparse_input_trains_like_dense(binary):
    sparse = pytest.importorskip("scipy.sparse")
    X, y = binary
    X = np.where(np.abs(X) > 1.0, X, 0.0)
    # Sparse inputs are scaled but not centred; unscaled, both see the same numbers.
    params = dict(hidden_layer_sizes=(4,), max_iter=5, tol=None, random_state=0,
                  standardize=False)
    dense = LearningGradientClassifier(**params).fit(X, y)
    for fmt in ("csr", "csc"):
        fitted = LearningGradientClassifier(**params).fit(sparse.csr_matrix(X).asformat(fmt), y)
        np.testing.assert_allclose(fitted.importance_history_, dense.importance_history_,
                                   atol=1e-5)
        np.testing.assert_allclose(fitted.predict_proba(sparse.csr_matrix(X)),
                                   dense.predict_proba(X), atol=1e-5)


def test_a_large_sparse_matrix_is_never_made_dense(tmp_path):
    # 20,000 x 50,000 at 0.1% density: 8 GB dense in float64, 12 MB sparse. The fit runs in
    # its own process so that its peak memory can be read.
    import subprocess
    import sys
    code = """
import resource, warnings
import numpy as np, scipy.sparse as sp
warnings.simplefilter("ignore")
from sklgrad import LearningGradientClassifier
rng = np.random.RandomState(0)
n, d, nnz = 20_000, 50_000, 1_000_000
X = sp.csr_matrix((rng.rand(nnz), (rng.randint(n, size=nnz), rng.randint(d, size=nnz))),
                  shape=(n, d))
y = np.asarray(X[:, :100].sum(axis=1)).ravel() > 0.05
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
clf = LearningGradientClassifier(hidden_layer_sizes=(4,), max_iter=1, random_state=0).fit(X, y)
assert clf.predict(X[:1000]).shape == (1000,) and clf.feature_importances_.shape == (50_000,)
print(before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    before, peak = map(int, result.stdout.strip().splitlines()[-1].split())
    dense_mib = 20_000 * 50_000 * 8 / 2**20  # 7,629 MiB
    assert peak - before < dense_mib / 20, (before, peak, dense_mib)


def test_mlp_diverging_loss():
    """scikit-learn's test_mlp_diverging_loss (its issue 29504), through sklgrad: with early
    stopping a diverging fit does not raise; the network keeps its best validated weights
    and its last validation score is NaN."""
    import warnings

    from sklearn.datasets import load_iris
    from sklearn.exceptions import ConvergenceWarning

    X, y = load_iris(return_X_y=True)
    params = dict(hidden_layer_sizes=100, activation="identity", solver="sgd", alpha=0.0001,
                  learning_rate="constant", learning_rate_init=1, shuffle=True, max_iter=20,
                  early_stopping=True, n_iter_no_change=10, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = MLPRegressor(**params).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="Training diverged"):
        ours = LearningGradientRegressor(**params, standardize=False).fit(X, y)
    for mlp in (sk, ours):
        assert str(mlp.validation_scores_[-1]) == str(np.nan)
        assert isinstance(mlp.validation_scores_[-1], float)
        assert np.isfinite(mlp.predict(X)).all()
    assert np.isfinite(ours.feature_importances_).all()
    np.testing.assert_allclose(ours.feature_importances_,
                               ours.importance_history_[ours.best_epoch_])
    # Without early stopping the same divergence is an error, as in scikit-learn.
    with pytest.raises(ValueError, match="non-finite parameter weights"):
        LearningGradientRegressor(**{**params, "early_stopping": False},
                                  standardize=False).fit(X, y)
