"""Synthetic sets whose effects a network learns slowly: interactions without marginal
effect, periodic and even functions of one input, among many N(0, 1) noise columns."""

import numpy as np

# name: (task, n_columns, the informative columns' count)
SETS = {
    "regression: x0 + cos(2.5 x1) + x2 x3": ("regression", 400, 4),
    "regression: x0^2 + |x1| + sin(3 x2)": ("regression", 1000, 3),
    "classification: x0 x1 > 0 (XOR) + x2": ("classification", 300, 3),
    "classification: sin(2 x0) + x1^2 + x2 x3": ("classification", 500, 4),
}


def slow_effects(name, seed, n_rows=2000):
    """X, y and where the informative columns went (columns shuffled): their positions,
    in the formula's order."""
    kind, n_columns, n_informative = SETS[name]
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_columns))
    x = X[:, :n_informative].T
    noise = rng.normal(size=n_rows)
    if name.startswith("regression: x0 +"):
        y = 2 * x[0] + 2 * np.cos(2.5 * x[1]) + 1.5 * x[2] * x[3] + 0.5 * noise
    elif name.startswith("regression: x0^2"):
        y = x[0] ** 2 + 1.5 * np.abs(x[1]) + 1.5 * np.sin(3 * x[2]) + 0.3 * noise
    elif "XOR" in name:
        y = (x[0] * x[1] + 0.7 * x[2] + 0.3 * noise > 0).astype(int)
    else:
        y = (np.sin(2 * x[0]) + 0.8 * (x[1] ** 2 - 1) + x[2] * x[3] + 0.3 * noise > 0)
        y = y.astype(int)
    order = rng.permutation(n_columns)
    return X[:, order], y, np.argsort(order)[:n_informative]


def task(name):
    return SETS[name][0]
