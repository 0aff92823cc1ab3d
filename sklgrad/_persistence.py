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
import tempfile
import zipfile

import numpy as np

#: The types a model file may hold beyond those skops trusts by default: sklgrad's
#: estimators, and ``numpy.dtype`` (OneHotEncoder's ``dtype`` parameter, as in the command
#: line's Pipelines). Pass them to ``skops.io.load(path, trusted=TRUSTED_TYPES)``.
TRUSTED_TYPES = [
    "numpy.dtype",
    "sklgrad._classifier.LearningGradientClassifier",
    "sklgrad._regressor.LearningGradientRegressor",
    "sklgrad._selector.LearningGradientSelector",
]
# Bounds on what a model file may make the loader read: 2 GiB in all, and no member that
# decompresses to more than 100 times its stored size (skops stores arrays uncompressed).
_MAX_TOTAL_BYTES = 2 * 2**30
_MAX_RATIO = 100


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
        return sio.load(path, trusted=list(untrusted))
    except Exception as error:
        raise ValueError(f"{path} is not a valid model file ({_reason(error)}).") from error


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
                if member.file_size > _MAX_RATIO * max(member.compress_size, 1024):
                    raise ValueError(f"{member.filename} would expand {member.compress_size} "
                                     f"stored bytes to {member.file_size}")
                if member.filename.endswith(".npy"):
                    with archive.open(member) as handle:
                        _check_npy_header(handle, member)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise ValueError(f"{path} is not a model file ({_reason(error)}).") from None
    except ValueError as error:
        raise ValueError(f"{path} is not a valid model file: {error}.") from None


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
