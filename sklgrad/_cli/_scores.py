"""Held-out scores fit for the target: for classes, measures that a rare class cannot hide
behind (balanced accuracy, ROC AUC, average precision, log loss) beside accuracy; each
beside a constant prediction's and a linear model's; and how reliable the probabilities are.
"""

import numpy as np

#: Expected calibration error (observed rate against mean predicted probability, weighted
#: over bins of equal counts) from which the probabilities are said to be unreliable.
UNRELIABLE = 0.05
#: Bins of the reliability check (equal numbers of rows).
N_BINS = 10


def _measures(task, n_classes):
    """(name, scorer of (y, prediction, probabilities), higher is better)."""
    from sklearn import metrics

    if task != "classification":
        return [("R^2", lambda y, p, _: metrics.r2_score(y, p), True),
                ("mean absolute error", lambda y, p, _: metrics.mean_absolute_error(y, p),
                 False)]

    def auc(y, _, proba, labels):
        if n_classes == 2:
            return metrics.roc_auc_score(y == labels[1], proba[:, 1])
        return metrics.roc_auc_score(y, proba, multi_class="ovr", labels=labels)

    def precision(y, _, proba, labels):
        return metrics.average_precision_score(y == labels[1], proba[:, 1])

    measures = [("accuracy", lambda y, p, _: metrics.accuracy_score(y, p), True),
                ("balanced accuracy", lambda y, p, _: metrics.balanced_accuracy_score(y, p),
                 True),
                ("ROC AUC", auc, True)]
    if n_classes == 2:
        measures.append(("average precision", precision, True))
    measures.append(("log loss", None, False))
    return measures


def held_out_scores(task, models, X_test, y_test):
    """``{measure: {model name: score}}`` for each fitted model in ``models`` (a dict of
    name to model) on the held-out rows."""
    from sklearn.metrics import log_loss

    y = np.asarray(y_test)
    labels = models["network"].classes_ if task == "classification" else None
    scores = {}
    predicted = {name: model.predict(X_test) for name, model in models.items()}
    probabilities = ({name: model.predict_proba(X_test) for name, model in models.items()}
                     if task == "classification" else {})
    for measure, score, _ in _measures(task, 0 if labels is None else len(labels)):
        row = {}
        for name in models:
            proba = probabilities.get(name)
            if measure == "log loss":
                value = log_loss(y, proba, labels=labels)
            elif measure in ("ROC AUC", "average precision"):
                value = score(y, predicted[name], proba, labels)
            else:
                value = score(y, predicted[name], proba)
            row[name] = float(value)
        scores[measure] = row
    return scores


def higher_is_better(task, measure):
    return {name: better for name, _, better in _measures(task, 2)}.get(measure, True)


def below_baselines(task, scores):
    """``{measure: [baselines the network does worse than]}`` (only measures where it does)."""
    found = {}
    for measure, row in scores.items():
        better = higher_is_better(task, measure)
        worse = [name for name, value in row.items() if name != "network" and (
            row["network"] < value if better else row["network"] > value)]
        if worse:
            found[measure] = worse
    return found


def reliability(classes, probabilities, y):
    """Observed rate against predicted probability, in bins of equal counts: for two
    classes, the second class's probability; for more, the predicted class's (is it right
    as often as it says?). Returns the bins and the expected calibration error."""
    y = np.asarray(y)
    if len(classes) == 2:
        predicted, observed = probabilities[:, 1], (y == classes[1]).astype(float)
        about = f"P({classes[1]})"
    else:
        predicted = probabilities.max(axis=1)
        observed = (np.asarray(classes)[probabilities.argmax(axis=1)] == y).astype(float)
        about = "P(predicted class)"
    order = np.argsort(predicted, kind="mergesort")
    bins = []
    for part in np.array_split(order, min(N_BINS, len(order))):
        if part.size:
            bins.append({"rows": int(part.size),
                         "mean_predicted": float(predicted[part].mean()),
                         "observed_rate": float(observed[part].mean())})
    error = sum(b["rows"] * abs(b["mean_predicted"] - b["observed_rate"]) for b in bins)
    return {"probability": about, "bins": bins,
            "expected_calibration_error": float(error / max(len(y), 1))}


def reliability_figure(check, path):
    """The reliability check as a small figure: observed rate against predicted
    probability per bin, beside the diagonal."""
    import matplotlib.pyplot as plt

    predicted = [b["mean_predicted"] for b in check["bins"]]
    observed = [b["observed_rate"] for b in check["bins"]]
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="reliable")
    ax.plot(predicted, observed, marker="o", label="held-out rows")
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel=f"mean predicted {check['probability']}",
           ylabel="observed rate",
           title=f"Reliability (ECE {check['expected_calibration_error']:.3f})")
    ax.legend(loc="upper left", fontsize=8)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def format_scores(scores, n_rows):
    """The held-out scores as lines: one per measure, the network beside the baselines."""
    lines = [f"Held-out scores ({n_rows} rows): network | constant | linear"]
    for measure, row in scores.items():
        lines.append(f"  {measure:<20} {row['network']:.4f} | {row['constant']:.4f} | "
                     f"{row['linear']:.4f}")
    return lines
