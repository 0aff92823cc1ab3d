"""The paper's experiment, its replication over seeds, and the files a run writes."""

import json
from itertools import combinations

import numpy as np
import pandas as pd

#: Inputs drawn per panel of the per-epoch figure; the others are one band.
EPOCH_TOP_K = 30  # the paper's 30 inputs all shown
#: The paper's top 5 after training (its Figure 5), in order.
PAPER_TOP5 = ["worst area", "worst texture", "worst radius", "mean perimeter", "mean texture"]


def paper_classifier(seed, epochs=40, verbose=0):
    """The paper's network: 30-3-1, ReLU, SGD. Learning rate, momentum and batch size are
    not given in the paper; these are ordinary choices."""
    from .._neural_network._classifier import LearningGradientClassifier

    return LearningGradientClassifier(
        hidden_layer_sizes=(3,), activation="relu", solver="sgd", learning_rate_init=0.01,
        momentum=0.9, batch_size=32, max_iter=epochs, tol=None, random_state=seed,
        verbose=verbose,
    )


def load_paper_data():
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True)
    X = data.data
    X.columns = [str(c) for c in X.columns]  # numpy.str_ names lose feature_names_in_
    return X, data.target


def run_paper(seed, epochs=40, test_size=0.25, verbose=0):
    """One run: stratified split, standardized inputs (inside the estimator), training."""
    from sklearn.model_selection import train_test_split

    X, y = load_paper_data()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed)
    clf = paper_classifier(seed, epochs, verbose).fit(X_train, y_train)
    return {"seed": seed, "accuracy": float(clf.score(X_test, y_test)), "estimator": clf}


def ranking(importances, names):
    order = np.argsort(-np.asarray(importances), kind="mergesort")
    return [str(names[i]) for i in order]


def replication_summary(runs, names):
    """Accuracy over seeds, how the paper's top 5 fare in each run's ranking, and the
    consensus ranking (mean importance over seeds)."""
    from scipy.stats import spearmanr

    accuracies = np.array([run["accuracy"] for run in runs])
    finals = np.array([run["estimator"].feature_importances_ for run in runs])
    consensus = finals.mean(axis=0)
    consensus_order = ranking(consensus, names)
    rankings = [ranking(run["estimator"].feature_importances_, names) for run in runs]
    features = {
        feature: {
            "paper_rank": rank + 1,
            "in_top5": float(np.mean([feature in r[:5] for r in rankings])),
            "in_top10": float(np.mean([feature in r[:10] for r in rankings])),
            "mean_rank": float(np.mean([r.index(feature) + 1 for r in rankings])),
            "consensus_rank": consensus_order.index(feature) + 1,
        }
        for rank, feature in enumerate(PAPER_TOP5)
    }
    importances = [run["estimator"].feature_importances_ for run in runs]
    rhos = [spearmanr(importances[a], importances[b]).statistic
            for a, b in combinations(range(len(runs)), 2)]
    return {
        "n_seeds": len(runs),
        "accuracy_mean": float(accuracies.mean()),
        "accuracy_min": float(accuracies.min()),
        "accuracy_max": float(accuracies.max()),
        "share_of_seeds_with_100_percent": float(np.mean(accuracies == 1.0)),
        "paper_top5": features,
        "between_seed_spearman_mean": float(np.mean(rhos)) if rhos else None,
        "between_seed_spearman_min": float(np.min(rhos)) if rhos else None,
        "consensus_ranking": consensus_order,
        "consensus_importance": dict(zip(map(str, names), consensus.tolist())),
        "consensus_importance_std": dict(zip(map(str, names), finals.std(axis=0).tolist())),
    }


def paper_label(name):
    """A feature's name, marked with its rank in the paper's top 5 when it has one."""
    return f"{name} [paper #{PAPER_TOP5.index(name) + 1}]" if name in PAPER_TOP5 else name


def format_replication(summary, top=10):
    """The "paper vs this run" block: accuracy, the paper's top 5 in our rankings, and our
    consensus ranking with its spread over seeds."""
    lines = [
        f"Paper vs this run ({summary['n_seeds']} seeds):",
        f"  test accuracy: the paper 100%; here mean {summary['accuracy_mean']:.4f}, min "
        f"{summary['accuracy_min']:.4f}, max {summary['accuracy_max']:.4f} (100% in "
        f"{summary['share_of_seeds_with_100_percent']:.0%} of the seeds)",
    ]
    if summary["between_seed_spearman_mean"] is not None:
        lines.append(f"  between-seed rank agreement (Spearman): mean "
                     f"{summary['between_seed_spearman_mean']:.3f}, min "
                     f"{summary['between_seed_spearman_min']:.3f}")
    lines.append(f"  {'paper rank':>10}  {'feature':<16} {'in our top 5':>12} "
                 f"{'in our top 10':>13} {'our mean rank':>13} {'consensus rank':>14}")
    for feature, row in summary["paper_top5"].items():
        lines.append(f"  {row['paper_rank']:>10}  {feature:<16} {row['in_top5']:>12.0%} "
                     f"{row['in_top10']:>13.0%} {row['mean_rank']:>13.1f} "
                     f"{row['consensus_rank']:>14}")
    mean, std = summary["consensus_importance"], summary["consensus_importance_std"]
    lines.append(f"Consensus ranking (mean importance over the {summary['n_seeds']} seeds, "
                 "± std):")
    for rank, feature in enumerate(summary["consensus_ranking"][:top], start=1):
        lines.append(f"  {rank:>3}. {paper_label(feature):<36} {mean[feature]:.4f} "
                     f"± {std[feature]:.4f}")
    return "\n".join(lines)


def write_outputs(out, history, feature_names, summary, *, model=None, importances_std=None,
                  tables=None, ranking=None, figures=None, card=False, reliance=None):
    """Write a run's files into ``out`` (an :class:`~sklgrad._cli._outputs.OutputFolder`) all at
    once: the importance history (epochs x features) and its figures, ``summary.json``,
    further ``tables`` ({file name: DataFrame}) and, when given, ``model.skops``.
    ``ranking`` (a DataFrame with ``mean`` and ``std``, as :func:`importance_spread` gives)
    is what ``ranking.png`` draws instead of the history's last epoch (with ``reliance``,
    a table of ``importance_table(..., reliance=True)``, beside it); ``figures`` ({file
    name: a function of the path}) draws further figures; ``card`` writes the model card
    (``README.md``) from ``summary``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .._inspection._plot._epochs import EpochImportanceDisplay
    from .._inspection._plot._history import ImportanceHistoryDisplay
    from .._inspection._plot._ranking import ImportanceRankingDisplay
    from .._persistence import save_model
    from ._forward import add_forward_plan

    def write(folder):
        names = [str(n) for n in feature_names]
        frame = pd.DataFrame(history, columns=names)
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="epoch")
        frame.to_csv(folder / "importance_history.csv")
        # At width, the per-epoch panels show the top inputs and the others as one band.
        paper = EpochImportanceDisplay.from_history(
            history, feature_names=names, top_k=EPOCH_TOP_K if len(names) > EPOCH_TOP_K
            else None)
        paper.figure_.savefig(folder / "importance_by_epoch.png", dpi=100)
        lines = ImportanceHistoryDisplay.from_history(history, feature_names=names, top_k=8)
        lines.figure_.savefig(folder / "top_features_over_epochs.png", dpi=110)
        bars = (ImportanceRankingDisplay.from_importances(
            history[-1], feature_names=names, importances_std=importances_std)
            if ranking is None else ImportanceRankingDisplay.from_spread(
                ranking, reliance=reliance))
        bars.figure_.savefig(folder / "ranking.png", dpi=110)
        for name, table in (tables or {}).items():
            table.to_csv(folder / name, index=False)
        for name, draw in (figures or {}).items():
            draw(folder / name)
        plt.close("all")
        with open(folder / "summary.json", "w") as handle:
            json.dump(summary, handle, indent=2)
        if model is not None:
            save_model(model, folder / "model.skops")
            # The forward pass as plain data, for a predict that needs no torch.
            add_forward_plan(folder / "model.skops", model)
            if card:
                from ._card import CARD, write_model_card

                write_model_card(folder / CARD, model, summary)

    return out.publish(write)
