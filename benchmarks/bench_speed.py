"""Fit time: sklgrad against a plain PyTorch loop, plain skorch and scikit-learn's MLP.

Two workloads: the paper's (569 x 30, a 30-3-1 network, batch 32, 40 epochs), where
per-batch overhead dominates, and a compute-bound one (50,000 x 100, hidden (256, 128),
batch 256), where the capture's extra matrix product shows.
"""

import warnings

import numpy as np
import torch
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from skorch import NeuralNetBinaryClassifier
from torch import nn

from sklgrad import LearningGradientClassifier
from sklgrad._modules import MLP

from ._report import interleaved, table

LR, MOMENTUM = 0.01, 0.9


class _NoCaptureClassifier(LearningGradientClassifier):
    """sklgrad's estimator and engine with the capture's extra product switched off."""

    def _build_net(self, *args, **kwargs):
        net = super()._build_net(*args, **kwargs)
        net.capture = False
        return net

    def _read_history(self, epochs_run):
        self.n_iter_ = epochs_run
        self.feature_importances_ = None


class _Squeeze(nn.Module):
    """NeuralNetBinaryClassifier wants one logit per row as a 1-D output."""

    def __init__(self, **kwargs):
        super().__init__()
        self.mlp = MLP(**kwargs)

    def forward(self, X):
        return self.mlp(X).squeeze(-1)


def _plain_loop(X, y, hidden, batch_size, epochs, seed, capture):
    """The reference: a hand-written PyTorch training loop (optionally capturing dL/dx)."""
    torch.manual_seed(seed)
    module = MLP(X.shape[1], 1, hidden, "relu")
    optimizer = torch.optim.SGD(module.parameters(), lr=LR, momentum=MOMENTUM, nesterov=True)
    criterion = nn.BCEWithLogitsLoss()
    order = torch.Generator().manual_seed(seed)
    total = torch.zeros(X.shape[1], dtype=torch.float64)
    for _ in range(epochs):
        for rows in torch.randperm(len(X), generator=order).split(batch_size):
            xb = X[rows]
            if capture:
                xb.requires_grad_(True)
            optimizer.zero_grad()
            loss = criterion(module(xb), y[rows])
            loss.backward()
            if capture:
                total += torch.linalg.vector_norm(xb.grad, ord=1, dim=0) * len(rows)
            optimizer.step()
    return module


def _contenders(X, y, hidden, batch_size, epochs, seed=0):
    Xs = StandardScaler().fit_transform(X).astype(np.float32)
    Xt, yt = torch.from_numpy(Xs), torch.from_numpy(y.astype(np.float32)).reshape(-1, 1)
    common = dict(hidden_layer_sizes=hidden, solver="sgd", learning_rate_init=LR,
                  momentum=MOMENTUM, alpha=0.0, batch_size=batch_size, max_iter=epochs,
                  random_state=seed)

    def skorch_plain():
        torch.manual_seed(seed)
        NeuralNetBinaryClassifier(
            _Squeeze, module__n_features=X.shape[1], module__n_outputs=1,
            module__hidden_layer_sizes=hidden, optimizer=torch.optim.SGD, lr=LR,
            optimizer__momentum=MOMENTUM, optimizer__nesterov=True, batch_size=batch_size,
            max_epochs=epochs, train_split=None, iterator_train__shuffle=True, verbose=0,
        ).fit(Xs, y.astype(np.float32))

    def sklearn_mlp():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            MLPClassifier(**common, n_iter_no_change=epochs + 1).fit(Xs, y)

    return {
        "plain PyTorch loop": lambda: _plain_loop(Xt, yt, hidden, batch_size, epochs, seed,
                                                  capture=False),
        "plain PyTorch loop + capture": lambda: _plain_loop(Xt, yt, hidden, batch_size, epochs,
                                                            seed, capture=True),
        "plain skorch (NeuralNetBinaryClassifier)": skorch_plain,
        "scikit-learn MLPClassifier": sklearn_mlp,
        "sklgrad, capture off": lambda: _NoCaptureClassifier(**common, tol=None).fit(X, y),
        "sklgrad (capture on)": lambda: LearningGradientClassifier(**common, tol=None).fit(X, y),
    }


def _flops_share(n_features, hidden, n_outputs=1):
    """Extra arithmetic of the capture (dL/dx through the first layer) relative to a training
    step without it: forward + weight gradients + activation gradients of layers 2..L."""
    widths = [n_features, *hidden, n_outputs]
    products = [a * b for a, b in zip(widths[:-1], widths[1:])]
    step = 2 * sum(products) * 2 + 2 * sum(products[1:])
    return 2 * products[0] / step


def run(quick=False):
    X_paper, y_paper = load_breast_cancer(return_X_y=True)
    n_big = 5_000 if quick else 50_000
    X_big, y_big = make_classification(n_samples=n_big, n_features=100, n_informative=10,
                                       random_state=0)
    workloads = [
        ("paper: 569 x 30, 30-3-1, batch 32, 40 epochs", X_paper, y_paper, (3,), 32, 40,
         3 if quick else 9),
        (f"compute-bound: {n_big:,} x 100, hidden (256, 128), batch 256, "
         f"{1 if quick else 3} epochs", X_big, y_big, (256, 128), 256, 1 if quick else 3,
         2 if quick else 5),
    ]
    sections, figures = [], {}
    for title, X, y, hidden, batch_size, epochs, repeats in workloads:
        contenders = _contenders(X, y, hidden, batch_size, epochs)
        if hidden != (3,):  # row-by-row loading and sklearn are not the question here
            contenders = {k: v for k, v in contenders.items()
                          if "skorch" not in k and "scikit" not in k}
        for fn in contenders.values():  # warm-up: first calls pay one-off costs
            fn()
        times = interleaved(contenders, repeats)
        base = times["plain PyTorch loop"]
        rows = [(name, seconds, seconds / base) for name, seconds in times.items()]
        share = _flops_share(X.shape[1], hidden)
        overhead = times["sklgrad (capture on)"] / times["sklgrad, capture off"] - 1
        figures[title] = dict(times=times, share=share, overhead=overhead)
        sections.append(
            f"**{title}** (median of {repeats} interleaved runs)\n\n"
            + table(["contender", "fit seconds", "x plain PyTorch loop"], rows)
            + f"\n\nCapture overhead (sklgrad on vs off): {overhead:+.1%}. The capture's "
            f"extra product is {share:.1%} of a training step's arithmetic without it."
        )
    return "\n\n".join(sections), figures


if __name__ == "__main__":
    print(run(quick=True)[0])
