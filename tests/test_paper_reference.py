"""The estimator against the paper's Algorithm 2, written out by hand with raw tensors."""

import numpy as np
import torch
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

from sklgrad import LearningGradientClassifier
from sklgrad._engine.module import MLP

EPOCHS, BATCH, LR = 40, 32, 0.05


def _algorithm_2(X, y, W1, b1, W2, b2, seed):
    """Plain SGD on a 30-3-1 ReLU network with a logistic output, by explicit backprop.

    Per example: output error dC = sigmoid(z2) - y; hidden error
    delta1 = f'(z1) * (W2^T dC); learning gradient = W1^T delta1 (step 4 of Algorithm 2),
    taken in absolute value, summed over the epoch and normalized over the inputs.
    """
    order_rng = torch.Generator().manual_seed(seed)
    history = []
    for _ in range(EPOCHS):
        total = torch.zeros(X.shape[1], dtype=torch.float64)
        for rows in torch.randperm(len(X), generator=order_rng).split(BATCH):
            x, t = X[rows], y[rows]
            z1 = x @ W1.T + b1
            a1 = torch.relu(z1)
            z2 = a1 @ W2.T + b2
            d2 = torch.sigmoid(z2) - t                  # dC/dz2, one row per example
            d1 = (z1 > 0).to(x.dtype) * (d2 @ W2)       # dC/dz1
            learning_gradient = d1 @ W1                 # dC/dx, one row per example
            total += learning_gradient.abs().sum(0).double()
            # The SGD step on the batch mean of the per-example gradients.
            n = len(rows)
            W2 -= LR * (d2.T @ a1) / n
            b2 -= LR * d2.sum(0) / n
            W1 -= LR * (d1.T @ x) / n
            b1 -= LR * d1.sum(0) / n
        history.append((total / total.sum()).numpy())
    return np.array(history)


def test_importance_history_equals_a_hand_written_algorithm_2():
    X, y = load_breast_cancer(return_X_y=True)
    clf = LearningGradientClassifier(
        hidden_layer_sizes=(3,), solver="sgd", momentum=0.0, alpha=0.0, batch_size=BATCH,
        learning_rate_init=LR, max_iter=EPOCHS, tol=None, random_state=0,
    ).fit(X, y)

    # Same seed, so the same initial weights and data order as inside the estimator.
    seed = clf._base_seed
    torch.manual_seed(seed)
    layers = MLP(30, 1, (3,), "relu").layers
    W1, b1 = layers[0].weight.detach().clone(), layers[0].bias.detach().clone()
    W2, b2 = layers[2].weight.detach().clone(), layers[2].bias.detach().clone()
    X_std = torch.from_numpy(StandardScaler().fit_transform(X).astype(np.float32))
    y_col = torch.from_numpy(y.astype(np.float32)).reshape(-1, 1)

    expected = _algorithm_2(X_std, y_col, W1, b1, W2, b2, seed)

    assert clf.importance_history_.shape == (EPOCHS, 30)
    np.testing.assert_allclose(clf.importance_history_, expected, atol=1e-5)
    # The final weights agree too: the capture did not disturb training.
    np.testing.assert_allclose(clf.net_.module_.layers[0].weight.detach(), W1, atol=1e-4)
