"""The ``sklgrad`` command line: the paper's experiment, and the method on any CSV.

Only the standard library is imported at the top: torch, skorch and pandas are imported by
the subcommands that need them, so ``--help`` and ``--version`` answer at once.
"""

import argparse
import os
import sys

from . import __version__

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """Bad input from the user: reported as one line on stderr, exit status 2."""


# ----------------------------------------------------------------------------- helpers
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
    if text == "auto":
        return text
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an integer or 'auto'; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _threshold(text):
    try:
        return float(text)
    except ValueError:
        return text


def _read_table(path):
    import pandas as pd

    if not os.path.exists(path):
        raise UsageError(f"no such file: {path}")
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise UsageError(f"{path} is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise UsageError(f"could not read {path} as CSV: {first}") from None
    if frame.empty:
        raise UsageError(f"{path} has no data rows")
    frame.columns = [str(c) for c in frame.columns]
    return frame


def _split_target(frame, target, path):
    if target not in frame.columns:
        shown = ", ".join(frame.columns[:10]) + (" ..." if len(frame.columns) > 10 else "")
        raise UsageError(f"target column {target!r} is not in {path} (columns: {shown})")
    y = frame[target]
    if y.isna().any():
        raise UsageError(f"target column {target!r} has {int(y.isna().sum())} missing values")
    return frame.drop(columns=[target]), y


def _task(y, requested):
    import pandas as pd
    from sklearn.utils.multiclass import type_of_target

    if requested != "auto":
        return requested
    if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
        return "classification"
    kind = type_of_target(y.to_numpy())
    if kind == "binary" or (kind == "multiclass" and y.nunique() <= 20):
        return "classification"
    return "regression"


def _estimator(args, task):
    from . import LearningGradientClassifier, LearningGradientRegressor

    cls = LearningGradientClassifier if task == "classification" else LearningGradientRegressor
    return cls(hidden_layer_sizes=args.hidden, max_iter=args.epochs, solver=args.solver,
               learning_rate_init=args.lr, batch_size=args.batch_size, tol=None,
               random_state=args.seed, verbose=0 if args.quiet else 1)


def _encode(args, X):
    from ._table import TableEncoder

    encoder = TableEncoder(impute=args.impute, max_categories=args.max_categories)
    return encoder, encoder.fit_transform(X)


def _print_ranking(names, importances, by_column=None, top=15):
    import numpy as np

    order = np.argsort(-np.asarray(importances), kind="mergesort")
    print("Ranked input variables (share of the learning gradient, last epoch):")
    for rank, index in enumerate(order[:top], start=1):
        print(f"  {rank:>3}. {names[index]:<30} {importances[index]:.4f}")
    if len(order) > top:
        print(f"  ... and {len(order) - top} more (all in importance_history.csv)")
    if by_column is not None and len(by_column) < len(names):
        print("Summed per table column:")
        for column, value in sorted(by_column.items(), key=lambda item: -item[1])[:top]:
            print(f"       {column:<30} {value:.4f}")


def _write_csv_atomically(frame, path, **kwargs):
    import tempfile

    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".sklgrad-", suffix=".csv", dir=directory)
    try:
        with os.fdopen(fd, "w", newline="") as handle:
            frame.to_csv(handle, **kwargs)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


# ----------------------------------------------------------------------------- commands
def _cmd_paper(args):
    from ._experiment import (
        format_replication,
        load_paper_data,
        ranking,
        replication_summary,
        run_paper,
        write_outputs,
    )

    names = list(load_paper_data()[0].columns)
    runs = []
    for index in range(args.seeds):
        seed = args.seed + index
        verbose = int(args.seeds == 1 and not args.quiet)
        if args.seeds > 1 and not args.quiet:
            print(f"seed {seed} ({index + 1}/{args.seeds}) ...", end=" ", flush=True)
        run = run_paper(seed, epochs=args.epochs, verbose=verbose)
        runs.append(run)
        if args.seeds > 1 and not args.quiet:
            print(f"test accuracy {run['accuracy']:.4f}", flush=True)
    first = runs[0]
    estimator = first["estimator"]
    print(f"Breast cancer, 30-3-1 ReLU network, SGD, {args.epochs} epochs, seed {args.seed}: "
          f"test accuracy {first['accuracy']:.4f}")
    _print_ranking(names, estimator.feature_importances_)
    summary = {"experiment": "paper", "epochs": args.epochs, "seed": args.seed,
               "test_accuracy": first["accuracy"],
               "ranking": ranking(estimator.feature_importances_, names),
               "final_importances": dict(zip(names, estimator.feature_importances_.tolist()))}
    if args.seeds > 1:
        summary["replication"] = replication_summary(runs, names)
        print(format_replication(summary["replication"]))
    written = write_outputs(args.out, estimator, names, summary)
    print(f"Wrote {len(written)} files to {args.out}/: " + ", ".join(p.name for p in written))
    return 0


def _fit_table(args):
    """Read, encode and split a table; return what fit and select need."""
    frame = _read_table(args.data)
    X, y = _split_target(frame, args.target, args.data)
    task = _task(y, args.task)
    if task == "classification" and y.nunique() < 2:
        raise UsageError(f"target column {args.target!r} has a single class "
                         f"({y.iloc[0]!r}): nothing to classify")
    encoder, X_encoded = _encode(args, X)
    return frame, X, y, task, encoder, X_encoded


def _cmd_fit(args):
    import pandas as pd
    from sklearn.model_selection import train_test_split

    from ._experiment import write_outputs
    from ._table import importance_by_column

    _, _, y, task, encoder, X_encoded = _fit_table(args)
    names = encoder.feature_names_
    X_encoded = pd.DataFrame(X_encoded, columns=names)
    stratify = y if task == "classification" and y.value_counts().min() >= 2 else None
    X_train, X_test, y_train, y_test = train_test_split(
        X_encoded, y, test_size=args.test_size, random_state=args.seed, stratify=stratify)
    estimator = _estimator(args, task).fit(X_train, y_train)
    score = estimator.score(X_test, y_test)
    metric = "accuracy" if task == "classification" else "R^2"
    print(f"{task}: test {metric} {score:.4f} ({len(y_test)} rows held out)")
    by_column = importance_by_column(estimator.feature_importances_, encoder.source_columns_)
    _print_ranking(names, estimator.feature_importances_, by_column)
    summary = {"data": os.path.abspath(args.data), "target": args.target, "task": task,
               f"test_{metric.lower().replace('^', '')}": float(score),
               "final_importances": dict(zip(names, estimator.feature_importances_.tolist())),
               "importance_by_column": by_column}
    extra = {"target": args.target, "task": task, "encoder": encoder.to_dict()}
    written = write_outputs(args.out, estimator, names, summary, model_extra=extra)
    print(f"Wrote {len(written)} files to {args.out}/: " + ", ".join(p.name for p in written))
    return 0


def _cmd_predict(args):
    import pandas as pd

    from ._persistence import load_model
    from ._table import TableEncoder

    if not os.path.exists(args.model):
        raise UsageError(f"no such file: {args.model}")
    try:
        estimator, extra = load_model(args.model)
        encoder = TableEncoder.from_dict(extra["encoder"])
        target = extra["target"]
    except (ValueError, KeyError, TypeError) as error:
        raise UsageError(f"{args.model} is not an sklgrad model file written by "
                         f"'sklgrad fit' ({error})") from None
    frame = _read_table(args.data)
    X = encoder.transform(frame.drop(columns=[target], errors="ignore"))
    X = pd.DataFrame(X, columns=encoder.feature_names_)
    predictions = pd.DataFrame({f"predicted_{target}": estimator.predict(X)})
    if args.out:
        _write_csv_atomically(predictions, args.out, index=False)
        print(f"Wrote {len(predictions)} predictions to {args.out}")
    else:
        predictions.to_csv(sys.stdout, index=False)
    return 0


def _cmd_select(args):
    import pandas as pd

    from . import LearningGradientSelector
    from ._table import importance_by_column

    frame, X, y, task, encoder, X_encoded = _fit_table(args)
    selector = LearningGradientSelector(
        _estimator(args, task), threshold=args.threshold, max_features=args.max_features,
        n_repeats=args.repeats, random_state=args.seed,
    ).fit(pd.DataFrame(X_encoded, columns=encoder.feature_names_), y)
    # A table column is kept when any of its encoded inputs is.
    by_column = importance_by_column(selector.get_support().astype(float),
                                     encoder.source_columns_)
    kept = [column for column in X.columns if by_column.get(column, 0) > 0]
    dropped = [column for column in X.columns if column not in kept]
    if not kept:
        raise UsageError("no column passes the threshold; lower it or use --max-features")
    _write_csv_atomically(frame[kept + [args.target]], args.out, index=False)
    threshold = selector.threshold_
    print(f"Kept {len(kept)} of {len(X.columns)} columns (threshold {args.threshold}: "
          f"{threshold:.4g}) -> {args.out}")
    importance = importance_by_column(selector.importances_mean_, encoder.source_columns_)
    order = sorted(importance, key=lambda c: -importance[c])
    print("Kept:    " + ", ".join(f"{c} ({importance[c]:.3f})" for c in order if c in kept))
    print("Dropped: " + (", ".join(f"{c} ({importance[c]:.3f})" for c in order
                                  if c in dropped) or "none"))
    return 0


# ----------------------------------------------------------------------------- parser
def _add_table_arguments(parser):
    parser.add_argument("data", metavar="DATA.csv")
    parser.add_argument("--target", required=True, metavar="COLUMN")


def _add_model_options(parser, epochs):
    parser.add_argument("--task", choices=["auto", "classification", "regression"],
                        default="auto", help="inferred from the target by default")
    parser.add_argument("--hidden", type=_hidden, default=(100,), metavar="SIZES",
                        help="hidden layer sizes, e.g. 3 or 64,32 (default: 100)")
    parser.add_argument("--epochs", type=int, default=epochs, help=f"default: {epochs}")
    parser.add_argument("--solver", choices=["adam", "sgd"], default="adam")
    parser.add_argument("--lr", type=float, default=1e-3, help="learning rate (default: 1e-3)")
    parser.add_argument("--batch-size", type=_batch_size, default="auto",
                        help="rows per batch, or auto (default)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--impute", choices=["none", "mean", "median"], default="none",
                        help="fill missing values (numeric: mean/median; text: most "
                             "frequent); none refuses them (default)")
    parser.add_argument("--max-categories", type=int, default=50,
                        help="most distinct values a text column may have (default: 50)")
    parser.add_argument("--quiet", action="store_true", help="no per-epoch progress")


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
    paper.add_argument("--seeds", type=int, default=1,
                       help="run this many seeds and print a replication table (default: 1)")
    paper.add_argument("--seed", type=int, default=0, help="first seed (default: 0)")
    paper.add_argument("--epochs", type=int, default=40, help="default: 40 (the paper's)")
    paper.add_argument("--out", default="sklgrad-output", help="output folder")
    paper.add_argument("--quiet", action="store_true", help="no per-epoch progress")
    paper.set_defaults(handler=_cmd_paper)

    fit = commands.add_parser(
        "fit", help="train on a CSV table and rank its columns",
        description="Train on DATA.csv to predict --target; print the test score and the "
                    "ranked inputs; write the history, figures, summary and model to --out.")
    _add_table_arguments(fit)
    fit.add_argument("--test-size", type=float, default=0.25, help="default: 0.25")
    fit.add_argument("--out", default="sklgrad-output", help="output folder")
    _add_model_options(fit, epochs=200)
    fit.set_defaults(handler=_cmd_fit)

    predict = commands.add_parser(
        "predict", help="predict with a model written by 'sklgrad fit'",
        description="Load MODEL (never running code from it) and predict DATA.csv.")
    predict.add_argument("model", metavar="MODEL")
    predict.add_argument("data", metavar="DATA.csv")
    predict.add_argument("--out", metavar="PRED.csv", help="default: standard output")
    predict.set_defaults(handler=_cmd_predict)

    select = commands.add_parser(
        "select", help="keep only the columns the network learns from",
        description="Input simplification: write DATA.csv with only the kept columns (and "
                    "the target).")
    _add_table_arguments(select)
    select.add_argument("--out", required=True, metavar="REDUCED.csv")
    select.add_argument("--threshold", type=_threshold, default="shadow",
                        help="shadow (default), mean, median, 1.5*mean, or a number")
    select.add_argument("--max-features", type=int, default=None,
                        help="keep at most this many encoded inputs")
    select.add_argument("--repeats", type=int, default=1,
                        help="networks averaged, with different seeds (default: 1)")
    _add_model_options(select, epochs=100)
    select.set_defaults(handler=_cmd_select)
    return parser


def main(argv=None):
    """Entry point of the ``sklgrad`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (UsageError, ValueError, TypeError) as error:
        message = " ".join(str(error).split())
        print(f"sklgrad {args.command}: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        print(f"sklgrad {args.command}: error: {error.strerror or error}: "
              f"{error.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_BAD_INPUT
