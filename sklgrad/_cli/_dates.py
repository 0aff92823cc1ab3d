"""Dates read from a table, as numbers a network can learn from."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin


class DatesAsYears(TransformerMixin, BaseEstimator):
    """Date columns as decimal years (2009-07-02 is 2009.499): a network then reads time as
    one number, never as one category per date (a one-hot date rewards its many levels
    and cannot extrapolate to a later year). A value that is not a date becomes missing.

    Examples
    --------
    >>> import pandas as pd
    >>> DatesAsYears().fit_transform(pd.DataFrame({"day": ["2009-01-01", "2010-04-01"]}))
    array([[2009.      ],
           [2010.246575]])
    """

    def fit(self, X, y=None):
        import pandas as pd

        X = pd.DataFrame(X)
        self.n_features_in_ = X.shape[1]
        self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        return self

    def transform(self, X):
        import pandas as pd
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = pd.DataFrame(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} columns, but DatesAsYears was fitted "
                             f"with {self.n_features_in_}.")
        return np.column_stack([_decimal_years(X.iloc[:, i]) for i in range(X.shape[1])])

    def get_feature_names_out(self, input_features=None):
        return self.feature_names_in_.copy()


def _decimal_years(values):
    import pandas as pd

    dates = pd.to_datetime(values, errors="coerce", format="mixed")
    start = pd.to_datetime(dates.dt.year.astype("Int64").astype(str) + "-01-01",
                           errors="coerce")
    length = np.where(dates.dt.is_leap_year, 366.0, 365.0)
    fraction = (dates - start).dt.total_seconds().to_numpy(dtype=float) / (length * 86400)
    return np.round(dates.dt.year.to_numpy(dtype=float) + fraction, 6)
