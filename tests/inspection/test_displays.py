"""The Displays: artists hold the right data; errors are clear."""

import importlib.util
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklgrad import (
    EpochImportanceDisplay,
    ImageImportanceDisplay,
    ImportanceHistoryDisplay,
    ImportanceRankingDisplay,
    LearningGradientClassifier,
    LearningGradientSelector,
)


@pytest.fixture(scope="module")
def fitted():
    X, y = load_iris(return_X_y=True, as_frame=True)
    X.columns = [str(c) for c in X.columns]
    clf = LearningGradientClassifier(hidden_layer_sizes=(8,), max_iter=7, tol=None,
                                     random_state=0).fit(X, y)
    return clf, X, y


def test_history_lines_hold_the_history_columns(fitted):
    clf, X, _ = fitted
    display = ImportanceHistoryDisplay.from_estimator(clf, top_k=2)
    order = np.argsort(-clf.feature_importances_, kind="mergesort")
    assert len(display.lines_) == 3
    for line, index in zip(display.lines_, order[:2]):
        np.testing.assert_array_equal(line.get_ydata(), clf.importance_history_[:, index])
        assert line.get_label() == X.columns[index]
    np.testing.assert_allclose(display.lines_[-1].get_ydata(),
                               clf.importance_history_[:, order[2:]].mean(axis=1))
    assert display.band_ is not None
    np.testing.assert_array_equal(display.lines_[0].get_xdata(), np.arange(1, 8))
    assert display.figure_ is display.ax_.figure


def test_history_heatmap_array_is_the_history(fitted):
    clf, X, _ = fitted
    _, ax = plt.subplots()
    display = ImportanceHistoryDisplay.from_estimator(clf, kind="heatmap", top_k=None, ax=ax)
    assert display.ax_ is ax
    order = np.argsort(-clf.feature_importances_, kind="mergesort")
    np.testing.assert_array_equal(display.image_.get_array(), clf.importance_history_[:, order].T)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == list(X.columns[order])


def test_ranking_bars_equal_the_importances(fitted):
    clf, X, _ = fitted
    display = ImportanceRankingDisplay.from_estimator(clf, top_k=3)
    order = np.argsort(-clf.feature_importances_, kind="mergesort")[:3]
    np.testing.assert_allclose([b.get_width() for b in display.bars_],
                               clf.feature_importances_[order])
    assert [t.get_text() for t in display.ax_.get_yticklabels()] == list(X.columns[order])
    assert display.threshold_line_ is None


def test_ranking_from_a_selector_has_error_bars_and_threshold(fitted):
    _, X, y = fitted
    selector = LearningGradientSelector(
        LearningGradientClassifier(hidden_layer_sizes=(8,), max_iter=5), n_repeats=3,
        threshold="median", random_state=0).fit(X, y)
    display = ImportanceRankingDisplay.from_estimator(selector)
    np.testing.assert_allclose(sorted((b.get_width() for b in display.bars_), reverse=True),
                               np.sort(selector.importances_mean_)[::-1])
    assert display.bars_.errorbar is not None
    assert display.threshold_line_.get_xdata()[0] == pytest.approx(selector.threshold_)


def test_from_estimator_reads_a_pipeline_and_its_feature_names(fitted):
    _, X, y = fitted
    pipe = make_pipeline(StandardScaler(),
                         LearningGradientClassifier(hidden_layer_sizes=(8,), max_iter=5,
                                                    random_state=0)).fit(X, y)
    display = ImportanceHistoryDisplay.from_estimator(pipe, top_k=None)
    assert {line.get_label() for line in display.lines_} == set(X.columns)


def test_epoch_display_is_the_papers_figure(fitted):
    clf, X, _ = fitted
    display = EpochImportanceDisplay.from_estimator(clf)
    assert display.epochs_ == [1, 3, 5, 7]
    order = np.argsort(-clf.feature_importances_, kind="mergesort")
    for bars, epoch in zip(display.bars_, display.epochs_):
        np.testing.assert_allclose([b.get_width() for b in bars],
                                   clf.importance_history_[epoch - 1, order])
    assert sum(ax.get_visible() for ax in display.axes_) == 4
    chosen = EpochImportanceDisplay.from_estimator(clf, epochs=[2, 7], top_k=2)
    assert chosen.epochs_ == [2, 7] and len(chosen.bars_[0]) == 2


def test_displays_from_arrays_and_errors():
    history = np.random.RandomState(0).dirichlet(np.ones(5), size=4)
    names = list("abcde")
    display = ImportanceHistoryDisplay.from_history(history, feature_names=names, top_k=None)
    assert len(display.lines_) == 5
    with pytest.raises(ValueError, match="feature_names has 2 entries for 5"):
        ImportanceHistoryDisplay.from_history(history, feature_names=["a", "b"])
    with pytest.raises(ValueError, match="2-D array"):
        ImportanceHistoryDisplay.from_history(history[0])
    with pytest.raises(ValueError, match="kind must be"):
        ImportanceHistoryDisplay.from_history(history, kind="pie")
    with pytest.raises(ValueError, match="epochs must be between 1 and 4"):
        EpochImportanceDisplay.from_history(history, epochs=[0, 9])
    with pytest.raises(ValueError, match="importances_std has shape"):
        ImportanceRankingDisplay.from_importances(history[0], importances_std=[1.0])


def test_unfitted_and_foreign_estimators_are_refused():
    with pytest.raises(NotFittedError):
        ImportanceHistoryDisplay.from_estimator(LearningGradientClassifier())
    with pytest.raises(TypeError, match="Expected a LearningGradientClassifier"):
        ImportanceRankingDisplay.from_estimator(StandardScaler())
    with pytest.raises(ValueError, match="no sklgrad estimator"):
        EpochImportanceDisplay.from_estimator(make_pipeline(StandardScaler()))


def test_image_display_shapes_and_errors():
    maps = np.random.RandomState(0).dirichlet(np.ones(64), size=(5, 3)).reshape(5, 3, 8, 8)
    display = ImageImportanceDisplay(maps, class_labels=["a", "b", "c"]).plot(epochs=[1, 5])
    assert display.images_.shape == (3, 2)
    np.testing.assert_array_equal(display.images_[2, 1].get_array(), maps[4, 2])
    with pytest.raises(ValueError, match="maps must have shape"):
        ImageImportanceDisplay(np.ones(3)).plot()
    with pytest.raises(ValueError, match="class_labels has 2 entries"):
        ImageImportanceDisplay(maps, class_labels=["a", "b"]).plot()


def _load_example():
    path = Path(__file__).resolve().parents[2] / "docs" / "examples" / "digits_cnn.py"
    spec = importlib.util.spec_from_file_location("digits_cnn", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_digits_example_at_small_scale(tmp_path):
    result = _load_example().run(epochs=2, channels=4, out_dir=tmp_path)
    assert result["maps"].shape == (2, 8, 8)
    np.testing.assert_allclose(result["maps"].sum(axis=(1, 2)), 1.0)
    assert result["maps_by_class"].shape == (2, 10, 8, 8)
    np.testing.assert_allclose(result["maps_by_class"].sum(axis=(2, 3)), 1.0)
    assert (tmp_path / "digits_maps.png").stat().st_size > 0
    assert (tmp_path / "digits_maps_by_class.png").stat().st_size > 0
    display = ImageImportanceDisplay.from_net(result["net"], (8, 8), by_class=True)
    assert display.images_.shape[0] == 10


@pytest.mark.slow
def test_digits_example_full_setting_reaches_90_percent():
    assert _load_example().run()["accuracy"] >= 0.90


def test_selector_ranking_shows_what_is_kept_and_the_threshold_in_force():
    from matplotlib.colors import to_rgba
    from sklearn.datasets import load_breast_cancer

    from sklgrad import LearningGradientClassifier, LearningGradientSelector
    X, y = load_breast_cancer(return_X_y=True)
    network = LearningGradientClassifier(hidden_layer_sizes=(4,), max_iter=10,
                                         random_state=0)
    # max_features keeps 4 although more bars are above the mean threshold.
    selector = LearningGradientSelector(network, max_features=4, threshold="mean",
                                        n_repeats=2, random_state=0).fit(X, y)
    display = ImportanceRankingDisplay.from_estimator(selector, top_k=12)
    kept = [bar.get_facecolor() == to_rgba("tab:blue") for bar in display.bars_]
    assert sum(kept) == 4 and kept == list(display.kept_)
    assert display.ax_.get_title().endswith("(top 12 of 30)")
    assert display.threshold_line_.get_xdata()[0] == pytest.approx(selector.threshold_)
    labels = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert labels[0] == "kept (4 of 30)" and labels[1] == "dropped"
    # The shadow rule: the line is the largest shadow importance.
    shadow = LearningGradientSelector(network, threshold="shadow", random_state=0).fit(X, y)
    display = ImportanceRankingDisplay.from_estimator(shadow, top_k=None)
    assert display.threshold_line_.get_xdata()[0] == pytest.approx(
        shadow.shadow_importances_.mean(axis=0).max())
    assert "largest shadow" in display.threshold_line_.get_label()
    assert sum(display.kept_) == shadow.get_support().sum()


def test_the_per_epoch_figure_stays_readable_for_long_trainings():
    history = np.random.RandomState(0).dirichlet(np.ones(5), size=300)
    display = EpochImportanceDisplay.from_history(history)
    assert len(display.epochs_) == 12
    assert display.epochs_[0] == 1 and display.epochs_[-1] == 300
    short = EpochImportanceDisplay.from_history(history[:40])
    assert short.epochs_ == list(range(1, 41, 2))


def test_a_grouped_selector_is_drawn_per_group_as_it_selects():
    import numpy as np
    import pandas as pd

    from sklgrad import (
        ImportanceRankingDisplay,
        LearningGradientClassifier,
        LearningGradientSelector,
    )

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.standard_normal((200, 4)), columns=["a1", "a2", "b", "c"])
    y = (X["a1"] + X["b"] > 0).astype(int)
    selector = LearningGradientSelector(
        LearningGradientClassifier(hidden_layer_sizes=(4,), max_iter=5, tol=None,
                                   random_state=0),
        groups=["a", "a", "b", "c"], max_features=2, threshold=-np.inf).fit(X, y)
    display = ImportanceRankingDisplay.from_estimator(selector)
    assert sorted(display.feature_names) == ["a", "b", "c"]
    assert display.kept_.sum() == 2


def test_the_selection_display_draws_each_inputs_networks_beside_the_shadows():
    from sklearn.datasets import load_wine

    from sklgrad import LearningGradientSelector, SelectionDisplay

    X, y = load_wine(return_X_y=True, as_frame=True)
    selector = LearningGradientSelector(threshold="all-relevant", n_repeats=3,
                                        random_state=0).fit(X, y)
    display = SelectionDisplay.from_selector(selector, top_k=5)
    assert display.labels_[:3] == ["shadow min", "shadow mean", "shadow max"]
    shown = display.labels_[3:]
    medians = np.median(selector.importances_, axis=0)
    top = np.argsort(medians, kind="mergesort")[-5:]
    assert shown == [X.columns[i] for i in top]
    np.testing.assert_array_equal(display.kept_, selector.get_support()[top])
    # One box per input, drawn from the three networks' shares.
    assert len(display.ax_.patches) == 8
    with pytest.raises(TypeError, match="LearningGradientSelector"):
        SelectionDisplay.from_selector(LearningGradientClassifier())


def test_a_grouped_selectors_threshold_is_drawn_on_the_scale_of_its_groups():
    import pandas as pd

    from sklgrad import (
        ImportanceRankingDisplay,
        LearningGradientClassifier,
        LearningGradientSelector,
    )

    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.standard_normal((200, 6)),
                     columns=["a1", "a2", "a3", "a4", "b", "c"])
    y = (X["b"] + 0.5 * X["c"] > 0).astype(int)
    selector = LearningGradientSelector(
        LearningGradientClassifier(hidden_layer_sizes=(4,), max_iter=20, tol=None,
                                   random_state=0),
        groups=["a", "a", "a", "a", "b", "c"], threshold="mean").fit(X, y)
    display = ImportanceRankingDisplay.from_estimator(selector)
    widths = np.array([bar.get_width() for bar in display.bars_])
    line = display.threshold_line_.get_xdata()[0]
    # The mean of the three groups' means, not of the six inputs' shares.
    assert line == pytest.approx(widths.mean())
    assert (widths[display.kept_] >= line).all() and (widths[~display.kept_] < line).all()


def test_a_ranking_over_networks_shows_its_intervals_what_it_tells_apart_and_reliance():
    import pandas as pd
    from sklearn.datasets import load_wine

    from sklgrad import (
        ImportanceRankingDisplay,
        LearningGradientClassifier,
        importance_spread,
        importance_table,
    )

    X, y = load_wine(return_X_y=True, as_frame=True)
    clf = LearningGradientClassifier(max_iter=30, random_state=0).fit(X, y)
    spread = importance_spread(clf, X, y, n_networks=4, random_state=0)
    reliance = importance_table(clf, X, y, reliance=True, random_state=0)
    display = ImportanceRankingDisplay.from_spread(spread, reliance=reliance, top_k=8)
    assert [t.get_text() for t in display.ax_.get_yticklabels()] == list(spread.index[:8])
    assert len(display.separators_) == int(spread["distinct"].iloc[:7].sum())
    assert "over 4 networks" in display.ax_.get_title()
    drawn = [bar.get_width() for bar in display.reliance_ax_.patches]
    np.testing.assert_allclose(drawn, reliance.loc[spread.index[:8], "reliance"])
    one = importance_spread(clf, X, y, n_networks=1, random_state=0)
    single = ImportanceRankingDisplay.from_spread(one)
    assert "one draw" in single.ax_.get_title() and single.reliance_ax_ is None
    with pytest.raises(ValueError, match="reliance has no row"):
        ImportanceRankingDisplay.from_spread(spread, reliance=pd.DataFrame(
            {"reliance": [0.0], "reliance_std": [0.0]}, index=["nope"]))
    plt.close("all")
