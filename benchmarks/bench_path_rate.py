"""The path network's learning rate: scikit-learn's default step size (0.001) against 0.01,
on the nonlinear sets and on the high-dimensional sets of the sharp section, beside a
500-tree forest.

A point of the path trains about ``PathSettings.point_steps`` optimizer steps: at Adam's
default step size a slowly learned effect (a ring) is not learned in that budget among
many noise columns, and is eliminated with them. ``LearningGradientClassifier(
input_penalty="path")`` at ``learning_rate_init`` 0.001 and 0.01, on the sets of
``_nonlinear.py`` (seed 0, 2,000 rows cut into two folds of 1,000, as the nonlinear section
cuts them) among 64, 512 and 2,048 noise columns: each fit's top k (k = the relevant
columns) against the relevant columns, and its seconds beside a forest's fit on the same
rows. Then the sets of the sharp section (seeds 0-2, a quarter of the rows held out):
precision@k of each network's importances and its held-out score.
"""

import time
import warnings

import numpy as np
from sklearn.model_selection import train_test_split

from ._report import table
from .bench_path_blocks import _forest, grid
from .bench_sharp import _data

RATES = (1e-3, 1e-2)
WIDTHS = (64, 512, 2048)
SHARP_SETS = ("classification-200", "classification-1000", "friedman1-200", "xor-50")
FOREST = "forest (500 trees)"


def _label(rate):
    return f"path, learning_rate_init={rate:g}" + (" (default)" if rate == 1e-3 else "")


def _path(X, y, rate, seed, regression=False):
    from sklgrad import LearningGradientClassifier, LearningGradientRegressor

    network = LearningGradientRegressor if regression else LearningGradientClassifier
    return network(input_penalty="path", learning_rate_init=rate,
                   random_state=seed).fit(X, y)


def _scores(method, X, y, seed):
    """One method's numbers on ``X, y``."""
    if method == FOREST:
        return _forest(X, y, seed)
    return _path(X, y, RATES[_methods().index(method) - 1], seed).feature_importances_


def _methods():
    return [FOREST, *map(_label, RATES)]


def held_out_fits(data, seeds, regression=False):
    """The path at each rate fitted on three quarters of ``data(seed)``'s rows, for each
    seed: ``(rate, network, its score on the other quarter, seconds of the fit, the seed's
    third item of data)``."""
    for seed in seeds:
        X, y, columns = data(seed)
        X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=seed)
        for rate in RATES:
            start = time.perf_counter()
            network = _path(X_train, y_train, rate, seed, regression)
            spent = time.perf_counter() - start
            yield rate, network, float(network.score(X_test, y_test)), spent, columns


def _sharp_cell(name, seeds):
    """Precision@k, held-out score and seconds of the path at each rate, per seed."""
    found = {_label(rate): {"precision": [], "score": [], "seconds": []} for rate in RATES}
    fits = held_out_fits(lambda seed: _data(name, seed), seeds, name.startswith("friedman"))
    for rate, network, score, spent, informative in fits:
        top = np.argsort(-network.feature_importances_, kind="stable")[:len(informative)]
        entry = found[_label(rate)]
        entry["precision"].append(float(np.isin(top, informative).mean()))
        entry["score"].append(score)
        entry["seconds"].append(spent)
    return found


def run(quick=False):
    warnings.simplefilter("ignore")
    methods = _methods()
    rank_rows, time_rows, figures = grid(WIDTHS, methods, _scores, quick)
    sharp_rows = []
    for name in SHARP_SETS[:1] if quick else SHARP_SETS:
        found = _sharp_cell(name, range(1) if quick else range(3))
        sharp_rows.append([name] + [
            f"{np.mean(found[m]['precision']):.2f} (min {np.min(found[m]['precision']):.2f})"
            f" / {np.mean(found[m]['score']):.3f} (min {np.min(found[m]['score']):.3f})"
            f" / {np.median(found[m]['seconds']):.1f}" for m in map(_label, RATES)])
        figures[name] = found
    body = (
        "`LearningGradientClassifier(input_penalty=\"path\")` (the regressor on Friedman's "
        "set) at scikit-learn's default `learning_rate_init` (0.001) and at 0.01, "
        "everything else at its default (screening blocks of 50). Nonlinear sets of our own "
        "(`benchmarks/_nonlinear.py`), seed 0, 2,000 rows cut into two folds of 1,000, "
        "each method fitted on each fold (the forest's numbers are the nonlinear section's "
        "forest on the same rows).\n\n"
        "**Best-k** (how often the top k holds every relevant column) / precision@k:\n\n"
        + table(["set (relevant) among noise columns", *methods], rank_rows)
        + "\n\n**Seconds** of one fit (mean over the folds), and its multiple of the "
        "forest's fit on the same rows:\n\n"
        + table(["set (relevant) among noise columns", *methods], time_rows)
        + "\n\n**The sharp section's sets** (seeds 0-2, 2,000 rows, a quarter held out): "
        "precision@k of the network's importances (mean, min) / the network's held-out "
        "score, accuracy or R^2 (mean, min) / seconds of one fit (median):\n\n"
        + table(["data", *map(_label, RATES)], sharp_rows))
    return body, figures


if __name__ == "__main__":
    print(run(quick=True)[0])
