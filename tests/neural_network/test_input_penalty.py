"""input_penalty: group-lasso steps on the first layer's columns, and the path."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from sklearn.datasets import load_breast_cancer, make_friedman1

from sklgrad import (
    BelowBaselineWarning,
    ImportanceHistoryDisplay,
    LearningGradientClassifier,
    LearningGradientRegressor,
)
from sklgrad._engine.penalty import group_shrink
from sklgrad._engine.settings import PathSettings


def _one_sgd_epoch():
    """A small network after one SGD epoch (learning rate 0.5), its first layer's weights
    before any shrinking, and their column norms."""
    clf = LearningGradientClassifier(hidden_layer_sizes=(3,), solver="sgd",
                                     learning_rate_init=0.5, max_iter=1, tol=None,
                                     random_state=0).fit(*load_breast_cancer(return_X_y=True))
    weight = clf.net_.module_.layers[0].weight
    before = weight.detach().clone()
    return clf.net_, weight, before, torch.linalg.vector_norm(before, dim=0)


def test_the_proximal_step_shrinks_each_column_by_its_step_times_the_strength():
    net, weight, before, norms = _one_sgd_epoch()
    strength = float(np.median(norms.numpy())) / 0.5  # half the columns go to zero
    with torch.no_grad():
        group_shrink(net, strength)
    expected = before * (1 - 0.5 * strength / norms).clamp_min(0)
    torch.testing.assert_close(weight.detach(), expected)
    assert (torch.linalg.vector_norm(weight, dim=0) == 0).sum() >= 14


def test_column_weights_multiply_the_strength_column_by_column():
    net, weight, before, norms = _one_sgd_epoch()
    column_weights = torch.linspace(0.0, 3.0, 30, dtype=before.dtype)
    strength = float(norms.max()) / 0.5 / 2  # weight 2 and beyond: exactly zero
    with torch.no_grad():
        group_shrink(net, strength, column_weights)
    expected = before * (1 - 0.5 * strength * column_weights / norms).clamp_min(0)
    torch.testing.assert_close(weight.detach(), expected)
    after = torch.linalg.vector_norm(weight, dim=0)
    assert torch.equal(after[0], norms[0])  # weight 0: untouched
    assert (after[column_weights >= 2] == 0).all()


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
    strengths = [point["strength"] for point in path]
    # A dense phase, then doubling strengths from 0.001, ending once the support settles.
    assert strengths == [0.0] + [0.001 * 2**i for i in range(len(path) - 1)]
    assert path[0]["inputs_alive"] == X.shape[1]
    alive = [point["inputs_alive"] for point in path]
    # An eliminated input stays eliminated; the path stops after 3 points of the same inputs.
    assert alive == sorted(alive, reverse=True)
    assert len(path) == 14 or len(set(alive[-3:])) == 1 and len(set(alive[-4:])) == 2
    assert path[0]["first_epoch"] == 0 and path[-1]["last_epoch"] == len(
        reg.importance_history_) - 1
    for before, after in zip(path, path[1:]):
        assert after["first_epoch"] == before["last_epoch"] + 1
        assert after["last_epoch"] - after["first_epoch"] + 1 == 30
    # Each point's gain is the constant prediction's validation loss less its own: the
    # same constant for every point; a network that learned Friedman's signal beats it.
    constant = [point["validation_loss"] + point["gain"] for point in path]
    np.testing.assert_allclose(constant, constant[0], rtol=1e-6)
    # The dense network among 95 noise columns barely beats it; the point kept far more.
    assert path[choice]["gain"] > 3 * path[choice]["gain_se"] > 0
    assert path[choice]["gain"] > path[0]["gain"] + path[0]["gain_se"]
    assert reg.below_constant_ is False
    best = min(range(len(path)), key=lambda i: path[i]["validation_loss"])
    limit = path[best]["validation_loss"] + path[best]["validation_loss_se"]
    assert choice == max(i for i in range(len(path)) if path[i]["validation_loss"] <= limit)
    np.testing.assert_array_equal(reg.feature_importances_,
                                  reg.importance_history_[path[choice]["last_epoch"]])
    alive = torch.linalg.vector_norm(reg.net_.module_.layers[0].weight, dim=0) > 0
    assert int(alive.sum()) == path[choice]["inputs_alive"]
    assert (reg.feature_importances_[~alive.numpy()] == 0).all()
    # The fitted network keeps no penalty; a later fit without the penalty says so.
    assert reg.net_.input_penalty == 0 and reg.net_.input_penalty_weights is None
    assert reg.set_params(input_penalty=None, max_iter=2).fit(X, y).path_ is None


def test_a_point_trains_a_budget_of_steps_not_of_epochs(friedman):
    """Where an epoch takes many batches, a point of the path trains fewer epochs: about
    ``point_steps`` optimizer steps, not 30 passes over the rows."""
    schedule = PathSettings()
    assert schedule.point_epochs(900, 200) == 30  # 5 batches an epoch: 30 epochs
    assert schedule.point_epochs(4_500, 200) == 14  # 23 batches: 14 epochs, 322 steps
    assert schedule.point_epochs(10**6, 200) == schedule.min_epochs
    X, y, _ = friedman
    reg = LearningGradientRegressor(input_penalty="path", hidden_layer_sizes=(8,),
                                    batch_size=25, random_state=0).fit(X[:500], y[:500])
    expected = schedule.point_epochs(450, 25)  # 50 rows held out: 18 batches an epoch
    assert expected == 17
    for point in reg.path_[1:]:
        assert point["last_epoch"] - point["first_epoch"] + 1 == expected


def test_the_path_goes_on_with_the_live_inputs_and_computes_the_same(friedman, monkeypatch):
    """Once few inputs are alive the path trains a network of those only (it multiplies
    no zero columns), carrying the weights, the optimizer's state and the data order: the
    same path, the same history at full width, as a network that keeps every column."""
    from sklgrad._neural_network import _path

    X, y, _ = friedman
    widths = []
    compacted = _path._compacted
    monkeypatch.setattr(_path, "_compacted", lambda net, keep: (
        widths.append(len(keep)), compacted(net, keep))[1])
    compact = LearningGradientRegressor(input_penalty="path", random_state=0).fit(X, y)
    assert widths and widths[0] <= X.shape[1] // 2
    monkeypatch.setattr(_path, "COMPACT_BELOW", -1.0)
    compactions = len(widths)
    full = LearningGradientRegressor(input_penalty="path", random_state=0).fit(X, y)
    assert len(widths) == compactions
    assert ([point["inputs_alive"] for point in compact.path_]
            == [point["inputs_alive"] for point in full.path_])
    assert compact.path_choice_ == full.path_choice_
    np.testing.assert_allclose(compact.importance_history_, full.importance_history_,
                               atol=1e-6)
    np.testing.assert_allclose(compact.loss_curve_, full.loss_curve_, rtol=1e-5)
    np.testing.assert_allclose(compact.predict(X), full.predict(X), rtol=1e-4, atol=1e-4)


def test_the_reweighting_protects_what_a_uniform_penalty_zeroes(friedman, monkeypatch):
    """The same path with every column's weight kept at 1 (a uniform group lasso, as
    before the reweighting) loses informative inputs at the strengths the reweighted path
    reaches; the reweighted path keeps all five."""
    from sklgrad._engine import net

    X, y, informative = friedman
    reweighted = LearningGradientRegressor(input_penalty="path", random_state=0).fit(X, y)
    shrink = net.group_shrink
    monkeypatch.setattr(net, "group_shrink",
                        lambda net, strength, column_weights=None: shrink(net, strength))
    uniform = LearningGradientRegressor(input_penalty="path", random_state=0).fit(X, y)
    last = {model: model.importance_history_[-1] for model in (reweighted, uniform)}
    assert (last[reweighted][informative] > 0).all()
    assert (last[uniform][informative] == 0).any()


def test_a_path_that_learned_nothing_says_so():
    # Pure noise: the path ends on a few inputs, at a validation loss no lower than the
    # constant prediction's; its importances are flagged rather than returned as a find.
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(300, 10)), rng.randint(0, 2, 300)
    with pytest.warns(BelowBaselineWarning, match="learned nothing") as record:
        clf = LearningGradientClassifier(input_penalty="path", hidden_layer_sizes=(8,),
                                         random_state=0).fit(X, y)
    assert record[0].filename == __file__  # the warning points at the user's call
    # At Adam's default step the warning names the step that learns slow effects.
    assert "learning_rate_init=0.01" in str(record[0].message)
    point = clf.path_[clf.path_choice_]
    assert clf.below_constant_ and point["gain"] <= 2 * point["gain_se"]
    assert clf.feature_importances_.sum() > 0  # the importances stay, marked
    title = ImportanceHistoryDisplay.from_estimator(clf).ax_.get_title()
    assert "learned nothing: validation loss" in title
    plt.close("all")


def test_a_path_that_learned_nothing_at_a_large_step_does_not_suggest_it():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(300, 10)), rng.randint(0, 2, 300)
    with pytest.warns(BelowBaselineWarning, match="learned nothing") as record:
        LearningGradientClassifier(input_penalty="path", hidden_layer_sizes=(8,),
                                   learning_rate_init=0.01, random_state=0).fit(X, y)
    assert "learning_rate_init" not in str(record[0].message)


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
    assert len(clf.path_) >= 4 and clf.score(sp.csr_matrix(X), y) > 0.8


@pytest.fixture(scope="module")
def screened():
    """An input whose effect is only conditional (``x2``, through ``x1 * x2``) among 400
    inputs and 1000 rows: the first path eliminates it with the noise (this seed); the
    screening round, beside the survivors and a block of others, learns it."""
    rng = np.random.RandomState(1)
    X = rng.randn(1000, 400)
    logit = 2 * X[:, 0] + 1.5 * X[:, 1] + 1.2 * X[:, 1] * X[:, 2]
    y = (logit + 0.5 * rng.randn(1000) > 0).astype(int)
    return X, y, LearningGradientClassifier(input_penalty="path", random_state=1).fit(X, y)


def test_the_screening_round_recovers_a_conditional_input(screened):
    X, y, clf = screened
    path = clf.path_
    rounds = [point["round"] for point in path]
    assert rounds == sorted(rounds) and rounds[0] == 0 and rounds[-1] >= 1
    first = [i for i, point in enumerate(path) if point["round"] == 0]
    best = min(first, key=lambda i: path[i]["validation_loss"])
    limit = path[best]["validation_loss"] + path[best]["validation_loss_se"]
    chosen_first = max(i for i in first if path[i]["validation_loss"] <= limit)
    lost = clf.importance_history_[path[chosen_first]["last_epoch"]]
    assert lost[2] == 0 and (lost[:2] > 0).all()  # the first path lost it
    assert (clf.feature_importances_[:3] > 0).all()  # the screening round got it back
    assert clf.feature_importances_[:3].sum() > 0.9


def test_the_screening_round_bookkeeping(screened):
    X, y, clf = screened
    path, choice = clf.path_, clf.path_choice_
    assert path[choice]["round"] == path[-1]["round"]  # chosen among the last round's points
    # The whole run is in the history, one epoch after another, and in the loss curve.
    assert path[0]["first_epoch"] == 0
    for before, after in zip(path, path[1:]):
        assert after["first_epoch"] == before["last_epoch"] + 1
    assert path[-1]["last_epoch"] == len(clf.importance_history_) - 1
    assert len(clf.loss_curve_) == len(clf.importance_history_) == clf.n_iter_
    np.testing.assert_allclose(clf.importance_history_.sum(axis=1), 1.0)
    # A later round runs on the survivors and the recovered inputs only: the others have
    # zero weights and zero importance in every one of its epochs.
    last_round = [p for p in path if p["round"] == path[-1]["round"]]
    assert last_round[0]["inputs_alive"] < 60
    epochs = clf.importance_history_[last_round[0]["first_epoch"]:]
    alive = torch.linalg.vector_norm(clf.net_.module_.layers[0].weight, dim=0) > 0
    assert int(alive.sum()) == path[choice]["inputs_alive"]
    # Every point names its inputs as the table's columns (a round's network reads a
    # subset of them, and minimal compares the sets these name).
    assert path[choice]["inputs"] == np.flatnonzero(alive.numpy()).tolist()
    for point in path:
        assert len(point["inputs"]) == point["inputs_alive"]
        assert set(point["inputs"]) <= set(range(X.shape[1]))
    assert (epochs > 0).any(axis=0).sum() <= last_round[0]["inputs_alive"]
    assert (clf.feature_importances_[~alive.numpy()] == 0).all()
    np.testing.assert_array_equal(clf.feature_importances_,
                                  clf.importance_history_[path[choice]["last_epoch"]])
    assert clf.predict(X).shape == y.shape and clf.score(X, y) > 0.85


def test_a_rounds_points_name_the_tables_columns(screened):
    # The same table with its columns reversed: the inputs that matter come last, and a
    # round's network, which reads a subset, numbers them otherwise than the table does.
    X, y, _ = screened
    X = X[:, ::-1]
    clf = LearningGradientClassifier(input_penalty="path", random_state=1).fit(X, y)
    path, choice = clf.path_, clf.path_choice_
    assert path[choice]["round"] >= 1
    alive = torch.linalg.vector_norm(clf.net_.module_.layers[0].weight, dim=0) > 0
    assert path[choice]["inputs"] == np.flatnonzero(alive.numpy()).tolist()
    assert {397, 398} <= set(path[choice]["inputs"])  # x1 and x0
    for point in path:
        assert len(point["inputs"]) == point["inputs_alive"]
        assert set(point["inputs"]) <= set(range(X.shape[1]))


def _ring_among_noise(n_noise, seed):
    """A class carried by a ring, ``0.2 < x0^2 + x1^2 < 0.2 + 2/pi`` (half the square's
    area), its two columns placed last among uniform noise columns: where importances tie
    at 0, a sort puts the noise first."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(1000, n_noise + 2))
    radius = X[:, -2] ** 2 + X[:, -1] ** 2
    return X, ((radius > 0.2) & (radius < 0.2 + 2 / np.pi)).astype(int)


def test_at_a_step_size_of_0_01_the_path_learns_a_ring_among_noise():
    """A ring is learned slowly: the path's points (about 300 steps each) learn it among
    64 noise columns at learning_rate_init=0.01, the rate its docstring names for such
    effects, and keep its two columns only."""
    X, y = _ring_among_noise(64, seed=0)
    clf = LearningGradientClassifier(input_penalty="path", learning_rate_init=0.01,
                                     random_state=0).fit(X, y)
    importances = clf.feature_importances_
    assert set(np.argsort(-importances, kind="stable")[:2]) == {64, 65}
    assert (importances[:64] == 0).all()
    point = clf.path_[clf.path_choice_]
    assert point["gain"] > 3 * point["gain_se"] and clf.below_constant_ is False


def test_the_path_reports_its_progress_with_verbose(capsys):
    X, y = load_breast_cancer(return_X_y=True)
    LearningGradientClassifier(hidden_layer_sizes=(4,), max_iter=5, input_penalty="path",
                               verbose=1, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    points = [line for line in lines if line.startswith("Path point")]
    assert points[0].startswith("Path point 0: strength 0, validation loss")
    assert points[1].startswith("Path point 1: strength 0.001,")
    assert all("inputs alive" in line for line in points)
    LearningGradientClassifier(hidden_layer_sizes=(4,), max_iter=5, input_penalty="path",
                               random_state=0).fit(X, y)
    assert capsys.readouterr().out == ""  # silent by default


@pytest.mark.parametrize("solver, rate", [("adam", 0.001), ("sgd", 0.01)])
def test_the_screening_blocks_train_as_one_stack_as_they_would_alone(monkeypatch, solver,
                                                                      rate):
    """A screening round trains its blocks' paths as stacks of one width: each block's
    path (its points' strengths, validation losses and inputs alive) is the one it trains
    alone, to rounding, and so is the fit."""
    from sklgrad._neural_network import _path, _stacked_screen

    rng = np.random.RandomState(1)
    X = rng.randn(400, 120)
    y = (2 * X[:, 0] + 1.5 * X[:, 1] + 1.2 * X[:, 1] * X[:, 2] > 0).astype(int)
    params = dict(hidden_layer_sizes=(10,), solver=solver, learning_rate_init=rate,
                  max_iter=40, input_penalty="path", random_state=1)
    recorded, rounds = [], []  # each block's path as trained; each round's groups
    block_run = _stacked_screen._BlockRun

    class Recorded(block_run):
        def __init__(self):
            super().__init__()
            recorded.append(self.path)

    run_path = _path.InputPenaltyPath._run_path

    def recording(self, net, data, state, watched=None, label=None):
        path, points = run_path(self, net, data, state, watched, label)
        if watched is not None:
            recorded.append(path)
        return path, points

    screen_groups = _path.InputPenaltyPath._screen_groups
    monkeypatch.setattr(_stacked_screen, "_BlockRun", Recorded)
    monkeypatch.setattr(_path.InputPenaltyPath, "_run_path", recording)
    monkeypatch.setattr(_path.InputPenaltyPath, "_screen_groups", lambda self, *a: (
        rounds.append(screen_groups(self, *a)), rounds[-1])[1])
    stacked = LearningGradientClassifier(**params).fit(X, y)
    assert any(len(group) > 1 for groups in rounds for group in groups)
    # In the order of the blocks, round by round (a stack trains blocks of one width).
    order = [i + sum(len(sum(g, [])) for g in rounds[:r]) for r, groups in enumerate(rounds)
             for group in groups for i in group]
    stacked_paths = [path for _, path in sorted(zip(order, recorded), key=lambda t: t[0])]

    recorded.clear()
    monkeypatch.setattr(_path.InputPenaltyPath, "_screen_groups",
                        lambda self, column_sets, data: [[i] for i in range(len(column_sets))])
    single = LearningGradientClassifier(**params).fit(X, y)
    assert len(stacked_paths) == len(recorded) >= 3
    for mine, theirs in zip(stacked_paths, recorded):
        assert [p["strength"] for p in mine] == [p["strength"] for p in theirs]
        assert [p["inputs_alive"] for p in mine] == [p["inputs_alive"] for p in theirs]
        np.testing.assert_allclose([p["validation_loss"] for p in mine],
                                   [p["validation_loss"] for p in theirs], rtol=1e-4)
    assert [p["inputs"] for p in stacked.path_] == [p["inputs"] for p in single.path_]
    np.testing.assert_allclose(stacked.feature_importances_, single.feature_importances_,
                               atol=1e-6)
