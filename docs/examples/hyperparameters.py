"""The paper's second question: how does what the network learns from change with the
hyper-parameters? Breast cancer, the paper's network (30-3-1, ReLU, SGD with momentum 0.9,
batch 32, learning rate 0.01, 40 epochs), one hyper-parameter changed at a time, 5 seeds
per setting, scored on held-out rows.

    python docs/examples/hyperparameters.py OUT_DIR

writes one comparison figure per hyper-parameter (OUT_DIR/<name>.png) and prints the
tables that docs/hyperparameters.md quotes.
"""

import argparse
import os
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_breast_cancer  # noqa: E402

from sklgrad import (  # noqa: E402
    LearningComparison,
    LearningComparisonDisplay,
    LearningGradientClassifier,
)

PAPER = dict(hidden_layer_sizes=(3,), activation="relu", solver="sgd", momentum=0.9,
             batch_size=32, learning_rate_init=0.01, max_iter=40, tol=None)
GRIDS = {
    "learning_rate": {"learning_rate_init": [0.001, 0.01, 0.1]},
    "hidden_width": {"hidden_layer_sizes": [(3,), (8,), (32,)]},
    "batch_size": {"batch_size": [8, 32, 128]},
    "optimizer": [{"solver": ["sgd"]}, {"solver": ["adam"], "learning_rate_init": [0.01]}],
    "activation": {"activation": ["relu", "tanh", "logistic"]},
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X.columns = [str(c) for c in X.columns]
    for name, grid in GRIDS.items():
        comparison = LearningComparison(LearningGradientClassifier(**PAPER), grid,
                                        n_seeds=args.seeds, random_state=0).fit(X, y)
        display = LearningComparisonDisplay.from_comparison(comparison)
        display.figure_.savefig(args.out_dir / f"{name}.png", dpi=90)
        plt.close("all")
        summary = comparison.summary()
        print(f"\n### {name}\n")
        print(_markdown(["setting", "held-out accuracy", "seed agreement", "settled by epoch",
                         "top 5 (mean over seeds)"], [
            (row.setting, f"{row.score_mean:.3f} ± {row.score_std:.3f}",
             f"{row.seed_agreement:.2f}", row.settling_epoch, row.top_5)
            for row in summary.itertuples()]))
        labels = list(summary["setting"])
        print("\nRank agreement (Spearman) between single networks of two settings, and "
              "between seeds on the diagonal; * beyond the seed noise:\n")
        rows = []
        for a, label in enumerate(labels):
            rows.append([label] + [f"{comparison.rank_correlation_[a, b]:.2f}"
                                   + ("*" if comparison.differs_[a, b] else "")
                                   for b in range(len(labels))])
        print(_markdown(["setting", *labels], rows))
        print("\nMean epoch-to-epoch change over the last 10 epochs: " + ", ".join(
            f"{label} {np.mean(change[-10:]):.3f}"
            for label, change in zip(labels, comparison.settling_)))


def _markdown(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(map(str, row)) + " |" for row in rows])


if __name__ == "__main__":
    main()
