"""The cost of one selection as the table widens: 2,000 rows of ``make_classification``
(10 informative columns) at 1,000, 3,000 and 10,000 columns; each question once, beside a
500-tree random forest's fit and (at 1,000 columns) Boruta, in one run on one core."""

import time
import warnings

import numpy as np
from sklearn.datasets import make_classification

from sklgrad import LearningGradientSelector

from ._report import table
from .bench_real_selection import _forest, boruta


def _timed(fn, *args):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fn(*args)
    return result, time.perf_counter() - start


def run(quick=False):
    widths = (200,) if quick else (1000, 3000, 10000)
    n_rows = 500 if quick else 2000
    rows, figures = [], {}
    for width in widths:
        X, y = make_classification(n_samples=n_rows, n_features=width, n_informative=10,
                                   n_redundant=0, shuffle=False, random_state=0)
        informative = np.arange(width) < 10
        order = np.random.default_rng(0).permutation(width)
        X, informative = X[:, order], informative[order]
        cells = {}
        for question in ("all-relevant", "minimal"):
            selector, seconds = _timed(
                LearningGradientSelector(threshold=question, random_state=0).fit, X, y)
            mask = selector.get_support()
            cells[question] = (seconds, int((mask & informative).sum()),
                               int((mask & ~informative).sum()))
        _, forest_seconds = _timed(_forest("classification", 0, n_estimators=500).fit, X, y)
        cells["forest (500 trees)"] = (forest_seconds, None, None)
        if width <= 1000 and not quick:
            mask, seconds = _timed(boruta, X, y, "classification", 0)
            cells["Boruta"] = (seconds, int((mask & informative).sum()),
                               int((mask & ~informative).sum()))
        for rule, (seconds, real, noise) in cells.items():
            figures[f"{width}/{rule}"] = dict(seconds=seconds, informative=real, noise=noise)
            rows.append((width, rule, f"{seconds:.1f}",
                         f"{seconds / forest_seconds:.2f}",
                         "" if real is None else f"{real} of 10",
                         "" if noise is None else noise))
    body = (
        f"{n_rows:,} rows of `make_classification` (10 informative columns, the rest noise, "
        "columns shuffled), seed 0: the time of one selection, and its ratio to a 500-tree "
        "random forest's fit measured in the same run (one core). Boruta runs at 1,000 "
        "columns only (100 iterations of a forest there; at 3,000 columns it takes about "
        "five times as long).\n\n"
        + table(["columns", "rule", "time (s)", "/ forest", "informative kept",
                 "noise kept"], rows)
    )
    return body, figures
