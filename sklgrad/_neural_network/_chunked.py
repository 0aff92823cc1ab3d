"""ChunkedData: training data larger than memory, read one chunk at a time.

``fit`` on a :class:`ChunkedData` (or on a Dask collection, which becomes one) trains with
an epoch that is one pass over all chunks: the learning gradients of a pass are summed
across its chunks, so ``importance_history_`` has one row per pass, exactly as a fit on the
concatenated rows in the same order would give. The sources are existing libraries':
Parquet datasets and folders of CSV files through ``pyarrow.dataset``, Dask arrays and
DataFrames (partitions computed one at a time, where the data lives), or any list of
``(X, y)`` chunks.
"""

import numbers
from collections.abc import Sequence

import numpy as np


class ChunkedData:
    """Training data read in chunks, for ``fit`` of sklgrad's estimators.

    Parameters
    ----------
    read : callable
        ``read(i) -> (X, y)``: chunk ``i``'s inputs (a 2-D array or a DataFrame) and targets
        (an array or a Series of as many rows); called once per chunk and pass.
    n_chunks : int
        The number of chunks.
    validation : ChunkedData, default=None
        Held-out chunks for ``early_stopping=True``: they are scored after each pass (and
        held in memory while training, so keep them small).
    description : str, default=""
        What the chunks are, for messages.

    Notes
    -----
    A pass reads the chunks in order (with ``shuffle=True``, in a new order each pass, with
    the rows of each chunk shuffled: not a global permutation) while a background thread
    reads the next chunk. Every chunk is checked when it is read: the same columns (and
    names) and type as the first, not empty, no missing or infinite value; a chunk that is
    not is refused with a ``ValueError`` naming it. The first pass also fits the input
    scaler (``StandardScaler.partial_fit``, merged across chunks) and learns the classes.

    Examples
    --------
    >>> import numpy as np
    >>> from sklgrad import ChunkedData, LearningGradientClassifier
    >>> rng = np.random.default_rng(0)
    >>> chunks = []
    >>> for _ in range(4):
    ...     X = rng.standard_normal((50, 3))
    ...     chunks.append((X, (X[:, 0] > 0).astype(int)))
    >>> data = ChunkedData.from_chunks(chunks)
    >>> clf = LearningGradientClassifier(hidden_layer_sizes=(4,), max_iter=3, tol=None,
    ...                                  random_state=0).fit(data)
    >>> clf.importance_history_.shape  # one row per pass over the 4 chunks
    (3, 3)
    """

    def __init__(self, read, n_chunks, *, validation=None, description=""):
        if not isinstance(n_chunks, numbers.Integral) or n_chunks < 1:
            raise ValueError(f"ChunkedData needs at least one chunk; got n_chunks={n_chunks!r}.")
        if validation is not None and not isinstance(validation, ChunkedData):
            raise TypeError("validation must be a ChunkedData.")
        self.read = read
        self.n_chunks = int(n_chunks)
        self.validation = validation
        self.description = description
        # With from_dask: the partitions' (X, y) as Dask objects, for computations that
        # run where the partitions live (the streamed selection's per-chunk sums).
        self.partitions = None

    def __repr__(self):
        return (f"ChunkedData({self.n_chunks} chunks"
                f"{', ' + self.description if self.description else ''})")

    @classmethod
    def from_chunks(cls, chunks, *, validation=None):
        """Chunks given as a list (or any sequence) of ``(X, y)`` pairs."""
        if not isinstance(chunks, Sequence):
            raise TypeError("from_chunks needs a list (or another sequence) of (X, y) "
                            "chunks: a pass may read them in any order, and every pass "
                            "reads them again; for a generator, use ChunkedData(read, "
                            "n_chunks).")
        return cls(lambda i: _pair(chunks[i], i), len(chunks), validation=validation)

    @classmethod
    def from_parquet(cls, path, target, *, columns=None, validation=None):
        """A Parquet file or dataset (a folder of files), read with ``pyarrow.dataset``
        one row group at a time; ``target`` is the target column, ``columns`` the inputs
        (default: every other column)."""
        return cls._from_arrow(path, "parquet", target, columns, validation)

    @classmethod
    def from_csv(cls, path, target, *, columns=None, validation=None):
        """A folder of CSV files (or one file), read with ``pyarrow.dataset`` one file at
        a time; ``target`` and ``columns`` as in :meth:`from_parquet`."""
        return cls._from_arrow(path, "csv", target, columns, validation)

    @classmethod
    def _from_arrow(cls, path, file_format, target, columns, validation):
        import pyarrow.dataset as ds

        dataset = ds.dataset(str(path), format=file_format)
        names = dataset.schema.names
        if target not in names:
            raise ValueError(f"target column {target!r} is not in {path} (columns: "
                             f"{', '.join(names[:10])}{' ...' if len(names) > 10 else ''})")
        columns = [c for c in names if c != target] if columns is None else list(columns)
        absent = [c for c in columns if c not in names]
        if absent:
            raise ValueError(f"column(s) {', '.join(map(repr, absent))} not in {path}")
        fragments = list(dataset.get_fragments())
        if file_format == "parquet":  # a row group at a time: files may be large
            fragments = [piece for fragment in fragments
                         for piece in fragment.split_by_row_group()]
        if not fragments:
            raise ValueError(f"{path} holds no data files")

        def read(i):
            table = fragments[i].to_table(columns=[*columns, target], schema=dataset.schema)
            return table.select(columns).to_pandas(), table.column(target).to_numpy()

        return cls(read, len(fragments), validation=validation,
                   description=f"{file_format} at {path}")

    @classmethod
    def from_dask(cls, X, y, *, validation=None):
        """A Dask array or DataFrame ``X`` and its targets ``y`` (a Dask array or Series
        with the same row partitions): partition ``i`` is computed when it is read, on
        the cluster where the data lives (with a ``dask.distributed`` client), and never
        gathered whole."""
        X_parts, y_parts = _dask_partitions(X, "X"), _dask_partitions(y, "y")
        if len(X_parts) != len(y_parts):
            raise ValueError(f"X has {len(X_parts)} row partitions and y {len(y_parts)}: "
                             "they must be partitioned alike.")
        import dask

        def read(i):
            return dask.compute(X_parts[i], y_parts[i])

        data = cls(read, len(X_parts), validation=validation,
                   description="the Dask partitions")
        data.partitions = list(zip(X_parts, y_parts))
        return data


def as_chunks(X, y):
    """``X`` (and ``y``) as a :class:`ChunkedData` when they are chunked data (a
    ChunkedData, or Dask collections); None for data in memory."""
    if isinstance(X, ChunkedData):
        if y is not None:
            raise ValueError("fit on a ChunkedData takes the targets from its chunks: "
                             "pass y=None.")
        return X
    if is_dask_collection(X):
        if y is None:
            raise ValueError("fit on a Dask collection needs y, a Dask array or Series "
                             "partitioned as X.")
        return ChunkedData.from_dask(X, y)
    return None


def is_dask_collection(data):
    try:
        from dask.base import is_dask_collection as check
    except ImportError:
        return False
    return check(data)


def _dask_partitions(data, name):
    """Row partitions of a Dask array (columns in one block) or DataFrame/Series."""
    if hasattr(data, "blocks") and hasattr(data, "chunks"):  # array
        if data.ndim == 2 and len(data.chunks[1]) > 1:
            data = data.rechunk({1: -1})
        return [data.blocks[i] for i in range(data.numblocks[0])]
    if hasattr(data, "to_delayed") and hasattr(data, "npartitions"):  # DataFrame, Series
        return data.to_delayed()
    raise TypeError(f"{name} is not a Dask array, DataFrame or Series.")


def _pair(chunk, index):
    try:
        X, y = chunk
    except (TypeError, ValueError):
        raise ValueError(f"chunk {index} is not an (X, y) pair") from None
    return X, y


class ChunkChecker:
    """Checks each chunk against the first: a ValueError naming the chunk otherwise."""

    def __init__(self, description):
        self.description = description
        self.columns = self.dtype = self.width = None

    def inputs(self, X, index):
        """Chunk ``index``'s inputs as a 2-D numeric array, checked."""
        where = f"chunk {index}" + (f" of {self.description}" if self.description else "")
        columns = getattr(X, "columns", None)
        names = None if columns is None else [str(c) for c in columns]
        array = np.asarray(X)
        if array.ndim != 2:
            raise ValueError(f"{where} has inputs of shape {array.shape}, not rows x columns")
        if len(array) == 0:
            raise ValueError(f"{where} is empty")
        if array.dtype.kind not in "fiub":
            bad = [n for n in names if np.asarray(X[n]).dtype.kind not in "fiub"] \
                if names is not None else []
            raise ValueError(f"{where} has non-numeric inputs"
                             f"{' (' + ', '.join(bad[:5]) + ')' if bad else ''}: encode "
                             "them as numbers before streaming")
        if self.width is None:
            self.columns, self.dtype, self.width = names, array.dtype, array.shape[1]
        elif array.shape[1] != self.width or names != self.columns:
            raise ValueError(f"{where} has columns {names or array.shape[1]} where chunk 0 "
                             f"has {self.columns or self.width}")
        elif array.dtype != self.dtype:
            raise ValueError(f"{where} has inputs of type {array.dtype} where chunk 0 has "
                             f"{self.dtype}")
        finite = np.isfinite(array) if array.dtype.kind == "f" else np.ones((1, 1), bool)
        if not finite.all():
            column = int(np.argmin(finite.all(axis=0)))
            label = names[column] if names is not None else column
            raise ValueError(f"{where} has missing or infinite values in column {label!r}")
        return array

    def targets(self, y, n_rows, index):
        where = f"chunk {index}" + (f" of {self.description}" if self.description else "")
        y = np.asarray(y)
        if len(y) != n_rows:
            raise ValueError(f"{where} has {n_rows} rows of inputs and {len(y)} targets")
        if y.dtype.kind in "fc" and not np.isfinite(y).all():
            raise ValueError(f"{where} has missing or infinite targets")
        if y.dtype.kind == "O" and any(v is None or v != v for v in y.ravel()):
            raise ValueError(f"{where} has missing targets")
        return y
