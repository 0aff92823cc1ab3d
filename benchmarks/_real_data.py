"""Semi-synthetic selection data: real data sets with noise columns that are real columns of
the same set with their rows permuted (real marginals, no relation to the target)."""

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine

# name: (loader, n_noise, task)
SETS = {
    "breast cancer": ("breast", 270, "classification"),
    "diabetes": ("diabetes", 190, "regression"),
    "wine": ("wine", 117, "classification"),
    "penguins": ("penguins", 100, "classification"),
    "digits": ("digits", 61, "classification"),
}


def _penguins():
    from palmerpenguins import load_penguins

    frame = load_penguins().dropna()
    y = frame.pop("species").to_numpy()
    frame = pd.get_dummies(frame, columns=["island", "sex"], dtype=float)
    return frame.to_numpy(dtype=float), y


def real_set(name):
    """The real columns and target of one set (digits without its constant pixels)."""
    kind = SETS[name][0]
    if kind == "penguins":
        return _penguins()
    loader = {"breast": load_breast_cancer, "diabetes": load_diabetes, "wine": load_wine,
              "digits": load_digits}[kind]
    X, y = loader(return_X_y=True)
    X = X[:, X.std(axis=0) > 0]
    return X.astype(float), y


def semi_synthetic(name, seed):
    """X = [real, noise] with the columns shuffled, y, and a mask of the real columns.

    Noise column i is real column ``i % n_real`` with its rows permuted (its own
    permutation); the column order is shuffled so that no rule gains from ties.
    """
    X, y = real_set(name)
    n_noise = SETS[name][1]
    rng = np.random.default_rng(seed)
    noise = np.column_stack([rng.permutation(X[:, i % X.shape[1]]) for i in range(n_noise)])
    data = np.hstack([X, noise])
    real = np.r_[np.ones(X.shape[1], bool), np.zeros(n_noise, bool)]
    order = rng.permutation(data.shape[1])
    return data[:, order], y, real[order]


def task(name):
    return SETS[name][2]
