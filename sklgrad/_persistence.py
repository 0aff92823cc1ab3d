"""Saving and loading fitted models safely, with skops.

sklgrad's estimators hold their network as plain data when saved (arrays, numbers,
strings), so ``skops.io`` writes them, alone or inside any Pipeline, and loads them without
running code from the file. :func:`save_model` and :func:`load_model` add three things to
``skops.io.dump``/``load``: the list of sklgrad's types that may be trusted, an atomic write
that honours the umask, and checks that a malformed or hostile file is refused with a
ValueError (sizes bounded before anything is decompressed or allocated) instead of a
traceback or an exhausted memory.
"""

import os
import re
import tempfile
import zipfile

import numpy as np

from ._legacy_paths import MOVED_MODULES

_SKLGRAD_TYPES = [
    "sklgrad._neural_network._classifier.LearningGradientClassifier",
    "sklgrad._neural_network._regressor.LearningGradientRegressor",
    "sklgrad._selection._selector.LearningGradientSelector",
    "sklgrad._selection._result.SelectionResult",
    "sklgrad._cli._dates.DatesAsYears",
]
_OLD_PATHS = {new: old for old, new in MOVED_MODULES.items()}
#: The types a model file may hold beyond those skops trusts by default: sklgrad's
#: estimators (under their module paths, and the paths that files written by the flat
#: layout of sklgrad 0.1.0 name), and ``numpy.dtype`` (OneHotEncoder's ``dtype`` parameter,
#: as in the command line's Pipelines). Pass them to
#: ``skops.io.load(path, trusted=TRUSTED_TYPES)``.
TRUSTED_TYPES = ["numpy.dtype", *_SKLGRAD_TYPES] + [
    f"{_OLD_PATHS[module]}.{name}"
    for module, name in (path.rsplit(".", 1) for path in _SKLGRAD_TYPES)
    if module in _OLD_PATHS]
# Bounds on what a model file may make the loader read: 2 GiB in all, and no member that
# decompresses to more than 100 times its stored size (skops stores arrays uncompressed).
_MAX_TOTAL_BYTES = 2 * 2**30
_MAX_RATIO = 100
# Bounds on skops's schema.json, checked before it is parsed: a few MiB of empty objects
# parse into hundreds of MiB. Real models stay far below them (docs/api.md, "Model
# files", gives their sizes): the bounds leave 20 times the largest in size, 100 times in
# nodes, 4 times in depth.
_MAX_SCHEMA_BYTES = 64 * 2**20
_MAX_SCHEMA_NODES = 1_000_000
_MAX_SCHEMA_DEPTH = 100
# A JSON string, with its escapes: what the bracket count skips.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')


def save_model(model, path):
    """Write a fitted model (an sklgrad estimator, a selector, or a Pipeline) to ``path``.

    The file is skops's format: :func:`load_model` (or ``skops.io.load`` with
    ``trusted=sklgrad.TRUSTED_TYPES``) loads it without running code from it. It is written
    to a temporary file beside ``path`` and renamed, so ``path`` is never half-written.

    Parameters
    ----------
    model : estimator
        A fitted estimator or Pipeline.
    path : str or path-like
        Where to write; by convention ``*.skops``.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.datasets import load_iris
    >>> from sklgrad import LearningGradientClassifier, load_model, save_model
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = LearningGradientClassifier(hidden_layer_sizes=(4,), max_iter=5, tol=None,
    ...                                  random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "iris.skops")
    >>> save_model(clf, path)
    >>> bool((load_model(path).predict(X) == clf.predict(X)).all())
    True
    """
    import skops.io as sio
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".sklgrad-", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        sio.dump(model, tmp)
        # mkstemp makes the file private (0600); a model file is an ordinary file.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_model(path, *, trusted=None):
    """Load a model written by :func:`save_model` (or by ``sklgrad fit``), safely.

    No code from the file runs: skops rebuilds only types it trusts, sklgrad's own among
    them. A file that holds any other type is refused unless ``trusted`` names it.

    Parameters
    ----------
    path : str or path-like
        The model file.
    trusted : list of str, default=None
        Further type names (as ``skops.io.get_untrusted_types`` lists them) to trust.

    Returns
    -------
    model : estimator
        The fitted estimator or Pipeline, on the CPU unless a GPU is there.

    Raises
    ------
    ValueError
        If the file is not a model file, is malformed or tampered with, or holds types that
        are not trusted; the message says which.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(2, "No such file", path)
    _check_archive(path)  # before importing skops: a wrong file is refused at once
    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as error:
        raise ValueError(f"{path} is not a valid model file ({_reason(error)}).") from error
    allowed = set(TRUSTED_TYPES) | set(trusted or ())
    refused = sorted(set(untrusted) - allowed)
    if refused:
        raise ValueError(f"{path} holds types that are not trusted: {', '.join(refused)}. "
                         "Pass trusted=[...] only if you trust the file's author.")
    try:
        model = sio.load(path, trusted=list(untrusted))
    except Exception as error:
        raise ValueError(f"{path} is not a valid model file ({_reason(error)}).") from error
    try:
        check_model(model)
    except Exception as error:
        raise ValueError(f"{path} is not a valid model file: it loads inconsistent "
                         f"({_reason(error)}).") from error
    return model


def check_model(model, where="the model"):
    """Check that a loaded model is whole and coherent, beyond the types skops checks.

    sklgrad's estimators check their own fitted state as they are rebuilt (every fitted
    attribute present, the network's widths and outputs consistent with the inputs and
    classes, finite weights, histories of the right shapes); here, each selector's
    importances and estimators, and in a Pipeline (or a ColumnTransformer) that every step
    is fitted and reads as many inputs as the steps before it give. Raises ValueError
    naming the step and the inconsistency.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import check_is_fitted

    from ._neural_network._base import _LearningGradientEstimator
    from ._selection._selector import LearningGradientSelector

    if isinstance(model, Pipeline):
        for index, (name, step) in enumerate(model.steps):
            if step in (None, "passthrough"):
                continue
            check_model(step, f"step {name!r}")
            width = getattr(step, "n_features_in_", None)
            given = _output_width(model[:index]) if index and width is not None else None
            if given is not None and given != width:
                    raise ValueError(f"step {name!r} reads {width} inputs but the steps "
                                     f"before it give {given}")
    elif isinstance(model, ColumnTransformer):
        check_is_fitted(model)
        for name, transformer, _ in model.transformers_:
            if transformer not in ("drop", "passthrough"):
                check_model(transformer, f"transformer {name!r}")
    elif isinstance(model, LearningGradientSelector):
        _check_selector(model, where)
    elif isinstance(model, _LearningGradientEstimator):
        check_is_fitted(model)
    elif hasattr(model, "fit"):
        check_is_fitted(model)


def _output_width(steps):
    """How many columns these fitted steps output, when they can say (some transformers,
    such as a FunctionTransformer without names, cannot: None)."""
    try:
        return len(steps.get_feature_names_out())
    except Exception:
        return None


def _check_selector(selector, where):
    from ._neural_network._base import _LearningGradientEstimator

    missing = [key for key in ("estimator_", "estimators_", "importances_",
                               "importances_mean_", "n_features_in_")
               if not hasattr(selector, key)]
    if missing:
        raise ValueError(f"{where} (a selector) lacks its fitted {', '.join(missing)}")
    n_features, importances = selector.n_features_in_, selector.importances_
    if (not isinstance(importances, np.ndarray) or importances.ndim != 2
            or importances.shape[1] != n_features
            or np.shape(selector.importances_mean_) != (n_features,)
            or len(selector.estimators_) != importances.shape[0]):
        raise ValueError(f"{where} (a selector) has importances of shape "
                         f"{np.shape(importances)} for {len(selector.estimators_)} "
                         f"estimators and {n_features} inputs")
    for estimator in selector.estimators_:
        if isinstance(estimator, _LearningGradientEstimator) or hasattr(estimator, "fit"):
            check_model(estimator, f"{where}'s estimator")


def _reason(error):
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:300]}" if text else type(error).__name__


def _check_archive(path):
    """Refuse a file whose declared sizes would make loading it costly or dangerous."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = sum(member.file_size for member in members)
            if total > _MAX_TOTAL_BYTES:
                raise ValueError(f"it declares {total} bytes of content, more than "
                                 f"{_MAX_TOTAL_BYTES}")
            for member in members:
                if member.flag_bits & 0x1:
                    raise ValueError(f"{member.filename} is encrypted")
                if member.file_size > _MAX_RATIO * max(member.compress_size, 1024):
                    raise ValueError(f"{member.filename} would expand {member.compress_size} "
                                     f"stored bytes to {member.file_size}")
                if member.filename.endswith(".npy"):
                    with archive.open(member) as handle:
                        _check_npy_header(handle, member)
                elif member.filename == "schema.json":
                    _check_schema(archive, member)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError,
            NotImplementedError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise ValueError(f"{path} is not a model file ({_reason(error)}).") from None
    except ValueError as error:
        raise ValueError(f"{path} is not a valid model file: {error}.") from None


def _check_schema(archive, member):
    """Bound skops's schema before anything parses it: its size, then its node count and
    nesting depth, read from the brackets outside its strings (no JSON object is made)."""
    if member.file_size > _MAX_SCHEMA_BYTES:
        raise ValueError(f"its schema.json is {member.file_size} bytes, more than "
                         f"{_MAX_SCHEMA_BYTES}")
    text = _JSON_STRING.sub(b'""', archive.read(member))
    codes = np.frombuffer(text, dtype=np.uint8)
    opens = (codes == ord("{")) | (codes == ord("["))
    nodes = int(opens.sum())
    if nodes > _MAX_SCHEMA_NODES:
        raise ValueError(f"its schema.json holds {nodes} objects and lists, more than "
                         f"{_MAX_SCHEMA_NODES}")
    closes = (codes == ord("}")) | (codes == ord("]"))
    depth = int(np.cumsum(opens.astype(np.int64) - closes).max(initial=0))
    if depth > _MAX_SCHEMA_DEPTH:
        raise ValueError(f"its schema.json nests {depth} levels deep, more than "
                         f"{_MAX_SCHEMA_DEPTH}")


def _check_npy_header(handle, member):
    """The array a .npy member declares must fit in the bytes it holds, before any
    allocation: a 3 KB file must not ask for gigabytes."""
    fmt = np.lib.format
    version = fmt.read_magic(handle)
    reader = {(1, 0): fmt.read_array_header_1_0, (2, 0): fmt.read_array_header_2_0}.get(version)
    if reader is None:
        raise ValueError(f"{member.filename} has an unsupported array format {version}")
    shape, _, dtype = reader(handle)
    if dtype.hasobject:
        raise ValueError(f"{member.filename} holds Python objects")
    declared = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    available = member.file_size - handle.tell()
    if declared != available:
        raise ValueError(f"{member.filename} declares an array of shape {shape} "
                         f"({declared} bytes) but holds {available} bytes")
