"""Learning gradients against the peers: finding what matters, agreement, selection, cost.

Every post-hoc peer runs with its own library on the same fitted sklgrad network (captum's
attributions on the network's logits, with the encoded targets; scikit-learn's permutation
importance on the estimator). Semantics differ: a learning gradient is dLoss/dx recorded
*during* training; saliency-type methods take dOutput/dx of the *fitted* model; permutation
methods measure the loss of score when a column is shuffled.
"""

import time
import warnings
from itertools import combinations

import numpy as np
import torch
from scipy.stats import spearmanr
from sklearn.datasets import load_breast_cancer, make_classification, make_friedman1
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from sklgrad import LearningGradientClassifier, LearningGradientRegressor, LearningGradientSelector

from ._report import PeakMemory, interleaved, table
from .bench_speed import _fit_with

warnings.filterwarnings("ignore")


# ----------------------------------------------------------------------------- data
def make_dataset(name, seed, n_samples):
    """Return X, y, informative column indices, task; rows shuffled, columns permuted."""
    rng = np.random.RandomState(seed)
    if name.startswith("classification"):
        n_features = int(name.split("-")[1])
        X, y = make_classification(n_samples=n_samples, n_features=n_features,
                                   n_informative=5, n_redundant=0, n_repeated=0,
                                   shuffle=False, random_state=seed)
        informative, task = np.arange(5), "classification"
    elif name == "friedman1":
        X, y = make_friedman1(n_samples=n_samples, n_features=50, noise=0.5,
                              random_state=seed)
        informative, task = np.arange(5), "regression"
    elif name == "interaction":
        X = rng.standard_normal((n_samples, 20))
        y = (X[:, 0] * X[:, 1] > 0).astype(int)  # no marginal signal in either column
        informative, task = np.arange(2), "classification"
    else:
        raise ValueError(name)
    rows, columns = rng.permutation(len(X)), rng.permutation(X.shape[1])
    X, y = X[rows][:, columns], y[rows]
    return X, y, np.flatnonzero(np.isin(columns, informative)), task


# ----------------------------------------------------------------------------- methods
def _captum_importance(method, clf, X, y, task):
    import captum.attr as attr

    module = clf.net_.module_.eval()
    inputs = torch.as_tensor(clf.scaler_.transform(X),
                             dtype=next(module.parameters()).dtype)
    if task == "classification" and len(clf.classes_) > 2:
        target = torch.as_tensor(np.searchsorted(clf.classes_, y))
    else:
        target = 0  # the single logit (binary) or output (regression)
    explainer = getattr(attr, method)(module)
    kwargs = {"n_steps": 32, "internal_batch_size": 4096} if method == "IntegratedGradients" \
        else {}
    attributions = explainer.attribute(inputs, target=target, **kwargs)
    return attributions.detach().abs().mean(dim=0).numpy()


#: The peers' settings; --quick (a smoke test of the code, not a measurement) shrinks them.
PEERS = {"forest_trees": 200, "lassonet": dict(path_multiplier=1.05, n_iters=(100, 10),
                                               patience=(10, 3))}
QUICK_PEERS = {"forest_trees": 20, "lassonet": dict(path_multiplier=1.5, n_iters=(10, 2),
                                                    patience=(2, 1))}


def _lassonet_importance(X, y, task, seed):
    from lassonet import LassoNetClassifier, LassoNetRegressor

    cls = LassoNetClassifier if task == "classification" else LassoNetRegressor
    model = cls(hidden_dims=(32,), verbose=0, random_state=seed, torch_seed=seed,
                **PEERS["lassonet"])
    X = StandardScaler().fit_transform(X)
    model.path(X, y if task == "classification" else (y - y.mean()) / y.std(),
               return_state_dicts=False)
    return np.asarray(model.feature_importances_, dtype=float)


def post_hoc_methods(include_lassonet):
    """name -> function(clf, X_train, y_train, X_eval, y_eval, task, seed) -> vector."""
    def permutation(repeats):
        return lambda clf, Xt, yt, Xe, ye, task, seed: permutation_importance(
            clf, Xe, ye, n_repeats=repeats, random_state=seed).importances_mean

    def captum(method):
        return lambda clf, Xt, yt, Xe, ye, task, seed: _captum_importance(
            method, clf, Xe, ye, task)

    def forest(clf, Xt, yt, Xe, ye, task, seed):
        cls = RandomForestClassifier if task == "classification" else RandomForestRegressor
        return cls(n_estimators=PEERS["forest_trees"], random_state=seed, n_jobs=1).fit(
            Xt, yt).feature_importances_

    methods = {
        "permutation (5 repeats)": permutation(5),
        "permutation (10 repeats)": permutation(10),
        "captum Saliency": captum("Saliency"),
        "captum IntegratedGradients": captum("IntegratedGradients"),
        "captum InputXGradient": captum("InputXGradient"),
        "captum FeaturePermutation": captum("FeaturePermutation"),
        "random forest (impurity)": forest,
    }
    if include_lassonet:
        methods["lassonet"] = lambda clf, Xt, yt, Xe, ye, task, seed: _lassonet_importance(
            Xt, yt, task, seed)
    return methods


def network(task, seed):
    """The library's defaults: what a user gets without tuning."""
    cls = LearningGradientClassifier if task == "classification" else LearningGradientRegressor
    return cls(random_state=seed)


def all_importances(X, y, task, seed, include_lassonet):
    X_train, X_eval, y_train, y_eval = train_test_split(X, y, test_size=0.25,
                                                        random_state=seed)
    clf = network(task, seed).fit(X_train, y_train)
    result = {"sklgrad (learning gradients)": clf.feature_importances_}
    for name, method in post_hoc_methods(include_lassonet).items():
        result[name] = np.asarray(method(clf, X_train, y_train, X_eval, y_eval, task, seed))
    return result


# ----------------------------------------------------------------------------- sections
def _scores(importance, informative, k):
    # Ties broken at random, so that equal scores do not favour any column position.
    rng = np.random.RandomState(0)
    order = np.lexsort((rng.rand(len(importance)), -importance))
    mass = np.clip(importance, 0, None)
    total = mass.sum()
    return (np.isin(order[:k], informative).mean(),
            np.isin(informative, order[:10]).mean(),
            mass[informative].sum() / total if total > 0 else np.nan)


def ground_truth(quick):
    datasets = (["classification-50", "friedman1", "interaction"] if quick else
                ["classification-50", "classification-200", "classification-1000",
                 "friedman1", "interaction"])
    seeds = range(1 if quick else 5)
    n_samples = 300 if quick else 2000
    lines, figures = [], {}
    for name in datasets:
        records = {}
        for seed in seeds:
            X, y, informative, task = make_dataset(name, seed, n_samples)
            # --quick: the slowest peer once per section (a smoke test of its code).
            include_lassonet = X.shape[1] <= 200 and (not quick or name == datasets[0])
            for method, importance in all_importances(X, y, task, seed,
                                                      include_lassonet).items():
                assert importance.shape == (X.shape[1],), (method, importance.shape)
                records.setdefault(method, []).append(
                    _scores(importance, informative, k=len(informative)))
        k = len(informative)
        rows = []
        for method, values in records.items():
            precision, recall, mass = (np.array([v[i] for v in values]) for i in range(3))
            row = [method, precision.mean(), precision.min(), recall.mean(), recall.min(),
                   mass.mean(), mass.min()]
            if name == "interaction":  # precision@2 = 1 means ranked first and second
                row.append(f"{int((precision == 1).sum())}/{len(precision)}")
            rows.append(row)
            figures[(name, method)] = dict(precision=precision.tolist(), recall=recall.tolist(),
                                           mass=mass.tolist())
        header = ["method", f"precision@{k} mean", "min", "recall@10 mean", "min",
                  "mass on informative mean", "min"]
        if name == "interaction":
            header.append("seeds with both ranked 1st and 2nd")
        lines.append(f"**{name}** ({len(seeds)} seeds, {n_samples} rows, 25% held out "
                     "for the post-hoc methods)\n\n" + table(header, rows))
    return "\n\n".join(lines), figures


def agreement_and_stability(quick):
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_eval, y_train, y_eval = train_test_split(X, y, test_size=0.25, stratify=y,
                                                        random_state=0)
    seeds = range(2 if quick else 5)
    per_seed = []
    for seed in seeds:
        clf = LearningGradientClassifier(hidden_layer_sizes=(3,), solver="sgd",
                                         learning_rate_init=0.01, batch_size=32, max_iter=40,
                                         tol=None, random_state=seed).fit(X_train, y_train)
        result = {"sklgrad (learning gradients)": clf.feature_importances_}
        for name, method in post_hoc_methods(False).items():
            result[name] = method(clf, X_train, y_train, X_eval, y_eval, "classification",
                                  seed)
        per_seed.append(result)
    names = list(per_seed[0])
    short = {n: n.replace("captum ", "").replace(" (learning gradients)", "")
             .replace("permutation ", "perm ").replace(" repeats", "").replace(
                 "random forest (impurity)", "RF") for n in names}
    matrix = [[short[a]] + [spearmanr(per_seed[0][a], per_seed[0][b]).statistic
                            for b in names] for a in names]
    between = []
    for name in names:
        rho = [spearmanr(per_seed[i][name], per_seed[j][name]).statistic
               for i, j in combinations(range(len(per_seed)), 2)]
        between.append((name, float(np.mean(rho)), float(np.min(rho))))
    selectors = [LearningGradientSelector(
        LearningGradientClassifier(hidden_layer_sizes=(3,), solver="sgd",
                                   learning_rate_init=0.01, batch_size=32, max_iter=40,
                                   tol=None), n_repeats=5, random_state=100 + s)
        .fit(X_train, y_train).importances_mean_ for s in seeds]
    rho = [spearmanr(selectors[i], selectors[j]).statistic
           for i, j in combinations(range(len(selectors)), 2)]
    between.append(("sklgrad selector, n_repeats=5", float(np.mean(rho)), float(np.min(rho))))
    return (
        "Breast cancer, the paper's network (30-3-1, SGD, 40 epochs). Spearman correlation "
        "between methods on the network of seed 0:\n\n"
        + table(["method"] + [short[n] for n in names], matrix)
        + f"\n\nBetween-seed rank agreement of each method ({len(list(seeds))} networks, "
        "pairwise Spearman):\n\n"
        + table(["method", "Spearman mean", "min"], between)
    ), per_seed[0]


def selection_quality(importances, quick=False):
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                        random_state=0)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

    def accuracies(columns):
        lr = LogisticRegression(max_iter=2000).fit(X_train[:, columns], y_train)
        mlp = MLPClassifier(hidden_layer_sizes=(16,), max_iter=1000, random_state=0).fit(
            X_train[:, columns], y_train)
        return lr.score(X_test[:, columns], y_test), mlp.score(X_test[:, columns], y_test)

    everything = np.arange(X.shape[1])
    rows = [("all 30 features", "", *accuracies(everything))]
    rng = np.random.RandomState(0)
    draws = 2 if quick else 10
    for k in (5,) if quick else (5, 10):
        for name, importance in importances.items():
            rows.append((name, k, *accuracies(np.argsort(-importance, kind="mergesort")[:k])))
        random_scores = np.array([accuracies(rng.choice(30, k, replace=False))
                                  for _ in range(draws)])
        rows.append((f"random k (mean of {draws} draws)", k, *random_scores.mean(axis=0)))
    return (
        "Breast cancer: keep the top k columns by each method (importances from the seed-0 "
        "network above, computed on the training split), refit on those columns only, test "
        "accuracy on the held-out 25%.\n\n"
        + table(["method", "k", "logistic regression", "MLP (16,)"], rows)
    )


def cost(quick):
    widths = [10, 50] if quick else [10, 100, 1000, 10000]
    n_rows, n_eval, budget = (300, 100, 5.0) if quick else (2000, 500, 120.0)
    rows, projected = [], {}
    params = dict(hidden_layer_sizes=(32,), batch_size=64, max_iter=10, tol=None,
                  random_state=0)
    for width in widths:
        X, y, _, _ = make_dataset(f"classification-{width}", 0, n_rows)
        X_train, y_train, X_eval, y_eval = X[:-n_eval], y[:-n_eval], X[-n_eval:], y[-n_eval:]
        times = interleaved({
            "on": lambda X=X_train, y=y_train: LearningGradientClassifier(**params).fit(X, y),
            "off": lambda X=X_train, y=y_train: _fit_with({"capture": False}, params, X, y),
        }, 3)
        with PeakMemory() as memory:
            clf = LearningGradientClassifier(**params).fit(X_train, y_train)
        rows.append((width, "sklgrad (capture during fit)", times["on"] - times["off"],
                     times["on"], memory.added_mib))
        for name, method in post_hoc_methods(
                width <= 200 and (not quick or width == widths[0])).items():
            if projected.get(name, 0) > budget:
                rows.append((width, name, "skipped", f"projected > {budget:.0f} s", ""))
                continue
            start = time.perf_counter()
            with PeakMemory() as memory:
                method(clf, X_train, y_train, X_eval, y_eval, "classification", 0)
            seconds = time.perf_counter() - start
            # The next width is 10x wider; permutation-type methods predict on all columns
            # once per column, so their time grows with its square.
            growth = 100 if "ermutation" in name else 10
            projected[name] = seconds * growth
            rows.append((width, name, seconds, "", memory.added_mib))
    return (
        f"{n_rows - n_eval} training rows, post-hoc methods on {n_eval} held-out rows; the "
        "network has hidden (32,), batch 64, 10 epochs. sklgrad's cost is the fit with "
        "capture minus the fit without (median of 3 interleaved pairs); the others are their "
        "post-hoc time. Peak memory is the resident memory added during the call.\n\n"
        + table(["features", "method", "seconds to an importance vector", "sklgrad fit seconds",
                 "peak memory added (MiB)"], rows)
    ), rows


def run(quick=False):
    if quick:
        PEERS.update(QUICK_PEERS)
    found, figures = ground_truth(quick)
    agreement, seed0 = agreement_and_stability(quick)
    selection = selection_quality(seed0, quick)
    costs, cost_rows = cost(quick)
    body = "\n\n".join([
        "### Finding what matters (ground truth)\n\nThe network is the library's default "
        "(hidden (100,), Adam, up to 200 epochs). precision@k: share of the top k that are "
        "informative (k = number of informative columns); recall@10: share of the "
        "informative columns in the top 10; mass: share of the importance on the informative "
        "columns. Ties are broken at random.",
        found,
        "The interaction set's label is sign(x_a * x_b) with 18 noise columns: neither "
        "column has a marginal relation to the label.",
        "### Agreement and stability", agreement,
        "### Selection quality", selection,
        "### Cost", costs,
    ])
    return body, {"ground_truth": figures, "cost": cost_rows}
