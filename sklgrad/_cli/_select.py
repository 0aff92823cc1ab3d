"""``sklgrad select``: keep the columns the network learns from and write the reduced table."""

from . import _common as common


def select_command(args):
    out = common.out_folder(args, args.data)
    common.check_data(args.data, args.target, args.sep, args.drop)
    import json

    import numpy as np
    import pandas as pd
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline

    from .. import LearningGradientSelector
    from .._inspection._importance_table import column_sources, importance_table
    from ._table import table_transformer

    frame, task, transformer, imputed, split = common.fit_table(args)
    X_train, X_test, y_train, y_test = split
    # Selected per table column: a category's one-hot inputs are kept or dropped together,
    # on their mean importance.
    groups = column_sources(clone(transformer).fit(X_train))
    # The two questions train the selector's own networks (a relevance screen, a path).
    question = args.threshold in ("all-relevant", "minimal")
    selector = LearningGradientSelector(
        None if question else common.network_for(args, task), threshold=args.threshold,
        max_features=args.max_features,
        n_repeats=None if question and args.repeats == 1 else args.repeats,
        random_state=args.seed, verbose=int(not args.quiet), groups=groups)
    model = Pipeline([("table", transformer), ("select", selector)]).fit(X_train, y_train)
    selector = model.named_steps["select"]
    kept_sources = set(np.asarray(groups, dtype=object)[selector.get_support()])
    columns = list(X_train.columns)
    kept = [column for column in columns if column in kept_sources]
    if not kept:
        raise common.UsageError("no column passes the threshold; lower it or use "
                                "--max-features")
    dropped = [column for column in columns if column not in kept]
    everything = common.baseline_scores(task, transformer, X_train, y_train, X_test,
                                        y_test)["linear"]
    fewer = common.baseline_scores(
        task, table_transformer(X_train[kept], args.impute, args.max_categories),
        X_train[kept], y_train, X_test[kept], y_test)["linear"]
    threshold = selector.threshold_
    print(f"Kept {len(kept)} of {len(columns)} columns (threshold {args.threshold}: "
          f"{threshold:.4g}); held-out score of a linear model: {fewer:.4f} on the kept "
          f"columns, {everything:.4f} on all")
    importance = importance_table(model).to_dict()
    order = sorted(importance, key=lambda c: -importance[c])
    print("Kept:    " + ", ".join(f"{c} ({importance[c]:.3f})" for c in order if c in kept))
    print("Dropped: " + (", ".join(f"{c} ({importance[c]:.3f})" for c in order
                                  if c in dropped) or "none"))
    summary = {"data": args.data, "target": args.target, "task": task,
               "settings": common.network_settings(args), "threshold": float(threshold),
               "kept": kept, "dropped": dropped, "imputed_rows": imputed,
               "importance_by_column": importance,
               "linear_score_kept": fewer, "linear_score_all": everything}

    def write(folder):
        import matplotlib.pyplot as plt

        from .._inspection._plot._ranking import ImportanceRankingDisplay
        from .._inspection._plot._selection import SelectionDisplay

        frame[kept + [args.target]].to_csv(folder / "reduced.csv", index=False)
        with open(folder / "summary.json", "w") as handle:
            json.dump(summary, handle, indent=2)
        pd.Series(importance, name="importance").rename_axis("column").to_csv(
            folder / "importance_by_column.csv")
        # Per encoded input: kept or not, and on what grounds (the table column beside it).
        report = selector.selection_report_
        report.index = pd.Index(model.named_steps["table"].get_feature_names_out(),
                                name="input")
        report.insert(0, "column", groups)
        report.to_csv(folder / "selection.csv")
        # The ranking with the kept inputs in color and the dropped ones in grey.
        display = ImportanceRankingDisplay.from_estimator(model, top_k=30)
        display.figure_.savefig(folder / "ranking.png", dpi=100, bbox_inches="tight")
        boxes = SelectionDisplay.from_selector(model, top_k=30)
        boxes.figure_.savefig(folder / "selection.png", dpi=100, bbox_inches="tight")
        plt.close("all")

    common.print_written(out.publish(write), args.out)
    return 0
