"""input_penalty: group-lasso steps on the first layer's columns, and the path."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_breast_cancer, make_friedman1

from sklgrad import LearningGradientClassifier, LearningGradientRegressor
from sklgrad._engine.training import group_shrink


def test_the_proximal_step_shrinks_each_column_by_its_step_times_the_strength():
    clf = LearningGradientClassifier(hidden_layer_sizes=(3,), solver="sgd",
                                     learning_rate_init=0.5, max_iter=1, tol=None,
                                     random_state=0).fit(*load_breast_cancer(return_X_y=True))
    weight = clf.net_.module_.layers[0].weight
    before = weight.detach().clone()
    norms = torch.linalg.vector_norm(before, dim=0)
    strength = float(np.median(norms.numpy())) / 0.5  # half the columns go to zero
    with torch.no_grad():
        group_shrink(clf.net_, strength)
    expected = before * (1 - 0.5 * strength / norms).clamp_min(0)
    torch.testing.assert_close(weight.detach(), expected)
    assert (torch.linalg.vector_norm(weight, dim=0) == 0).sum() >= 14


def test_a_fixed_strength_zeroes_columns_and_their_learning_gradients():
    X, y = load_breast_cancer(return_X_y=True)
    clf = LearningGradientClassifier(hidden_layer_sizes=(8,), max_iter=30, tol=None,
                                     input_penalty=0.5, random_state=0).fit(X, y)
    weight = clf.net_.module_.layers[0].weight.detach()
    dead = torch.linalg.vector_norm(weight, dim=0).numpy() == 0
    assert 0 < dead.sum() < 30
    # A column that stayed zero through the last epoch has exactly zero importance.
    assert (clf.feature_importances_[dead] == 0).all()
    assert (clf.learning_gradients(X[:50], y[:50])[:, dead] == 0).all()


@pytest.fixture(scope="module")
def friedman():
    X, y = make_friedman1(n_samples=1000, n_features=100, random_state=0)
    rng = np.random.RandomState(0)
    columns = rng.permutation(100)
    return X[:, columns], y, np.flatnonzero(columns < 5)


def test_the_path_concentrates_the_importance_on_what_the_network_needs(friedman):
    X, y, informative = friedman
    plain = LearningGradientRegressor(random_state=0).fit(X, y)
    path = LearningGradientRegressor(input_penalty="path", random_state=0).fit(X, y)
    assert path.feature_importances_[informative].sum() > 0.9
    assert plain.feature_importances_[informative].sum() < 0.5
    assert set(np.argsort(-path.feature_importances_)[:5]) == set(informative)


def test_the_path_bookkeeping(friedman):
    X, y, _ = friedman
    reg = LearningGradientRegressor(input_penalty="path", random_state=0).fit(X, y)
    path, choice = reg.path_, reg.path_choice_
    assert [point["strength"] for point in path] == [0.01, 0.02, 0.04, 0.08, 0.16]
    assert path[0]["first_epoch"] == 0 and path[-1]["last_epoch"] == len(
        reg.importance_history_) - 1
    for before, after in zip(path, path[1:]):
        assert after["first_epoch"] == before["last_epoch"] + 1
        assert after["last_epoch"] - after["first_epoch"] + 1 == 30
    # Stronger points keep fewer inputs overall (a column may come back for a while).
    assert path[-1]["inputs_alive"] < path[0]["inputs_alive"]
    best = min(range(5), key=lambda i: path[i]["validation_loss"])
    limit = path[best]["validation_loss"] + path[best]["validation_loss_se"]
    assert choice == max(i for i in range(5) if path[i]["validation_loss"] <= limit)
    np.testing.assert_array_equal(reg.feature_importances_,
                                  reg.importance_history_[path[choice]["last_epoch"]])
    alive = torch.linalg.vector_norm(reg.net_.module_.layers[0].weight, dim=0) > 0
    assert int(alive.sum()) == path[choice]["inputs_alive"]
    # A later fit without the penalty says so.
    assert reg.set_params(input_penalty=None, max_iter=2).fit(X, y).path_ is None


def test_the_path_needs_a_fresh_fit():
    X, y = load_breast_cancer(return_X_y=True)
    for params in (dict(early_stopping=True), dict(warm_start=True)):
        clf = LearningGradientClassifier(input_penalty="path", max_iter=3, **params)
        if params.get("warm_start"):
            clf.set_params(input_penalty=None).fit(X, y).set_params(input_penalty="path")
        with pytest.raises(ValueError, match="input_penalty='path' trains a new network"):
            clf.fit(X, y)
    with pytest.raises(ValueError, match="input_penalty='path'"):
        LearningGradientClassifier(input_penalty="path").partial_fit(X, y)
    with pytest.raises(ValueError, match="The 'input_penalty' parameter"):
        LearningGradientClassifier(input_penalty=-1.0).fit(X, y)


def test_the_path_on_sparse_inputs_and_with_weights():
    import scipy.sparse as sp
    X, y = load_breast_cancer(return_X_y=True)
    X = np.where(X > np.median(X, axis=0), X, 0.0)
    weights = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    clf = LearningGradientClassifier(hidden_layer_sizes=(4,), input_penalty="path",
                                     max_iter=20, random_state=0)
    clf.fit(sp.csr_matrix(X), y, sample_weight=weights)
    assert len(clf.path_) == 5 and clf.score(sp.csr_matrix(X), y) > 0.8
