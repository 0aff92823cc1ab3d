"""How sklgrad trains a network: the engine behind the estimators.

- ``training``: the estimators' skorch network (``TabularNet``): scikit-learn's loss,
  ``alpha`` and stopping rule; the hand-written forward/backward/capture step of sklgrad's
  MLP (``manual_step``; any other module keeps autograd); a fitted network as plain data.
- ``numpy_step``: the same step in numpy on views of the same tensors, used on the CPU
  (a numpy operation costs a third of a torch one on small arrays).
- ``stacked``: K networks of one architecture trained as one batched model, each ending as
  its separate fit would (the selector's repeats and shadow rounds, comparisons);
  ``stacked_numpy``: its epoch in numpy, on the CPU.
- ``optimizers``: scikit-learn's SGD and Adam updates, with one multi-tensor operation per
  line for all parameters.
- ``loop``: skorch's epoch loop without its per-batch bookkeeping.
- ``data``: batches sliced from whole tensors (sparse inputs densified one batch at a time).

The capture itself, usable with any skorch network, is ``sklgrad._capture``.
"""
