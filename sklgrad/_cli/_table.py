"""A CSV table as model inputs, with scikit-learn's own parts.

Numeric columns pass through (the estimators standardize them), date columns become decimal
years, other text columns are one-hot encoded, and missing values are imputed only when
asked: a ``ColumnTransformer`` of ``SimpleImputer``, ``DatesAsYears`` and
``OneHotEncoder``, so that the command line's model is an ordinary Pipeline. The column
types found at fit time are read back from that Pipeline when a table is predicted, so a
text column is read as text even where its values look like numbers.
"""

import csv
import re

IMPUTE = ("none", "mean", "median")
NUMERIC, TEXT, DATES, ID = "numeric", "text", "dates", "id"
# A value that reads as a date: digits, then a date separator and more digits (so that a
# category such as "May" or "A1" is never taken for one).
# With dots, three parts (31.12.2024): two would be a decimal number (40.12).
_DATE_LIKE = re.compile(r"^\s*(\d{1,4}[-/]\d{1,2}([-/]\d{1,4})?|\d{1,2}\.\d{1,2}\.\d{2,4})"
                        r"([ T]\d{1,2}:\d{2}.*)?\s*$")
# The share of a text column's values that must read as dates for it to be one.
_DATES_SHARE = 0.95


def date_columns(frame, columns):
    """The text columns whose values (all but a few) read as dates."""
    found = []
    for column in columns:
        values = frame[column].dropna().astype(str)
        if len(values) and values.str.match(_DATE_LIKE).mean() >= _DATES_SHARE:
            found.append(column)
    return found


#: Separators tried when a file's is not given: the ones spreadsheets write.
SEPARATORS = ",;\t|"
# A BOM (what Excel puts first in a UTF-8 CSV) is read as no character.
ENCODING = "utf-8-sig"


def csv_separator(path, sep=None):
    """The file's separator: ``sep`` when given, else sniffed from its first lines among
    :data:`SEPARATORS` (a comma when they do not tell)."""
    if sep is not None:
        return sep
    with open(path, newline="", encoding=ENCODING) as handle:
        sample = handle.read(64 * 1024)
    try:
        return csv.Sniffer().sniff(sample, delimiters=SEPARATORS).delimiter
    except csv.Error:
        return ","


def table_columns(path, sep=None):
    """The header of a CSV file, read without pandas (a fast answer to a wrong --target),
    with the separator and encoding that :func:`read_table` reads the file with."""
    with open(path, newline="", encoding=ENCODING) as handle:
        header = next(csv.reader(handle, delimiter=csv_separator(path, sep)), [])
    # pandas's names: an empty one is "Unnamed: i", a repeated one gets ".1", ".2" ...
    names, seen = [], {}
    for index, name in enumerate(header):
        name = name or f"Unnamed: {index}"
        count = seen.get(name, 0)
        seen[name] = count + 1
        names.append(f"{name}.{count}" if count else name)
    return names


def read_table(path, text_columns=(), sep=None):
    """Read a CSV file (separator given or sniffed, a BOM ignored); ``text_columns`` are
    read as text whatever their values look like."""
    import pandas as pd

    frame = pd.read_csv(path, sep=csv_separator(path, sep), encoding=ENCODING,
                        dtype={column: str for column in text_columns} or None)
    frame.columns = [str(c) for c in frame.columns]
    return frame


def index_like_columns(frame):
    """Columns that look like a saved row index: pandas's unnamed index column, or unique
    integers in increasing order (a row number leaks the order of the rows)."""
    import pandas as pd

    found = []
    for column in frame.columns:
        values = frame[column]
        if str(column).startswith("Unnamed: "):
            found.append(column)
        elif (pd.api.types.is_integer_dtype(values) and len(values) > 2
              and values.is_unique and values.is_monotonic_increasing):
            found.append(column)
    return found


def identifiers(frame, max_categories):
    """{column: what it looks like} for the columns that identify rows rather than describe
    them: a saved row index (:func:`index_like_columns`), or text whose every value is
    distinct (an order number, a name), too many to be categories."""
    import pandas as pd

    found = {column: "a saved row index (unique increasing integers or pandas's unnamed "
                     "index)" for column in index_like_columns(frame)}
    for column in frame.columns:
        values = frame[column]
        if (column not in found and not pd.api.types.is_numeric_dtype(values)
                and not pd.api.types.is_bool_dtype(values) and len(values) > max_categories
                and values.notna().all() and values.is_unique):
            found[column] = "a row identifier (text, every value distinct)"
    return found


def bad_numeric_rows(frame, columns, allow_missing):
    """{column: (row numbers as in the file, their values)} for numeric columns whose
    values are not numbers (or are missing, unless ``allow_missing``)."""
    import pandas as pd

    bad = {}
    for column in columns:
        values = frame[column]
        numbers = pd.to_numeric(values, errors="coerce")
        wrong = numbers.isna() & (values.notna() | (not allow_missing))
        if wrong.any():
            # Row numbers of the file: the header is line 1, the first row line 2.
            rows = [int(i) + 2 for i in frame.index[wrong.to_numpy()]]
            bad[column] = (rows, values[wrong].tolist())
    return bad


def numeric_columns(transformer):
    """The columns a fitted table transformer passes through as numbers."""
    return [c for name, _, columns in transformer.transformers_ if name == NUMERIC
            for c in columns]


def split_columns(frame):
    """(numeric columns, text columns) of a DataFrame, as pandas inferred them."""
    import pandas as pd

    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])
               or pd.api.types.is_bool_dtype(frame[c])]
    return numeric, [c for c in frame.columns if c not in numeric]


def table_transformer(frame, impute="none", max_categories=50, ids=()):
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
    ids : sequence of str, default=()
        Columns that identify the rows (not in ``frame``): the transformer drops them, and
        remembers them so that predictions are written beside them.
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
    dates = date_columns(frame, text)
    text = [column for column in text if column not in dates]
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
    if dates:
        from ._dates import DatesAsYears

        as_years = DatesAsYears()
        steps.append((DATES, as_years if impute == "none" else make_pipeline(
            as_years, SimpleImputer(strategy=impute)), dates))
    if text:
        steps.append((TEXT, onehot if impute == "none" else make_pipeline(
            SimpleImputer(strategy="most_frequent"), onehot), text))
    if ids:
        steps.append((ID, "drop", list(ids)))
    return ColumnTransformer(steps, verbose_feature_names_out=False)


def id_columns(transformer):
    """The columns a fitted table transformer keeps beside the rows as their IDs."""
    return [c for name, _, columns in transformer.transformers_ if name == ID
            for c in columns]


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


def imputed_values(transformer):
    """{column: the value a fitted table transformer fills a missing value with}."""
    from sklearn.impute import SimpleImputer

    values = {}
    for _, step, columns in transformer.transformers_:
        steps = step.steps if hasattr(step, "steps") else [(None, step)]
        for _, part in steps:
            if isinstance(part, SimpleImputer):
                for column, value in zip(columns, part.statistics_):
                    values[str(column)] = value.item() if hasattr(value, "item") else value
    return values
