"""Fit time: sklgrad against scikit-learn's MLP, a plain PyTorch loop, and itself.

- One fit, three workloads: the paper's (569 x 30, a 30-3-1 network, batch 32, 40 epochs),
  where per-batch overhead dominates; 20,000 x 100 with hidden (64,); 50,000 x 100 with
  hidden (256, 128), where arithmetic dominates and the capture's extra product shows.
  Every contender trains the same network with the same settings (SGD, momentum 0.9,
  Nesterov, alpha 1e-4, float64 inputs: scikit-learn and sklgrad both compute in float64).
- Repeated networks: the selector's ``n_repeats`` trains K networks as one stacked model;
  against K sequential fits.
- Default parameters next to scikit-learn's: epochs run (the same stopping rule) and time.
"""

import gc
import time
import warnings

import numpy as np
import torch
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_digits, load_wine, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from torch import nn

from sklgrad import LearningGradientClassifier, LearningGradientSelector
from sklgrad._engine import numpy_step
from sklgrad._engine.module import MLP
from sklgrad._engine.settings import engine_options

from ._report import interleaved_spread, spread, table

LR, MOMENTUM, ALPHA = 0.01, 0.9, 1e-4


def _fit_with(options, params, X, y):
    """sklgrad's estimator fitted with these engine options (the documented way to choose
    the step or switch the capture off: ``sklgrad._engine.settings.engine_options``)."""
    with engine_options(**options):
        return LearningGradientClassifier(**params).fit(X, y)


def _plain_loop(X, y, hidden, batch_size, epochs, seed):
    """The reference: a hand-written PyTorch loop with autograd, capturing dL/dx."""
    torch.manual_seed(seed)
    module = MLP(X.shape[1], 1, hidden, "relu").double()
    optimizer = torch.optim.SGD(module.parameters(), lr=LR, momentum=MOMENTUM, nesterov=True)
    criterion = nn.BCEWithLogitsLoss()
    order = torch.Generator().manual_seed(seed)
    total = torch.zeros(X.shape[1], dtype=torch.float64)
    for _ in range(epochs):
        for rows in torch.randperm(len(X), generator=order).split(batch_size):
            xb = X[rows].requires_grad_(True)
            optimizer.zero_grad()
            loss = criterion(module(xb), y[rows])
            loss.backward()
            total += torch.linalg.vector_norm(xb.grad, ord=1, dim=0) * len(rows)
            optimizer.step()
    return module


def _settings(hidden, batch_size, epochs):
    return dict(hidden_layer_sizes=hidden, solver="sgd", learning_rate_init=LR,
                momentum=MOMENTUM, alpha=ALPHA, batch_size=batch_size, max_iter=epochs,
                random_state=0)


def _one_fit(X, y, hidden, batch_size, epochs):
    Xs = StandardScaler().fit_transform(X)
    Xt, yt = torch.from_numpy(Xs), torch.from_numpy(y.astype(np.float64)).reshape(-1, 1)
    common = _settings(hidden, batch_size, epochs)

    def sklearn_mlp():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            MLPClassifier(**common, tol=0.0, n_iter_no_change=np.inf).fit(Xs, y)

    # Every contender gets the same standardized float64 inputs (sklgrad's own scaling off).
    ours = common | {"tol": None, "standardize": False}
    return {
        "scikit-learn MLPClassifier (no capture)": sklearn_mlp,
        "sklgrad (capture on)": lambda: LearningGradientClassifier(**ours).fit(Xs, y),
        "sklgrad, capture off": lambda: _fit_with({"capture": False}, ours, Xs, y),
        "sklgrad, torch step (as on a GPU)": lambda: _fit_with({"step": "torch"}, ours, Xs, y),
        "sklgrad, autograd step": lambda: _fit_with({"step": "autograd"}, ours, Xs, y),
        "plain PyTorch loop (autograd, capture)": lambda: _plain_loop(
            Xt, yt, hidden, batch_size, epochs, 0),
    }


def _flops_share(n_features, hidden, n_outputs=1):
    """Extra arithmetic of the capture (dL/dx through the first layer) relative to a training
    step without it: forward + weight gradients + activation gradients of layers 2..L."""
    widths = [n_features, *hidden, n_outputs]
    products = [a * b for a, b in zip(widths[:-1], widths[1:])]
    step = 2 * sum(products) * 2 + 2 * sum(products[1:])
    return 2 * products[0] / step


def _floor(X, params, k):
    """Seconds that K networks' matrix products and row gathers alone take over a fit: the
    work that any engine, stacked or not, must do. Per step, each network's batch of rows
    gathered in its own order, then the forward product, the first layer's weight gradient
    and the capture (in float32 where sklgrad computes it so) on (K, batch, width) arrays;
    the one-unit output layer's products are negligible and left out. Returns (products,
    gathers), timed apart in the same loop."""
    (hidden,), batch = params["hidden_layer_sizes"], params["batch_size"]
    n_rows, n_features = X.shape
    rng = np.random.default_rng(0)
    orders = [np.argsort(rng.random((k, n_rows)), axis=1) for _ in range(params["max_iter"])]
    W = rng.standard_normal((k, hidden, n_features))
    capture_dtype = (np.float32 if batch * hidden * n_features >= numpy_step._FLOAT32_PRODUCT
                     else np.float64)
    W_c = W.astype(capture_dtype)
    products = gathers = 0.0
    for order in orders:
        for start in range(0, n_rows, batch):
            index = order[:, start:start + batch]
            begin = time.perf_counter()
            X_batch = X.take(index.reshape(-1), axis=0).reshape(*index.shape, n_features)
            middle = time.perf_counter()
            z = np.matmul(X_batch, W.transpose(0, 2, 1))
            np.matmul(z.transpose(0, 2, 1), X_batch)  # z stands in for the errors
            np.matmul(z.astype(capture_dtype), W_c)
            products += time.perf_counter() - middle
            gathers += middle - begin
    return products, gathers


def _repeats(X, y, params, counts, repeats):
    """The selector's n_repeats networks, stacked, against K sequential fits, and the
    floor that the networks' matrix products and row gathers alone set."""
    base = LearningGradientClassifier(**params)
    rows = []
    for k in counts:
        seeds = list(range(k))

        def sequential(seeds=seeds):
            for seed in seeds:
                clone(base).set_params(random_state=seed).fit(X, y)

        def stacked(k=k):
            LearningGradientSelector(base, n_repeats=k, random_state=0).fit(X, y)

        times = interleaved_spread({"one fit": lambda: clone(base).fit(X, y),
                                    "stacked": stacked, "sequential": sequential}, repeats)
        one, stack, seq = times["one fit"], times["stacked"], times["sequential"]
        products, gathers = min((_floor(X, params, k) for _ in range(repeats)), key=sum)
        rows.append((k, spread(*stack), spread(*seq), stack[0] / one[0], seq[0] / stack[0],
                     products, gathers, seq[0] / (products + gathers)))
    return rows


_DEFAULT_DATA = {
    "breast cancer (569 x 30)": lambda: load_breast_cancer(return_X_y=True),
    "wine (178 x 13)": lambda: load_wine(return_X_y=True),
    "digits (1797 x 64, 10 classes)": lambda: load_digits(return_X_y=True),
    "digits, first 100 rows, 0 vs rest": lambda: (load_digits().data[:100],
                                                  load_digits().target[:100] == 0),
    "make_classification (2000 x 20)": lambda: make_classification(
        n_samples=2000, n_features=20, n_informative=5, random_state=0),
}


def _defaults(seeds):
    """Default parameters, same data: epochs run under the same stopping rule, and time
    (the two fits of each seed run one after the other, interleaved)."""
    makers = {"scikit-learn": MLPClassifier, "sklgrad": LearningGradientClassifier}
    rows = []
    for name, load in _DEFAULT_DATA.items():
        X, y = load()
        X = StandardScaler().fit_transform(X)  # both see standardized inputs
        epochs = {key: [] for key in makers}
        seconds = {key: [] for key in makers}
        for seed in seeds:
            for key, make in makers.items():
                gc.collect()
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    fitted = make(random_state=seed).fit(X, y)
                seconds[key].append(time.perf_counter() - start)
                epochs[key].append(fitted.n_iter_)
        rows.append((name,) + tuple(
            f"{int(np.median(epochs[k]))} ({min(epochs[k])}-{max(epochs[k])})"
            for k in makers) + tuple(
            spread(np.median(seconds[k]), min(seconds[k]), max(seconds[k])) for k in makers))
    return rows


def run(quick=False):
    X_paper, y_paper = load_breast_cancer(return_X_y=True)
    sizes = (1_000, 2_000) if quick else (20_000, 50_000)
    X_mid, y_mid = make_classification(n_samples=sizes[0], n_features=100, n_informative=10,
                                       random_state=0)
    X_big, y_big = make_classification(n_samples=sizes[1], n_features=100, n_informative=10,
                                       random_state=0)
    workloads = [
        ("paper: 569 x 30, 30-3-1, batch 32, 40 epochs", X_paper, y_paper, (3,), 32, 40,
         2 if quick else 11),
        (f"{sizes[0]:,} x 100, hidden (64,), batch 200, 3 epochs", X_mid, y_mid, (64,), 200,
         3, 2 if quick else 11),
        (f"{sizes[1]:,} x 100, hidden (256, 128), batch 256, {1 if quick else 2} epochs",
         X_big, y_big, (256, 128), 256, 1 if quick else 2, 2 if quick else 5),
    ]
    sections, figures = [], {}
    for title, X, y, hidden, batch_size, epochs, repeats in workloads:
        contenders = _one_fit(X, y, hidden, batch_size, epochs)
        for fn in contenders.values():  # warm-up: first calls pay one-off costs
            fn()
        times = interleaved_spread(contenders, repeats)
        base = times["scikit-learn MLPClassifier (no capture)"][0]
        rows = [(name, spread(*t), t[0] / base) for name, t in times.items()]
        share = _flops_share(X.shape[1], hidden)
        overhead = times["sklgrad (capture on)"][0] / times["sklgrad, capture off"][0] - 1
        figures[title] = dict(times=times, share=share, overhead=overhead)
        sections.append(
            f"**{title}** (median and range of {repeats} interleaved runs)\n\n"
            + table(["contender", "fit seconds", "x scikit-learn"], rows)
            + f"\n\nCapture overhead (sklgrad on vs off, same engine): {overhead:+.1%}; the "
            f"capture's extra product is {share:.1%} of a training step's arithmetic "
            "without it."
        )
    counts = (1, 5) if quick else (1, 5, 10, 20)
    header = ["n_repeats", "stacked seconds", "sequential seconds", "stacked / one fit",
              "sequential / stacked", "products (s)", "gathers (s)",
              "sequential / (products + gathers)"]
    paper_params = _settings((3,), 32, 40) | {"tol": None}
    mid_params = _settings((64,), 200, 3) | {"tol": None}
    repeat_rows = {
        "paper workload": _repeats(X_paper, y_paper, paper_params, counts, 1 if quick else 5),
        f"{sizes[0]:,} x 100, hidden (64,)": _repeats(X_mid, y_mid, mid_params, counts,
                                                      1 if quick else 3),
    }
    figures["repeats"] = repeat_rows
    sections.append(
        "**Repeated networks** (`LearningGradientSelector(n_repeats=K)`: K networks of one "
        "architecture trained as one stacked model, each equal to its separate fit; against "
        "K sequential fits of the same networks. 'Products' and 'gathers': the K networks' "
        "matrix products of a fit (the forward product, the first layer's weight gradient "
        "and the capture, per step) and the gathers of their shuffled batches, timed by "
        "themselves: work that stacked and sequential fits both do, so no stacked engine can "
        "be faster than their sum, and 'sequential / (products + gathers)' bounds what "
        "stacking can gain)\n\n" + "\n\n".join(
            f"{name}:\n\n" + table(header, rows) for name, rows in repeat_rows.items()))
    default_rows = _defaults(range(1) if quick else range(3))
    figures["defaults"] = default_rows
    sections.append(
        "**Default parameters next to scikit-learn's** (`MLPClassifier(random_state=s)` and "
        "`LearningGradientClassifier(random_state=s)`, nothing else set; standardized "
        f"inputs; {1 if quick else 3} seeds: median and range). Both stop by scikit-learn's "
        "rule (`tol=1e-4`, `n_iter_no_change=10`, at most 200 epochs); they start from "
        "different random draws of the same initialization.\n\n"
        + table(["data", "epochs, scikit-learn", "epochs, sklgrad", "seconds, scikit-learn",
                 "seconds, sklgrad"], default_rows))
    return "\n\n".join(sections), figures


if __name__ == "__main__":
    print(run(quick=True)[0])
