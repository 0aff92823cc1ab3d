"""Nonlinear signals among noise, built as peer benchmarks of feature selection build them:
uniform inputs on [-1, 1], a class carried by a ring, an XOR, both, or both and a linear
sum, among many uniform noise columns."""

import numpy as np

# name: the relevant columns' count
SETS = {"ring": 2, "XOR": 2, "ring + XOR": 4, "ring + XOR + sum": 6}
#: The ring's inner squared radius; its width gives the two classes equal mass.
RING_INNER = 0.2


def nonlinear(name, n_noise, seed, n_rows=1000):
    """X, y and where the relevant columns went (columns shuffled), in the formula's
    order. The ring: ``0.2 < x0^2 + x1^2 < 0.2 + 2/pi`` (half the square's area); the XOR:
    ``x > 0`` differs between two columns; each alone is the class. Together the class is
    drawn from their sum on the log-odds scale, ``4 (ring - 1/2) + 4 (XOR - 1/2)``, plus
    ``2 (x4 + x5)`` for the sum (a column's effect adds to the others', as in a GAM)."""
    n_relevant = SETS[name]
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n_rows, n_relevant + n_noise))
    radius = X[:, 0] ** 2 + X[:, 1] ** 2
    ring = (radius > RING_INNER) & (radius < RING_INNER + 2 / np.pi)
    if name == "ring":
        y = ring
    elif name == "XOR":
        y = (X[:, 0] > 0) ^ (X[:, 1] > 0)
    else:
        xor = (X[:, 2] > 0) ^ (X[:, 3] > 0)
        log_odds = 4 * (ring - 0.5) + 4 * (xor - 0.5)
        if name.endswith("sum"):
            log_odds = log_odds + 2 * (X[:, 4] + X[:, 5])
        y = rng.random(n_rows) < 1 / (1 + np.exp(-log_odds))
    order = rng.permutation(X.shape[1])
    return X[:, order], y.astype(int), np.argsort(order)[:n_relevant]
