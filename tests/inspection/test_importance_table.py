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
    column_sources,
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


def _column_means(shares):
    """Each column's mean share of its inputs (colour: 3, shape: 2, size, weight),
    renormalized."""
    means = np.array([shares[:3].mean(), shares[3:5].mean(), shares[5], shares[6]])
    return means / means.sum()


def test_one_hot_inputs_give_their_column_their_mean_share(table):
    X, y = table
    model = _pipeline(LearningGradientClassifier(**NETWORK)).fit(X, y)
    network = model[-1]
    series = importance_table(model)
    assert list(series.index) == ["colour", "shape", "size", "weight"]
    np.testing.assert_allclose(series, _column_means(network.feature_importances_))
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
    np.testing.assert_allclose(held_out, _column_means(gradients / gradients.sum()))
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


def _categorical_table(seed=0, n=600):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"informative": rng.standard_normal(n), "noise": rng.standard_normal(n),
                      "cat12_noise": rng.choice([f"m{i}" for i in range(12)], n),
                      "cat3_informative": rng.choice(["a", "b", "c"], n)})
    logit = 1.5 * X["informative"] + X["cat3_informative"].map({"a": -1.5, "b": 0, "c": 1.5})
    return X, (logit + rng.logistic(size=n) > 0).astype(int)


def _encoded_model(seed):
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder

    return make_pipeline(
        ColumnTransformer([("text", OneHotEncoder(sparse_output=False),
                            ["cat12_noise", "cat3_informative"])],
                          remainder="passthrough", verbose_feature_names_out=False),
        LearningGradientClassifier(hidden_layer_sizes=(16,), max_iter=100, random_state=seed))


@pytest.mark.parametrize("seed", [0, 1])
def test_a_many_level_uninformative_category_cannot_win_by_its_number_of_levels(seed):
    # Summed, the 12 one-hot inputs of a noise category would top the ranking; per
    # column, each column gets the mean share of its inputs.
    X, y = _categorical_table(seed)
    model = _encoded_model(seed).fit(X, y)
    shares = importance_table(model)
    assert shares["cat12_noise"] < shares["informative"]
    assert shares["cat3_informative"] > shares["noise"]
    assert shares["cat12_noise"] < shares["cat3_informative"]
    np.testing.assert_allclose(shares.sum(), 1.0)
    summed = importance_table(model, by_column=False).groupby(
        lambda name: name.split("_m")[0] if name.startswith("cat12") else name).sum()
    assert summed["cat12_noise"] > shares["cat12_noise"]


def test_the_selector_selects_whole_columns_on_their_mean_importance():
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder

    X, y = _categorical_table(0)
    encode = ColumnTransformer([("text", OneHotEncoder(sparse_output=False),
                                 ["cat12_noise", "cat3_informative"])],
                               remainder="passthrough", verbose_feature_names_out=False)
    groups = column_sources(encode.fit(X))
    selector = LearningGradientSelector(
        LearningGradientClassifier(hidden_layer_sizes=(16,), max_iter=100, random_state=0),
        groups=groups, max_features=2, threshold=-np.inf)
    model = make_pipeline(encode, selector).fit(X, y)
    kept = set(np.asarray(groups, dtype=object)[model[-1].get_support()])
    assert kept == {"informative", "cat3_informative"}


def test_correlated_groups_report_importance_per_cluster():
    from sklearn.datasets import load_breast_cancer

    from sklgrad import correlated_groups

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X.columns = [str(c) for c in X.columns]
    labels = correlated_groups(X, threshold=0.9)
    assert labels[list(X.columns).index("mean radius")] == labels[
        list(X.columns).index("mean perimeter")]
    assert 5 < len(set(labels)) < 30
    model = LearningGradientClassifier(hidden_layer_sizes=(8,), max_iter=20, tol=None,
                                       random_state=0).fit(X, y)
    per_cluster = importance_table(model, groups=labels)
    assert len(per_cluster) == len(set(labels))
    np.testing.assert_allclose(per_cluster.sum(), 1.0)
    per_column = importance_table(model)
    size = labels[list(X.columns).index("mean radius")]
    means = {name: per_column[labels == name].mean() for name in set(labels)}
    np.testing.assert_allclose(per_cluster[size], means[size] / sum(means.values()))


def test_reliance_is_the_held_out_drop_beside_the_learning_share():
    from sklearn.inspection import permutation_importance

    rng = np.random.RandomState(0)
    X = pd.DataFrame({"signal": rng.randn(600), "noise": rng.randn(600),
                      "weak": rng.randn(600)})
    y = (X["signal"] + 0.3 * X["weak"] > 0).astype(int)
    train, test = slice(0, 400), slice(400, None)
    model = LearningGradientClassifier(hidden_layer_sizes=(8,), max_iter=30,
                                       random_state=0).fit(X[train], y[train])
    table = importance_table(model, X[test], y[test], reliance=True, random_state=0)
    assert list(table.columns) == ["importance", "reliance", "reliance_std", "note"]
    assert list(table.index) == ["signal", "noise", "weak"]
    np.testing.assert_allclose(table["importance"],
                               importance_table(model, X[test], y[test]))
    drops = permutation_importance(model, X[test], y[test], n_repeats=5, random_state=0)
    np.testing.assert_allclose(table["reliance"], drops.importances_mean)
    assert table["reliance"].idxmax() == "signal" and table.loc["signal", "note"] == ""
    with pytest.raises(ValueError, match="held-out X and y"):
        importance_table(model, reliance=True)


def test_reliance_notes_name_strong_disagreements_only():
    from sklgrad._inspection._importance_table import reliance_notes

    shares = np.array([0.5, 0.3, 0.02, 0.18])
    drops = np.array([0.001, 0.2, 0.15, 0.05])
    stds = np.array([0.01, 0.01, 0.01, 0.01])
    assert list(reliance_notes(shares, drops, stds)) == [
        "learned from, not relied on", "", "relied on, little learned from", ""]
