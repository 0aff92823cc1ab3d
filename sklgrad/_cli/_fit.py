"""``sklgrad fit``: train on a table (in memory or streamed), rank its columns, write the
model and its figures; ``--compare`` beside it."""

import io
import os
import sys
from contextlib import redirect_stderr, redirect_stdout

from ._common import (
    UsageError,
    baseline_scores,
    check_data,
    fit_table,
    network_for,
    network_settings,
    out_folder,
    print_ranking,
    print_reliance,
    print_spread,
    print_written,
    task_of,
)
from ._compare import compare_settings


def _streamed(path):
    """A Parquet dataset (a ``.parquet`` file or a folder of them) or a folder of CSV
    files: data that ``fit`` streams instead of reading whole."""
    return os.path.isdir(path) or str(path).endswith(".parquet")


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
    parquet = str(path).endswith(".parquet") or any(
        name.endswith(".parquet") for name in os.listdir(path))
    source = ChunkedData.from_parquet if parquet else ChunkedData.from_csv
    try:
        data = source(path, args.target)
        columns = [c for c in (data.read(0)[0].columns) if c not in args.drop]
        data = source(path, args.target, columns=columns)
    except (OSError, ImportError) as error:
        raise UsageError(f"could not read {path}: {error}") from None
    if data.n_chunks < 2:
        raise UsageError(f"{path} holds one chunk: streaming needs several (files or row "
                         "groups); read a small table as a CSV file instead")
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


def fit_command(args):
    out = out_folder(args, args.data)
    if _streamed(args.data):
        if not os.path.exists(args.data):
            raise UsageError(f"no such file: {args.data}")
        return _fit_streamed(args, out)
    check_data(args.data, args.target, args.sep, args.drop)
    import pandas as pd
    from sklearn.pipeline import Pipeline

    from .._inspection._importance_table import importance_table
    from .._inspection._spread import importance_spread
    from .._neural_network._memorization import memorizing
    from ._experiment import write_outputs

    _, task, transformer, imputed, split = fit_table(args)
    X_train, X_test, y_train, y_test = split
    if args.compare:
        encoded = transformer.fit_transform(X_train)
        names = list(transformer.get_feature_names_out())
        return compare_settings(args, network_for(args, task), pd.DataFrame(encoded, columns=names),
                        y_train, out, names)
    model = Pipeline([("table", transformer), ("network", network_for(args, task))])
    model.fit(X_train, y_train)
    network, table = model.named_steps["network"], model.named_steps["table"]
    # What the run found is said once its files are written: a run whose output cannot be
    # published says only why, and a closed standard output cannot lose the files.
    said, warned = io.StringIO(), io.StringIO()
    with redirect_stdout(said), redirect_stderr(warned):
        score = model.score(X_test, y_test)
        baselines = baseline_scores(task, transformer, X_train, y_train, X_test, y_test)
        metric = "accuracy" if task == "classification" else "R^2"
        print(f"{task}: test {metric} {score:.4f} ({len(y_test)} rows held out); baselines: "
              f"constant {baselines['constant']:.4f}, linear {baselines['linear']:.4f}")
        below = [name for name, value in baselines.items() if score < value]
        if below:
            print(f"warning: the network's held-out {metric} {score:.4f} is below the "
                  f"{' and '.join(below)} baseline{'s' if len(below) > 1 else ''}: its ranking "
                  "describes a model that predicts worse than "
                  f"{'a constant' if 'constant' in below else 'a linear model'}, and cannot be "
                  "trusted; try more --epochs, another --lr or --hidden", file=sys.stderr)
        train_score = float(model.score(X_train, y_train))
        memorized = memorizing(train_score, score, baselines["constant"])
        if memorized:
            print(f"warning: the network fits its training rows far better than held-out rows "
                  f"(training {metric} {train_score:.4f}, held-out {score:.4f}): its importances "
                  "describe what it memorized more than what carries to new rows; try fewer "
                  "--epochs, a smaller --hidden, or a larger --test-size", file=sys.stderr)
        names = list(table.get_feature_names_out())
        by_column = importance_table(model).to_dict()
        print_ranking(names, network.feature_importances_, by_column)
        # The ranking describes the table: its networks train on every row, so that another
        # seed (which also draws another split) ranks the same rows.
        spread = importance_spread(model, pd.concat([X_train, X_test]),
                                   pd.concat([y_train, y_test]), n_networks=args.networks,
                                   random_state=args.seed)
        print_spread(spread, len(X_train) + len(X_test))
        reliance = importance_table(model, X_test, y_test, reliance=True,
                                    random_state=args.seed).drop(columns="importance")
        print_reliance(by_column, reliance, metric)
    summary = {"data": args.data, "target": args.target, "task": task,
               "settings": network_settings(args), "metric": metric, "test_score": float(score),
               "train_score": train_score, "memorizing": memorized,
               "below_baselines": below,
               "reliance_by_column": reliance.to_dict("index"),
               "importance_spread": {"n_networks": args.networks,
                                     "by_column": spread.to_dict("index")},
               "baseline_scores": baselines, "imputed_rows": imputed,
               "final_importances": dict(zip(names, network.feature_importances_.tolist())),
               "importance_by_column": by_column}
    written = write_outputs(out, network.importance_history_, names, summary, model=model,
                            ranking=spread)
    sys.stderr.write(warned.getvalue())
    sys.stdout.write(said.getvalue())
    print_written(written, args.out)
    print(f"The model is a scikit-learn Pipeline: sklgrad.load_model('{args.out}/model.skops')")
    return 0
