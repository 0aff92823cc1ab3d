"""GPU training (skipped without CUDA). benchmarks/gpu_check.py runs the same on a GPU box."""

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
                   env={"CUDA_VISIBLE_DEVICES": "", "PATH": "/usr/bin:/bin"})
    np.testing.assert_allclose(np.load(tmp_path / "cpu.npy"), expected, rtol=1e-6, atol=1e-9)
