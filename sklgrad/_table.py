"""TableEncoder: a CSV table into numeric model inputs, in a form that saves as JSON.

Numeric columns pass through (the estimators standardize them); text columns are one-hot
encoded; missing values are imputed only when asked. Everything it learns is plain data,
so a saved model never needs pickle.
"""

import numpy as np
import pandas as pd

IMPUTE = ("none", "mean", "median")


class TableEncoder:
    """Encode a DataFrame's columns as numbers, remembering how.

    Parameters
    ----------
    impute : {"none", "mean", "median"}, default="none"
        How to fill missing values: numeric columns with their mean or median, text
        columns with their most frequent value. "none" refuses missing values, naming the
        columns.
    max_categories : int, default=50
        A text column with more distinct values than this cannot be one-hot encoded.
    """

    def __init__(self, impute="none", max_categories=50):
        if impute not in IMPUTE:
            raise ValueError(f"impute must be one of {IMPUTE}; got {impute!r}.")
        self.impute = impute
        self.max_categories = max_categories

    def fit(self, frame):
        if frame.shape[1] == 0:
            raise ValueError("The table has no input columns.")
        missing = [str(c) for c in frame.columns if frame[c].isna().any()]
        if missing and self.impute == "none":
            raise ValueError(
                f"Missing values in column(s) {', '.join(missing)}: pass --impute median "
                "(or mean) to fill them, or clean the table."
            )
        self.columns_ = []
        for name in frame.columns:
            column = frame[name]
            if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
                values = column.astype(float)
                fill = (values.mean() if self.impute == "mean" else values.median())
                if column.isna().all():
                    raise ValueError(f"Column {name!s} has no value at all.")
                self.columns_.append({"name": str(name), "kind": "numeric",
                                      "fill": float(fill)})
                continue
            text = column.dropna().astype(str)
            if text.empty:
                raise ValueError(f"Column {name!s} has no value at all.")
            categories = sorted(text.unique().tolist())
            if len(categories) > self.max_categories:
                raise ValueError(
                    f"Column {name!s} is not numeric and has {len(categories)} distinct "
                    f"values (more than {self.max_categories}): it cannot be one-hot encoded; "
                    "drop it or convert it to numbers."
                )
            self.columns_.append({"name": str(name), "kind": "categorical",
                                  "categories": categories,
                                  "fill": str(text.mode().iloc[0])})
        return self

    @property
    def feature_names_(self):
        """Names of the encoded inputs: a numeric column keeps its name, a text column gives
        one ``column=value`` input per category."""
        names = []
        for spec in self.columns_:
            if spec["kind"] == "numeric":
                names.append(spec["name"])
            else:
                names += [f"{spec['name']}={value}" for value in spec["categories"]]
        return names

    @property
    def source_columns_(self):
        """For each encoded input, the table column it comes from."""
        sources = []
        for spec in self.columns_:
            width = 1 if spec["kind"] == "numeric" else len(spec["categories"])
            sources += [spec["name"]] * width
        return sources

    def transform(self, frame):
        absent = [spec["name"] for spec in self.columns_ if spec["name"] not in frame.columns]
        if absent:
            raise ValueError(f"The table lacks the column(s) the model was fitted on: "
                             f"{', '.join(absent)}.")
        parts = []
        for spec in self.columns_:
            column = frame[spec["name"]]
            if column.isna().any() and self.impute == "none":
                raise ValueError(f"Missing values in column {spec['name']}: the model was "
                                 "fitted without imputation.")
            if spec["kind"] == "numeric":
                try:
                    values = pd.to_numeric(column).astype(float)
                except (TypeError, ValueError) as error:
                    raise ValueError(f"Column {spec['name']} should be numeric.") from error
                parts.append(values.fillna(spec["fill"]).to_numpy()[:, np.newaxis])
            else:
                text = column.astype(object).where(column.notna(), spec["fill"]).astype(str)
                parts.append((text.to_numpy()[:, np.newaxis]
                              == np.asarray(spec["categories"], dtype=object)).astype(float))
        return np.hstack(parts)

    def fit_transform(self, frame):
        return self.fit(frame).transform(frame)

    def to_dict(self):
        return {"impute": self.impute, "max_categories": self.max_categories,
                "columns": self.columns_}

    @classmethod
    def from_dict(cls, data):
        encoder = cls(impute=data["impute"], max_categories=int(data["max_categories"]))
        columns = data["columns"]
        if not isinstance(columns, list) or not all(
                isinstance(c, dict) and c.get("kind") in ("numeric", "categorical")
                for c in columns):
            raise ValueError("malformed column specification")
        encoder.columns_ = columns
        return encoder


def importance_by_column(importances, sources):
    """Sum the importances of the encoded inputs over the table column each comes from."""
    totals = {}
    for value, source in zip(importances, sources):
        totals[source] = totals.get(source, 0.0) + float(value)
    return totals
