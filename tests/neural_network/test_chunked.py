"""Data larger than memory: an epoch is one pass over chunks."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.preprocessing import StandardScaler

from sklgrad import ChunkedData, LearningGradientClassifier, LearningGradientRegressor

NETWORK = dict(hidden_layer_sizes=(6,), max_iter=4, tol=None, batch_size=32, shuffle=False,
               random_state=0)


def _split(X, y, sizes):
    edges = np.cumsum([0, *sizes])
    return [(X[a:b], y[a:b]) for a, b in zip(edges[:-1], edges[1:])]


@pytest.mark.parametrize("sizes", [[100, 100, 100], [7, 250, 43], [300]])
@pytest.mark.parametrize("kind", ["classification", "regression"])
def test_a_streamed_fit_equals_the_fit_on_the_concatenated_rows(sizes, kind):
    if kind == "classification":
        X, y = make_classification(n_samples=300, n_features=5, n_classes=3,
                                   n_informative=3, random_state=0)
        cls = LearningGradientClassifier
    else:
        X, y = make_regression(n_samples=300, n_features=5, random_state=0)
        cls = LearningGradientRegressor
    whole = cls(**NETWORK).fit(X, y)
    streamed = cls(**NETWORK).fit(ChunkedData.from_chunks(_split(X, y, sizes)))
    np.testing.assert_allclose(streamed.importance_history_, whole.importance_history_,
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(streamed.loss_curve_, whole.loss_curve_, rtol=1e-10)
    for a, b in zip(streamed.net_.module_.parameters(), whole.net_.module_.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-9,
                                   atol=1e-12)
    np.testing.assert_allclose(streamed.predict(X), whole.predict(X), rtol=1e-9, atol=1e-9)
    assert streamed.t_ == whole.t_ == 4 * 300


def test_one_history_row_per_pass_and_the_scaler_merged_across_chunks():
    X, y = make_classification(n_samples=500, n_features=4, random_state=1)
    X = X * [1, 10, 100, 1000] + [0, 5, -50, 3]
    data = ChunkedData.from_chunks(_split(X, y, [123, 77, 200, 100]))
    clf = LearningGradientClassifier(**{**NETWORK, "shuffle": True, "max_iter": 5}).fit(data)
    assert clf.importance_history_.shape == (5, 4) and clf.n_iter_ == 5
    np.testing.assert_allclose(clf.importance_history_.sum(axis=1), 1.0)
    whole = StandardScaler().fit(X)
    np.testing.assert_allclose(clf.scaler_.mean_, whole.mean_, rtol=1e-12)
    np.testing.assert_allclose(clf.scaler_.var_, whole.var_, rtol=1e-12)
    # Shuffled: the same seed gives the same fit, another seed another order.
    again = LearningGradientClassifier(**{**NETWORK, "shuffle": True, "max_iter": 5}).fit(data)
    np.testing.assert_array_equal(again.importance_history_, clf.importance_history_)


def test_dataframe_chunks_keep_their_names_and_early_stopping_scores_validation_chunks():
    X, y = make_classification(n_samples=400, n_features=4, random_state=2)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    labels = np.array(["no", "yes"])[y]
    train = ChunkedData.from_chunks(_split(frame[:300], labels[:300], [150, 150]),
                                    validation=ChunkedData.from_chunks(
                                        [(frame[300:], labels[300:])]))
    clf = LearningGradientClassifier(hidden_layer_sizes=(6,), early_stopping=True,
                                     max_iter=30, n_iter_no_change=3, learning_rate_init=0.01,
                                     random_state=0).fit(train)
    assert list(clf.feature_names_in_) == ["a", "b", "c", "d"]
    assert list(clf.classes_) == ["no", "yes"] and len(clf.validation_scores_) == clf.n_iter_
    # The network holds the weights of its best score on the validation chunks.
    assert clf.score(frame[300:], labels[300:]) == clf.best_validation_score_ > 0.7
    with pytest.raises(ValueError, match="validation=ChunkedData"):
        LearningGradientClassifier(early_stopping=True).fit(ChunkedData.from_chunks(
            _split(X, y, [200, 200])))


@pytest.mark.parametrize("bad, message", [
    (lambda X, y: (X[:, :3], y), r"chunk 1 has columns 3 where chunk 0 has 4"),
    (lambda X, y: (X.astype(np.float32), y), "chunk 1 has inputs of type float32 where "
                                               "chunk 0 has float64"),
    (lambda X, y: (X[:0], y[:0]), "chunk 1 is empty"),
    (lambda X, y: (np.where(np.arange(4) == 2, np.nan, X), y),
     "chunk 1 has missing or infinite values in column 2"),
    (lambda X, y: (X, y[:-1]), "chunk 1 has 100 rows of inputs and 99 targets"),
])
def test_bad_chunks_are_refused_naming_the_chunk(bad, message):
    X, y = make_classification(n_samples=300, n_features=4, random_state=0)
    chunks = _split(X, y, [100, 100, 100])
    chunks[1] = bad(*chunks[1])
    with pytest.raises(ValueError, match=message):
        LearningGradientClassifier(**NETWORK).fit(ChunkedData.from_chunks(chunks))


def test_an_interrupted_streamed_fit_leaves_the_previous_state():
    X, y = make_classification(n_samples=300, n_features=4, random_state=0)
    chunks = _split(X, y, [100, 100, 100])
    clf = LearningGradientClassifier(**NETWORK).fit(X, y)
    before = clf.importance_history_.copy(), clf.predict_proba(X)
    reads = []

    def read(i):
        reads.append(i)
        if len(reads) == 8:  # in the second pass of training
            raise KeyboardInterrupt
        return chunks[i]

    with pytest.raises(KeyboardInterrupt):
        clf.fit(ChunkedData(read, 3))
    np.testing.assert_array_equal(clf.importance_history_, before[0])
    np.testing.assert_array_equal(clf.predict_proba(X), before[1])
    fresh = LearningGradientClassifier(**NETWORK)
    with pytest.raises(KeyboardInterrupt):
        reads.clear()
        fresh.fit(ChunkedData(read, 3))
    assert not hasattr(fresh, "feature_importances_")


def test_parquet_and_csv_folders_are_read_a_piece_at_a_time(tmp_path):
    pytest.importorskip("pyarrow")
    X, y = make_regression(n_samples=240, n_features=3, random_state=0)
    frame = pd.DataFrame(X, columns=["x0", "x1", "x2"]).assign(target=y)
    (tmp_path / "pq").mkdir()
    (tmp_path / "csv").mkdir()
    for part in range(3):
        rows = frame[part * 80:(part + 1) * 80]
        rows.to_parquet(tmp_path / "pq" / f"part{part}.parquet", row_group_size=40)
        rows.to_csv(tmp_path / "csv" / f"part{part}.csv", index=False)
    whole = LearningGradientRegressor(**NETWORK).fit(frame[["x0", "x1", "x2"]], y)
    parquet = ChunkedData.from_parquet(tmp_path / "pq", target="target")
    csv = ChunkedData.from_csv(tmp_path / "csv", target="target")
    assert parquet.n_chunks == 6 and csv.n_chunks == 3
    for data in (parquet, csv):
        streamed = LearningGradientRegressor(**NETWORK).fit(data)
        assert list(streamed.feature_names_in_) == ["x0", "x1", "x2"]
        np.testing.assert_allclose(streamed.importance_history_, whole.importance_history_,
                                   rtol=1e-8)
    with pytest.raises(ValueError, match="target column 'nope' is not in"):
        ChunkedData.from_parquet(tmp_path / "pq", target="nope")


def test_partial_fit_reports_missing_classes_helpfully():
    with pytest.raises(ValueError, match="pass classes="):
        LearningGradientClassifier().partial_fit(np.zeros((4, 2)), [1, 1, 1, 1])


def test_sklgrad_fit_streams_a_parquet_folder_and_its_model_predicts(tmp_path):
    pytest.importorskip("pyarrow")
    import json
    import os
    import subprocess
    import sys

    X, y = make_classification(n_samples=400, n_features=4, random_state=0)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"]).assign(label=y)
    folder = tmp_path / "data"
    folder.mkdir()
    for part in range(4):
        frame[part * 100:(part + 1) * 100].to_parquet(folder / f"part{part}.parquet")
    frame.drop(columns="label").to_csv(tmp_path / "new.csv", index=False)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    run = [sys.executable, "-m", "sklgrad"]
    result = subprocess.run([*run, "fit", folder, "--target", "label", "--epochs", "5",
                             "--hidden", "4", "--quiet", "--out", tmp_path / "fit"],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert "1 held-out chunk(s) of 4; trained streaming" in result.stdout
    summary = json.loads((tmp_path / "fit" / "summary.json").read_text())
    assert summary["streamed"] == {"chunks": 4, "held_out_chunks": 1}
    history = pd.read_csv(tmp_path / "fit" / "importance_history.csv")
    assert len(history) == 5  # one row per pass
    predicted = subprocess.run([*run, "predict", tmp_path / "fit" / "model.skops",
                                tmp_path / "new.csv"], capture_output=True, text=True, env=env)
    assert predicted.returncode == 0, predicted.stderr
    assert len(predicted.stdout.strip().splitlines()) == 401
