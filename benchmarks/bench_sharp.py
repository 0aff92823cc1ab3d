"""Selecting on high-dimensional data: sklgrad's path network and shadow rule against Boruta,
a random forest, permutation importance and the plain network.

Data with known informative columns (rows shuffled, columns permuted, 25% held out):
make_classification with 2000 rows, 5 informative columns among 200 and 1000; Friedman #1
with 200 columns; an XOR pair among 50 columns; and scikit-learn's digits (64 pixels, no
ground truth: kept columns and refit score only).

- Rankings (the importance vector): share of the importance on the informative columns
  (mass) and precision@k (k = number of informative columns).
- Rules (a set of kept columns): informative kept, noise kept, and the held-out score of a
  gradient-boosting model refitted on the kept columns.
"""

import time
import warnings

import numpy as np
from sklearn.datasets import load_digits, make_classification, make_friedman1
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.inspection import permutation_importance
from sklearn.model_selection import train_test_split

from sklgrad import LearningGradientClassifier, LearningGradientRegressor, LearningGradientSelector
from sklgrad._engine.settings import PathSettings, engine_options

from ._report import table
from .bench_importance import _lassonet_importance

# lassonet's importances are the penalty at which each column leaves its path: they rank
# columns, but their share is not a share of anything (no mass reported).
LASSONET = "lassonet (penalty at which a column leaves)"
NO_SCREEN = "sklgrad, path network without its screening rounds"


def _without_screening():
    """The path as it was before its screening rounds: what they add, side by side."""
    return engine_options(path=PathSettings(screen_rounds=0))


def _data(name, seed):
    rng = np.random.RandomState(seed)
    if name.startswith("classification"):
        d = int(name.split("-")[1])
        X, y = make_classification(n_samples=2000, n_features=d, n_informative=5,
                                   n_redundant=0, n_repeated=0, shuffle=False,
                                   random_state=seed)
        informative = np.arange(5)
    elif name == "friedman1-200":
        X, y = make_friedman1(n_samples=2000, n_features=200, random_state=seed)
        informative = np.arange(5)
    elif name == "xor-50":
        X = rng.randn(2000, 50)
        y = (X[:, 0] * X[:, 1] > 0).astype(int)
        informative = np.arange(2)
    else:  # digits: no ground truth
        X, y = load_digits(return_X_y=True)
        informative = None
    rows, columns = rng.permutation(len(X)), rng.permutation(X.shape[1])
    X, y = X[rows][:, columns], y[rows]
    if informative is not None:  # where each informative column went, in its own order
        informative = np.array([np.flatnonzero(columns == i)[0] for i in informative])
    return X, y, informative


def _refit(X_train, y_train, X_test, y_test, kept, regression):
    """Held-out score of a gradient-boosting model refitted on the kept columns: non-linear
    (the XOR pair is invisible to a linear model) and neutral to every method here."""
    if not kept.any():
        return float("nan")
    model = (HistGradientBoostingRegressor if regression
             else HistGradientBoostingClassifier)(random_state=0)
    return model.fit(X_train[:, kept], y_train).score(X_test[:, kept], y_test)


def _boruta(X, y, regression, seed, quick):
    from boruta import BorutaPy

    forest = (RandomForestRegressor if regression else RandomForestClassifier)(
        n_estimators=100, max_depth=7, n_jobs=1, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        selector = BorutaPy(forest, n_estimators=100, max_iter=10 if quick else 30,
                            random_state=seed, verbose=0).fit(X, y)
    return selector.support_


def _timed(timed, key, fn):
    start = time.perf_counter()
    result = fn()
    timed[key] = time.perf_counter() - start
    return result


def _one_seed(X_train, X_test, y_train, y_test, regression, seed, quick):
    """Every method on one split: importance vectors, kept masks, seconds."""
    network = LearningGradientRegressor if regression else LearningGradientClassifier
    forest = RandomForestRegressor if regression else RandomForestClassifier
    timed = {}
    plain = _timed(timed, "sklgrad, plain network",
                   lambda: network(random_state=seed).fit(X_train, y_train))
    path = _timed(timed, "sklgrad, path network", lambda: network(
        input_penalty="path", random_state=seed).fit(X_train, y_train))
    with _without_screening():
        first_path = _timed(timed, NO_SCREEN, lambda: network(
            input_penalty="path", random_state=seed).fit(X_train, y_train))
    rf = _timed(timed, "random forest (impurity)", lambda: forest(
        n_estimators=300, n_jobs=1, random_state=seed).fit(X_train, y_train))
    permutation = _timed(timed, "permutation (5 repeats), plain network",
                         lambda: permutation_importance(plain, X_test, y_test, n_repeats=5,
                                                        random_state=seed).importances_mean)
    lassonet = _timed(timed, LASSONET, lambda: _lassonet_importance(
        X_train, y_train, "regression" if regression else "classification", seed))
    vectors = {"sklgrad, plain network": plain.feature_importances_,
               "sklgrad, path network": path.feature_importances_,
               NO_SCREEN: first_path.feature_importances_,
               "random forest (impurity)": rf.feature_importances_,
               "permutation (5 repeats), plain network": permutation,
               LASSONET: lassonet}
    kept = {
        "sklgrad selector (shadow, path network)": _timed(
            timed, "sklgrad selector (shadow, path network)",
            lambda: LearningGradientSelector(threshold="shadow", random_state=seed)
            .fit(X_train, y_train).get_support()),
        "Boruta (random forest)": _timed(
            timed, "Boruta (random forest)",
            lambda: _boruta(X_train, y_train, regression, seed, quick)),
        "all columns": np.ones(X_train.shape[1], dtype=bool),
    }
    timed["all columns"] = 0.0
    # The fitted models' own held-out score (accuracy, or R^2): what the penalty costs or
    # gains in prediction.
    models = {"sklgrad, plain network": plain, "sklgrad, path network": path,
              NO_SCREEN: first_path,
              "random forest (impurity)": rf}
    timed["scores"] = {name: model.score(X_test, y_test) for name, model in models.items()}
    return vectors, kept, timed


def run(quick=False):
    sets = (["classification-200", "xor-50", "digits"] if quick else
            ["classification-200", "classification-1000", "friedman1-200", "xor-50",
             "digits"])
    seeds = range(2) if quick else range(5)
    rank_rows, rule_rows, figures = [], [], {}
    for name in sets:
        regression = name.startswith("friedman")
        ranks, rules = {}, {}
        for seed in seeds:
            X, y, informative = _data(name, seed)
            X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=seed)
            vectors, kept, timed = _one_seed(X_train, X_test, y_train, y_test, regression,
                                             seed, quick)
            for method, vector in vectors.items():
                entry = ranks.setdefault(method, [])
                if informative is not None:
                    k = len(informative)
                    top = np.argsort(-np.abs(vector), kind="stable")[:k]
                    total = np.abs(vector).sum()
                    mass = (np.nan if method == LASSONET else
                            np.abs(vector)[informative].sum() / total if total else 0)
                    entry.append((np.isin(top, informative).mean(), mass, timed[method],
                                  timed["scores"].get(method, np.nan)))
                else:
                    entry.append((np.nan, np.nan, timed[method],
                                  timed["scores"].get(method, np.nan)))
            for method, mask in kept.items():
                score = _refit(X_train, y_train, X_test, y_test, mask, regression)
                if informative is not None:
                    noise = np.ones(X.shape[1], dtype=bool)
                    noise[informative] = False
                    rules.setdefault(method, []).append(
                        (mask[informative].sum(), mask[noise].sum(), mask[noise].mean(),
                         score, timed[method], mask[informative]))
                else:
                    rules.setdefault(method, []).append(
                        (np.nan, mask.sum(), np.nan, score, timed[method], None))
        for method, entries in ranks.items():
            values = np.array(entries)
            if not np.isnan(values[:, 0]).all():
                no_mass = np.isnan(values[:, 1]).all()
                rank_rows.append((name, method, values[:, 0].mean(), values[:, 0].min(),
                                  "" if no_mass else values[:, 1].mean(),
                                  "" if no_mass else values[:, 1].min(),
                                  "" if np.isnan(values[:, 3]).all() else
                                  f"{values[:, 3].mean():.3f} (min {values[:, 3].min():.3f})",
                                  np.median(values[:, 2])))
        for method, entries in rules.items():
            informative_kept = [e[0] for e in entries]
            noise_kept = [e[1] for e in entries]
            share = [e[2] for e in entries]
            scores = [e[3] for e in entries]
            times = [e[4] for e in entries]
            masks = [e[5] for e in entries if e[5] is not None]
            every = (f"{int((np.mean(masks, axis=0) >= 0.8).sum())} of {len(masks[0])}"
                     if masks else "")
            rule_rows.append((
                name, method,
                "" if np.isnan(informative_kept).all() else
                f"{np.mean(informative_kept):.1f} (min {int(np.min(informative_kept))})",
                every,
                f"{np.mean(noise_kept):.1f} (max {int(np.max(noise_kept))})",
                "" if np.isnan(share).all() else f"{np.mean(share):.1%} (max {np.max(share):.1%})",
                f"{np.nanmean(scores):.3f} (min {np.nanmin(scores):.3f})",
                f"{np.median(times):.2f}"))
        figures[name] = {"ranks": ranks, "rules": {k: [e[:5] for e in v]
                                                   for k, v in rules.items()}}
    body = (
        f"{len(list(seeds))} seeds per set; mean and worst seed. The plain network is the "
        "estimators' default (hidden (100,), Adam, scikit-learn's stopping rule); the path "
        "network adds `input_penalty=\"path\"` (with its screening rounds; the row without "
        "them is the first path alone); the selector's default estimator is the path "
        "network. lassonet: the `lassonet` package's path (hidden (32,), its importances are "
        "the penalty at which each column leaves the path: no mass). Boruta: the `boruta` "
        "package's BorutaPy around a random forest (100 trees, "
        f"depth 7, {10 if quick else 30} iterations, reduced to fit the budget; confirmed "
        "columns kept).\n\n**Rankings** (k = number of informative columns)\n\n"
        + table(["data", "method", "precision@k mean", "min", "mass on informative mean",
                 "min", "model's held-out score", "seconds (median)"], rank_rows)
        + "\n\n**Rules** (what each keeps; the refit is scikit-learn's "
        "HistGradientBoosting on the kept columns, scored on the held-out 25% (accuracy, or "
        "R^2 for Friedman); 'kept in >= 80% of seeds' counts the informative columns kept in "
        "at least 80% of the seeds)\n\n"
        + table(["data", "rule", "informative kept", "kept in >= 80% of seeds", "noise kept",
                 "noise share", "refit score", "seconds (median)"], rule_rows)
    )
    return body, figures


if __name__ == "__main__":
    print(run(quick=True)[0])
