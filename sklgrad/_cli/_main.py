"""The ``sklgrad`` command line: the paper's experiment, and the method on any CSV.

Only the standard library is imported at the top: torch, skorch and pandas are imported by
the subcommands that need them, so ``--help`` and ``--version`` answer at once.
"""

import argparse
import math
import os
import sys
import time

from .. import __version__

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE


class UsageError(Exception):
    """Bad input from the user: reported as one line on stderr, exit status 2."""


# ----------------------------------------------------------------------------- helpers
# Argument types check every number at parse time, before anything heavy is imported.
def _number(kind, low=None, high=None, low_open=False, high_open=False):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {'an integer' if kind is int else 'a number'}; got {text!r}"
            ) from None
        if kind is float and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be finite; got {text!r}")
        if low is not None and (value <= low if low_open else value < low):
            raise argparse.ArgumentTypeError(
                f"must be {'greater than' if low_open else 'at least'} {low}; got {text!r}")
        if high is not None and (value >= high if high_open else value > high):
            raise argparse.ArgumentTypeError(
                f"must be {'less than' if high_open else 'at most'} {high}; got {text!r}")
        return value
    return parse


_COUNT = _number(int, low=1)
_SEED = _number(int, low=0, high=2**32 - 1)
_RATE = _number(float, low=0, low_open=True)
_FRACTION = _number(float, low=0, high=1, low_open=True, high_open=True)


def _hidden(text):
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected sizes like 3 or 64,32; got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"layer sizes must be positive; got {text!r}")
    return sizes


def _batch_size(text):
    return text if text == "auto" else _COUNT(text)


def _layers(text):
    """Hidden layers for --compare: 3, or 64x32 for two layers."""
    return _hidden(text.replace("x", ","))


# --compare NAME=V1,V2: the short names of the command line, and how each value is read.
_COMPARABLE = {
    "lr": ("learning_rate_init", _RATE), "learning_rate_init": ("learning_rate_init", _RATE),
    "hidden": ("hidden_layer_sizes", _layers),
    "hidden_layer_sizes": ("hidden_layer_sizes", _layers),
    "batch": ("batch_size", _batch_size), "batch_size": ("batch_size", _batch_size),
    "epochs": ("max_iter", _COUNT), "max_iter": ("max_iter", _COUNT),
    "alpha": ("alpha", _number(float, low=0)),
    "momentum": ("momentum", _number(float, low=0, high=1)),
    "solver": ("solver", lambda text: _choice(text, ("sgd", "adam"))),
    "activation": ("activation", lambda text: _choice(text, _activations())),
}


def _activations():
    # The engine's table, read when the option is parsed (importing it costs --help time).
    from .._engine.math_numpy import ACTIVATIONS

    return tuple(ACTIVATIONS)


def _choice(text, options):
    if text not in options:
        raise argparse.ArgumentTypeError(f"expected one of {', '.join(options)}; got {text!r}")
    return text


def _comparison(text):
    """NAME=V1,V2,...: one parameter and the values to compare (checked at parse time)."""
    name, _, values = text.partition("=")
    if name not in _COMPARABLE or not values:
        raise argparse.ArgumentTypeError(
            f"expected NAME=V1,V2 with NAME among {', '.join(sorted(_COMPARABLE))}; "
            f"got {text!r}")
    parameter, parse = _COMPARABLE[name]
    parsed = [parse(value) for value in values.split(",") if value]
    if len(parsed) < 2:
        raise argparse.ArgumentTypeError(f"give at least two values to compare; got {text!r}")
    return parameter, parsed


def _threshold(text):
    try:
        return float(text)
    except ValueError:
        return text


def _check_data(path, target=None, sep=None, drop=()):
    """The input file exists and has the target column (and those of --drop): checked from
    its header alone, read as the loader reads it."""
    from ._table import table_columns

    if not os.path.isfile(path):
        raise UsageError(f"no such file: {path}")
    if os.path.getsize(path) == 0:
        raise UsageError(f"{path} is empty")
    if target is not None:
        try:
            columns = table_columns(path, sep)
        except (UnicodeDecodeError, OSError) as error:
            raise UsageError(f"could not read {path} as CSV: {error}") from None
        shown = ", ".join(columns[:10]) + (" ..." if len(columns) > 10 else "")
        if target not in columns:
            raise UsageError(f"target column {target!r} is not in {path} (columns: {shown})")
        absent = [column for column in drop if column not in columns]
        if absent:
            raise UsageError(f"--drop column(s) {', '.join(map(repr, absent))} not in {path} "
                             f"(columns: {shown})")


def _out_folder(args, *inputs):
    from ._outputs import OutputError, OutputFolder

    try:
        out = OutputFolder(args.out, inputs=inputs)
        out.check_writable()
    except OutputError as error:
        raise UsageError(str(error)) from None
    return out


def _read_table(path, text_columns=(), sep=None):
    import pandas as pd

    from ._table import read_table

    try:
        frame = read_table(path, text_columns, sep)
    except pd.errors.EmptyDataError:
        raise UsageError(f"{path} is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise UsageError(f"could not read {path} as CSV: {first}") from None
    if frame.empty:
        raise UsageError(f"{path} has no data rows")
    return frame


def _split_target(frame, target, drop_missing=False):
    y = frame[target]
    missing = int(y.isna().sum())
    if missing and not drop_missing:
        raise UsageError(f"target column {target!r} has {missing} missing values: pass "
                         "--drop-missing-target to train on the other rows")
    if missing:
        print(f"Dropped {missing} of {len(frame)} rows whose target {target!r} is missing")
        frame, y = frame[y.notna()], y[y.notna()]
        if frame.empty:
            raise UsageError(f"target column {target!r} has no value at all")
    return frame.drop(columns=[target]), y


def _warn_leaks(X, y, task, seed):
    """Warn about inputs that look like a row index, and about a single input that
    predicts the target almost perfectly on held-out rows: both usually leak the answer."""
    import pandas as pd
    from sklearn.model_selection import cross_val_score
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    from ._table import index_like_columns

    for column in index_like_columns(X):
        print(f"warning: column {column!r} looks like a saved row index (unique increasing "
              f"integers or pandas's unnamed index); drop it with --drop {column}",
              file=sys.stderr)
    model = (DecisionTreeClassifier(max_depth=4, random_state=seed)
             if task == "classification" else DecisionTreeRegressor(max_depth=4,
                                                                    random_state=seed))
    counts = y.value_counts()
    # A target that a constant already predicts: nothing to tell from a column.
    if y.nunique() < 2 or (task == "classification" and (
            counts.min() < 3 or counts.max() / len(y) > 0.95)):
        return
    for column in X.columns:
        values = X[column]
        if values.isna().any():
            continue
        codes = (values.to_numpy(dtype=float) if pd.api.types.is_numeric_dtype(values)
                 else pd.factorize(values)[0].astype(float)).reshape(-1, 1)
        score = cross_val_score(model, codes, y, cv=3).mean()
        if score >= 0.99:
            print(f"warning: column {column!r} alone predicts the target almost perfectly "
                  f"(held-out {'accuracy' if task == 'classification' else 'R^2'} "
                  f"{score:.3f}): check that it is not the answer in disguise; drop it with "
                  f"--drop {column}", file=sys.stderr)


def _task(y, requested):
    from .._utils._target import infer_task

    return infer_task(y) if requested == "auto" else requested


class _Progress:
    """One progress line for a training run: epochs, loss, elapsed, remaining.

    On a terminal the line is rewritten in place; otherwise (a log file, a pipe) it is
    printed at the first epoch, at the last, and every 5 seconds between.
    """

    def __init__(self, total, stream=None):
        self.total, self.stream = total, stream or sys.stderr
        self.tty = self.stream.isatty()
        self.start = self.shown = time.perf_counter()

    def __call__(self, epoch, loss):
        now = time.perf_counter()
        elapsed = now - self.start
        remaining = elapsed / epoch * (self.total - epoch)
        text = (f"epoch {epoch}/{self.total}  loss {loss:.4f}  elapsed {elapsed:.1f} s  "
                f"remaining {remaining:.1f} s")
        if self.tty:
            self.stream.write("\r" + text + ("\n" if epoch == self.total else ""))
        elif epoch in (1, self.total) or now - self.shown >= 5:
            self.stream.write(text + "\n")
            self.shown = now
        self.stream.flush()


def _estimator(args, task):
    from .. import LearningGradientClassifier, LearningGradientRegressor

    cls = LearningGradientClassifier if task == "classification" else LearningGradientRegressor
    estimator = cls(hidden_layer_sizes=args.hidden, max_iter=args.epochs, solver=args.solver,
                    learning_rate_init=args.lr, batch_size=args.batch_size, tol=None,
                    random_state=args.seed)
    if not args.quiet:
        estimator._epoch_hook = _Progress(args.epochs)
    return estimator


def _baselines(task, transformer, X_train, y_train, X_test, y_test):
    """Held-out scores of a constant prediction and of a linear model on the same inputs."""
    from sklearn.base import clone
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if task == "classification":
        constant, linear = DummyClassifier(), LogisticRegression(max_iter=1000)
    else:
        constant, linear = DummyRegressor(), Ridge()
    linear = make_pipeline(clone(transformer), StandardScaler(), linear)
    return {name: float(model.fit(X_train, y_train).score(X_test, y_test))
            for name, model in (("constant", constant), ("linear", linear))}


def _settings(args):
    """Every setting of the run, as summary.json records it."""
    return {key: (list(value) if isinstance(value, tuple) else value)
            for key, value in vars(args).items() if key != "handler"}


def _print_ranking(names, importances, by_column=None, top=15):
    import numpy as np

    order = np.argsort(-np.asarray(importances), kind="mergesort")
    print("Ranked input variables (share of the learning gradient, last epoch):")
    for rank, index in enumerate(order[:top], start=1):
        print(f"  {rank:>3}. {names[index]:<30} {importances[index]:.4f}")
    if len(order) > top:
        print(f"  ... and {len(order) - top} more (all in importance_history.csv)")
    if by_column is not None and len(by_column) < len(names):
        print("Per table column (mean share of its encoded inputs, renormalized):")
        for column, value in sorted(by_column.items(), key=lambda item: -item[1])[:top]:
            print(f"       {column:<30} {value:.4f}")


def _compare(args, base, X, y, out, names):
    """Fit the --compare grid with several seeds; print and write the comparison."""
    from .._inspection._comparison import LearningComparison, setting_label
    from .._inspection._plot._comparison import LearningComparisonDisplay

    grid = {parameter: values for parameter, values in args.compare}
    n_seeds = max(args.seeds, 2) if hasattr(args, "seeds") else 3
    comparison = LearningComparison(base.set_params(verbose=0), grid, n_seeds=n_seeds,
                                    random_state=args.seed).fit(X, y)
    summary = comparison.summary()
    print(f"Comparison over {len(comparison.settings_)} settings x {n_seeds} seeds "
          "(held-out score; seed agreement and rank correlation are Spearman correlations "
          "of the final importances):")
    print(_whole_numbers_as_integers(summary).to_string(
        index=False, float_format=lambda v: f"{v:.3f}"))
    labels = [setting_label(s) for s in comparison.settings_]
    differs = [f"{labels[a]} vs {labels[b]}" for a in range(len(labels))
               for b in range(a + 1, len(labels)) if comparison.differs_[a, b]]
    print("Rankings that differ beyond the seed noise: " + ("; ".join(differs) or "none"))

    def write(folder):
        import json

        import pandas as pd

        summary.to_csv(folder / "comparison.csv", index=False)
        networks = pd.DataFrame([
            {"setting": labels[i], "seed": int(seed), "score": comparison.scores_[i, s],
             "epochs": int(comparison.n_iter_[i, s]),
             **dict(zip(map(str, names), comparison.final_importances_[i, s]))}
            for i in range(len(labels)) for s, seed in enumerate(comparison.seeds_)])
        networks.to_csv(folder / "comparison_networks.csv", index=False)
        display = LearningComparisonDisplay.from_comparison(comparison)
        display.figure_.savefig(folder / "comparison.png", dpi=100)
        import matplotlib.pyplot as plt

        plt.close("all")
        with open(folder / "summary.json", "w") as handle:
            json.dump({"settings": _settings(args), "comparison": summary.to_dict("records"),
                       "rank_correlation": comparison.rank_correlation_.tolist(),
                       "differs_beyond_seed_noise": differs}, handle, indent=2)

    _print_written(out.publish(write), args.out)
    return 0


def _whole_numbers_as_integers(frame):
    """A table whose columns of whole numbers (epochs, counts) print as integers."""
    frame = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if values.dtype.kind == "f" and values.notna().all() and (values % 1 == 0).all():
            frame[column] = values.astype("int64")
    return frame


def _print_written(written, out):
    print(f"Wrote {len(written)} files to {out}/: " + ", ".join(p.name for p in written))


# ----------------------------------------------------------------------------- commands
def _cmd_paper(args):
    out = _out_folder(args)
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
        return _compare(args, paper_classifier(args.seed, args.epochs), X, y, out, names)
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
    summary = {"experiment": "paper", "settings": _settings(args),
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
    _print_written(written, args.out)
    return 0


def _memorizing(train_score, test_score, constant_score):
    """Whether more than half of what the network gained over a constant prediction on its
    training rows is lost on held-out rows: its importances then describe memorization."""
    gained = train_score - constant_score
    return bool(gained > 0 and (train_score - test_score) > 0.5 * gained)


def _fit_table(args):
    """Read and split a table; return what fit and select train on, after checking it."""
    from sklearn.model_selection import train_test_split

    from ._table import check_missing, table_transformer

    frame = _read_table(args.data, sep=args.sep)
    if args.drop:
        frame = frame.drop(columns=args.drop)
    X, y = _split_target(frame, args.target, args.drop_missing_target)
    frame = frame.loc[y.index]
    task = _task(y, args.task)
    if task == "classification" and y.nunique() < 2:
        raise UsageError(f"target column {args.target!r} has a single class "
                         f"({y.iloc[0]!r}): nothing to classify")
    _warn_leaks(X, y, task, args.seed)
    transformer = table_transformer(X, impute=args.impute, max_categories=args.max_categories)
    imputed = check_missing(X, args.impute)
    if imputed:
        print("Imputed (" + args.impute + " for numbers, most frequent for text): " +
              ", ".join(f"{column} {count} rows" for column, count in imputed.items()))
    stratify = y if task == "classification" and y.value_counts().min() >= 2 else None
    split = train_test_split(X, y, test_size=args.test_size, random_state=args.seed,
                             stratify=stratify)
    return frame, task, transformer, imputed, split


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
    task = _task(first_y, args.task)
    network = _estimator(args, task).fit(train)
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
    _print_ranking(names, network.feature_importances_)
    # The Pipeline that 'sklgrad predict' reads: the table's columns, passed through.
    table = ColumnTransformer([("numeric", "passthrough", names)],
                              verbose_feature_names_out=False).fit(first_X[names])
    model = Pipeline([("table", table), ("network", network)])
    summary = {"data": args.data, "target": args.target, "task": task,
               "settings": _settings(args), "metric": metric, "test_score": score,
               "streamed": {"chunks": data.n_chunks, "held_out_chunks": n_test},
               "final_importances": dict(zip(names, network.feature_importances_.tolist()))}
    written = write_outputs(out, network.importance_history_, names, summary, model=model)
    _print_written(written, args.out)
    return 0


def _cmd_fit(args):
    out = _out_folder(args, args.data)
    if _streamed(args.data):
        if not os.path.exists(args.data):
            raise UsageError(f"no such file: {args.data}")
        return _fit_streamed(args, out)
    _check_data(args.data, args.target, args.sep, args.drop)
    from sklearn.pipeline import Pipeline

    from .._inspection._importance_table import importance_table
    from ._experiment import write_outputs

    _, task, transformer, imputed, split = _fit_table(args)
    X_train, X_test, y_train, y_test = split
    if args.compare:
        import pandas as pd

        encoded = transformer.fit_transform(X_train)
        names = list(transformer.get_feature_names_out())
        return _compare(args, _estimator(args, task), pd.DataFrame(encoded, columns=names),
                        y_train, out, names)
    model = Pipeline([("table", transformer), ("network", _estimator(args, task))])
    model.fit(X_train, y_train)
    network, table = model.named_steps["network"], model.named_steps["table"]
    score = model.score(X_test, y_test)
    baselines = _baselines(task, transformer, X_train, y_train, X_test, y_test)
    metric = "accuracy" if task == "classification" else "R^2"
    print(f"{task}: test {metric} {score:.4f} ({len(y_test)} rows held out); baselines: "
          f"constant {baselines['constant']:.4f}, linear {baselines['linear']:.4f}")
    train_score = float(model.score(X_train, y_train))
    memorizing = _memorizing(train_score, score, baselines["constant"])
    if memorizing:
        print(f"warning: the network fits its training rows far better than held-out rows "
              f"(training {metric} {train_score:.4f}, held-out {score:.4f}): its importances "
              "describe what it memorized more than what carries to new rows; try fewer "
              "--epochs, a smaller --hidden, or a larger --test-size", file=sys.stderr)
    names = list(table.get_feature_names_out())
    by_column = importance_table(model).to_dict()
    _print_ranking(names, network.feature_importances_, by_column)
    summary = {"data": args.data, "target": args.target, "task": task,
               "settings": _settings(args), "metric": metric, "test_score": float(score),
               "train_score": train_score, "memorizing": memorizing,
               "baseline_scores": baselines, "imputed_rows": imputed,
               "final_importances": dict(zip(names, network.feature_importances_.tolist())),
               "importance_by_column": by_column}
    written = write_outputs(out, network.importance_history_, names, summary, model=model)
    _print_written(written, args.out)
    print(f"The model is a scikit-learn Pipeline: sklgrad.load_model('{args.out}/model.skops')")
    return 0


def _cmd_predict(args):
    from .._persistence import load_model
    from ._table import text_columns, unseen_categories

    if not os.path.isfile(args.model):
        raise UsageError(f"no such file: {args.model}")
    _check_data(args.data)
    out = _out_folder(args, args.data, args.model) if args.out else None
    try:
        model = load_model(args.model)
        table = model.named_steps["table"]
        target = model.feature_names_in_  # the columns it was fitted on
    except (ValueError, KeyError, AttributeError, TypeError) as error:
        raise UsageError(f"{args.model} is not a model written by 'sklgrad fit' "
                         f"({' '.join(str(error).split())})") from None
    import pandas as pd

    frame = _read_table(args.data, text_columns(table), sep=args.sep)
    absent = [c for c in target if c not in frame.columns]
    if absent:
        raise UsageError(f"{args.data} lacks the column(s) the model was fitted on: "
                         f"{', '.join(absent)}")
    if args.id is not None and args.id not in frame.columns:
        raise UsageError(f"--id column {args.id!r} is not in {args.data}")
    network = model.steps[-1][1]
    if args.proba and not hasattr(network, "predict_proba"):
        raise UsageError("--proba needs a classifier; this model is a regressor")
    unseen = unseen_categories(table, frame)
    if unseen:
        report = "; ".join(f"{column}: {count} rows ({', '.join(map(repr, values[:5]))})"
                           for column, (count, values) in unseen.items())
        if args.strict:
            raise UsageError(f"values not seen in training: {report}")
        print(f"warning: values not seen in training, encoded as no category: {report}",
              file=sys.stderr)
    frame = _good_rows(frame, table, args)
    inputs = frame[list(target)]
    predictions = pd.DataFrame({"predicted": model.predict(inputs)}, index=frame.index)
    if args.proba:
        probabilities = model.predict_proba(inputs)
        for label, column in zip(network.classes_, probabilities.T):
            predictions[f"proba_{label}"] = column
    if args.id is not None:
        predictions.insert(0, args.id, frame[args.id].to_numpy())
    if out is None:
        predictions.to_csv(sys.stdout, index=False)
        return 0
    out.publish(lambda folder: predictions.to_csv(folder / "predictions.csv", index=False))
    print(f"Wrote {len(predictions)} predictions to {args.out}/predictions.csv")
    return 0


def _good_rows(frame, table, args):
    """The rows whose numeric columns hold numbers (missing ones too when the model
    imputes): the others are refused, naming each column and its first lines, or with
    --skip-bad-rows listed on stderr and left out."""
    from sklearn.impute import SimpleImputer

    from ._table import bad_numeric_rows, numeric_columns

    imputes = any(name == "numeric" and isinstance(step, SimpleImputer)
                  for name, step, _ in table.transformers_)
    bad = bad_numeric_rows(frame, numeric_columns(table), allow_missing=imputes)
    if not bad:
        return frame
    report = "; ".join(
        f"column {column!r}, line(s) {', '.join(map(str, rows[:5]))}"
        f"{' ...' if len(rows) > 5 else ''} ({', '.join(map(repr, values[:3]))})"
        for column, (rows, values) in bad.items())
    lines = sorted({line for rows, _ in bad.values() for line in rows})
    if not args.skip_bad_rows:
        raise UsageError(f"{len(lines)} row(s) of {args.data} have no number where the model "
                         f"needs one: {report}; fix them, or pass --skip-bad-rows to predict "
                         "the others")
    print(f"warning: skipped {len(lines)} row(s) with no number where the model needs one: "
          f"{report}", file=sys.stderr)
    import numpy as np

    keep = ~np.isin(np.arange(len(frame)) + 2, lines)
    if not keep.any():
        raise UsageError(f"no row of {args.data} can be predicted: {report}")
    return frame[keep]


def _cmd_select(args):
    out = _out_folder(args, args.data)
    _check_data(args.data, args.target, args.sep, args.drop)
    import json

    import numpy as np
    import pandas as pd
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline

    from .. import LearningGradientSelector
    from .._inspection._importance_table import column_sources, importance_table
    from ._table import table_transformer

    frame, task, transformer, imputed, split = _fit_table(args)
    X_train, X_test, y_train, y_test = split
    # Selected per table column: a category's one-hot inputs are kept or dropped together,
    # on their mean importance.
    groups = column_sources(clone(transformer).fit(X_train))
    # The two questions train the selector's own networks (a relevance screen, a path).
    question = args.threshold in ("all-relevant", "minimal")
    selector = LearningGradientSelector(
        None if question else _estimator(args, task), threshold=args.threshold,
        max_features=args.max_features,
        n_repeats=None if question and args.repeats == 1 else args.repeats,
        random_state=args.seed, verbose=int(not args.quiet), groups=groups)
    model = Pipeline([("table", transformer), ("select", selector)]).fit(X_train, y_train)
    selector = model.named_steps["select"]
    kept_sources = set(np.asarray(groups, dtype=object)[selector.get_support()])
    columns = list(X_train.columns)
    kept = [column for column in columns if column in kept_sources]
    if not kept:
        raise UsageError("no column passes the threshold; lower it or use --max-features")
    dropped = [column for column in columns if column not in kept]
    everything = _baselines(task, transformer, X_train, y_train, X_test, y_test)["linear"]
    fewer = _baselines(task, table_transformer(X_train[kept], args.impute, args.max_categories),
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
               "settings": _settings(args), "threshold": float(threshold), "kept": kept,
               "dropped": dropped, "imputed_rows": imputed, "importance_by_column": importance,
               "linear_score_kept": fewer, "linear_score_all": everything}

    def write(folder):
        import matplotlib.pyplot as plt

        from .._inspection._plot._ranking import ImportanceRankingDisplay

        frame[kept + [args.target]].to_csv(folder / "reduced.csv", index=False)
        with open(folder / "summary.json", "w") as handle:
            json.dump(summary, handle, indent=2)
        pd.Series(importance, name="importance").rename_axis("column").to_csv(
            folder / "importance_by_column.csv")
        # The ranking with the kept inputs in color and the dropped ones in grey.
        display = ImportanceRankingDisplay.from_estimator(model, top_k=30)
        display.figure_.savefig(folder / "ranking.png", dpi=100, bbox_inches="tight")
        plt.close("all")

    _print_written(out.publish(write), args.out)
    return 0


# ----------------------------------------------------------------------------- parser
def _columns(text):
    return [column for column in text.split(",") if column]


def _add_csv_option(parser):
    parser.add_argument("--sep", metavar="CHAR",
                        help="the CSV's separator (default: sniffed among , ; tab |)")


def _add_table_arguments(parser):
    parser.add_argument("data", metavar="DATA.csv")
    parser.add_argument("--target", required=True, metavar="COLUMN")
    _add_csv_option(parser)
    parser.add_argument("--drop", type=_columns, default=[], metavar="COL[,COL]",
                        help="columns not to use as inputs (an index, an ID, a leak)")
    parser.add_argument("--drop-missing-target", action="store_true",
                        help="train on the rows whose target is there (default: refuse a "
                             "missing target)")


def _add_model_options(parser, epochs):
    parser.add_argument("--task", choices=["auto", "classification", "regression"],
                        default="auto", help="inferred from the target by default")
    parser.add_argument("--hidden", type=_hidden, default=(100,), metavar="SIZES",
                        help="hidden layer sizes, e.g. 3 or 64,32 (default: 100)")
    parser.add_argument("--epochs", type=_COUNT, default=epochs, help=f"default: {epochs}")
    parser.add_argument("--solver", choices=["adam", "sgd"], default="adam")
    parser.add_argument("--lr", type=_RATE, default=1e-3,
                        help="learning rate (default: 1e-3)")
    parser.add_argument("--batch-size", type=_batch_size, default="auto",
                        help="rows per batch, or auto (default)")
    parser.add_argument("--seed", type=_SEED, default=0, help="random seed (default: 0)")
    parser.add_argument("--test-size", type=_FRACTION, default=0.25,
                        help="share of rows held out for the scores (default: 0.25)")
    parser.add_argument("--impute", choices=["none", "mean", "median"], default="none",
                        help="fill missing values (numeric: mean/median; text: most "
                             "frequent); none refuses them (default)")
    parser.add_argument("--max-categories", type=_COUNT, default=50,
                        help="most distinct values a text column may have (default: 50)")
    parser.add_argument("--quiet", action="store_true", help="no per-epoch progress")
    _add_threads_option(parser)


def _add_threads_option(parser):
    parser.add_argument("--threads", type=_COUNT, default=1,
                        help="torch and BLAS threads (default: 1, the fastest for the small "
                             "networks of tabular data)")


def _add_compare_option(parser):
    parser.add_argument(
        "--compare", type=_comparison, action="append", metavar="NAME=V1,V2",
        help="compare what the network learns from across these values (with several "
             "seeds each), e.g. lr=0.001,0.01,0.1 or hidden=3,8,64x32; repeat for a grid. "
             f"NAME: {', '.join(sorted(k for k in _COMPARABLE if '_' not in k))} or the "
             "estimator's parameter name")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="sklgrad",
        description="Learning gradients: which inputs a neural network learns from, epoch by "
                    "epoch.")
    parser.add_argument("--version", action="version", version=f"sklgrad {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    paper = commands.add_parser(
        "paper", help="reproduce the paper's experiment (breast cancer, 30-3-1 network)",
        description="The paper's experiment on scikit-learn's breast cancer data: "
                    "standardized inputs, a 30-3-1 ReLU network, SGD, a stratified split.")
    paper.add_argument("--seeds", type=_COUNT, default=5,
                       help="seeds to run; the figures and tables are their aggregate "
                            "(default: 5)")
    paper.add_argument("--seed", type=_SEED, default=0, help="first seed (default: 0)")
    paper.add_argument("--epochs", type=_COUNT, default=40, help="default: 40 (the paper's)")
    paper.add_argument("--out", default="sklgrad-paper", metavar="FOLDER",
                       help="output folder (default: sklgrad-paper)")
    paper.add_argument("--quiet", action="store_true", help="no per-epoch progress")
    _add_threads_option(paper)
    _add_compare_option(paper)
    paper.set_defaults(handler=_cmd_paper)

    fit = commands.add_parser(
        "fit", help="train on a CSV table and rank its columns",
        description="Train on DATA.csv to predict --target; print the test score beside "
                    "baselines and the ranked inputs; write the history, figures, summary "
                    "and model (a scikit-learn Pipeline) to --out. DATA may also be a "
                    "Parquet dataset (a .parquet file or folder) or a folder of CSV files: "
                    "it is then streamed, one row group or file at a time, an epoch being "
                    "one pass over them.")
    _add_table_arguments(fit)
    fit.add_argument("--out", default="sklgrad-fit", metavar="FOLDER",
                     help="output folder (default: sklgrad-fit)")
    _add_model_options(fit, epochs=200)
    _add_compare_option(fit)
    fit.set_defaults(handler=_cmd_fit)

    predict = commands.add_parser(
        "predict", help="predict with a model written by 'sklgrad fit'",
        description="Load MODEL (never running code from it) and predict DATA.csv, reading "
                    "its columns with the types they had when the model was fitted.")
    predict.add_argument("model", metavar="MODEL")
    predict.add_argument("data", metavar="DATA.csv")
    predict.add_argument("--out", metavar="FOLDER",
                         help="write FOLDER/predictions.csv (default: standard output)")
    predict.add_argument("--id", metavar="COLUMN",
                         help="copy this column of DATA.csv beside the predictions")
    predict.add_argument("--strict", action="store_true",
                         help="refuse text values not seen in training (default: warn)")
    predict.add_argument("--proba", action="store_true",
                         help="class probabilities too, one column per class")
    predict.add_argument("--skip-bad-rows", action="store_true",
                         help="predict the rows that can be, list the others on stderr "
                              "(default: refuse the file, listing them)")
    _add_csv_option(predict)
    _add_threads_option(predict)
    predict.set_defaults(handler=_cmd_predict)

    select = commands.add_parser(
        "select", help="keep only the columns the network learns from",
        description="Input simplification: write FOLDER/reduced.csv, DATA.csv with only the "
                    "kept columns (and the target), with the held-out score of a linear "
                    "model on the kept columns and on all of them.")
    _add_table_arguments(select)
    select.add_argument("--out", default="sklgrad-select", metavar="FOLDER",
                        help="output folder (default: sklgrad-select)")
    select.add_argument("--threshold", type=_threshold, default="shadow",
                        help="shadow (default), all-relevant (every column that carries "
                             "signal), minimal (the few columns that suffice), mean, median, "
                             "1.5*mean, or a number; all-relevant and minimal train the "
                             "selector's own networks (the network options are not used)")
    select.add_argument("--max-features", type=_COUNT, default=None,
                        help="keep at most this many columns")
    select.add_argument("--repeats", type=_COUNT, default=1,
                        help="networks averaged, with different seeds (default: 1)")
    _add_model_options(select, epochs=100)
    select.set_defaults(handler=_cmd_select)
    return parser


def _set_threads(count):
    """Torch, OpenMP and BLAS threads for this run, before any of them is imported (each
    reads its count once); torch's too, if something imported it already."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(count)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(count)


def main(argv=None):
    """Entry point of the ``sklgrad`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    _set_threads(args.threads)
    try:
        return args.handler(args)
    except BrokenPipeError:
        # The reader of standard output went away (`sklgrad predict ... | head`): quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        # Training raises the interrupt through; nothing was published to --out.
        print(f"sklgrad {args.command}: interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (UsageError, ValueError, TypeError) as error:
        message = " ".join(str(error).split())
        print(f"sklgrad {args.command}: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        print(f"sklgrad {args.command}: error: {error.strerror or error}: "
              f"{error.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_BAD_INPUT
