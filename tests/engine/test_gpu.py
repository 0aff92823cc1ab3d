"""GPU training (skipped without CUDA). benchmarks/gpu_check.py runs the same on a GPU box."""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from sklearn.datasets import load_breast_cancer

from sklgrad import LearningGradientClassifier

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")


@cuda
def test_cuda_fit_gives_numpy_attributes_and_loads_on_cpu(tmp_path):
    X, y = load_breast_cancer(return_X_y=True)
    clf = LearningGradientClassifier(hidden_layer_sizes=(8,), max_iter=5, device="cuda",
                                     random_state=0).fit(X, y)
    assert next(clf.net_.module_.parameters()).is_cuda
    for name in ("feature_importances_", "importance_history_", "gradient_magnitude_history_"):
        assert isinstance(getattr(clf, name), np.ndarray)
    np.testing.assert_allclose(clf.importance_history_.sum(axis=1), 1.0)
    expected = clf.predict_proba(X)
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(clf))
    np.save(tmp_path / "X.npy", X)
    # A process that sees no GPU loads the model and predicts the same.
    code = (
        "import pickle, warnings, numpy as np; warnings.simplefilter('ignore');"
        f"clf = pickle.load(open({str(tmp_path / 'model.pkl')!r}, 'rb'));"
        f"np.save({str(tmp_path / 'cpu.npy')!r}, clf.predict_proba(np.load("
        f"{str(tmp_path / 'X.npy')!r})))"
    )
    subprocess.run([sys.executable, "-c", code], check=True,
                   env={"CUDA_VISIBLE_DEVICES": "", "PATH": "/usr/bin:/bin",
                        "PYTHONPATH": os.environ.get("PYTHONPATH", "")})
    np.testing.assert_allclose(np.load(tmp_path / "cpu.npy"), expected, rtol=1e-6, atol=1e-9)


@cuda
def test_cuda_hand_written_step_equals_autograd():
    from sklgrad._engine.settings import engine_options

    X, y = load_breast_cancer(return_X_y=True)
    weights = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    params = dict(hidden_layer_sizes=(8, 4), max_iter=4, tol=None, alpha=0.01, batch_size=64,
                  device="cuda", random_state=0)
    fitted = []
    for step in ("auto", "autograd"):
        with engine_options(step=step):
            fitted.append(LearningGradientClassifier(**params).fit(X, y, sample_weight=weights))
        assert fitted[-1].net_.step_kind() == ("torch" if step == "auto" else "autograd")
    np.testing.assert_allclose(fitted[0].importance_history_, fitted[1].importance_history_,
                               atol=1e-4)
    np.testing.assert_allclose(fitted[0].predict_proba(X), fitted[1].predict_proba(X),
                               atol=1e-4)


@cuda
def test_cuda_stacked_networks_equal_their_separate_fits():
    from sklearn.base import clone

    from sklgrad._neural_network._fit_many import fit_many

    X, y = load_breast_cancer(return_X_y=True)
    base = LearningGradientClassifier(hidden_layer_sizes=(8,), max_iter=30,
                                      early_stopping=True, n_iter_no_change=3,
                                      device="cuda")
    stacked, was_stacked = fit_many([clone(base).set_params(random_state=s) for s in range(4)],
                                    [X] * 4, y)
    assert was_stacked
    for seed, mine in enumerate(stacked):
        alone = clone(base).set_params(random_state=seed).fit(X, y)
        assert mine.n_iter_ == alone.n_iter_
        np.testing.assert_allclose(mine.importance_history_, alone.importance_history_,
                                   atol=1e-4)
        assert next(mine.net_.module_.parameters()).is_cuda
