"""importance_spread: a fitted network's settings refit over seeds, the ranking's interval."""

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_iris
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from sklgrad import LearningGradientClassifier, importance_spread

SMALL = dict(hidden_layer_sizes=(8,), max_iter=10, tol=None)


def test_the_spread_is_the_networks_shares_with_a_t_interval():
    from scipy import stats

    X, y = load_iris(return_X_y=True, as_frame=True)
    model = LearningGradientClassifier(**SMALL, random_state=0).fit(X, y)
    spread = importance_spread(model, X, y, n_networks=4, random_state=0)
    shares = spread.attrs["shares"]
    assert shares.shape == (4, 4)
    # Each network is the model's settings with its own seed, trained as it would alone.
    seeds = np.random.RandomState(0).randint(np.iinfo(np.int32).max, size=4)
    alone = LearningGradientClassifier(**SMALL, random_state=int(seeds[2])).fit(X, y)
    np.testing.assert_allclose(shares.iloc[2], alone.feature_importances_, atol=1e-6)
    mean = shares.mean(axis=0)
    np.testing.assert_allclose(spread["mean"], mean[spread.index])
    half = stats.t.ppf(0.975, 3) * shares.std(axis=0, ddof=1) / 2
    np.testing.assert_allclose(spread["high"] - spread["mean"], half[spread.index])
    assert spread["mean"].is_monotonic_decreasing
    told_apart = spread["low"].to_numpy()[:-1] > spread["high"].to_numpy()[1:]
    np.testing.assert_array_equal(spread["distinct"].to_numpy()[:-1], told_apart)


def test_a_pipeline_is_spread_per_table_column_and_one_network_has_no_interval():
    X, y = load_iris(return_X_y=True, as_frame=True)
    X = X.assign(colour=np.where(np.arange(150) % 2, "red", "blue"))
    model = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["colour"]), remainder="passthrough",
                                verbose_feature_names_out=False),
        LearningGradientClassifier(**SMALL, random_state=0)).fit(X, y)
    spread = importance_spread(model, X, y, n_networks=2, random_state=0)
    assert set(spread.index) == set(X.columns)
    np.testing.assert_allclose(spread["mean"].sum(), 1.0)
    single = importance_spread(model, X, y, n_networks=1, random_state=0)
    assert single["std"].isna().all() and not single["distinct"].any()


def test_bad_inputs_are_refused():
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    with pytest.raises(TypeError, match="LearningGradientClassifier"):
        importance_spread(LogisticRegression(max_iter=1000).fit(X, y), X, y)
    model = LearningGradientClassifier(**SMALL, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="n_networks"):
        importance_spread(model, X, y, n_networks=0)


def test_a_selectors_table_spreads_its_networks_and_one_network_says_it_is_one_draw():
    # A selector trains several networks: importance_table gives their spread per column,
    # as importance_spread does for refits; an estimator's one network is marked one draw.
    from sklearn.datasets import load_wine

    from sklgrad import LearningGradientSelector, importance_table

    X, y = load_wine(return_X_y=True, as_frame=True)
    selector = LearningGradientSelector(threshold="all-relevant", random_state=0).fit(X, y)
    spread = importance_table(selector, spread=True)
    assert list(spread.columns) == ["mean", "std", "low", "high", "distinct"]
    assert set(spread.index) == set(X.columns)
    assert spread["mean"].is_monotonic_decreasing
    shares = selector.importances_ / selector.importances_.sum(axis=1, keepdims=True)
    expected = pd.Series(shares.mean(axis=0), index=X.columns)
    np.testing.assert_allclose(spread["mean"], expected[spread.index])
    assert (spread["low"] <= spread["mean"]).all() and (spread["mean"] <= spread["high"]).all()
    assert spread["distinct"].any() and not spread["distinct"].iloc[-1]
    assert importance_table(selector).attrs["networks"] == len(selector.importances_)
    network = LearningGradientClassifier(max_iter=5, random_state=0).fit(X, y)
    assert importance_table(network).attrs["networks"] == 1
    with pytest.raises(ValueError, match="one draw: importance_spread"):
        importance_table(network, spread=True)
