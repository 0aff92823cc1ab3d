"""An epoch as a pass over chunks: training data larger than memory.

:class:`PreparedChunks` stands where a fit's training tensor stands (the network's batch
iterator asks it for batches): it reads one chunk at a time, prepared for the network by
the caller's function, and slices batches across chunk boundaries exactly as they would be
sliced from the concatenated data, so that an epoch is one pass over all chunks and the
capture's sums close at the pass's end. A background thread reads and prepares the next
chunk while the current one trains.
"""

import concurrent.futures

import numpy as np
import torch
from torch.utils.data import Dataset

from .data import epoch_order


class PreparedChunks(Dataset):
    """Chunks of prepared training data, one at a time.

    Parameters
    ----------
    n_chunks : int
        How many chunks a pass reads.
    read : callable
        ``read(i) -> (X, targets)``: chunk ``i``'s inputs and target columns as arrays in
        the network's precision (called from a background thread).
    n_rows, n_features : int
        Rows in all chunks together, inputs per row.
    dtype : numpy dtype
        The inputs' precision.

    With ``shuffle``, each pass visits the chunks in a new order and the rows of each chunk
    in a new order (drawn from the iterator's generator): not a global permutation, which
    would need every row at once.
    """

    def __init__(self, n_chunks, read, n_rows, n_features, dtype):
        self.n_chunks, self.read = n_chunks, read
        self.shape = (n_rows, n_features)
        self.dtype = np.dtype(dtype)

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, index):
        raise TypeError("PreparedChunks is read by its batches (iter_batches), not by rows")

    def iter_batches(self, batch_size, shuffle=False, generator=None, drop_last=False):
        """The batches of one pass: ``(X, targets)`` tensors of ``batch_size`` rows (the
        last may be shorter, or dropped), across chunk boundaries."""
        if shuffle:
            order = torch.randperm(self.n_chunks, generator=generator).tolist()
        else:
            order = list(range(self.n_chunks))
        pending_X, pending_y, pending = [], [], 0
        with concurrent.futures.ThreadPoolExecutor(1, "sklgrad-prefetch") as reader:
            upcoming = reader.submit(self.read, order[0]) if order else None
            for position in range(len(order)):
                X, y = upcoming.result()
                if position + 1 < len(order):  # read the next chunk while this one trains
                    upcoming = reader.submit(self.read, order[position + 1])
                if shuffle:
                    rows = epoch_order(len(X), generator).numpy()
                    X, y = X[rows], y[rows]
                start = 0
                if pending:  # complete the batch begun in the previous chunk
                    start = min(batch_size - pending, len(X))
                    pending_X.append(X[:start])
                    pending_y.append(y[:start])
                    pending += start
                    if pending < batch_size:
                        continue
                    yield _batch(np.concatenate(pending_X), np.concatenate(pending_y))
                    pending_X, pending_y, pending = [], [], 0
                whole = start + (len(X) - start) // batch_size * batch_size
                for begin in range(start, whole, batch_size):
                    yield _batch(X[begin:begin + batch_size], y[begin:begin + batch_size])
                if whole < len(X):
                    pending_X, pending_y = [X[whole:]], [y[whole:]]
                    pending = len(X) - whole
        if pending and not drop_last:
            yield _batch(np.concatenate(pending_X), np.concatenate(pending_y))


def _batch(X, y):
    return torch.from_numpy(np.ascontiguousarray(X)), torch.from_numpy(
        np.ascontiguousarray(y))
