"""Which model judges a minimal set: the columns that the "minimal" question keeps on the
real sets of ``bench_real_selection.py``, refit by three models beside the same model on
the real columns (3-fold cross-validation, seeds 0-2): the gradient-boosting model of the
"real" section, a linear model (ridge or logistic regression, cross-validated strength, on
standardized columns) and sklgrad's default network.

"minimal" chooses its set by the held-out loss of networks refit on each candidate set: the
fewest columns that predict as well as the best set *for a network*. A set can meet that
and still lose against another model's refit on all the real columns (diabetes, before the
rule compared sets row by row: a network refit on 3 columns predicted held-out rows as
well as on 10 within a loss's standard error; gradient boosting and a linear model gained
from more). The table says how much of a gap is the judge's.
"""

import warnings

import numpy as np
from sklearn.linear_model import LogisticRegressionCV, RidgeCV
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklgrad import LearningGradientClassifier, LearningGradientRegressor, LearningGradientSelector

from ._real_data import SETS, semi_synthetic, task
from ._report import table
from .bench_real_selection import _gbm


def _linear(kind):
    model = (LogisticRegressionCV(Cs=10, cv=3, max_iter=2000) if kind == "classification"
             else RidgeCV(alphas=np.logspace(-3, 3, 13)))
    return make_pipeline(StandardScaler(), model)


def _network(kind, seed):
    cls = LearningGradientClassifier if kind == "classification" else LearningGradientRegressor
    return cls(random_state=seed)


JUDGES = {
    "gradient boosting": _gbm,
    "linear": lambda kind, seed: _linear(kind),
    "sklgrad network": _network,
}


def run(quick=False):
    sets = ["wine"] if quick else list(SETS)
    seeds = [0] if quick else [0, 1, 2]
    rows, figures = [], {}
    for name in sets:
        kind = task(name)
        scores = {(judge, of): [] for judge in JUDGES for of in ("minimal", "real")}
        widths = []
        for seed in seeds:
            X, y, real = semi_synthetic(name, seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                minimal = LearningGradientSelector(threshold="minimal",
                                                   random_state=seed).fit(X, y).get_support()
                widths.append((int((minimal & real).sum()), int((minimal & ~real).sum())))
                for judge, make in JUDGES.items():
                    for of, mask in (("minimal", minimal), ("real", real)):
                        scores[judge, of].append(float(cross_val_score(
                            make(kind, seed), X[:, mask], y, cv=3).mean()))
        for judge in JUDGES:
            on_minimal = float(np.mean(scores[judge, "minimal"]))
            on_real = float(np.mean(scores[judge, "real"]))
            real_kept, noise_kept = np.mean(widths, axis=0)
            figures[f"{name}/{judge}"] = dict(minimal=on_minimal, real=on_real,
                                              columns=float(real_kept + noise_kept))
            rows.append((name, f"{real_kept:.1f} of {int(real.sum())} + {noise_kept:.1f}",
                         judge,
                         f"{on_minimal:.3f}", f"{on_real:.3f}",
                         f"{on_minimal - on_real:+.3f}"))
    body = (
        "The columns that `threshold=\"minimal\"` keeps on the real sets of the section "
        f"above (same data, seeds {', '.join(map(str, seeds))}), refit by three models, "
        "each beside the same model refit on the real columns alone: 3-fold "
        "cross-validated accuracy (classification) or R^2 (diabetes), mean over the seeds. "
        "Linear: ridge or logistic regression with a cross-validated strength on "
        "standardized columns; sklgrad network: `LearningGradientClassifier` or "
        "`LearningGradientRegressor` with its defaults. The minimal rule compares sets by "
        "the held-out loss of networks refit on them.\n\n"
        + table(["set", "minimal: real of all real + noise", "refit by", "on minimal", "on real",
                 "difference"], rows)
    )
    return body, figures
