"""What the engine is told: how to train (:class:`TrainSettings`), on what
(:class:`FitData`), and the engine's own choices (:func:`engine_options`).

The estimators validate their parameters and prepare the data, then build these records
once per fit and pass them down; nothing below reads an estimator.
"""

import contextlib
import contextvars
import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

# The training steps: "auto" runs the hand-written step in numpy on the CPU and in torch
# elsewhere; "torch" runs it in torch everywhere; "autograd" lets autograd differentiate
# the module (what any other module gets).
STEPS = ("auto", "torch", "autograd")


@dataclass(frozen=True)
class PathSettings:
    """The input-penalty path's schedule (``input_penalty="path"``; docs/method.md).

    An unpenalized dense phase, then group-lasso ``strengths`` (doubling from 0.001, gently:
    an input the network learns late, such as a purely non-linear one, has to be learned
    before it can be protected), each trained ``epochs`` epochs from where the last left
    off, or fewer where an epoch takes many steps: a point takes about ``point_steps``
    optimizer steps at most (``min_epochs`` epochs at least). The path ends early once
    inputs have been eliminated and the inputs alive have not changed for ``stable``
    points. Where more than ``screen_above`` inputs were eliminated, they are screened
    again in blocks of ``screen_block`` beside the survivors, for at most
    ``screen_rounds`` rounds (0: none).
    """

    strengths: tuple = (0.0,) + tuple(0.001 * 2**i for i in range(13))
    epochs: int = 30
    # What a point needs is steps at its strength, not passes over the rows: every set of
    # the selection benchmarks (2,000 rows at most, 270 steps a point at most) selects as
    # it did with 30 epochs, and a table of 5,000 rows (30 epochs: 700 steps) pays less.
    point_steps: int = 300
    min_epochs: int = 5
    stable: int = 3
    # No round where this many inputs or fewer were eliminated: in blocks of 50 they would
    # all sit beside the survivors again, the path's own question. Apart from the block
    # size: a smaller block does not make rounds run on fewer eliminated inputs.
    screen_above: int = 50
    # The size of the XOR set on which the path finds an interacting pair among noise in
    # every seed. Beside 20 a screen also learns a ring's columns (an even effect,
    # learned slowly) among a few hundred noise columns, where 50 miss them; but on a
    # wide table blocks of 20 recover inputs round after round, so every round runs for
    # no relevant column more (docs/method.md, "Screening rounds"): not the default.
    screen_block: int = 50
    # An input whose effect shows only beside another that a round recovers is recovered
    # by the next.
    screen_rounds: int = 3

    def point_epochs(self, n_rows, batch_size):
        """The epochs one point of the path trains on ``n_rows`` rows in batches of
        ``batch_size``."""
        steps_per_epoch = math.ceil(n_rows / max(1, batch_size))
        return int(min(self.epochs, max(self.min_epochs,
                                        math.ceil(self.point_steps / steps_per_epoch))))


@dataclass(frozen=True)
class EngineOptions:
    """The engine's own choices, which change how a network is trained, not what it learns
    (except ``capture=False``, which records no learning gradient)."""

    step: str = "auto"
    capture: bool = True
    path: PathSettings = field(default_factory=PathSettings)


# A frozen record: the shared default cannot be changed in place.
_OPTIONS = contextvars.ContextVar("sklgrad_engine_options",
                                  default=EngineOptions())  # noqa: B039


def current_options():
    """The :class:`EngineOptions` in force (set by :func:`engine_options`)."""
    return _OPTIONS.get()


@contextlib.contextmanager
def engine_options(**changes):
    """Fits inside this block train with these engine options, as
    :func:`sklearn.config_context` sets scikit-learn's: ``step`` (one of :data:`STEPS`),
    ``capture`` (False: no learning gradients, to measure what they cost) and ``path``
    (a :class:`PathSettings`). For benchmarks and tests; the estimators' results do not
    depend on ``step``, which the tests pin.

    Examples
    --------
    >>> from sklgrad._engine.settings import engine_options, current_options
    >>> with engine_options(step="autograd"):
    ...     current_options().step
    'autograd'
    >>> current_options().step
    'auto'
    """
    options = dataclasses.replace(_OPTIONS.get(), **changes)
    if options.step not in STEPS:
        raise ValueError(f"step must be one of {STEPS}; got {options.step!r}.")
    token = _OPTIONS.set(options)
    try:
        yield options
    finally:
        _OPTIONS.reset(token)


@dataclass(frozen=True)
class TrainSettings:
    """How one network is trained: scikit-learn's MLP parameters, resolved and validated
    by the estimator, and the engine's options.

    ``loss`` is ``"binary"`` (one logit), ``"multiclass"`` (softmax logits) or
    ``"regression"`` (half squared error on ``n_outputs`` outputs). ``lr_schedule`` is the
    schedule in force (``"constant"`` for Adam). ``input_penalty`` is the strength of the
    fixed group-lasso step (0: none; the path sets its own). ``progress(epoch, loss)`` is
    called after each epoch; ``label`` is put before each printed line.
    """

    loss: str
    n_outputs: int
    hidden_layer_sizes: tuple
    activation: str = "relu"
    solver: str = "adam"
    alpha: float = 1e-4
    batch_size: object = "auto"
    learning_rate_init: float = 1e-3
    lr_schedule: str = "constant"
    power_t: float = 0.5
    momentum: float = 0.9
    nesterovs_momentum: bool = True
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    max_iter: int = 200
    shuffle: bool = True
    tol: float | None = 1e-4
    n_iter_no_change: float = 10
    input_penalty: float = 0.0
    device: str = "cpu"
    verbose: bool = False
    progress: Callable | None = None
    label: str = ""
    step: str = "auto"
    capture: bool = True

    @property
    def n_targets(self):
        """Target columns of the loss (one column of class codes for a classifier)."""
        return self.n_outputs if self.loss == "regression" else 1

    @property
    def report_scale(self):
        """From the trained loss to scikit-learn's reported one (which averages the
        outputs of a regression)."""
        return 1.0 / self.n_outputs if self.loss == "regression" else 1.0

    def batch_rows(self, n_rows):
        """Rows per batch on ``n_rows`` rows: scikit-learn's ``min(200, n)`` for "auto"."""
        if self.batch_size == "auto":
            return min(200, n_rows)
        return min(self.batch_size, n_rows)

    def comparable(self):
        """The settings without what only reports on a fit (networks whose comparable
        settings are equal can be trained as one stack)."""
        return dataclasses.replace(self, progress=None, label="")


@dataclass(frozen=True)
class FitData:
    """What one network trains on: prepared inputs (in the network's precision; CSR when
    sparse) and targets (the target columns, then a sample-weight column when
    ``weighted``), the held-out rows of early stopping (or None), the seed of everything
    random in the fit (initial weights, data order), and the seed of any further split
    (the input-penalty path's)."""

    X: object
    targets: np.ndarray
    seed: int
    split_seed: int
    weighted: bool = False
    X_val: object = None
    y_val: np.ndarray | None = None

    @property
    def dtype(self):
        return self.X.dtype


def stratify_labels(loss, targets):
    """Labels to stratify a split by: the class codes of a classifier whose every class
    has two rows or more (a split cannot stratify a class of one), None otherwise."""
    if loss == "regression":
        return None
    _, counts = np.unique(targets[:, 0], return_counts=True)
    return targets[:, 0] if counts.min() >= 2 else None
