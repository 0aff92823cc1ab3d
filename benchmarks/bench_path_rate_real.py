"""The path network's learning rate on real tables: scikit-learn's default step size (0.001)
against 0.01 on the real-data benchmark sets (real columns beside permuted copies of
them, ``_real_data.py``), seeds 0-2, a quarter of the rows held out.

The path-rate section measures the two rates on synthetic sets; a rate the docs name for
the path must not cost on real data what it gains there: each network's held-out score, the
share of its importance on the real columns, and the real and noise columns it keeps.
"""

import warnings

import numpy as np

from ._real_data import SETS, semi_synthetic, task
from ._report import table
from .bench_path_rate import RATES, _label, held_out_fits


def _fits(name, seeds):
    """Per rate, each seed's held-out score, importance share on the real columns, real and
    noise columns alive, and seconds."""
    found = {rate: [] for rate in RATES}
    fits = held_out_fits(lambda seed: semi_synthetic(name, seed), seeds,
                         task(name) == "regression")
    for rate, network, score, spent, real in fits:
        importances = network.feature_importances_
        found[rate].append((score, importances[real].sum(), int((importances[real] > 0).sum()),
                            int((importances[~real] > 0).sum()), spent))
    return found


def run(quick=False):
    warnings.simplefilter("ignore")
    rows, figures = [], {}
    for name in list(SETS)[:1] if quick else SETS:
        found = _fits(name, range(1) if quick else range(3))
        n_real = int(semi_synthetic(name, 0)[2].sum())
        for rate in RATES:
            scores, shares, real, noise, seconds = np.array(found[rate]).T
            rows.append([name, _label(rate),
                         f"{scores.mean():.3f} (min {scores.min():.3f})",
                         f"{shares.mean():.3f}", f"{real.mean():.1f} of {n_real}",
                         f"{noise.mean():.1f} (max {noise.max():.0f})",
                         f"{np.median(seconds):.1f}"])
        figures[name] = {_label(rate): found[rate] for rate in RATES}
    body = (
        "`LearningGradientClassifier(input_penalty=\"path\")` (the regressor on diabetes) "
        "at scikit-learn's default `learning_rate_init` (0.001) and at 0.01, on the "
        "real-data benchmark sets (each real column beside permuted copies of the set's "
        "columns: real marginals, no relation to the target), seeds 0-2, a quarter of the "
        "rows held out: the network's held-out score (accuracy, or R^2 on diabetes; mean "
        "and worst seed), the share of its importance on the real columns, the real and "
        "the noise columns it keeps (importance above 0; mean, and the most in a seed), "
        "and the seconds of one fit (median):\n\n"
        + table(["data", "path network", "held-out score", "share on real columns",
                 "real columns kept", "noise columns kept", "seconds"], rows))
    return body, figures


if __name__ == "__main__":
    print(run(quick=True)[0])
