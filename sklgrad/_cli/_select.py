"""``sklgrad select``: keep the columns the network learns from and write the reduced table."""

from . import _common as common
from ._select_common import RANKED, RULES, grounds, share, write_selection


def _column_scores(selector, groups):
    """The numbers the selection compared, one per table column (the mean of a column's
    encoded inputs), their standard deviations over the networks, and the threshold on
    that scale."""
    import numpy as np

    from .._selection._thresholds import threshold_for
    from .._utils._groups import group_labels, group_means

    labels = group_labels(groups, len(groups))
    names, per_network = group_means(np.asarray(selector.importances_, dtype=float), labels)
    scores = per_network.mean(axis=0)
    shadow = selector._shadow_mean()
    threshold = threshold_for(selector, scores, shadow, selector.estimator_)
    names = list(map(str, names))
    return (dict(zip(names, scores.tolist())),
            dict(zip(names, per_network.std(axis=0).tolist())), threshold)


def select_command(args):
    out = common.out_folder(args, args.data)
    if common.streamed(args.data):
        from ._select_streamed import select_streamed

        return select_streamed(args, out)
    common.check_data(args.data, args.target, args.sep, args.drop,
                      [args.id] if args.id else [])

    import numpy as np
    import pandas as pd
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline

    from .. import LearningGradientSelector
    from .._inspection._importance_table import column_sources
    from ._record import RunRecord
    from ._table import table_transformer

    record = RunRecord()
    with record.holding():
        table = common.fit_table(args, record, leaks_as_inputs=args.keep_leaks)
    task, transformer = table.task, table.transformer
    X_train, X_test, y_train, y_test = table.split
    weights = None
    if args.class_weight == "balanced":
        if task != "classification":
            raise common.UsageError("--class-weight applies to classes; this target is a "
                                    "regression")
        from sklearn.utils.class_weight import compute_sample_weight

        weights = compute_sample_weight("balanced", y_train)
    # Selected per table column: a category's one-hot inputs are kept or dropped together,
    # on their mean importance.
    groups = column_sources(clone(transformer).fit(X_train))
    # The two questions train the selector's own networks (a relevance screen, a path).
    question = args.threshold in ("all-relevant", "minimal")
    selector = LearningGradientSelector(
        None if question else common.network_for(args, task), threshold=args.threshold,
        max_features=args.max_features,
        n_repeats=None if question and args.repeats == 1 else args.repeats,
        random_state=args.seed, verbose=int(not args.quiet), groups=groups,
        minimal_tolerance=args.tolerance)
    model = Pipeline([("table", transformer), ("select", selector)]).fit(
        X_train, y_train, **({} if weights is None else {"select__sample_weight": weights}))
    selector = model.named_steps["select"]
    scores, spreads, threshold = _column_scores(selector, groups)
    n_networks = len(selector.importances_)
    columns = table.inputs
    kept_sources = set(np.asarray(groups, dtype=object)[selector.get_support()])
    kept = [column for column in columns if column in kept_sources]
    if not kept:
        raise common.UsageError("no column passes the threshold; lower it or use "
                                "--max-features")
    dropped = [column for column in columns if column not in kept]
    report = selector.selection_report_
    report.index = pd.Index(model.named_steps["table"].get_feature_names_out(), name="input")
    report.insert(0, "column", groups)
    with record.holding():
        everything = common.baseline_scores(task, transformer, X_train, y_train, X_test,
                                            y_test)["linear"]
        fewer = common.baseline_scores(
            task, table_transformer(X_train[kept], args.impute, args.max_categories),
            X_train[kept], y_train, X_test[kept], y_test)["linear"]
        rule = args.threshold if question else None
        said = (RULES[rule].format(tolerance=args.tolerance) if rule
                else f"a column's share at or above {threshold:.4g}")
        if rule:
            # The bar of the ranking networks' shadows: what noise is learned as.
            threshold = float(selector._shadow_mean().max())
            said += "; " + RANKED.format(n=len(selector.estimators_), bar=threshold)
        print(f"Question: {args.threshold} ({said})")
        print(f"Kept {len(kept)} of {len(columns)} columns; held-out score of a linear "
              f"model: {fewer:.4f} on the kept columns, {everything:.4f} on all")
        order = sorted(columns, key=lambda c: -scores[c])
        # Every kept column ranks above the threshold (for a question, the ranking's
        # largest shadow), or says what kept it.
        kept_lines = [f"{c} ({share(scores[c], spreads[c], n_networks)}"
                      + ("" if scores[c] >= threshold else f"; {grounds(report, c, rule)}")
                      + ")" for c in order if c in kept]
        print(f"Kept ({'share' if rule else 'share the selection compared'}): "
              + ", ".join(kept_lines))
        print("Dropped: " + (", ".join(f"{c} ({scores[c]:.4g})" for c in order
                                      if c in dropped) or "none"))
        if not question:
            print(f"Threshold {args.threshold}: {threshold:.4g}, on the same scale")
        if table.leaks:
            print("Left out as leaks (--keep-leaks selects among them): "
                  + ", ".join(table.leaks))
    summary = {"data": args.data, "target": args.target, "task": task,
               "settings": common.network_settings(args), "question": args.threshold,
               "rule": said, "threshold": None if rule else float(threshold),
               "shadow_bar": float(threshold) if rule else None,
               "kept": kept, "dropped": dropped, "leaks_left_out": table.leaks,
               "id_columns": table.ids, "imputed_rows": table.imputed,
               "importance_by_column": scores, "importance_std_by_column": spreads,
               "n_networks": n_networks,
               "linear_score_kept": fewer, "linear_score_all": everything,
               **record.summary()}

    def write(folder):
        # The rows keep their IDs, so that they can be joined back.
        table.frame[table.ids + kept + [args.target]].to_csv(folder / "reduced.csv",
                                                            index=False)
        write_selection(folder, summary, scores, report, model)

    written = out.publish(write)
    record.emit()
    common.print_written(written, args.out)
    return 0

