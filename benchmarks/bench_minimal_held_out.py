"""Does "minimal" lose on held-out rows? Its columns refit by gradient boosting against the
real columns, at three tolerances.

The five real-data sets with permuted-copy noise (``_real_data.py``), seeds 10-14 (not the
real-data section's 0-2): a quarter of the rows held out (stratified for classes), the
selector fitted on the rest with ``minimal_tolerance`` 1 (the default, the one-standard-
error rule), 0.5 and 0; a ``HistGradientBoosting`` model refit on the kept columns and one
on the real columns, both scored on the held-out rows (accuracy, or R^2). Beside them, the
same for ``relevant_`` (the all-relevant answer that each minimal fit computes first): what
a user refitting another model than a network can take instead.
"""

import warnings

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.model_selection import train_test_split

from ._real_data import SETS, semi_synthetic, task
from ._report import table

TOLERANCES = (1.0, 0.5, 0.0)
#: The column of the all-relevant answer (``relevant_`` of the default fit).
RELEVANT = "relevant_"
SEEDS = (10, 11, 12, 13, 14)


def _held_out_score(X_train, y_train, X_test, y_test, kind, seed):
    model = (HistGradientBoostingClassifier if kind == "classification"
             else HistGradientBoostingRegressor)(random_state=seed)
    return float(model.fit(X_train, y_train).score(X_test, y_test))


def run(quick=False):
    from sklgrad import LearningGradientSelector

    warnings.simplefilter("ignore")
    sets = ["wine"] if quick else list(SETS)
    seeds = SEEDS[:1] if quick else SEEDS
    answers = (*TOLERANCES, RELEVANT)
    rows, losses = [], {t: [] for t in answers}
    for name in sets:
        kind = task(name)
        lost, kept = {t: [] for t in answers}, {t: [] for t in answers}
        for seed in seeds:
            X, y, real = semi_synthetic(name, seed)
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=0.25, random_state=seed,
                stratify=y if kind == "classification" else None)
            on_real = _held_out_score(X_train[:, real], y_train, X_test[:, real], y_test,
                                      kind, seed)
            masks = {}
            for tolerance in TOLERANCES:
                selector = LearningGradientSelector(
                    random_state=seed, minimal_tolerance=tolerance).fit(X_train, y_train)
                masks[tolerance] = selector.get_support()
                if tolerance == TOLERANCES[0]:
                    masks[RELEVANT] = selector.relevant_
            for answer, mask in masks.items():
                kept[answer].append(int(mask.sum()))
                lost[answer].append(on_real - _held_out_score(
                    X_train[:, mask], y_train, X_test[:, mask], y_test, kind, seed))
        row = [f"{name} ({real.sum()} real, {(~real).sum()} noise; "
               f"{'R^2' if kind == 'regression' else 'accuracy'})"]
        for answer in answers:
            losses[answer].extend(lost[answer])
            row.append(f"{np.mean(kept[answer]):.1f} columns, "
                       f"{np.mean(lost[answer]):+.3f} / {np.max(lost[answer]):+.3f}")
        rows.append(row)
    rows.append(["every set and seed"] + [
        f"{np.mean(losses[t]):+.3f} / {np.max(losses[t]):+.3f}" for t in answers])
    body = (
        f"Real data sets with permuted-copy noise, seeds {', '.join(map(str, seeds))}, a "
        "quarter of the rows held out; `LearningGradientSelector(minimal_tolerance=t)` on "
        "the rest, then `HistGradientBoosting` refit on its columns and on the real "
        "columns, scored on the held-out rows; the last column refits on `relevant_` "
        "(the all-relevant answer, computed by the same default fit). Each cell: columns "
        "kept (mean), then the score lost against the real columns, mean / worst seed "
        "(positive: the selected columns score lower):\n\n"
        + table(["set", *(f"tolerance {t:g}" for t in TOLERANCES),
                 "`relevant_` (all-relevant)"], rows))
    return body, {"rows": rows,
                  "lost": {str(t): [float(v) for v in losses[t]] for t in answers}}


if __name__ == "__main__":
    print(run(quick=True)[0])
