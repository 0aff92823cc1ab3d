"""The shadow rule on data with known informative columns: the table of docs/selection.md.

    python docs/examples/shadow_rule.py

make_classification(n_samples=2000, n_features=100, n_informative=5), rows shuffled and
columns permuted, 75% used for selection, 25% to test a logistic regression refit on the
kept columns; seeds 0-4; a network with hidden (16,), alpha=0.01, learning rate 0.003,
100 epochs (the setting tests/selection/test_selector.py asserts).
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from sklgrad import LearningGradientClassifier, LearningGradientSelector  # noqa: E402

RULES = {
    '`threshold="shadow"`, one round': dict(),
    "one round, `n_repeats=3`": dict(n_repeats=3),
    "`shadow_rounds=3`": dict(shadow_rounds=3),
}


def ground_truth(seed, n_samples=2000, n_features=100, n_informative=5):
    X, y = make_classification(n_samples=n_samples, n_features=n_features,
                               n_informative=n_informative, n_redundant=0, n_repeated=0,
                               shuffle=False, random_state=seed)
    rng = np.random.RandomState(seed)
    rows, columns = rng.permutation(n_samples), rng.permutation(n_features)
    return X[rows][:, columns], y[rows], np.flatnonzero(columns < n_informative)


def main():
    print("| rule | informative columns kept (of 5) | noise dropped | test accuracy, "
          "kept / all columns |")
    print("|---|---|---|---|")
    for name, rule in RULES.items():
        kept_informative, dropped, accuracy = [], [], []
        for seed in range(5):
            X, y, informative = ground_truth(seed)
            X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=seed)
            network = LearningGradientClassifier(hidden_layer_sizes=(16,), alpha=0.01,
                                                 max_iter=100, learning_rate_init=0.003,
                                                 tol=None)
            kept = LearningGradientSelector(network, threshold="shadow", random_state=seed,
                                            **rule).fit(X_train, y_train).get_support()
            noise = np.ones(X.shape[1], dtype=bool)
            noise[informative] = False
            model = LogisticRegression(max_iter=1000)
            on_all = model.fit(X_train, y_train).score(X_test, y_test)
            on_kept = model.fit(X_train[:, kept], y_train).score(X_test[:, kept], y_test)
            kept_informative.append(str(int(kept[informative].sum())))
            dropped.append(f"{1 - kept[noise].mean():.0%}")
            accuracy.append(f"{on_kept:.3f}/{on_all:.3f}")
        print(f"| {name} | {', '.join(kept_informative)} | {', '.join(dropped)} | "
              f"{', '.join(accuracy)} |")


if __name__ == "__main__":
    main()
