"""importance_table: importances with names, per column of the user's table."""

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sklgrad import (
    LearningGradientClassifier,
    LearningGradientSelector,
    importance_table,
)

NETWORK = dict(hidden_layer_sizes=(4,), max_iter=6, tol=None, random_state=0)


@pytest.fixture(scope="module")
def table():
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"size": rng.randn(120), "colour": rng.choice(["r", "g", "b"], 120),
                      "weight": rng.randn(120), "shape": rng.choice(["o", "x"], 120)})
    y = ((X["size"] > 0) ^ (X["colour"] == "r")).astype(int)
    return X, y


def _pipeline(*steps):
    encode = make_column_transformer((OneHotEncoder(), ["colour", "shape"]),
                                     remainder="passthrough", verbose_feature_names_out=False)
    return make_pipeline(encode, *steps)


def test_one_hot_inputs_are_summed_to_their_column(table):
    X, y = table
    model = _pipeline(LearningGradientClassifier(**NETWORK)).fit(X, y)
    network = model[-1]
    series = importance_table(model)
    assert list(series.index) == ["colour", "shape", "size", "weight"]
    assert series["colour"] == pytest.approx(network.feature_importances_[:3].sum())
    assert series["shape"] == pytest.approx(network.feature_importances_[3:5].sum())
    assert series.sum() == pytest.approx(1.0)
    frame = importance_table(model, history=True)
    assert frame.shape == (6, 4) and frame.index.name == "epoch" and frame.index[0] == 1
    np.testing.assert_allclose(frame.iloc[-1], series)
    per_input = importance_table(model, by_column=False)
    assert list(per_input.index) == list(model[0].get_feature_names_out())


def test_through_scalers_imputers_and_selectors(table):
    X, y = table
    selector = LearningGradientSelector(LearningGradientClassifier(**NETWORK),
                                        max_features=3, threshold=-np.inf)
    model = _pipeline(SimpleImputer(), StandardScaler(), selector,
                      LearningGradientClassifier(**NETWORK)).fit(X, y)
    kept = model[0].get_feature_names_out()[model[3].get_support()]
    series = importance_table(model)  # the last network, on the selector's 3 inputs
    sources = {"colour_b": "colour", "colour_g": "colour", "colour_r": "colour",
               "shape_o": "shape", "shape_x": "shape", "size": "size", "weight": "weight"}
    assert set(series.index) == {sources[name] for name in kept}
    # The selector itself, when it is the last sklgrad step.
    selection = importance_table(model[:4])
    assert selection.sum() == pytest.approx(1.0) and len(selection) == 4


def test_held_out_importance(table):
    X, y = table
    model = _pipeline(LearningGradientClassifier(**NETWORK)).fit(X[:80], y[:80])
    held_out = importance_table(model, X[80:], y[80:])
    gradients = model[-1].learning_gradients(model[0].transform(X[80:]), y[80:]).sum(axis=0)
    expected = gradients / gradients.sum()
    assert held_out["colour"] == pytest.approx(expected[:3].sum())
    with pytest.raises(ValueError, match="needs y"):
        importance_table(model, X[80:])
    with pytest.raises(TypeError, match="needs a fitted sklgrad"):
        importance_table(StandardScaler().fit(X[["size"]]))


def test_selector_keeps_categories_whole_when_asked(table):
    from sklgrad import column_sources
    X, y = table
    encode = _pipeline()[0].fit(X)
    encoded = encode.transform(X)
    groups = column_sources(encode)
    network = LearningGradientClassifier(**NETWORK)
    plain = LearningGradientSelector(network, max_features=2, threshold=-np.inf).fit(
        encoded, y)
    grouped = LearningGradientSelector(network, max_features=2, threshold=-np.inf,
                                       groups=groups).fit(encoded, y)
    labels = np.array(groups)
    for label in set(groups):
        members = grouped.get_support()[labels == label]
        assert members.all() or not members.any()
    # The same inputs as without groups, completed to whole categories.
    assert set(labels[plain.get_support()]) == set(labels[grouped.get_support()])
    with pytest.raises(ValueError, match="groups has 2 labels for 7 inputs"):
        LearningGradientSelector(network, groups=["a", "b"]).fit(encoded, y).get_support()
