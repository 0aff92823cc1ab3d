"""Scale-out: model search on a local Dask cluster and under loky, one torch thread each."""

import os
import pickle
import subprocess
import sys

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklgrad import LearningGradientClassifier, LearningGradientSelector

distributed = pytest.importorskip("distributed")

SMALL = dict(hidden_layer_sizes=(4,), max_iter=30, learning_rate_init=0.01, random_state=0)


def _fit_and_count_threads(X, y):
    import torch

    LearningGradientClassifier(**SMALL).fit(X, y)
    return torch.get_num_threads()


@pytest.fixture(scope="module")
def dask_client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def cancer():
    return load_breast_cancer(return_X_y=True)


@pytest.mark.slow
def test_grid_search_on_dask_matches_serial(dask_client, cancer):
    X, y = cancer
    grid = {"hidden_layer_sizes": [(2,), (4,)], "learning_rate_init": [0.01, 0.03]}
    serial = GridSearchCV(LearningGradientClassifier(**SMALL), grid, cv=3).fit(X, y)
    with joblib.parallel_config(backend="dask"):
        on_dask = GridSearchCV(LearningGradientClassifier(**SMALL), grid, cv=3,
                               n_jobs=-1).fit(X, y)
    # Seeded fits are deterministic on CPU, wherever they run.
    np.testing.assert_array_equal(serial.cv_results_["mean_test_score"],
                                  on_dask.cv_results_["mean_test_score"])
    assert on_dask.best_estimator_.feature_importances_.shape == (30,)


@pytest.mark.slow
def test_selector_pipeline_cross_validates_on_dask(dask_client, cancer):
    X, y = cancer
    pipe = Pipeline([("scale", StandardScaler()),
                     ("select", LearningGradientSelector(LearningGradientClassifier(**SMALL),
                                                         max_features=10, threshold=-np.inf)),
                     ("model", LearningGradientClassifier(**SMALL))])
    with joblib.parallel_config(backend="dask"):
        scores = cross_validate(pipe, X, y, cv=3, n_jobs=-1, return_estimator=True)
    assert len(scores["estimator"]) == 3 and scores["test_score"].min() > 0.8
    assert scores["estimator"][0]["select"].get_support().sum() == 10


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["loky", "dask"])
def test_workers_train_with_one_torch_thread(dask_client, cancer, backend):
    X, y = cancer
    with joblib.parallel_config(backend=backend, n_jobs=2):
        counts = joblib.Parallel()(joblib.delayed(_fit_and_count_threads)(X, y)
                                   for _ in range(2))
    assert counts == [1, 1]


def test_fitted_model_unpickles_in_a_fresh_process(cancer, tmp_path):
    """What a Dask or loky worker does: the module class must come from the package."""
    X, y = cancer
    clf = LearningGradientClassifier(**SMALL).fit(X, y)
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(clf))
    np.save(tmp_path / "X.npy", X)
    code = ("import pickle, numpy as np;"
            f"clf = pickle.loads(open({str(tmp_path / 'model.pkl')!r}, 'rb').read());"
            f"np.save({str(tmp_path / 'p.npy')!r}, "
            f"clf.predict_proba(np.load({str(tmp_path / 'X.npy')!r})))")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path,
                   env={**os.environ, "OMP_NUM_THREADS": "1"})
    np.testing.assert_array_equal(np.load(tmp_path / "p.npy"), clf.predict_proba(X))


def test_fit_streams_dask_partitions_from_the_workers(dask_client):
    # The data lives on the workers (persisted there); fit computes one partition at a
    # time and trains exactly as on the concatenated rows.
    import dask.array as da
    import dask.dataframe as dd
    import pandas as pd
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=300, n_features=4, random_state=0)
    params = dict(hidden_layer_sizes=(5,), max_iter=3, tol=None, batch_size=32,
                  shuffle=False, random_state=0)
    whole = LearningGradientClassifier(**params).fit(X, y)
    X_dask = dask_client.persist(da.from_array(X, chunks=(70, 2)))  # columns in two blocks
    y_dask = dask_client.persist(da.from_array(y, chunks=70))
    streamed = LearningGradientClassifier(**params).fit(X_dask, y_dask)
    np.testing.assert_allclose(streamed.importance_history_, whole.importance_history_,
                               rtol=1e-10)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"]).assign(target=y)
    table = dd.from_pandas(frame, npartitions=3).persist()
    from_frame = LearningGradientClassifier(**params).fit(table.drop(columns="target"),
                                                         table["target"])
    assert list(from_frame.feature_names_in_) == ["a", "b", "c", "d"]
    np.testing.assert_allclose(from_frame.importance_history_, whole.importance_history_,
                               rtol=1e-10)
