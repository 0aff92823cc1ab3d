"""Mini-batches sliced from whole tensors, in place of a row-by-row DataLoader.

skorch's default ``DataLoader`` calls ``Dataset.__getitem__`` once per row and collates the
rows back into a batch. On small tabular data that bookkeeping costs about as much as the
training step itself; slicing a batch out of one tensor costs a single gather.
"""

import math

import numpy as np
import scipy.sparse as sp
import torch
from skorch.dataset import Dataset
from torch.utils.data import DataLoader, Subset

# Elements per chunk when a large (or sparse) X is scaled, checked or predicted.
CHUNK_ELEMENTS = 2**23
# Values gathered at once when shuffling (1 MiB of float64): a gathered chunk that stays in
# the processor's cache until its batches are trained on makes a small network's step
# faster than gathering whole chunks of rows.
_GATHER_ELEMENTS = 2**17


def dense_chunks(X, elements, densify=True):
    """Consecutive row blocks of X holding about ``elements`` values each.

    Sparse blocks are made dense one at a time when ``densify``: a sparse X is never made
    dense whole.
    """
    n_columns = X.shape[1] if X.ndim > 1 else 1
    rows = max(1, elements // max(1, n_columns))
    for start in range(0, X.shape[0], rows):
        chunk = X[start:start + rows]
        yield chunk.toarray() if densify and sp.issparse(chunk) else chunk


def epoch_order(n_rows, generator):
    """A shuffled epoch's order of ``n_rows`` rows, drawn from ``generator``: the one source
    of data order, for the single network's batch iterator and for each network of a
    stack (so that network k of a stack visits the rows as its separate fit would)."""
    return torch.randperm(n_rows, generator=generator)


def _dense(part):
    """A batch as a dense tensor (sparse batches are densified here, one at a time)."""
    if sp.issparse(part):
        return torch.from_numpy(part.toarray())
    return part


def _as_tensor(data):
    if data is None or isinstance(data, torch.Tensor):
        return data
    if sp.issparse(data):
        return data.tocsr()  # rows are sliced and densified per batch
    array = np.asarray(data)
    if not array.flags.writeable:  # torch warns on read-only memory (e.g. memmaps)
        array = array.copy()
    return torch.from_numpy(array)


def _take(X, rows):
    # index_select: faster than X[rows] (advanced indexing) on the CPU.
    return X[rows.numpy()] if sp.issparse(X) else torch.index_select(X, 0, rows)


def _tensors_of(dataset):
    """Return ``(X, y)`` tensors behind ``dataset``, or None if it is not tensor-backed."""
    if isinstance(dataset, Subset):
        tensors = _tensors_of(dataset.dataset)
        if tensors is None:
            return None
        index = torch.as_tensor(np.asarray(dataset.indices), dtype=torch.long)
        X, y = tensors
        return _take(X, index), (None if y is None else y[index])
    if type(dataset) is Dataset and (isinstance(dataset.X, (np.ndarray, torch.Tensor))
                                     or sp.issparse(dataset.X)):
        y = None if dataset.y is None else dataset.y
        if y is not None and not isinstance(y, (np.ndarray, torch.Tensor)):
            return None
        return _as_tensor(dataset.X), _as_tensor(y)
    return None


class TensorBatchIterator:
    """Iterate over mini-batches of a tensor-backed dataset by slicing whole tensors.

    A drop-in replacement for :class:`torch.utils.data.DataLoader` as skorch's
    ``iterator_train`` / ``iterator_valid``. Datasets that are not backed by arrays or
    tensors fall back to a plain ``DataLoader`` with the same arguments.

    Parameters
    ----------
    dataset : skorch.dataset.Dataset, torch.utils.data.Subset or torch Dataset
        The data to iterate over.
    batch_size : int, default=128
        Rows per batch; the last batch of an epoch may be shorter.
    shuffle : bool, default=False
        Visit the rows in a new random order each epoch.
    generator : torch.Generator, default=None
        Source of the random order, so that data order is reproducible without touching
        torch's global random state.
    drop_last : bool, default=False
        Skip the last, shorter batch.
    **loader_kwargs : dict
        Passed to ``DataLoader`` on the fallback path only.
    """

    def __init__(self, dataset, batch_size=128, shuffle=False, generator=None,
                 drop_last=False, **loader_kwargs):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator
        self.drop_last = drop_last
        self.loader_kwargs = loader_kwargs
        self._tensors = _tensors_of(dataset)

    def __len__(self):
        n_rows = len(self.dataset)
        if self.drop_last:
            return n_rows // self.batch_size
        return math.ceil(n_rows / self.batch_size)

    def __iter__(self):
        if hasattr(self.dataset, "iter_batches"):  # chunks read one at a time
            yield from self.dataset.iter_batches(self.batch_size, self.shuffle,
                                                 self.generator, self.drop_last)
            return
        if self._tensors is None:
            yield from DataLoader(
                self.dataset, batch_size=self.batch_size, shuffle=self.shuffle,
                generator=self.generator, drop_last=self.drop_last, **self.loader_kwargs,
            )
            return
        X, y = self._tensors
        n_rows = X.shape[0]
        stop = n_rows - n_rows % self.batch_size if self.drop_last else n_rows
        if not self.shuffle:
            for start in range(0, stop, self.batch_size):
                end = start + self.batch_size
                yield _dense(X[start:end]), (None if y is None else y[start:end])
            return
        order = epoch_order(n_rows, self.generator)[:stop]
        # One gather per chunk of batches, then views: a gather per batch costs as much as a
        # small training step, and a chunk bounds the memory that a shuffled copy takes.
        row_size = math.prod(X.shape[1:])
        chunk = self.batch_size * max(1, _GATHER_ELEMENTS // (row_size * self.batch_size))
        for chunk_start in range(0, stop, chunk):
            rows = order[chunk_start:chunk_start + chunk]
            X_chunk, y_chunk = _take(X, rows), (None if y is None else _take(y, rows))
            for start in range(0, len(rows), self.batch_size):
                end = start + self.batch_size
                yield (_dense(X_chunk[start:end]),
                       None if y_chunk is None else y_chunk[start:end])
