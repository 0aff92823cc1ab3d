"""A CSV table as model inputs, with scikit-learn's own parts.

Numeric columns pass through (the estimators standardize them), text columns are one-hot
encoded, and missing values are imputed only when asked: a ``ColumnTransformer`` of
``SimpleImputer`` and ``OneHotEncoder``, so that the command line's model is an ordinary
Pipeline. The column types found at fit time are read back from that Pipeline when a table
is predicted, so a text column is read as text even where its values look like numbers.
"""

import csv

import numpy as np

IMPUTE = ("none", "mean", "median")
NUMERIC, TEXT = "numeric", "text"


def table_columns(path):
    """The header of a CSV file, read without pandas (a fast answer to a wrong --target)."""
    with open(path, newline="") as handle:
        return next(csv.reader(handle), [])


def read_table(path, text_columns=()):
    """Read a CSV file; ``text_columns`` are read as text whatever their values look like."""
    import pandas as pd

    frame = pd.read_csv(path, dtype={column: str for column in text_columns} or None)
    frame.columns = [str(c) for c in frame.columns]
    return frame


def split_columns(frame):
    """(numeric columns, text columns) of a DataFrame, as pandas inferred them."""
    import pandas as pd

    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])
               or pd.api.types.is_bool_dtype(frame[c])]
    return numeric, [c for c in frame.columns if c not in numeric]


def table_transformer(frame, impute="none", max_categories=50):
    """A ColumnTransformer for ``frame``'s columns, after checking that it can encode them.

    Parameters
    ----------
    frame : DataFrame
        The input columns (the target removed).
    impute : {"none", "mean", "median"}, default="none"
        Fill missing numbers with the mean or median, missing text with the most frequent
        value; "none" refuses missing values, naming the columns.
    max_categories : int, default=50
        A text column with more distinct values cannot be one-hot encoded (it is refused).
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    if frame.shape[1] == 0:
        raise ValueError("The table has no input columns.")
    empty = [c for c in frame.columns if frame[c].isna().all()]
    if empty:
        raise ValueError(f"Column(s) {', '.join(empty)} have no value at all.")
    check_missing(frame, impute)
    numeric, text = split_columns(frame)
    for column in text:
        distinct = frame[column].nunique()
        if distinct > max_categories:
            raise ValueError(
                f"Column {column} is not numeric and has {distinct} distinct values (more "
                f"than {max_categories}): it cannot be one-hot encoded; drop it or convert "
                "it to numbers."
            )
    onehot = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    steps = []
    if numeric:
        steps.append((NUMERIC, "passthrough" if impute == "none"
                      else SimpleImputer(strategy=impute), numeric))
    if text:
        steps.append((TEXT, onehot if impute == "none" else make_pipeline(
            SimpleImputer(strategy="most_frequent"), onehot), text))
    return ColumnTransformer(steps, verbose_feature_names_out=False)


def check_missing(frame, impute):
    missing = [str(c) for c in frame.columns if frame[c].isna().any()]
    if missing and impute == "none":
        raise ValueError(f"Missing values in column(s) {', '.join(missing)}: pass --impute "
                         "median (or mean) to fill them, or clean the table.")
    return {column: int(frame[column].isna().sum()) for column in missing}


def _encoder(transformer):
    return transformer[-1] if hasattr(transformer, "steps") else transformer


def text_columns(transformer):
    """The columns a fitted table transformer encodes as text."""
    return [c for name, _, columns in transformer.transformers_ if name == TEXT
            for c in columns]


def unseen_categories(transformer, frame):
    """{column: (rows with a value unseen at fit time, those values)} for text columns."""
    unseen = {}
    for name, step, columns in transformer.transformers_:
        if name != TEXT:
            continue
        for column, categories in zip(columns, _encoder(step).categories_):
            values = frame[column].dropna().astype(str)
            new = ~values.isin(categories)
            if new.any():
                unseen[column] = (int(new.sum()), sorted(values[new].unique().tolist()))
    return unseen


def importance_by_column(importances, sources):
    """Sum the importances of the encoded inputs over the table column each comes from."""
    totals = {}
    for value, source in zip(np.asarray(importances, dtype=float), sources):
        totals[source] = totals.get(source, 0.0) + float(value)
    return totals
