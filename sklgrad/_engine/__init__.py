"""How sklgrad trains a network: the engine behind the estimators.

Settings in, trained networks out; nothing here imports an estimator.

- ``settings``: what the engine is told (``TrainSettings``, ``FitData``, ``PathSettings``)
  and its own choices (``engine_options``: the step, the capture).
- ``math_numpy``, ``math_torch``: the mathematics, one table per backend: activations and
  their derivatives, losses, scikit-learn's SGD and Adam updates.
- ``module``: the network (``MLP``), from the torch table.
- ``numpy_step``, ``torch_step``: the hand-written forward/backward/capture step of one
  network (numpy on the CPU; torch on a GPU); autograd for any other module.
- ``net``: the skorch network (``TabularNet``) that runs the step, and its loss.
- ``fit``: one network trained (``train_network``); ``stacked`` (``stacked_numpy`` on the
  CPU): K networks of one architecture trained as one batched model (``fit_stack``), each
  ending as its separate fit would.
- ``stopping``: scikit-learn's stopping rule and state, the path's rule, the finiteness
  check; ``state``: a trained network as plain data (one writer) and its snapshot.
- ``optimizers``: scikit-learn's SGD and Adam as torch optimizers (with a flat layout for
  the numpy step); ``penalty``: the group-lasso step of ``input_penalty``.
- ``inference``: outputs and validation scores; ``loop``: skorch's epoch loop without its
  per-batch bookkeeping; ``data``: batches sliced from whole tensors, the data order.
- ``capture``: the learning-gradient capture itself, usable with any skorch network
  (``LearningGradientNet``, ``LearningGradientMixin``, ``LearningGradientRecorder``).
"""
