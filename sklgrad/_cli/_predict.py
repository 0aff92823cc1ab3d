"""``sklgrad predict``: a saved model on a new table, read with the types it was fitted on."""

import os
import sys

from ._common import UsageError, check_data, out_folder, read_csv_table


def predict_command(args):
    from .._persistence import load_model
    from ._table import text_columns, unseen_categories

    if not os.path.isfile(args.model):
        raise UsageError(f"no such file: {args.model}")
    check_data(args.data)
    out = out_folder(args, args.data, args.model) if args.out else None
    try:
        model = load_model(args.model)
        table = model.named_steps["table"]
        target = model.feature_names_in_  # the columns it was fitted on
    except (ValueError, KeyError, AttributeError, TypeError) as error:
        raise UsageError(f"{args.model} is not a model written by 'sklgrad fit' "
                         f"({' '.join(str(error).split())})") from None
    import pandas as pd

    frame = read_csv_table(args.data, text_columns(table), sep=args.sep)
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
