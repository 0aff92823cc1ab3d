"""What kind of target a user passed: the default task of the selector and the command line."""

import numpy as np
import pandas as pd

#: Integer targets with at most this many distinct values are read as classes.
MAX_INTEGER_CLASSES = 20


def infer_task(y):
    """``"classification"`` or ``"regression"``, as a user would read the target.

    Text, booleans and categories are classes; integers are classes when they take at most
    ``MAX_INTEGER_CLASSES`` values; floats are a regression, whatever values they hold
    (``load_diabetes()``'s target holds whole numbers, which
    ``sklearn.utils.multiclass.type_of_target`` calls "multiclass"), and so is a target of
    several columns of numbers.

    Examples
    --------
    >>> infer_task(["a", "b", "a"]), infer_task([0, 1, 1]), infer_task([1.0, 2.0, 3.0])
    ('classification', 'classification', 'regression')
    """
    if isinstance(y, (pd.Series, pd.DataFrame)):
        dtypes = [y.dtype] if isinstance(y, pd.Series) else list(y.dtypes)
        if any(isinstance(d, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(d)
               or not pd.api.types.is_numeric_dtype(d) for d in dtypes):
            return "classification"
        y = y.to_numpy()
    array = np.asarray(y)
    if array.dtype.kind in "biu":
        if array.dtype.kind == "b":
            return "classification"
        if array.ndim == 1 and len(np.unique(array)) <= MAX_INTEGER_CLASSES:
            return "classification"
        return "regression"
    if array.dtype.kind in "fc":
        return "regression"
    return "classification"
