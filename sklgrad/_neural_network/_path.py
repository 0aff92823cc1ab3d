"""The input-penalty path (``input_penalty="path"``): a warm-started, reweighted group-lasso
path on the first layer's columns, with screening rounds for the inputs it eliminates.

A collaborator of the estimators: it takes the fit's settings and data and trains with the
engine's networks; the estimator commits what it returns. The proximal step itself is the
engine's (``_engine/penalty.py``); the schedule is a :class:`PathSettings`. The method,
with its math and figures, is in docs/method.md.
"""

import dataclasses
import math
from types import SimpleNamespace

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.model_selection import train_test_split

from .._engine.capture import BY_TARGET_KEY, IMPORTANCE_KEY, MAGNITUDE_KEY
from .._engine.data import CHUNK_ELEMENTS, dense_chunks
from .._engine.fit import configure, fork_rng_devices, seed_torch, start_network
from .._engine.net import build_net, make_optimizer, run_epochs
from .._engine.settings import PathSettings, stratify_labels
from .._engine.stopping import ValidationLossRule
from ._path_rules import mean_and_error, one_standard_error_choice, reweighted, run_settled
from ._stacked_screen import MOST_STACKED, screen_stacked

# The first layer's weights in an MLP's state dict: column j is input j's.
_FIRST_WEIGHT = "layers.0.weight"
# The least probability the constant prediction gives a class (its log loss at most 34.5).
LEAST_PROBABILITY = 1e-15
# Once at most this share of a network's inputs is alive, the path goes on with a network
# of the live inputs only: the eliminated columns are zero and stay so, but multiplying them
# costs as much as the live ones, most of the first layer's work late in a wide path.
COMPACT_BELOW = 0.5


def _sparsest_within_one_standard_error(path):
    """Over the points of every round (one validation split): the fewest inputs alive
    among the points whose validation loss is within one standard error of the best, the
    strongest of those. A screening round re-admits inputs only when its points beat the
    earlier rounds' by more than the noise of the split: applied to a round alone, the
    rule let a round on a small split re-admit noise (breast cancer with 270 noise inputs:
    6 inputs, then 22, 42 and 49)."""
    best = min(range(len(path)), key=lambda i: path[i]["validation_loss"])
    limit = path[best]["validation_loss"] + path[best]["validation_loss_se"]
    within = [i for i, point in enumerate(path) if point["validation_loss"] <= limit]
    return min(within, key=lambda i: (path[i]["inputs_alive"], -i))


def _constant_row_losses(net, targets, y_val, n_targets):
    """Each validation row's loss under the constant prediction learned from the training
    ``targets``: the classes' training frequencies (a class never seen gets
    ``LEAST_PROBABILITY``), or each target's training mean. A point's ``gain`` is its
    mean excess over these, row by row: a network that learned nothing the validation
    rows share does not beat it, whatever its inputs alive."""
    kind = net.criterion_.kind
    y_train = targets[:, :n_targets]
    y_train = y_train if torch.is_tensor(y_train) else torch.as_tensor(y_train)
    y_train = y_train.to(device=y_val.device, dtype=y_val.dtype)
    if kind == "binary":
        share = y_train[:, 0].mean().clamp(LEAST_PROBABILITY, 1 - LEAST_PROBABILITY)
        outputs = torch.log(share / (1 - share)).reshape(1, 1)
    elif kind == "multiclass":
        n_classes = net.module_.layers[-1].weight.shape[0]
        counts = torch.bincount(y_train[:, 0].long(), minlength=n_classes)
        outputs = torch.log((counts / counts.sum()).clamp_min(LEAST_PROBABILITY))[None]
    else:
        outputs = y_train.mean(dim=0, keepdim=True)
    outputs = outputs.to(y_val.dtype).expand(len(y_val), -1)
    return net.criterion_.per_example(outputs, y_val[:, :n_targets])


def _alive_inputs(point):
    """Which inputs a network's weights (a state dict) still reads: nonzero first-layer
    columns."""
    return (torch.linalg.vector_norm(point[_FIRST_WEIGHT], dim=0) > 0).cpu().numpy()


def _on_columns(data, columns):
    """The training and validation data of a path, restricted to ``columns``."""
    X, targets, X_val, y_val = data
    return X[:, columns], targets, X_val[:, columns], y_val


def _at_full_width(entry, columns, width):
    """A history entry of a network on ``columns`` of ``width`` inputs, with its learning
    gradients at full width (zero on the other inputs)."""
    entry = dict(entry)
    for key in (IMPORTANCE_KEY, MAGNITUDE_KEY, BY_TARGET_KEY):
        if key in entry:
            values = np.asarray(entry[key])
            full = np.zeros(values.shape[:-1] + (width,))
            full[..., columns] = values
            entry[key] = full.tolist()
    return entry


def _weights_at_full_width(state_dict, columns, width):
    """A copy of the weights (a state dict) of a network on ``columns`` of ``width``
    inputs, its first layer at full width (zero columns for the other inputs)."""
    point = {key: value.detach().clone() for key, value in state_dict.items()}
    weight = point[_FIRST_WEIGHT]
    if weight.shape[1] != width:
        full = weight.new_zeros((weight.shape[0], width))
        full[:, torch.from_numpy(columns).to(weight.device)] = weight
        point[_FIRST_WEIGHT] = full
    return point


def _compacted(net, keep):
    """A network on the inputs ``keep`` of ``net`` that continues its training as ``net``
    would: the same weights and optimizer state on those inputs, the same batch size and
    the same data order. The inputs left out must be eliminated (zero columns that stay
    zero): then it computes what ``net`` computes, at the cost of its live inputs only."""
    settings = net.settings
    compact = build_net(settings, len(keep))
    configure(compact, settings, net.batch_size, 0)
    compact.iterator_train__generator.set_state(net.iterator_train__generator.get_state())
    with torch.random.fork_rng(devices=fork_rng_devices(settings.device)):
        compact.initialize()  # its initial weights are replaced below
    weight = net.module_.layers[0].weight
    compact.module_.to(weight.dtype)
    picked = torch.from_numpy(keep).to(weight.device)
    compact.module_.load_state_dict({
        key: value[:, picked] if key == _FIRST_WEIGHT else value
        for key, value in net.module_.state_dict().items()})
    compact.optimizer_ = make_optimizer(settings, compact.module_)
    saved = net.optimizer_.state_dict()
    # make_optimizer takes the module's parameters in order: the first weight's index.
    index = next(i for i, param in enumerate(net.module_.parameters()) if param is weight)
    if index in saved["state"]:
        saved["state"][index] = {
            key: value[:, picked] if torch.is_tensor(value) and value.dim() == 2 else value
            for key, value in saved["state"][index].items()}
    compact.optimizer_.load_state_dict(saved)
    return compact


@dataclasses.dataclass
class PathResult:
    """A trained path: the network at the chosen point (its history holds every epoch of
    every round), the points, and the index of the chosen one."""

    net: object
    path: list
    chosen: int


class InputPenaltyPath:
    """The input-penalty path for one fit (see the module's docstring).

    Parameters
    ----------
    settings : TrainSettings
        How each network is trained (``max_iter``, ``tol``, ``n_iter_no_change`` and
        ``verbose`` read as the dense phase's).
    schedule : PathSettings, default=PathSettings()
        The strengths, epochs per point and screening rounds.
    """

    def __init__(self, settings, schedule=None):
        self.settings = settings
        self.schedule = schedule if schedule is not None else PathSettings()

    def fit(self, data, state):
        """Train the path on ``data`` (a :class:`FitData`), recording each epoch's loss in
        ``state``: a dense phase, then stronger and stronger group-lasso steps,
        warm-started and reweighted by each input's learning gradient; the point kept is
        the strongest whose validation loss is within one standard error of the best. With
        many inputs eliminated, a screening round gives them a second chance in small
        blocks beside the survivors, and the path is run again on what survives; after
        screening, the point kept has the fewest inputs among the points of all rounds
        within one standard error of the best."""
        settings, schedule = self.settings, self.schedule
        X, X_val, targets, y_val = train_test_split(
            data.X, data.targets, test_size=0.1, random_state=data.split_seed,
            stratify=stratify_labels(settings.loss, data.targets))
        net = build_net(settings, X.shape[1])
        configure(net, settings, X.shape[0], data.seed)
        split = (X, targets, X_val, torch.from_numpy(y_val).to(net.device))
        with torch.random.fork_rng(devices=fork_rng_devices(settings.device)):
            seed_torch(data.seed, settings.device)
            start_network(net, settings, data.dtype)
            path, points = self._run_path(net, split, state, label="Path")
            chosen = one_standard_error_choice(path)
            dense = points[0]
            for screening_round in range(1, schedule.screen_rounds + 1):
                alive = _alive_inputs(points[chosen])
                if (~alive).sum() <= schedule.screen_above:
                    break
                candidates = self._screen(net, split, alive, data.seed, screening_round)
                if not candidates.any():
                    break
                more, more_points = self._path_on(
                    net, split, state, np.flatnonzero(alive | candidates), dense,
                    seed=[data.seed, schedule.screen_rounds + screening_round])
                for point in more:
                    point["round"] = screening_round
                chosen = len(path) + one_standard_error_choice(more)
                path, points = path + more, points + more_points
            if "round" in path[-1]:
                for point in path:
                    point.setdefault("round", 0)
                chosen = _sparsest_within_one_standard_error(path)
        net.module_.load_state_dict(points[chosen])
        net.input_penalty, net.input_penalty_weights = 0.0, None
        return PathResult(net, path, chosen)

    def _run_path(self, net, data, state, watched=None, label=None):
        """One run along the strengths from the network as it is: the points (strength,
        validation loss and its standard error, inputs alive, epochs) and their weights.
        ``watched``: the run ends once these inputs are all eliminated (a screen has its
        answer). ``label``: with ``verbose``, each point is reported under it. Once few
        inputs are alive, the run goes on with a network of those (:func:`_compacted`);
        ``net``'s history receives every epoch at full width all the same."""
        settings, schedule = self.settings, self.schedule
        X_all, targets, X_val_all, y_val = data
        width = X_all.shape[1]
        # The inputs that the network in training (``active``) reads, and their data.
        columns, active, X, X_val = np.arange(width), net, X_all, X_val_all

        def row_losses(module):
            # Chunk by chunk: a sparse X_val is made dense a block at a time.
            parts, start = [], 0
            with torch.no_grad():
                for chunk in dense_chunks(X_val, CHUNK_ELEMENTS):
                    outputs = module(torch.from_numpy(chunk).to(net.device))
                    expected = y_val[start:start + len(chunk), :settings.n_targets]
                    parts.append(net.criterion_.per_example(outputs, expected))
                    start += len(chunk)
            return torch.cat(parts)

        def validation_loss(module):
            return mean_and_error(row_losses(module))

        constant = _constant_row_losses(net, targets, y_val, settings.n_targets)

        weight = net.module_.layers[0].weight
        path, points = [], []
        net.input_penalty_weights = None  # the dense phase (strength 0) is unpenalized
        for index, strength in enumerate(schedule.strengths):
            active.input_penalty = strength
            rule = ValidationLossRule(
                state, validation_loss, n_train=X.shape[0], tol=settings.tol or 0.0,
                patience=settings.n_iter_no_change if index == 0 else None)
            first, trained = len(net.history), len(active.history)
            run_epochs(active, rule, X, targets, settings.max_iter if index == 0
                       else schedule.point_epochs(X.shape[0], active.batch_size))
            if rule.best_state is not None:  # the dense phase ends on its best weights
                active.module_.load_state_dict(rule.best_state)
            if active is not net:
                for entry in active.history[trained:]:
                    net.history.append(dict(_at_full_width(entry, columns, width),
                                            epoch=len(net.history) + 1))
            losses = row_losses(active.module_)
            loss, error = mean_and_error(losses)
            gain, gain_error = mean_and_error(constant - losses)
            points.append(_weights_at_full_width(active.module_.state_dict(), columns,
                                                 width))
            alive_inputs = _alive_inputs(points[-1])
            alive = int(alive_inputs.sum())
            path.append({"strength": strength, "validation_loss": loss,
                         "validation_loss_se": error, "gain": gain, "gain_se": gain_error,
                         "inputs_alive": alive,
                         "inputs": np.flatnonzero(alive_inputs).tolist(),
                         "first_epoch": first, "last_epoch": len(net.history) - 1})
            if settings.verbose and label is not None:
                print(f"{label} point {index}: strength {strength:g}, validation loss "
                      f"{loss:.6f} (se {error:.6f}), {alive} inputs alive", flush=True)
            # Reweighted group lasso: the next point's column weights from this one's
            # learning gradient (at the dense phase's best epoch).
            epoch = (len(net.history) - 1 if rule.best_epoch is None
                     else rule.best_epoch + len(net.history) - len(active.history))
            share = torch.as_tensor(net.history[epoch, IMPORTANCE_KEY], dtype=weight.dtype,
                                    device=weight.device)
            weights = reweighted(share)
            if run_settled(path, alive_inputs, watched, schedule.stable):
                break
            last = index + 1 == len(schedule.strengths)
            if not last and 0 < alive <= COMPACT_BELOW * len(columns):
                keep = alive_inputs[columns]
                active, columns = _compacted(active, np.flatnonzero(keep)), columns[keep]
                X, X_val = X_all[:, columns], X_val_all[:, columns]
            active.input_penalty_weights = weights[torch.from_numpy(columns).to(
                weights.device)] if active is not net else weights
        return path, points

    def _subset_net(self, net, n_columns, seed, dtype):
        """A network like ``net`` on ``n_columns`` inputs, with the same training settings
        and batch size and its own seeds, initialized in ``dtype``."""
        rng = np.random.default_rng(seed)
        subset = build_net(self.settings, n_columns)
        configure(subset, self.settings, net.batch_size, int(rng.integers(2**31 - 1)))
        seed_torch(int(rng.integers(2**31 - 1)), self.settings.device)
        start_network(subset, self.settings, dtype)
        return subset

    def _path_on(self, net, data, state, columns, dense, seed):
        """Another path on ``columns`` only, from the dense phase's weights (``dense``) and a
        new optimizer, trained by a network of that width (a full-width one would multiply
        zeros); its epochs are appended to ``net``'s history and its points' weights are
        returned at full width, zero on the other inputs."""
        subset = self._subset_net(net, len(columns), seed, data[0].dtype)
        picked = torch.from_numpy(columns).to(net.device)
        start = {key: value[:, picked] if key == _FIRST_WEIGHT else value
                 for key, value in dense.items()}
        subset.module_.load_state_dict(start)
        offset = len(net.history)
        path, points = self._run_path(subset, _on_columns(data, columns), state,
                                      label=f"Path on {len(columns)} inputs")
        width = net.module__n_features
        for entry in subset.history:
            net.history.append(dict(_at_full_width(entry, columns, width),
                                    epoch=len(net.history) + 1))
        for point in path:  # the epochs of net's history, the inputs of the table
            point["first_epoch"] += offset
            point["last_epoch"] += offset
            point["inputs"] = columns[point["inputs"]].tolist()
        return path, [_weights_at_full_width(point, columns, width) for point in points]

    def _screen(self, net, data, alive, seed, screening_round):
        """The inputs eliminated by the path that a path network on the survivors plus a
        block of ``screen_block`` of them keeps: among many noise inputs, an input whose
        signal is only conditional (no marginal effect) is eliminated with the noise before
        the network learns it; beside the survivors and few others, it is learned. The
        blocks' paths train as stacks of one width where they can
        (:func:`~._stacked_screen.screen_stacked`), else one by one."""
        survivors = np.flatnonzero(alive)
        rng = np.random.default_rng(np.random.SeedSequence([seed, screening_round]))
        eliminated = rng.permutation(np.flatnonzero(~alive))
        blocks = np.array_split(eliminated,
                                math.ceil(len(eliminated) / self.schedule.screen_block))
        column_sets = [np.concatenate([survivors, block]) for block in blocks]
        networks = [self._subset_net(net, len(columns), int(rng.integers(2**31 - 1)),
                                     data[0].dtype) for columns in column_sets]
        candidates = np.zeros(len(alive), dtype=bool)
        for group in self._screen_groups(column_sets, data):
            if len(group) > 1:
                kept = screen_stacked(self.settings, self.schedule,
                                      [networks[i] for i in group], data,
                                      [column_sets[i] for i in group], len(survivors))
            else:
                kept = [self._screen_alone(networks[group[0]], data,
                                           column_sets[group[0]], len(survivors))]
            for i, inputs in zip(group, kept):
                candidates[column_sets[i][inputs]] = True
            if self.settings.verbose:
                done = (f"blocks {group[0] + 1}-{group[-1] + 1}" if len(group) > 1
                        else f"block {group[0] + 1}")
                print(f"Screening round {screening_round}: {done} of {len(blocks)}, inputs "
                      f"recovered so far: {int((candidates & ~alive).sum())}", flush=True)
        return candidates & ~alive

    def _screen_groups(self, column_sets, data):
        """The blocks (indices) trained together: of one width, at most
        ``MOST_STACKED`` each, on dense inputs with the hand-written steps and the
        capture (a stack's); else one each."""
        settings = self.settings
        if (sp.issparse(data[0]) or not settings.capture or settings.step == "autograd"):
            return [[i] for i in range(len(column_sets))]
        groups = {}
        for i, columns in enumerate(column_sets):
            groups.setdefault(len(columns), []).append(i)
        return [indices[start:start + MOST_STACKED] for indices in groups.values()
                for start in range(0, len(indices), MOST_STACKED)]

    def _screen_alone(self, network, data, columns, n_survivors):
        """One block's screening path, trained alone: the inputs alive at its chosen
        point."""
        scratch = SimpleNamespace(loss_curve=[], t=0)  # the fit's own curve is not touched
        watched = np.arange(n_survivors, len(columns))
        path, points = self._run_path(network, _on_columns(data, columns), scratch,
                                      watched=watched)
        return _alive_inputs(points[one_standard_error_choice(path)])
