"""Stability of the selection: between-seed agreement of the selector on breast cancer.

For each ``n_repeats``, several selectors with independent seeds are fitted; their mean
importances are compared pairwise by Spearman rank correlation, and their top-10 sets by
Jaccard overlap. The network is the paper's (30-3-1, SGD, 40 epochs).
"""

from itertools import combinations

import numpy as np
from scipy.stats import spearmanr
from sklearn.datasets import load_breast_cancer

from sklgrad import LearningGradientClassifier, LearningGradientSelector

from ._report import table

PAPER_NETWORK = dict(hidden_layer_sizes=(3,), solver="sgd", learning_rate_init=0.01,
                     batch_size=32, max_iter=40, tol=None)


def _agreement(importances, k=10):
    pairs = list(combinations(range(len(importances)), 2))
    rho = [spearmanr(importances[a], importances[b]).statistic for a, b in pairs]
    tops = [set(np.argsort(-imp)[:k]) for imp in importances]
    jaccard = [len(tops[a] & tops[b]) / len(tops[a] | tops[b]) for a, b in pairs]
    return float(np.mean(rho)), float(np.min(rho)), float(np.mean(jaccard))


def run(quick=False):
    X, y = load_breast_cancer(return_X_y=True)
    n_selectors = 3 if quick else 6
    repeats = (1, 2) if quick else (1, 5, 10)
    rows, figures = [], {}
    for n_repeats in repeats:
        importances = [
            LearningGradientSelector(LearningGradientClassifier(**PAPER_NETWORK),
                                     n_repeats=n_repeats, random_state=1000 + s)
            .fit(X, y).importances_mean_
            for s in range(n_selectors)
        ]
        mean_rho, min_rho, jaccard = _agreement(np.array(importances))
        figures[n_repeats] = dict(spearman_mean=mean_rho, spearman_min=min_rho,
                                  top10_jaccard=jaccard)
        rows.append((n_repeats, mean_rho, min_rho, jaccard))
    body = (
        f"Breast cancer, the paper's network (30-3-1, SGD, lr 0.01, batch 32, 40 epochs). "
        f"For each `n_repeats`, {n_selectors} selectors with independent seeds; pairwise "
        "agreement of their mean importances.\n\n"
        + table(["n_repeats", "Spearman (mean)", "Spearman (min)", "top-10 Jaccard (mean)"],
                rows)
    )
    return body, figures
