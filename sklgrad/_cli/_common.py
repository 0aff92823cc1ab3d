"""What the subcommands share: reading and checking a table, the target and its task, the
network and its baselines, progress lines, the ranking printed."""

import os
import shlex
import sys
import time
from dataclasses import dataclass


class UsageError(Exception):
    """Bad input from the user: reported as one line on stderr, exit status 2."""


def check_data(path, target=None, sep=None, drop=(), ids=()):
    """The input file exists and has the target column (and those of --drop and --id):
    checked from its header alone, read as the loader reads it."""
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
        for column in ids:
            if column not in columns:
                raise UsageError(f"--id column {column!r} is not in {path} (columns: {shown})")
            if column == target or column in drop:
                raise UsageError(f"--id column {column!r} is also the target or dropped")


def streamed(path):
    """A Parquet dataset (a ``.parquet`` file or a folder of them) or a folder of CSV
    files: data that the commands stream instead of reading whole."""
    return os.path.isdir(path) or str(path).endswith(".parquet")


def open_streamed(args):
    """``args.data`` as a :class:`ChunkedData` (Parquet row groups or CSV files) of every
    column but the target and ``--drop``'s, and those columns' names; at least two chunks."""
    from .._neural_network._chunked import ChunkedData

    path = args.data
    if not os.path.exists(path):
        raise UsageError(f"no such file: {path}")
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
    return data, columns


def out_folder(args, *inputs):
    from ._outputs import OutputError, OutputFolder

    try:
        out = OutputFolder(args.out, inputs=inputs)
        out.check_writable()
    except OutputError as error:
        raise UsageError(str(error)) from None
    return out


def read_csv_table(path, text_columns=(), sep=None):
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


def split_target(frame, target, record, drop_missing=False):
    y = frame[target]
    missing = int(y.isna().sum())
    if missing and not drop_missing:
        raise UsageError(f"target column {target!r} has {missing} missing values: pass "
                         "--drop-missing-target to train on the other rows")
    if missing:
        # Lines of the file: the header is line 1, the first row line 2.
        record.drop_rows("missing target", [int(i) + 2 for i in y.index[y.isna()]],
                         f"Dropped {missing} of {len(frame)} rows whose target {target!r} "
                         "is missing")
        frame, y = frame[y.notna()], y[y.notna()]
        if frame.empty:
            raise UsageError(f"target column {target!r} has no value at all")
    return frame.drop(columns=[target]), y


def check_finite(frame):
    """Refuse infinite numbers, naming the columns and the first file lines that hold them
    (line 1 is the header)."""
    import numpy as np

    bad = {}
    for column in frame.columns:
        values = frame[column]
        if values.dtype.kind in "fc":
            rows = np.flatnonzero(np.isinf(values.to_numpy()))
            if rows.size:
                bad[column] = rows
    if bad:
        report = "; ".join(
            f"{column!r} on line(s) {', '.join(str(row + 2) for row in rows[:5])}"
            f"{f' and {rows.size - 5} more' if rows.size > 5 else ''}"
            for column, rows in bad.items())
        raise UsageError(f"infinite values: {report}; replace them, or drop the rows")


def task_of(y, requested):
    from .._utils._target import infer_task

    return infer_task(y) if requested == "auto" else requested


class Progress:
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


def network_for(args, task):
    from .. import LearningGradientClassifier, LearningGradientRegressor

    cls = LearningGradientClassifier if task == "classification" else LearningGradientRegressor
    early = getattr(args, "early_stopping", False)
    # Without early stopping the network trains the epochs asked for (tol=None): a run
    # length the user sets, as the paper's; with it, scikit-learn's rule and tolerance.
    estimator = cls(hidden_layer_sizes=args.hidden, max_iter=args.epochs, solver=args.solver,
                    learning_rate_init=args.lr, batch_size=args.batch_size,
                    tol=1e-4 if early else None, early_stopping=early,
                    random_state=args.seed)
    if not args.quiet:
        estimator._epoch_hook = Progress(args.epochs)
    return estimator


def baseline_models(task, transformer, X_train, y_train, sample_weight=None):
    """A constant prediction and a linear model on the same inputs, fitted (with the
    network's row weights, so that balanced classes are compared with balanced classes)."""
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
    weights = {} if sample_weight is None else {"sample_weight": sample_weight}
    return {"constant": constant.fit(X_train, y_train, **weights),
            "linear": linear.fit(X_train, y_train,
                                 **{f"{linear.steps[-1][0]}__{k}": v
                                    for k, v in weights.items()})}


def baseline_scores(task, transformer, X_train, y_train, X_test, y_test):
    """Held-out scores (accuracy or R^2) of a constant prediction and of a linear model on
    the same inputs."""
    return {name: float(model.score(X_test, y_test)) for name, model in
            baseline_models(task, transformer, X_train, y_train).items()}


def network_settings(args):
    """Every setting of the run, as summary.json records it."""
    return {key: (list(value) if isinstance(value, tuple) else value)
            for key, value in vars(args).items()}


def print_ranking(names, importances, by_column=None, top=15):
    import numpy as np

    order = np.argsort(-np.asarray(importances), kind="mergesort")
    print("The model's network, one draw (share of the learning gradient, last epoch):")
    for rank, index in enumerate(order[:top], start=1):
        print(f"  {rank:>3}. {names[index]:<30} {importances[index]:.4f}")
    if len(order) > top:
        print(f"  ... and {len(order) - top} more (all in importance_history.csv)")
    if by_column is not None and len(by_column) < len(names):
        print("Per table column (mean share of its encoded inputs, renormalized):")
        for column, value in sorted(by_column.items(), key=lambda item: -item[1])[:top]:
            print(f"       {column:<30} {value:.4f}")


def print_spread(spread, n_rows, top=15):
    """The ranking over several networks: each column's mean share, its interval, and
    where two neighbouring ranks are told apart; or, from one network, that it is one
    draw."""
    n_networks = len(spread.attrs["shares"])
    if n_networks == 1:
        print(f"Ranking from one network trained on all {n_rows} rows: one draw, with no "
              "interval (see --networks).")
        return
    print(f"Ranking over {n_networks} networks trained on all {n_rows} rows (mean share, "
          "95% interval; '>' where the rank is told apart from the next):")
    for rank, (column, row) in enumerate(spread.iloc[:top].iterrows(), start=1):
        apart = " >" if row["distinct"] else ""
        print(f"  {rank:>3}. {column:<30} {row['mean']:.4f}  [{row['low']:.4f}, "
              f"{row['high']:.4f}]{apart}")
    if len(spread) > top:
        print(f"  ... and {len(spread) - top} more (all in summary.json)")


def print_reliance(shares, reliance, metric, top=15):
    """Each table column's learning share beside the held-out drop of the score when its
    values are shuffled, in the order of the shares, and where the two disagree."""
    print(f"Reliance (held-out {metric} lost when a column is shuffled, mean +- sd of 5):")
    for column in sorted(shares, key=lambda c: -shares[c])[:top]:
        row = reliance.loc[column]
        note = f"  <- {row['note']}" if row["note"] else ""
        print(f"       {column:<30} share {shares[column]:.4f}   drop "
              f"{row['reliance']:+.4f} +- {row['reliance_std']:.4f}{note}")


def whole_numbers_as_integers(frame):
    """A table whose columns of whole numbers (epochs, counts) print as integers."""
    frame = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if values.dtype.kind == "f" and values.notna().all() and (values % 1 == 0).all():
            frame[column] = values.astype("int64")
    return frame


def print_written(written, out):
    print(f"Wrote {len(written)} files to {out}/: " + ", ".join(p.name for p in written))


@dataclass
class Table:
    """A table read for training, and what was found on the way."""

    frame: object  # the rows as read (the target's missing rows dropped), every column
    task: str  # "classification" or "regression"
    transformer: object  # the inputs' ColumnTransformer (unfitted)
    imputed: dict  # {column: rows filled}
    split: tuple  # X_train, X_test, y_train, y_test (X: IDs, then inputs)
    ids: list  # columns kept beside the rows, never inputs
    leaks: list  # columns flagged as leaking the answer
    inputs: list  # the input columns


def fit_table(args, record, leaks_as_inputs=True):
    """Read, check and split a table; return what fit and select train on as a
    :class:`Table`. Columns named by --id, and columns that look like a saved row index,
    are kept beside the rows and never used as inputs; a column that leaks the answer is
    an input only when ``leaks_as_inputs``."""
    from sklearn.model_selection import train_test_split

    from ._leaks import report_leaks
    from ._table import check_missing, identifiers, table_transformer

    frame = read_csv_table(args.data, sep=args.sep)
    if args.drop:
        frame = frame.drop(columns=args.drop)
    X, y = split_target(frame, args.target, record, args.drop_missing_target)
    frame = frame.loc[y.index]
    task = task_of(y, args.task)
    if task == "classification" and y.nunique() < 2:
        raise UsageError(f"target column {args.target!r} has a single class "
                         f"({y.iloc[0]!r}): nothing to classify")
    ids = [args.id] if getattr(args, "id", None) else []
    for column, looks in identifiers(X.drop(columns=ids), args.max_categories).items():
        record.warn("index_column",
                    f"column {column!r} looks like {looks}: kept beside the rows as an ID, "
                    f"not used as an input (--drop {shlex.quote(column)} leaves it out)",
                    columns=[column])
        ids.append(column)
    inputs = X.drop(columns=ids)
    # The input is checked whole before anything is trained on it (the leak check too).
    check_finite(inputs.assign(**{args.target: y}))
    check_missing(inputs, args.impute)
    if inputs.shape[1] == 0:
        raise UsageError("the table has no input columns beside the target and the IDs")
    # Built first: it refuses what it cannot encode, before the leak check reads it.
    transformer = table_transformer(inputs, impute=args.impute,
                                    max_categories=args.max_categories, ids=ids)
    leaks = report_leaks(inputs, y, task, args.seed, record, keep=leaks_as_inputs)
    if not leaks_as_inputs and leaks:
        inputs = inputs.drop(columns=leaks)
        if inputs.shape[1] == 0:
            raise UsageError("every input column leaks the answer; pass --keep-leaks to "
                             "select among them anyway")
        transformer = table_transformer(inputs, impute=args.impute,
                                        max_categories=args.max_categories, ids=ids)
    imputed = check_missing(inputs, args.impute)
    if imputed:
        record.warn("imputed", "missing values filled (" + args.impute + " for numbers, most "
                    "frequent for text): " + ", ".join(f"{column} {count} rows"
                                                       for column, count in imputed.items()),
                    columns=list(imputed), counts=imputed)
    stratify = y if task == "classification" and y.value_counts().min() >= 2 else None
    X = X[ids + list(inputs.columns)]
    split = train_test_split(X, y, test_size=args.test_size, random_state=args.seed,
                             stratify=stratify)
    return Table(frame=frame, task=task, transformer=transformer, imputed=imputed,
                 split=split, ids=ids, leaks=leaks, inputs=list(inputs.columns))
