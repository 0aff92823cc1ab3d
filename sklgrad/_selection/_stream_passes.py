"""Passes over chunked data for the streamed selection, and its first pass.

A pass applies a function to each chunk and merges the results in chunk order; the
results are sums (or a sample), so memory holds a chunk and the sums, never the rows. On
chunks read from Dask (:meth:`ChunkedData.from_dask`), the function runs where each
partition lives and the results merge in a tree on the workers: only the sums travel.

The first pass checks every chunk as ``fit`` checks them, counts the rows, tracks constant
columns and the target's values, and keeps a uniform sample of the rows (each row gets a
random key; the sample is the rows of the smallest keys, which merges exactly across
chunks and workers). A table of at most the sample's size is its own sample, its rows in
their order.
"""

import concurrent.futures
import dataclasses
import math

import numpy as np

from .._neural_network._chunked import ChunkChecker
from .._utils._target import infer_task
from ._orchestrator import SCREEN_SHADOWS

#: The values (rows x columns) the sample holds, about: the path networks' rows and the
#: statistical screens' null distributions are read from it.
SAMPLE_VALUES = 2_000_000
#: The sample's rows, at least and at most, whatever the number of columns.
SAMPLE_ROWS = (2_000, 50_000)
#: Distinct target values a pass tracks: beyond, the target is a regression's.
MAX_LABELS = 10_000
#: The dense screen's and the ranking's networks read up to this many times the sample's
#: rows, at the steps they take on the sample: every batch new rows, as streaming within
#: their step budgets would read them (ten times: docs/benchmarks.md, "stream-sample").
NETWORK_FACTOR = 10
#: The values (rows x inputs, single precision) of the dense screen's inputs on the
#: networks' rows, at most: the table's columns beside their shadows (``SCREEN_SHADOWS``
#: at least), about 800 MB.
NETWORK_INPUT_VALUES = 200_000_000


def sample_size(n_features):
    """The rows the sample holds for a table of ``n_features`` columns."""
    return int(np.clip(SAMPLE_VALUES // max(n_features, 1), *SAMPLE_ROWS))


def network_sample_size(n_features):
    """The rows the dense screen's and the ranking's networks read for a table of
    ``n_features`` columns: ``NETWORK_FACTOR`` times the sample's, or fewer where their
    inputs beside the shadows would hold more than ``NETWORK_INPUT_VALUES``; the sample's
    at least."""
    n_features = max(n_features, 1)
    inputs = n_features * (1 + math.ceil(SCREEN_SHADOWS / n_features))
    size = sample_size(n_features)
    return int(np.clip(NETWORK_INPUT_VALUES // inputs, size, NETWORK_FACTOR * size))


def over_chunks(chunks, part, merge, *args):
    """``part(X, y, index, *args)`` of every chunk, merged with ``merge(earlier, later)``."""
    if chunks.partitions is not None:
        return _on_cluster(chunks, part, merge, args)
    merged = None
    with concurrent.futures.ThreadPoolExecutor(1, "sklgrad-prefetch") as reader:
        upcoming = reader.submit(chunks.read, 0)
        for index in range(chunks.n_chunks):
            X, y = upcoming.result()
            if index + 1 < chunks.n_chunks:  # read the next chunk while this one is summed
                upcoming = reader.submit(chunks.read, index + 1)
            result = part(X, y, index, *args)
            merged = result if merged is None else merge(merged, result)
    return merged


def _on_cluster(chunks, part, merge, args):
    """The pass on the Dask partitions where they live: the parts' results merged in
    a tree of pairs (earlier chunks on the left), computed on the cluster."""
    import dask

    shared = [dask.delayed(arg, traverse=False) for arg in args]
    results = [dask.delayed(part, pure=True)(X, y, index, *shared)
               for index, (X, y) in enumerate(chunks.partitions)]
    while len(results) > 1:
        results = [dask.delayed(merge, pure=True)(*results[i:i + 2]) if i + 1 < len(results)
                   else results[i] for i in range(0, len(results), 2)]
    return dask.compute(results[0])[0]


@dataclasses.dataclass
class FirstPass:
    """What the first pass found, over the chunks from ``first_chunk`` on."""

    first_chunk: int
    signature: tuple  # (column names or None, dtype, width) of the first chunk
    n_rows: int
    keys: np.ndarray  # the kept rows' random keys and their place (chunk, row): the
    # sample is the rows of the `size` smallest keys, the held-out rows the next `size`,
    # the networks' rows those of the `network_size` smallest
    chunk: np.ndarray
    row: np.ndarray
    X: np.ndarray
    y: np.ndarray
    low: np.ndarray
    high: np.ndarray
    labels: np.ndarray  # the target's distinct values (None: more than MAX_LABELS)
    moments: tuple  # (rows, mean, sum of squared deviations) of a numeric target
    size: int
    network_size: int

    @property
    def columns(self):
        return self.signature[0]

    @property
    def complete(self):
        """Whether the sample holds every row."""
        return self.n_rows <= self.size

    def rows_in_order(self):
        """The sample's inputs and targets, in the table's row order."""
        return self._in_order(np.argsort(self.keys, kind="stable")[:self.size])

    def network_rows_in_order(self):
        """The rows the dense screen's and the ranking's networks read, in the table's
        row order: the ``network_size`` smallest keys' (a uniform sample holding the
        sample; the table when it has no more rows)."""
        return self._in_order(np.argsort(self.keys, kind="stable")[:self.network_size])

    def held_out_rows(self):
        """The rows of the next smallest keys (as many as the sample, or what is left of
        the table): another uniform sample, disjoint from the first; None when the
        sample is the table."""
        rows = np.argsort(self.keys, kind="stable")[self.size:2 * self.size]
        return self._in_order(rows) if len(rows) else None

    def _in_order(self, rows):
        order = rows[np.lexsort((self.row[rows], self.chunk[rows]))]
        return self.X[order], self.y[order]

    def task(self):
        """The target's task, as :func:`infer_task` reads the whole target."""
        if self.labels is None:
            return "regression"
        return infer_task(self.labels)

    def constant(self):
        return self.low == self.high


def first_pass_part(X, y, index, seed, description):
    """The first pass over chunk ``index``: checked (a ValueError naming it otherwise),
    counted, and its rows of the smallest keys (the candidates of the sample, of the
    held-out rows and of the networks' rows), as many as :func:`kept_rows` for the
    table's width."""
    checker = ChunkChecker(description)
    X = checker.inputs(X, index)
    size, network_size = sample_size(X.shape[1]), network_sample_size(X.shape[1])
    y = checker.targets(y, len(X), index)
    if y.ndim > 1 and (y.shape[1] != 1 or y.ndim > 2):
        raise ValueError(f"chunk {index} has a target of shape {y.shape}: a streamed "
                         "selection takes one target column.")
    y = y.ravel()
    keys = np.random.default_rng([seed, index]).random(len(X))
    keep = np.argsort(keys, kind="stable")[:kept_rows(size, network_size)]
    labels = None if y.dtype.kind == "f" else np.unique(y)
    if labels is not None and len(labels) > MAX_LABELS:
        labels = None
    moments = (len(y), float(y.mean()), float(((y - y.mean()) ** 2).sum())) \
        if y.dtype.kind in "fiub" else None
    return FirstPass(index, (checker.columns, checker.dtype, checker.width), len(X),
                     keys[keep], np.full(len(keep), index), keep, X[keep], y[keep],
                     X.min(axis=0).astype(float), X.max(axis=0).astype(float), labels,
                     moments, size, network_size)


def kept_rows(size, network_size):
    """The rows a first pass keeps: the sample's and the held-out rows' (``size`` each),
    or the networks' rows where they are more."""
    return max(2 * size, network_size)


def merge_first_passes(earlier, later):
    """Two first passes as one: the later's chunks checked against the earlier's first."""
    names, dtype, width = earlier.signature
    later_names, later_dtype, later_width = later.signature
    where = f"chunk {later.first_chunk}"
    if later_width != width or later_names != names:
        raise ValueError(f"{where} has columns {later_names or later_width} where chunk "
                         f"{earlier.first_chunk} has {names or width}")
    if later_dtype != dtype:
        raise ValueError(f"{where} has inputs of type {later_dtype} where chunk "
                         f"{earlier.first_chunk} has {dtype}")
    keys = np.concatenate([earlier.keys, later.keys])
    keep = np.argsort(keys, kind="stable")[:kept_rows(earlier.size, earlier.network_size)]
    labels = None
    if earlier.labels is not None and later.labels is not None:
        labels = np.union1d(earlier.labels, later.labels)
        labels = labels if len(labels) <= MAX_LABELS else None
    return FirstPass(
        earlier.first_chunk, earlier.signature, earlier.n_rows + later.n_rows, keys[keep],
        np.concatenate([earlier.chunk, later.chunk])[keep],
        np.concatenate([earlier.row, later.row])[keep],
        np.concatenate([earlier.X, later.X])[keep],
        np.concatenate([earlier.y, later.y])[keep],
        np.minimum(earlier.low, later.low), np.maximum(earlier.high, later.high), labels,
        _merged_moments(earlier.moments, later.moments), earlier.size,
        earlier.network_size)


def _merged_moments(a, b):
    """Chan's merge of two (rows, mean, sum of squared deviations)."""
    if a is None or b is None:
        return None
    (n_a, mean_a, m2_a), (n_b, mean_b, m2_b) = a, b
    n = n_a + n_b
    delta = mean_b - mean_a
    return n, mean_a + delta * n_b / n, m2_a + m2_b + delta**2 * n_a * n_b / n


def merged_sums(earlier, later):
    """Two passes' sums (dicts of arrays) as one: added, or for a name starting with
    ``max_``, their larger."""
    return {name: np.maximum(earlier[name], later[name]) if name.startswith("max_")
            else earlier[name] + later[name] for name in earlier}


def ranks_from(sorted_, block, n_rows):
    """Each value's average rank among the table's ``n_rows``, read from the sorted
    sample ``sorted_`` (its own rank when the sample is the table)."""
    block = np.asfortranarray(block)  # a column at a time: each contiguous
    sorted_ = np.asfortranarray(sorted_)
    ranks = np.empty(block.shape, order="F")
    scale = n_rows / len(sorted_)
    last = len(sorted_) - 1
    for j in range(block.shape[1]):
        # Searched in order: a binary search over keys in order stays in cache, and the
        # sort costs less than the searches it saves.
        order = np.argsort(block[:, j])
        column, values = sorted_[:, j], block[order, j]
        below = np.searchsorted(column, values, side="left")
        # Values the sample holds share a rank with their ties: one more search for them.
        tied = column[np.minimum(below, last)] == values
        at_most = below.astype(float)
        at_most[tied] = np.searchsorted(column, values[tied], side="right")
        ranks[order, j] = (below + (at_most - below) / 2.0) * scale + 0.5
    # Read from a sample, a value beyond the sample's extremes would rank outside 1..n.
    return np.clip(ranks, 1.0, n_rows)
