"""The path network's screening blocks: how many eliminated inputs a screening round puts
beside the survivors, on the nonlinear sets, against a 500-tree forest.

``LearningGradientClassifier(input_penalty="path")`` with ``PathSettings.screen_block`` 50
and 20, on the sets of ``_nonlinear.py`` (seed 0, 2,000 rows cut into two folds of 1,000,
as the nonlinear section cuts them) among 64 and 512 noise columns; each fit's top k
(k = the relevant columns) against the relevant columns, and its seconds beside a forest's
fit on the same rows. Then one fit at 1,000 noise columns (ring + XOR, first fold): the
cost of each block size at the width issue 40 names.
"""

import dataclasses
import time
import warnings

import numpy as np

from ._nonlinear import SETS, nonlinear
from ._report import table

BLOCKS = (50, 20)
# 2,048 noise columns are left out: with blocks of 20 a fit there costs more than the rest
# of the section (docs/method.md, "Screening rounds"); the path-rate section runs that width.
WIDTHS = (64, 512)
#: The nonlinear section's seed and folds: 2,000 rows cut into two of 1,000.
SEED = 0
FOLDS = (slice(0, 1000), slice(1000, 2000))
#: The width of the cost row (issue 40 asks the path at 1,000 columns for a forest's time).
WIDE = 1000


def _path(X, y, block, seed):
    from sklgrad import LearningGradientClassifier
    from sklgrad._engine.settings import current_options, engine_options

    schedule = dataclasses.replace(current_options().path, screen_block=block)
    with engine_options(path=schedule):
        return LearningGradientClassifier(input_penalty="path", random_state=seed).fit(
            X, y).feature_importances_


def _forest(X, y, seed):
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(500, n_jobs=1, random_state=seed).fit(
        X, y).feature_importances_


def _top_k(scores, relevant):
    top = np.argsort(-np.asarray(scores, dtype=float), kind="mergesort")[:len(relevant)]
    hits = len(set(top.tolist()) & set(relevant.tolist()))
    return hits == len(relevant), hits / len(relevant)


def _methods():
    return ["forest (500 trees)"] + [f"path, blocks of {b}" for b in BLOCKS]


def _scores(method, X, y, seed):
    """One method's numbers on ``X, y``."""
    if method.startswith("forest"):
        return _forest(X, y, seed)
    return _path(X, y, int(method.rsplit(" ", 1)[1]), seed)


def cell(name, width, seed, folds, methods, scores):
    """Each method's best-k, precision@k and seconds on one set and width, per fold;
    ``scores(method, X, y, seed)`` is a method's numbers on ``X, y``."""
    X, y, relevant = nonlinear(name, width, seed, n_rows=2000)
    found = {m: {"best": [], "precision": [], "seconds": []} for m in methods}
    for rows in folds:
        for method in methods:
            start = time.perf_counter()
            numbers = scores(method, X[rows], y[rows], seed)
            spent = time.perf_counter() - start
            all_in, precision = _top_k(numbers, relevant)
            found[method]["best"].append(all_in)
            found[method]["precision"].append(precision)
            found[method]["seconds"].append(spent)
    return f"{name} ({len(relevant)}) among {width}", found


def cell_rows(label, found, methods):
    """A cell's best-k / precision@k row, its seconds row (each with its multiple of the
    first method's, the forest's) and its figures (means over the folds)."""
    forest = np.mean(found[methods[0]]["seconds"])
    ranks = [label] + [f"{np.mean(found[m]['best']):.0%} / "
                       f"{np.mean(found[m]['precision']):.2f}" for m in methods]
    seconds = [label] + [f"{np.mean(found[m]['seconds']):.1f} "
                         f"({np.mean(found[m]['seconds']) / forest:.1f}x)" for m in methods]
    return ranks, seconds, {m: {k: float(np.mean(v)) for k, v in found[m].items()}
                            for m in methods}


def grid(widths, methods, scores, quick):
    """Every set at every width (the first of each with ``quick``, on one fold): the
    best-k rows, the seconds rows and the figures, per :func:`cell_rows`."""
    folds = FOLDS[:1] if quick else FOLDS
    rank_rows, time_rows, figures = [], [], {}
    for width in widths[:1] if quick else widths:
        for name in list(SETS)[:1] if quick else SETS:
            label, found = cell(name, width, SEED, folds, methods, scores)
            ranks, seconds, figures[label] = cell_rows(label, found, methods)
            rank_rows.append(ranks)
            time_rows.append(seconds)
    return rank_rows, time_rows, figures


def run(quick=False):
    warnings.simplefilter("ignore")
    methods = _methods()
    rank_rows, time_rows, figures = grid(WIDTHS, methods, _scores, quick)
    if not quick:  # the cost as the table widens: one fold
        label, found = cell("ring + XOR", WIDE, SEED, FOLDS[:1], methods, _scores)
        forest = found[methods[0]]["seconds"][0]
        time_rows.append([f"{label}, first fold"] + [
            f"{found[m]['seconds'][0]:.1f} ({found[m]['seconds'][0] / forest:.1f}x), "
            f"top 4 holds {found[m]['precision'][0]:.2f}" for m in methods])
        figures[label] = {m: {k: float(v[0]) for k, v in found[m].items()} for m in methods}
    body = (
        "Sets of our own (`benchmarks/_nonlinear.py`), seed 0, 2,000 rows cut into two folds "
        "of 1,000 (each method fits on each fold, as in the nonlinear section: the forest's "
        "numbers are that section's). The path network is "
        "`LearningGradientClassifier(input_penalty=\"path\")` with `PathSettings."
        f"screen_block` {' and '.join(map(str, BLOCKS))}: a screening round puts that many "
        "eliminated inputs beside the survivors per block.\n\n"
        "**Best-k** (how often the top k holds every relevant column) / precision@k:\n\n"
        + table(["set (relevant) among noise columns", *methods], rank_rows)
        + "\n\n**Seconds** of one fit (mean over the folds), and its multiple of the "
        "forest's fit on the same rows:\n\n"
        + table(["set (relevant) among noise columns", *methods], time_rows))
    return body, figures


if __name__ == "__main__":
    print(run(quick=True)[0])
