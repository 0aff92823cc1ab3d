import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

# Small networks train fastest on one thread: two threads on two busy cores contend.
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def cancer_frame():
    """Breast cancer as a DataFrame with plain str column names (numpy.str_ names lose
    feature_names_in_ in scikit-learn 1.9)."""
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X.columns = [str(c) for c in X.columns]
    return X, y
