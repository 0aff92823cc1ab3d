"""``sklgrad paper``: the paper's experiment, over several seeds."""

from ._common import network_settings, out_folder, print_written
from ._compare import compare_settings


def paper_command(args):
    out = out_folder(args)
    import numpy as np
    import pandas as pd

    from ._experiment import (
        format_replication,
        load_paper_data,
        paper_label,
        ranking,
        replication_summary,
        run_paper,
        write_outputs,
    )

    names = list(load_paper_data()[0].columns)
    if args.compare:
        from sklearn.model_selection import train_test_split

        from ._experiment import paper_classifier

        X, y = load_paper_data()
        # The paper's training part; LearningComparison holds out its own share of it.
        X, _, y, _ = train_test_split(X, y, test_size=0.25, stratify=y, random_state=args.seed)
        return compare_settings(args, paper_classifier(args.seed, args.epochs), X, y, out, names)
    runs = []
    for index in range(args.seeds):
        seed = args.seed + index
        verbose = int(args.seeds == 1 and not args.quiet)
        run = run_paper(seed, epochs=args.epochs, verbose=verbose)
        runs.append(run)
        if not args.quiet:
            print(f"seed {seed}: test accuracy {run['accuracy']:.4f}", flush=True)
    print(f"Breast cancer, 30-3-1 ReLU network, SGD, {args.epochs} epochs, "
          f"{args.seeds} seed{'s' if args.seeds > 1 else ''} from {args.seed}")
    summary = {"experiment": "paper", "settings": network_settings(args),
               "per_seed": [{"seed": run["seed"], "test_accuracy": run["accuracy"],
                             "ranking": ranking(run["estimator"].feature_importances_, names)}
                            for run in runs]}
    summary["replication"] = replication_summary(runs, names)
    print(format_replication(summary["replication"]))
    # Figures and tables from the aggregate over seeds; the paper's top 5 are marked.
    histories = np.stack([run["estimator"].importance_history_ for run in runs])
    finals = histories[:, -1]
    per_seed = pd.DataFrame([
        {"seed": run["seed"], "epoch": epoch + 1, **dict(zip(names, row))}
        for run in runs for epoch, row in enumerate(run["estimator"].importance_history_)])
    written = write_outputs(out, histories.mean(axis=0), [paper_label(n) for n in names],
                            summary, importances_std=finals.std(axis=0) if len(runs) > 1
                            else None, tables={"importance_history_by_seed.csv": per_seed})
    print_written(written, args.out)
    return 0
