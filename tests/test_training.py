"""The hand-written training step against autograd's, and the capture it records."""

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification, make_regression

from sklgrad import LearningGradientClassifier, LearningGradientRegressor
from sklgrad._training import TabularNet


def _data(kind):
    if kind == "regression":
        X, y = make_regression(n_samples=90, n_features=5, n_targets=2, random_state=0)
        return X, y
    X, y = make_classification(n_samples=90, n_features=5, n_informative=3,
                               n_classes=2 if kind == "binary" else 3, random_state=0)
    return X, y


def _fit(kind, monkeypatch, hand_written, **params):
    monkeypatch.setattr(TabularNet, "hand_written_step", hand_written)
    cls = LearningGradientRegressor if kind == "regression" else LearningGradientClassifier
    X, y = _data(kind)
    weights = np.random.RandomState(1).uniform(0.5, 2.0, len(X))
    estimator = cls(hidden_layer_sizes=(6, 4), max_iter=4, tol=None, batch_size=16,
                    random_state=0, **params).fit(X, y, sample_weight=weights)
    assert estimator.net_.hand_written_ is hand_written
    return estimator


@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression"])
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_hand_written_step_equals_autograd(kind, activation, solver, monkeypatch):
    params = dict(activation=activation, solver=solver, alpha=0.01,
                  learning_rate_init=0.05)
    manual = _fit(kind, monkeypatch, True, **params)
    auto = _fit(kind, monkeypatch, False, **params)
    for a, b in zip(manual.net_.module_.parameters(), auto.net_.module_.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(manual.importance_history_, auto.importance_history_,
                               atol=1e-5)
    np.testing.assert_allclose(manual.gradient_magnitude_history_,
                               auto.gradient_magnitude_history_, rtol=1e-5)
    np.testing.assert_allclose(manual.loss_curve_, auto.loss_curve_, rtol=1e-6)


def test_other_modules_keep_the_autograd_path():
    from sklgrad import LearningGradientNet
    X = np.random.RandomState(0).randn(64, 4).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    net = LearningGradientNet(torch.nn.Linear, module__in_features=4, module__out_features=2,
                              criterion=torch.nn.CrossEntropyLoss, max_epochs=2,
                              train_split=None, verbose=0).fit(X, y)
    assert len(net.history[:, "learning_gradient"]) == 2
