"""Parameter validation with scikit-learn's wording, without its private validation module.

A bad value raises :class:`InvalidParameterError` (a ValueError and a TypeError, as
scikit-learn's is) whose message reads as scikit-learn's: ``The 'alpha' parameter of
LearningGradientClassifier must be a float in the range [0.0, inf). Got -1 instead.``
"""

import numbers

import numpy as np


class InvalidParameterError(ValueError, TypeError):
    """A parameter has a value or a type that the estimator does not accept."""


class Interval:
    """Numbers of ``kind`` (numbers.Integral or numbers.Real) between two bounds."""

    def __init__(self, kind, left, right, closed):
        self.kind, self.left, self.right, self.closed = kind, left, right, closed

    def __call__(self, value):
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        if np.isnan(value):
            return False
        left = -np.inf if self.left is None else self.left
        right = np.inf if self.right is None else self.right
        below = value < left if self.closed in ("left", "both") else value <= left
        above = value > right if self.closed in ("right", "both") else value >= right
        return not (below or above)

    def __str__(self):
        kind = "an int" if self.kind is numbers.Integral else "a float"
        cast = int if self.kind is numbers.Integral else float
        left = "-inf" if self.left is None else cast(self.left)
        right = "inf" if self.right is None else cast(self.right)
        opening = "[" if self.closed in ("left", "both") and self.left is not None else "("
        closing = "]" if self.closed in ("right", "both") and self.right is not None else ")"
        return f"{kind} in the range {opening}{left}, {right}{closing}"


class Options:
    """One of a fixed set of values (strings, or numbers such as ``np.inf``)."""

    def __init__(self, *values):
        self._values, self._table = values, None

    @classmethod
    def keys_of(cls, table):
        """The keys of ``table`` (a dict), read when checked: an entry added to the table
        is accepted without another edit."""
        options = cls()
        options._table = table
        return options

    @property
    def values(self):
        return tuple(self._table) if self._table is not None else self._values

    def __call__(self, value):
        try:
            return value in self.values
        except (TypeError, ValueError):
            return False

    def __str__(self):
        kind = "a str" if isinstance(self.values[0], str) else "a float"
        return f"{kind} among {{{', '.join(repr(v) for v in self.values)}}}"


class InstanceOf:
    """An instance of one of the given types."""

    def __init__(self, *types, names):
        self.types, self.names = types, names

    def __call__(self, value):
        return isinstance(value, self.types)

    def __str__(self):
        return " or ".join(f"an instance of {name!r}" for name in self.names)


class NoneValue:
    def __call__(self, value):
        return value is None

    def __str__(self):
        return "None"


BOOLEAN = InstanceOf(bool, np.bool_, names=("bool", "numpy.bool"))
RANDOM_STATE = (Interval(numbers.Integral, 0, 2**32 - 1, "both"),
                InstanceOf(np.random.RandomState, names=("numpy.random.mtrand.RandomState",)),
                NoneValue())


def validate_params(estimator, constraints):
    """Check each of ``estimator``'s parameters named in ``constraints`` (name -> tuple).

    Raises
    ------
    InvalidParameterError
        For the first parameter that satisfies none of its constraints.
    """
    for name, allowed in constraints.items():
        value = getattr(estimator, name)
        if any(check(value) for check in allowed):
            continue
        texts = [str(check) for check in allowed]
        expected = texts[0] if len(texts) == 1 else f"{', '.join(texts[:-1])} or {texts[-1]}"
        raise InvalidParameterError(
            f"The {name!r} parameter of {type(estimator).__name__} must be {expected}. "
            f"Got {value!r} instead."
        )


def check_names(names, n_features):
    """Names of ``n_features`` inputs as an object array (``x0, x1, ...`` when None)."""
    if names is None:
        return np.asarray([f"x{i}" for i in range(n_features)], dtype=object)
    names = np.asarray(names, dtype=object)
    if names.shape != (n_features,):
        raise ValueError(f"feature_names has {len(names)} entries for {n_features} features.")
    return names
