"""The command line's parser: every argument checked at parse time, before anything heavy is
imported."""

import argparse
import math

from .. import __version__


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


_NON_NEGATIVE = _number(float, low=0)


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
    parser.add_argument("--id", metavar="COLUMN",
                        help="a column that identifies the rows: never an input, kept beside "
                             "them in what is written (a column that looks like a saved row "
                             "index is treated so too)")


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
    parser.add_argument("--class-weight", choices=["none", "balanced"], default="none",
                        help="balanced: weigh each class's rows by the inverse of its "
                             "frequency, so that a rare class counts (default: none)")
    parser.add_argument("--early-stopping", action="store_true",
                        help="hold out 10%% of the training rows and stop when their score "
                             "stops improving, keeping the best epoch's weights (as the "
                             "estimators' early_stopping=True)")
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
    fit.add_argument("--target-transform", choices=["none", "log"], default="none",
                     help="log: train on log(target) and predict exp of the network's output, "
                          "for a skewed target that is always positive (default: none)")
    fit.add_argument("--networks", type=_COUNT, default=5,
                     help="networks (seeds) the printed ranking is averaged over, with an "
                          "interval, trained on every row of the table; the model file "
                          "holds the network trained on the split (default: 5)")
    _add_compare_option(fit)

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

    select = commands.add_parser(
        "select", help="keep only the columns the network learns from",
        description="Input simplification: write FOLDER/reduced.csv, DATA.csv with only the "
                    "kept columns (and the target), with the held-out score of a linear "
                    "model on the kept columns and on all of them.")
    _add_table_arguments(select)
    select.add_argument("--out", default="sklgrad-select", metavar="FOLDER",
                        help="output folder (default: sklgrad-select)")
    select.add_argument("--threshold", type=_threshold, default="minimal",
                        help="the question answered: minimal (default, as the library's "
                             "selector: the few columns that suffice), all-relevant (every "
                             "column that carries signal); or a rule on the shares of the "
                             "network the options describe: shadow (above every shadow "
                             "column), mean, median, 1.5*mean, or a number. The questions "
                             "train the selector's own networks (the network options are "
                             "not used)")
    select.add_argument("--keep-leaks", action="store_true",
                        help="select among the columns that alone predict the target nearly "
                             "as well as the whole table (default: left out, with a "
                             "warning)")
    select.add_argument("--max-features", type=_COUNT, default=None,
                        help="keep at most this many columns")
    select.add_argument("--repeats", type=_COUNT, default=1,
                        help="networks averaged, with different seeds (default: 1)")
    select.add_argument("--tolerance", type=_NON_NEGATIVE, default=1.0,
                        help="minimal: standard errors of held-out loss the columns kept "
                             "may lose against the best set compared (default: 1, the "
                             "one-standard-error rule; 0 keeps the best set)")
    _add_model_options(select, epochs=100)
    return parser
