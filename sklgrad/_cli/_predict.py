"""``sklgrad predict``: a saved model on a new table, read with the types it was fitted on."""

import os
import sys

from ._common import UsageError, check_data, out_folder, read_csv_table


def predict_command(args):
    if not os.path.isfile(args.model):
        raise UsageError(f"no such file: {args.model}")
    check_data(args.data)
    # A clean file and a model written by 'sklgrad fit': NumPy alone, in a fraction of
    # the time that importing torch and scikit-learn takes.
    from ._forward import fast_predict

    served = fast_predict(args)
    if served is not None:
        return served
    from .._persistence import load_model
    from ._table import id_columns, text_columns, unseen_categories

    out = out_folder(args, args.data, args.model) if args.out else None
    try:
        model = load_model(args.model)
        table = model.named_steps["table"]
        target = model.feature_names_in_  # the columns it was fitted on
    except (ValueError, KeyError, AttributeError, TypeError) as error:
        raise UsageError(f"{args.model} is not a model written by 'sklgrad fit' "
                         f"({' '.join(str(error).split())})") from None
    import pandas as pd

    # IDs are read as text, as written: a key like 007 stays 007.
    keys = [*id_columns(table), *([args.id] if args.id else [])]
    frame = read_csv_table(args.data, text_columns(table) + keys, sep=args.sep)
    ids = [c for c in id_columns(table) if c in frame.columns]
    absent = [c for c in target if c not in frame.columns and c not in id_columns(table)]
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
    _check_missing(frame, table, args)
    frame = _good_rows(frame, table, args)
    inputs = frame[[c for c in target if c in frame.columns]]
    predictions = pd.DataFrame({"predicted": model.predict(inputs)}, index=frame.index)
    if args.proba:
        probabilities = model.predict_proba(inputs)
        for label, column in zip(network.classes_, probabilities.T):
            predictions[f"proba_{label}"] = column
    # The rows keep their keys: the model's ID columns, and --id.
    for column in reversed([*ids, *([args.id] if args.id not in (None, *ids) else [])]):
        predictions.insert(0, column, frame[column].to_numpy())
    if hasattr(network, "predict") and getattr(model, "target_range_", None):
        low = model.target_range_[0]
        below = predictions["predicted"] < low
        if below.any():
            print(f"warning: {int(below.sum())} of {len(below)} predictions are below "
                  f"{low:g} (down to {predictions['predicted'].min():.4g}), where every "
                  f"training target was at least {low:g}", file=sys.stderr)
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


def _check_missing(frame, table, args):
    """Empty or missing values in the model's columns: refused with --strict (naming each
    column and its first lines), else filled as at fit time, saying with what (missing
    numbers that the model does not fill are bad rows: see _good_rows)."""
    from ._table import imputed_values, numeric_columns, text_columns

    filled, texts = imputed_values(table), text_columns(table)
    found = {}
    for column in dict.fromkeys([*numeric_columns(table), *texts, *filled]):
        if column in frame.columns and frame[column].isna().any():
            found[column] = [int(i) + 2 for i in frame.index[frame[column].isna().to_numpy()]]

    def where(columns):
        return "; ".join(f"column {c!r}, line(s) {', '.join(map(str, found[c][:5]))}"
                         f"{' ...' if len(found[c]) > 5 else ''}" for c in columns)

    if found and args.strict:
        raise UsageError(f"empty or missing values: {where(found)}")
    notes = {c: (f"with {filled[c]!r}" if c in filled else
                 "as no category (every one of its one-hot inputs 0)")
             for c in found if c in filled or c in texts}
    if notes:
        print("warning: empty or missing values filled as at fit time: "
              + "; ".join(f"{c!r} {len(found[c])} row(s) {how}" for c, how in notes.items())
              + f" ({where(notes)}); --strict refuses them", file=sys.stderr)
