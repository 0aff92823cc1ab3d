"""Selection on real data: the selector's two questions against Boruta, a random forest,
permutation importance, SHAP on gradient boosting and L1, on five real data sets with noise
columns made of permuted real columns (``_real_data.py``), seeds 0-2.

Each rule answers "which columns to keep"; the table counts the real and the noise columns
kept (mean over seeds), the time of one selection, and the score of a gradient-boosting
refit on the kept columns (3-fold cross-validation: accuracy or R^2) beside the refit on the
real columns. All rules run in this one process, one after the other, on one core.
"""

import time
import warnings

import numpy as np
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.feature_selection import SelectFromModel
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LassoCV, LogisticRegressionCV
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklgrad import LearningGradientSelector

from ._real_data import SETS, semi_synthetic, task
from ._report import table


def _classes(y):
    return np.unique(y, return_inverse=True)[1]


def _gbm(kind, seed):
    if kind == "classification":
        return HistGradientBoostingClassifier(random_state=seed)
    return HistGradientBoostingRegressor(random_state=seed)


def _forest(kind, seed, **params):
    cls = RandomForestClassifier if kind == "classification" else RandomForestRegressor
    return cls(random_state=seed, n_jobs=1, **params)


def sklgrad_rule(threshold):
    def select(X, y, kind, seed):
        return LearningGradientSelector(threshold=threshold,
                                        random_state=seed).fit(X, y).get_support()
    return select


def boruta(X, y, kind, seed, **forest_params):
    from boruta import BorutaPy

    selector = BorutaPy(_forest(kind, seed, max_depth=7, **forest_params),
                        n_estimators="auto", max_iter=100, random_state=seed)
    return selector.fit(X, _classes(y) if kind == "classification" else y).support_


def forest(X, y, kind, seed):
    # SelectFromModel's default on a 500-tree forest: importance above the mean.
    return SelectFromModel(_forest(kind, seed, n_estimators=500)).fit(X, y).get_support()


def permutation(X, y, kind, seed):
    # Permutation importance of a gradient-boosting model on held-out rows (10 repeats):
    # kept when the mean drop exceeds twice its standard deviation.
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3,
                                                        random_state=seed)
    model = _gbm(kind, seed).fit(X_train, y_train)
    result = permutation_importance(model, X_test, y_test, n_repeats=10, random_state=seed,
                                    n_jobs=1)
    return result.importances_mean - 2 * result.importances_std > 0


def shap_gbm(X, y, kind, seed):
    # Mean |SHAP| of a gradient-boosting model, kept above the mean (SelectFromModel's
    # default rule).
    import shap

    model = _gbm(kind, seed).fit(X, y)
    values = np.abs(np.asarray(shap.TreeExplainer(model).shap_values(X)))
    scores = values.reshape(-1, X.shape[1]) if values.ndim == 2 else (
        values.mean(axis=tuple(i for i in range(values.ndim) if values.shape[i] != X.shape[1])))
    scores = scores.mean(axis=0) if scores.ndim == 2 else scores
    return scores > scores.mean()


def lasso(X, y, kind, seed):
    # L1 with its strength cross-validated; kept: nonzero coefficients.
    if kind == "classification":
        model = LogisticRegressionCV(l1_ratios=(1.0,), solver="saga", Cs=10, cv=3,
                                     max_iter=2000, random_state=seed)
    else:
        model = LassoCV(cv=3, random_state=seed, max_iter=5000)
    fitted = make_pipeline(StandardScaler(), model).fit(X, y)[-1]
    return np.abs(np.atleast_2d(fitted.coef_)).sum(axis=0) > 1e-10


RULES = {
    "sklgrad all-relevant": sklgrad_rule("all-relevant"),
    "sklgrad minimal (default)": sklgrad_rule("minimal"),
    "Boruta": boruta,
    "forest (500 trees, > mean)": forest,
    "permutation (GBM)": permutation,
    "SHAP (GBM, > mean)": shap_gbm,
    "L1 (CV)": lasso,
}
QUICK_RULES = ("sklgrad all-relevant", "sklgrad minimal (default)", "forest (500 trees, > mean)")


def _refit(X, y, kind, mask, seed):
    if not mask.any():
        return float("nan")
    return float(cross_val_score(_gbm(kind, seed), X[:, mask], y, cv=3).mean())


def run(quick=False):
    sets = ["wine"] if quick else list(SETS)
    seeds = [0] if quick else [0, 1, 2]
    rules = {name: RULES[name] for name in (QUICK_RULES if quick else RULES)}
    rows, figures = [], {}
    for name in sets:
        kind = task(name)
        results = {rule: [] for rule in rules}
        reference = []
        for seed in seeds:
            X, y, real = semi_synthetic(name, seed)
            reference.append(_refit(X, y, kind, real, seed))
            for rule, select in rules.items():
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    mask = np.asarray(select(X, y, kind, seed), dtype=bool)
                seconds = time.perf_counter() - start
                results[rule].append((int((mask & real).sum()), int((mask & ~real).sum()),
                                      seconds, _refit(X, y, kind, mask, seed)))
        n_real = int(real.sum())
        for rule, runs in results.items():
            real_kept, noise_kept, seconds, score = np.array(runs, dtype=float).T
            figures[f"{name}/{rule}"] = dict(
                real=float(real_kept.mean()), noise=float(noise_kept.mean()),
                seconds=float(np.median(seconds)), refit=float(np.nanmean(score)),
                refit_real=float(np.mean(reference)))
            rows.append((name, f"{n_real} + {X.shape[1] - n_real}", rule,
                         f"{real_kept.mean():.1f}", f"{noise_kept.mean():.1f}",
                         f"{real_kept.min():.0f}-{real_kept.max():.0f}",
                         f"{np.median(seconds):.1f}", f"{np.nanmean(score):.3f}",
                         f"{np.mean(reference):.3f}"))
    body = (
        "Real data sets with noise columns that are real columns of the same set with their "
        "rows permuted (real marginals, no relation to the target; columns shuffled), "
        f"seeds {', '.join(map(str, seeds))}: breast cancer, diabetes (regression), wine, "
        "penguins (palmerpenguins, one-hot island and sex), digits (constant pixels "
        "dropped). Real and noise columns kept are means over the seeds (range of real "
        "kept beside them); time is the median of one selection on one core; refit: a "
        "gradient-boosting model cross-validated (3-fold) on the kept columns, beside the "
        "same on the real columns alone. Boruta: `BorutaPy` around a depth-7 random "
        "forest, `n_estimators='auto'`, 100 iterations.\n\n"
        + table(["set", "real + noise", "rule", "real kept", "noise kept", "real range",
                 "time (s)", "refit", "refit on real"], rows)
    )
    return body, figures
