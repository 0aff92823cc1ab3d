"""Columns that leak the answer: a single column that predicts the target (nearly) as well
as the whole table does.

A leak is judged against the baselines, not against a fixed score: each column's
cross-validated score alone (a depth-4 tree on it) is placed between the constant
prediction's and a gradient-boosting model's on every column. A column is flagged when on
its own it closes most of the gap between the constant and a perfect score *and* most of the
gap to the whole table (``NEAR_COMPLETE``), or when it closes far more of it than any other
column does (``OUTSTANDING``).
"""

import shlex

#: Share of the gap (constant to perfect, and constant to the whole table) a column closes
#: alone to be flagged as near-complete.
NEAR_COMPLETE = 0.9
#: A column closing at least this share of the gap to perfect ...
OUTSTANDING = 0.5
#: ... and this many times the share of the next best column is flagged as outstanding.
OUTSTANDING_RATIO = 2.0


def _codes(values):
    import pandas as pd

    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=float)
    codes = pd.factorize(values)[0].astype(float)
    codes[codes < 0] = float("nan")
    return codes


def _scores(X, y, task, seed):
    """Cross-validated scores: the constant's, the whole table's, and each column's alone
    (accuracy or R^2, 3 folds)."""
    import numpy as np
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    classification = task == "classification"
    folds = (StratifiedKFold if classification else KFold)(3, shuffle=True, random_state=seed)
    codes = np.column_stack([_codes(X[column]) for column in X.columns])
    constant = cross_val_score(DummyClassifier() if classification else DummyRegressor(),
                               codes, y, cv=folds).mean()
    whole = (HistGradientBoostingClassifier if classification
             else HistGradientBoostingRegressor)(random_state=seed)
    whole_score = cross_val_score(whole, codes, y, cv=folds).mean()
    tree = (DecisionTreeClassifier if classification else DecisionTreeRegressor)(
        max_depth=4, random_state=seed)
    alone = {column: cross_val_score(tree, codes[:, [index]], y, cv=folds).mean()
             for index, column in enumerate(X.columns)}
    return float(constant), float(whole_score), {c: float(s) for c, s in alone.items()}


def single_column_leaks(X, y, task, seed):
    """``{column: finding}`` for the columns that predict the target alone nearly as well as
    the whole table (each finding: its score alone, the constant's, the whole table's, the
    share of the gap it closes, and why it is flagged)."""
    counts = y.value_counts()
    # A target that a constant already predicts: nothing to tell from a column.
    if y.nunique() < 2 or (task == "classification" and counts.min() < 3):
        return {}
    constant, whole, alone = _scores(X, y, task, seed)
    perfect = 1.0  # accuracy and R^2
    if perfect - constant <= 1e-12:
        return {}
    closed = {column: (score - constant) / (perfect - constant)
              for column, score in alone.items()}
    found = {}
    for column, share in closed.items():
        of_whole = ((alone[column] - constant) / (whole - constant)
                    if whole > constant else 0.0)
        others = [value for other, value in closed.items() if other != column]
        next_best = max(others, default=0.0)
        if share >= NEAR_COMPLETE and of_whole >= NEAR_COMPLETE:
            why = "near-complete"
        elif share >= OUTSTANDING and share >= OUTSTANDING_RATIO * max(next_best, 0.0):
            why = "outstanding"
        else:
            continue
        found[column] = {"score_alone": alone[column], "constant_score": constant,
                         "whole_table_score": whole, "gap_closed": share,
                         "next_best_gap_closed": next_best, "why": why}
    return found


def report_leaks(X, y, task, seed, record, keep=True):
    """Warn (in ``record``) about single-column leaks; return the leaking columns."""
    metric = "accuracy" if task == "classification" else "R^2"
    leaks = single_column_leaks(X, y, task, seed)
    for column, finding in leaks.items():
        reason = (f"closes {finding['gap_closed']:.0%} of the gap from a constant "
                  f"({finding['constant_score']:.3f}) to a perfect score, where the whole "
                  f"table's model gets {finding['whole_table_score']:.3f}"
                  if finding["why"] == "near-complete" else
                  f"closes {finding['gap_closed']:.0%} of the gap from a constant "
                  f"({finding['constant_score']:.3f}) to a perfect score, more than twice "
                  f"any other column ({finding['next_best_gap_closed']:.0%})")
        action = ("kept as an input" if keep else
                  "left out of the selection and of reduced.csv (--keep-leaks keeps it)")
        record.warn("leak",
                    f"column {column!r} alone predicts the target with held-out {metric} "
                    f"{finding['score_alone']:.3f}: it {reason}; check that it is not the "
                    f"answer in disguise ({action}); drop it with "
                    f"--drop {shlex.quote(column)}", columns=[column], **finding)
    return list(leaks)
