"""``sklgrad fit``: train on a table (in memory or streamed), rank its columns, write the
model and its figures; ``--compare`` beside it."""


from ._common import (
    UsageError,
    baseline_models,
    check_data,
    fit_table,
    network_for,
    network_settings,
    open_streamed,
    out_folder,
    print_ranking,
    print_reliance,
    print_spread,
    print_written,
    streamed,
    task_of,
)
from ._compare import compare_settings


def _fit_streamed(args, out):
    """``sklgrad fit`` on a Parquet dataset or a folder of CSV files: trained one chunk at
    a time (an epoch is one pass); the last chunks (``--test-size`` of them, at least one)
    are held out for the score."""
    import numpy as np
    from sklearn.compose import ColumnTransformer
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.pipeline import Pipeline

    from .._neural_network._chunked import ChunkedData
    from ._experiment import write_outputs

    path = args.data
    data, columns = open_streamed(args)
    n_test = min(data.n_chunks - 1, max(1, round(args.test_size * data.n_chunks)))
    train = ChunkedData(data.read, data.n_chunks - n_test, description=f"{path}")
    first_X, first_y = data.read(0)
    task = task_of(first_y, args.task)
    network = network_for(args, task).fit(train)
    # Held-out chunks predicted one at a time: only their targets and predictions are kept.
    truth, predicted = [], []
    for index in range(data.n_chunks - n_test, data.n_chunks):
        X, y = data.read(index)
        truth.append(np.asarray(y))
        predicted.append(network.predict(X))
    truth, predicted = np.concatenate(truth), np.concatenate(predicted)
    metric = "accuracy" if task == "classification" else "R^2"
    score = float(accuracy_score(truth, predicted) if task == "classification"
                  else r2_score(truth, predicted))
    print(f"{task}: test {metric} {score:.4f} ({len(truth)} rows in {n_test} held-out "
          f"chunk(s) of {data.n_chunks}; trained streaming, one pass per epoch)")
    names = list(columns)
    print_ranking(names, network.feature_importances_)
    # The Pipeline that 'sklgrad predict' reads: the table's columns, passed through.
    table = ColumnTransformer([("numeric", "passthrough", names)],
                              verbose_feature_names_out=False).fit(first_X[names])
    model = Pipeline([("table", table), ("network", network)])
    summary = {"data": args.data, "target": args.target, "task": task,
               "settings": network_settings(args), "metric": metric, "test_score": score,
               "streamed": {"chunks": data.n_chunks, "held_out_chunks": n_test},
               "final_importances": dict(zip(names, network.feature_importances_.tolist()))}
    written = write_outputs(out, network.importance_history_, names, summary, model=model)
    print_written(written, args.out)
    return 0


def _class_weights(args, task, y):
    """Row weights for --class-weight balanced (None without it)."""
    if args.class_weight == "none":
        return None
    if task != "classification":
        raise UsageError("--class-weight applies to classes; this target is a regression")
    from sklearn.utils.class_weight import compute_sample_weight

    return compute_sample_weight("balanced", y)


def _model_step(args, task, network):
    """The model's last step: the network, or for --target-transform log the network
    trained on log(y) and predicting exp of its output: in the target's units, and never
    at or below zero."""
    if args.target_transform == "none":
        return network
    if task != "regression":
        raise UsageError("--target-transform applies to a regression target")
    import numpy as np
    from sklearn.compose import TransformedTargetRegressor

    return TransformedTargetRegressor(regressor=network, func=np.log, inverse_func=np.exp,
                                      check_inverse=False)


def _ranked(model, y):
    """The Pipeline whose network the rankings read, and the target it learned (on the
    log scale for --target-transform log)."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.pipeline import Pipeline

    last = model.steps[-1][1]
    if not isinstance(last, TransformedTargetRegressor):
        return model, y
    return (Pipeline([*model.steps[:-1], ("network", last.regressor_)]),
            last.transformer_.transform(y.to_numpy().reshape(-1, 1)).ravel())


def _check_target(args, task, y):
    """Refuse a log transform of a target that is not always positive."""
    if task == "regression" and args.target_transform == "log" and y.min() <= 0:
        raise UsageError(f"--target-transform log needs a target that is always positive; "
                         f"{args.target!r} goes down to {y.min():g}")


def _target_range(y):
    """The range a regression target kept in training, as the model remembers it: never
    negative (lower bound 0), or none."""
    return (0.0, None) if float(y.min()) >= 0 else None


def fit_command(args):
    out = out_folder(args, args.data)
    if streamed(args.data):
        return _fit_streamed(args, out)
    check_data(args.data, args.target, args.sep, args.drop, [args.id] if args.id else [])
    import pandas as pd
    from sklearn.pipeline import Pipeline

    from .._inspection._importance_table import importance_table
    from .._inspection._spread import importance_spread
    from .._neural_network._memorization import memorizing
    from ._experiment import write_outputs
    from ._record import RunRecord
    from ._scores import (
        UNRELIABLE,
        below_baselines,
        format_scores,
        held_out_scores,
        reliability,
        reliability_figure,
    )
    from ._table import imputed_values

    record = RunRecord()
    with record.holding():
        table = fit_table(args, record)
    task, transformer = table.task, table.transformer
    X_train, X_test, y_train, y_test = table.split
    _check_target(args, task, pd.concat([y_train, y_test]))
    if args.compare:
        record.emit()
        encoded = transformer.fit_transform(X_train)
        names = list(transformer.get_feature_names_out())
        return compare_settings(args, network_for(args, task),
                                pd.DataFrame(encoded, columns=names), y_train, out, names)
    weights = _class_weights(args, task, y_train)
    network = network_for(args, task)
    model = Pipeline([("table", transformer), ("network", _model_step(args, task, network))])
    model.fit(X_train, y_train,
              **({} if weights is None else {"network__sample_weight": weights}))
    if task == "regression":
        model.target_range_ = _target_range(y_train)
    # What the run found is said once its files are written: a run whose output cannot be
    # published says only why, and a closed standard output cannot lose the files.
    with record.holding():
        ranked, y_ranked = _ranked(model, pd.concat([y_train, y_test]))
        network, table_step = ranked.named_steps["network"], ranked.named_steps["table"]
        baselines = baseline_models(task, transformer, X_train, y_train, weights)
        scores = held_out_scores(task, {"network": model, **baselines}, X_test, y_test)
        metric = "accuracy" if task == "classification" else "R^2"
        score = scores[metric]["network"]
        print(f"{task}: test {metric} {score:.4f} ({len(y_test)} rows held out)")
        for line in format_scores(scores, len(y_test)):
            print(line)
        below = below_baselines(task, scores)
        # Balanced classes trade accuracy for the rare class: judged on balanced accuracy.
        judged = "balanced accuracy" if weights is not None else metric
        _warn_below(record, task, scores, below, judged, rare=task == "classification"
                    and y_train.value_counts(normalize=True).min() < 0.5 / y_train.nunique()
                    and args.class_weight == "none")
        checked = None
        if task == "classification":
            checked = reliability(model.classes_, model.predict_proba(X_test), y_test)
            if checked["expected_calibration_error"] >= UNRELIABLE:
                worst = max(checked["bins"],
                            key=lambda b: abs(b["mean_predicted"] - b["observed_rate"]))
                record.warn(
                    "unreliable_probabilities",
                    f"the predicted probabilities are not reliable on the held-out rows "
                    f"(expected calibration error {checked['expected_calibration_error']:.3f}"
                    f"; where {checked['probability']} is {worst['mean_predicted']:.3f} on "
                    f"average, the observed rate is {worst['observed_rate']:.3f}): read them "
                    "as scores, not chances (reliability.png)",
                    expected_calibration_error=checked["expected_calibration_error"])
        else:
            _warn_range(record, model, X_test, "held-out rows")
        train_score = float(model.score(X_train, y_train))
        memorized = memorizing(train_score, score, scores[metric]["constant"])
        if memorized:
            record.warn("memorizing",
                        f"the network fits its training rows far better than held-out rows "
                        f"(training {metric} {train_score:.4f}, held-out {score:.4f}): its "
                        "importances describe what it memorized more than what carries to "
                        "new rows; try fewer --epochs, --early-stopping, a smaller --hidden, "
                        "or a larger --test-size")
        names = list(table_step.get_feature_names_out())
        by_column = importance_table(ranked).to_dict()
        print_ranking(names, network.feature_importances_, by_column)
        # The ranking describes the table: its networks train on every row, so that another
        # seed (which also draws another split) ranks the same rows.
        X_all = pd.concat([X_train, X_test])
        spread = importance_spread(
            ranked, X_all, y_ranked, n_networks=args.networks, random_state=args.seed,
            sample_weight=_class_weights(args, task, pd.concat([y_train, y_test])))
        print_spread(spread, len(X_all))
        reliance = importance_table(ranked, X_test, y_ranked[len(y_train):], reliance=True,
                                    random_state=args.seed).drop(columns="importance")
        print_reliance(by_column, reliance, metric)
    summary = {"data": args.data, "target": args.target, "task": task,
               "settings": network_settings(args), "metric": metric, "test_score": score,
               "n_rows": {"train": len(y_train), "test": len(y_test)},
               "held_out_scores": scores, "train_score": train_score,
               "memorizing": memorized, "judged_on": judged,
               "below_baselines": below.get(judged, []),
               "below_baselines_by_measure": below,
               "id_columns": table.ids, "leaks": table.leaks,
               "reliance_by_column": reliance.to_dict("index"),
               "importance_spread": {"n_networks": args.networks,
                                     "by_column": spread.to_dict("index")},
               "baseline_scores": {name: scores[metric][name] for name in baselines},
               "imputed_rows": table.imputed,
               "imputed_values": imputed_values(model.named_steps["table"]),
               "final_importances": dict(zip(names, network.feature_importances_.tolist())),
               "importance_by_column": by_column,
               **({"reliability": checked} if checked else {}),
               **({"target_range": model.target_range_} if task == "regression" else {}),
               **record.summary()}
    figures = {} if checked is None else {
        "reliability.png": lambda path: reliability_figure(checked, path)}
    written = write_outputs(out, network.importance_history_, names, summary, model=model,
                            ranking=spread, figures=figures, card=True, reliance=reliance)
    record.emit()
    print_written(written, args.out)
    print(f"The model is a scikit-learn Pipeline: sklgrad.load_model('{args.out}/model.skops')")
    return 0


def _warn_below(record, task, scores, below, metric, rare):
    """One warning when the network is below a baseline on some measure, naming each."""
    if not below:
        return
    parts = [f"{measure} {scores[measure]['network']:.4f} (" + ", ".join(
        f"{name} {scores[measure][name]:.4f}" for name in worse) + ")"
        for measure, worse in below.items()]
    main = below.get(metric)
    lead = (f"the network's held-out {metric} {scores[metric]['network']:.4f} is below the "
            f"{' and '.join(main)} baseline{'s' if len(main) > 1 else ''}" if main else
            "the network is below a baseline on the held-out rows")
    record.warn("below_baseline",
                f"{lead} ({'; '.join(parts)}): its ranking describes a model that predicts "
                "worse than a simpler one, and cannot be trusted"
                + ("; a class is rare: try --class-weight balanced" if rare else "")
                + "; try more --epochs, another --lr or --hidden",
                measures=below)


def _warn_range(record, model, X, where):
    """Warn when a regression predicts outside the range its target kept in training."""
    bounds = getattr(model, "target_range_", None)
    if not bounds:
        return
    predicted = model.predict(X)
    low = bounds[0]
    outside = int((predicted < low).sum())
    if outside:
        record.warn("prediction_out_of_range",
                    f"{outside} of {len(predicted)} predictions on the {where} are below "
                    f"{low:g} (down to {predicted.min():.4g}), where every training target "
                    f"was at least {low:g}; --target-transform log keeps them positive",
                    count=outside)
