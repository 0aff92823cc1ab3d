"""Effects a network learns slowly, among hundreds of noise columns: the selector's two
questions against a 500-tree random forest and Boruta (``_slow_effects.py``: 2,000 rows,
300-1,000 columns, 5 seeds; Boruta on seed 0 only, for its time)."""

import time
import warnings

import numpy as np

from sklgrad import LearningGradientSelector

from ._report import table
from ._slow_effects import SETS, slow_effects, task
from .bench_real_selection import _forest, boruta

# Each split tries the square root of the columns, ranger's default (which R's Boruta
# uses) and scikit-learn's for classification: a regression forest's default (every
# column at every split) takes minutes per fit on 1,000 columns.
SPLIT_COLUMNS = dict(max_features="sqrt")


def _precision_at_k(scores, informative):
    top = np.argsort(-scores, kind="stable")[:informative.sum()]
    return float(informative[top].mean())


def run(quick=False):
    names = list(SETS)[:1] if quick else list(SETS)
    seeds = [0] if quick else [0, 1, 2, 3, 4]
    rows, figures = [], {}
    for name in names:
        kind = task(name)
        kept = {"all-relevant": [], "minimal": []}
        seconds = {"all-relevant": [], "minimal": [], "forest": []}
        precision = {"path screen": [], "minimal": [], "forest": []}
        positions = []
        for seed in seeds:
            X, y, where = slow_effects(name, seed, n_rows=500 if quick else 2000)
            informative = np.isin(np.arange(X.shape[1]), where)
            positions.append(where)
            for question in kept:
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    selector = LearningGradientSelector(threshold=question,
                                                        random_state=seed).fit(X, y)
                seconds[question].append(time.perf_counter() - start)
                mask = selector.get_support()
                kept[question].append(mask)
                if question == "all-relevant":
                    scores = selector.path_screen_.feature_importances_[:X.shape[1]]
                    precision["path screen"].append(
                        _precision_at_k(scores, informative))
                else:  # the importances it reports: its ranking networks', 0 off its set
                    precision["minimal"].append(
                        _precision_at_k(selector.importances_mean_, informative))
            start = time.perf_counter()
            forest = _forest(kind, seed, n_estimators=500, **SPLIT_COLUMNS).fit(X, y)
            seconds["forest"].append(time.perf_counter() - start)
            precision["forest"].append(_precision_at_k(forest.feature_importances_,
                                                       informative))
        X, y, where = slow_effects(name, 0, n_rows=500 if quick else 2000)
        informative = np.isin(np.arange(X.shape[1]), where)
        if quick:
            boruta_mask, boruta_seconds = np.zeros(X.shape[1], bool), float("nan")
        else:
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                boruta_mask = boruta(X, y, kind, 0, **SPLIT_COLUMNS)
            boruta_seconds = time.perf_counter() - start
        for question, masks in kept.items():
            # Per informative column (the formula's order): in how many seeds it was kept.
            per_column = np.sum([m[where] for m, where in zip(masks, positions)],
                                axis=0).astype(int).tolist()
            noise_share = float(np.mean([
                (m.sum() - m[where].sum()) / max(m.sum(), 1)
                for m, where in zip(masks, positions)]))
            figures[f"{name}/{question}"] = dict(per_column=per_column,
                                                 noise_share=noise_share,
                                                 seconds=float(np.median(seconds[question])))
            rows.append((name, X.shape[1], question,
                         " ".join(f"{k}/{len(seeds)}" for k in per_column),
                         f"{noise_share:.3f}", f"{np.median(seconds[question]):.1f}", "", "",
                         ""))
        rows.append((name, X.shape[1], "Boruta (seed 0)",
                     f"{int((boruta_mask & informative).sum())} of {informative.sum()}",
                     f"{(boruta_mask & ~informative).sum() / max(boruta_mask.sum(), 1):.3f}",
                     f"{boruta_seconds:.1f}", "", "", ""))
        means = {k: float(np.mean(v)) for k, v in precision.items()}
        rows.append((name, X.shape[1], "precision@k", "", "", "",
                     f"{means['path screen']:.2f}", f"{means['minimal']:.2f}",
                     f"{means['forest']:.2f} ({np.median(seconds['forest']):.1f} s)"))
        figures[f"{name}/precision"] = means
    body = (
        f"2,000 rows, N(0, 1) columns, seeds {', '.join(map(str, seeds))}; the informative "
        "columns hold effects a network learns slowly (interactions without marginal "
        "effect, periodic and even functions). Kept: in how many seeds each informative "
        "column was kept (one entry per column, in the formula's order); noise share: noise "
        "columns among those kept (mean over seeds); time: median of one selection on one "
        "core. precision@k (k = the informative columns) of three rankings: the path "
        "network of the all-relevant screen (trained on every column and their shadows), "
        "the numbers \"minimal\" reports (its ranking networks, trained on the columns it "
        "kept beside a shuffled copy of each; 0 on the other columns) and a 500-tree random "
        "forest (its fit time in brackets). The forests (Boruta's too) try the square "
        "root of the columns at each split.\n\n"
        + table(["set", "columns", "rule", "kept (per informative column)", "noise share",
                 "time (s)", "precision@k path screen", "precision@k minimal",
                 "precision@k forest"], rows)
    )
    return body, figures
