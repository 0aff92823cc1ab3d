"""A grid search over the model after the selector: with ``Pipeline(memory=)`` the
selection is fitted once per fold (joblib's cache), not once per fold and setting.

Breast cancer, ``LearningGradientSelector(threshold="all-relevant")`` then a logistic
regression, ``GridSearchCV`` over its ``C`` (4 values, 3 folds): the selector's fits are
counted and the search is timed, without and with a cache folder, in one run.
"""

import tempfile
import time
import warnings

from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from ._report import table


def _search(memory, quick):
    from sklgrad import LearningGradientSelector
    from sklgrad._selection import _selector

    X, y = load_breast_cancer(return_X_y=True)
    fits, fit = [], _selector.LearningGradientSelector.fit

    def counted(self, *args, **kwargs):
        fits.append(1)
        return fit(self, *args, **kwargs)

    _selector.LearningGradientSelector.fit = counted
    try:
        pipe = Pipeline([("select", LearningGradientSelector(threshold="all-relevant",
                                                             random_state=0)),
                         ("model", LogisticRegression(max_iter=5000))], memory=memory)
        grid = {"model__C": [0.1, 1.0] if quick else [0.01, 0.1, 1.0, 10.0]}
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
        return time.perf_counter() - start, len(fits), search
    finally:
        _selector.LearningGradientSelector.fit = fit


def run(quick=False):
    plain_seconds, plain_fits, plain = _search(None, quick)
    with tempfile.TemporaryDirectory() as cache:
        cached_seconds, cached_fits, cached = _search(cache, quick)
    same = (plain.best_params_ == cached.best_params_
            and abs(plain.best_score_ - cached.best_score_) < 1e-12)
    n_settings = len(plain.cv_results_["params"])
    rows = [("`Pipeline(steps)`", plain_fits, f"{plain_seconds:.1f}"),
            ("`Pipeline(steps, memory=folder)`", cached_fits, f"{cached_seconds:.1f}")]
    body = (
        f"Breast cancer (569 x 30), `LearningGradientSelector(threshold=\"all-relevant\")` "
        f"then `LogisticRegression`, `GridSearchCV` over `C` ({n_settings} values, 3 folds, "
        "then the refit on every row), one process:\n\n"
        + table(["pipeline", "selector fits", "search seconds"], rows)
        + f"\n\nWith the cache the selector is fitted once per fold and once for the refit "
        f"({cached_fits} fits instead of {plain_fits}): the search took "
        f"{cached_seconds / plain_seconds:.2f}x the time. Same best setting and score: "
        f"{'yes' if same else 'NO'}.")
    return body, {"plain": [plain_fits, plain_seconds], "cached": [cached_fits,
                                                                   cached_seconds],
                  "same": same}


if __name__ == "__main__":
    print(run(quick=True)[0])
