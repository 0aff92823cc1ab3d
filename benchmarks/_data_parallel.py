"""One network trained in one process against the same training data-parallel over two
processes with ``torch.distributed`` (gloo, CPU): what a streamed selection's networks
would gain from the workers of a 2-worker cluster.

The workload is a screen network's: 550 inputs (50 columns beside 500 shadows), hidden
(32,), Adam, batches of 200 rows, 550 steps, on 40,000 sample rows. Data-parallel, each of
two processes takes 100 rows of each batch and the gradients are averaged by
``DistributedDataParallel`` (an all-reduce per step).
"""

import os
import time

import numpy as np

ROWS, INPUTS, STEPS, BATCH = 40_000, 550, 550, 200


def _train(rank, world, port, result):
    import torch
    import torch.distributed as dist

    torch.set_num_threads(1)
    if world > 1:
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        dist.init_process_group("gloo", rank=rank, world_size=world)
    generator = np.random.default_rng(0)
    X = torch.from_numpy(generator.standard_normal((ROWS, INPUTS), dtype=np.float32))
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).float()[:, None]
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(INPUTS, 32), torch.nn.ReLU(),
                                torch.nn.Linear(32, 1))
    if world > 1:
        model = torch.nn.parallel.DistributedDataParallel(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss = torch.nn.BCEWithLogitsLoss()
    share = BATCH // world
    start = time.perf_counter()
    for step in range(STEPS):
        first = (step * BATCH) % (ROWS - BATCH) + rank * share
        rows = slice(first, first + share)
        optimizer.zero_grad()
        loss(model(X[rows]), y[rows]).backward()
        optimizer.step()
    seconds = time.perf_counter() - start
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()
    if rank == 0:
        result.put(seconds)


def measure():
    """Seconds of the workload in one process and data-parallel over two."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    seconds = {}
    for world in (1, 2):
        result = context.Queue()
        processes = [context.Process(target=_train, args=(rank, world, 29517, result))
                     for rank in range(world)]
        for process in processes:
            process.start()
        seconds[world] = result.get()
        for process in processes:
            process.join()
    return seconds
