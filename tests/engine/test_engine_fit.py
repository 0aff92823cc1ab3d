"""One network trained by the engine from settings and data records alone
(``sklgrad/_engine/fit.py``, ``settings.py``, ``stopping.py``, ``state.py``)."""

import numpy as np
import pytest
from sklearn.utils import check_random_state

from sklgrad import LearningGradientRegressor
from sklgrad._engine.fit import train_network
from sklgrad._engine.settings import FitData, TrainSettings, engine_options
from sklgrad._engine.state import net_from_record, net_state
from sklgrad._engine.stopping import StoppingState


def _regression():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 3))
    y = X[:, 0] - 2 * X[:, 1] ** 2 + 0.1 * rng.standard_normal(80)
    return X, y


def test_train_network_is_what_the_estimator_trains():
    X, y = _regression()
    estimator = LearningGradientRegressor(hidden_layer_sizes=(5,), max_iter=100, tol=1e-2,
                                          n_iter_no_change=2, batch_size=20,
                                          learning_rate_init=0.05, standardize=False,
                                          random_state=4).fit(X, y)
    seed = int(check_random_state(4).randint(2**31 - 1))
    settings = TrainSettings(loss="regression", n_outputs=1, hidden_layer_sizes=(5,),
                             batch_size=20, max_iter=100, tol=1e-2, n_iter_no_change=2,
                             learning_rate_init=0.05)
    state = StoppingState(early_stopping=False)
    state.start_loss_tracking()
    net, rule = train_network(settings, FitData(X=X, targets=y[:, None], seed=seed,
                                                split_seed=seed), state)
    assert rule.converged and len(state.loss_curve) == estimator.n_iter_ < 100
    np.testing.assert_allclose(state.loss_curve, estimator.loss_curve_, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(net.history[:, "learning_gradient"]),
                               estimator.importance_history_, rtol=1e-12)


def test_a_record_rebuilds_the_same_network():
    X, y = _regression()
    settings = TrainSettings(loss="regression", n_outputs=1, hidden_layer_sizes=(4, 3),
                             solver="sgd", max_iter=3, tol=None)
    net, _ = train_network(settings, FitData(X=X, targets=y[:, None], seed=1, split_seed=1),
                           StoppingState(early_stopping=False))
    record = net_state(net)
    rebuilt = net_from_record(settings, 3, record)
    for name, value in net.module_.state_dict().items():
        np.testing.assert_array_equal(rebuilt.module_.state_dict()[name].numpy(),
                                      value.numpy())
    assert len(rebuilt.history) == 3
    np.testing.assert_array_equal(net_state(rebuilt)["importance"], record["importance"])


def test_engine_options_are_checked_and_scoped():
    with pytest.raises(ValueError, match="step must be one of"):
        with engine_options(step="jit"):
            pass
    with engine_options(step="torch", capture=False) as options:
        assert options.step == "torch" and not options.capture
    X, y = _regression()
    fitted = LearningGradientRegressor(hidden_layer_sizes=(3,), max_iter=2, tol=None).fit(X, y)
    assert fitted.net_.step_kind_ == "numpy"
