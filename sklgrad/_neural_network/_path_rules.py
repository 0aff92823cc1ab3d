"""How the input-penalty path judges its points: the point chosen, the next point's
column weights, and when a run ends. Shared by a path trained alone (``_path.py``) and
the screening round's paths trained as one stack (``_stacked_screen.py``), so that both
follow the same rules."""

import math

import torch

# The penalty weight of an eliminated column within one path: it stays eliminated (a weight
# of 1 would let it return once its gradient beats the strength, which on wide noisy
# tables does not happen: the screening rounds give that second chance).
ELIMINATED_WEIGHT = math.inf


def one_standard_error_choice(path):
    """The strongest point whose validation loss is within one standard error of the best."""
    best = min(range(len(path)), key=lambda i: path[i]["validation_loss"])
    limit = path[best]["validation_loss"] + path[best]["validation_loss_se"]
    return max(i for i, point in enumerate(path) if point["validation_loss"] <= limit)


def mean_and_error(values):
    """The mean of ``values`` (a tensor, one per validation row) and its standard error."""
    return float(values.mean()), float(values.std() / math.sqrt(len(values)))


def reweighted(share):
    """The next point's column weights from this point's learning-gradient ``share`` (a
    tensor): a column that the network learns from more than the average (its share above
    1/d) gets the strength divided by its multiple of the average; the others get the
    strength itself (never more: a column the network has not learned yet is not judged on
    that). An eliminated column (share 0) stays eliminated."""
    return torch.where(share > 0, (1.0 / (len(share) * share)).clamp_max(1.0),
                       ELIMINATED_WEIGHT)


def run_settled(path, alive_inputs, watched, stable):
    """Whether a run along the strengths ends after its last point (``path[-1]``, whose
    inputs alive are ``alive_inputs``): the ``watched`` inputs are all eliminated (a
    screen has its answer), or inputs were eliminated and the inputs alive have not
    changed for ``stable`` points (eliminated columns stay eliminated: the support is
    settled)."""
    if watched is not None and not alive_inputs[watched].any():
        return True
    recent = {point["inputs_alive"] for point in path[-stable:]}
    return (len(path) > stable and len(recent) == 1
            and path[-1]["inputs_alive"] < path[0]["inputs_alive"])
