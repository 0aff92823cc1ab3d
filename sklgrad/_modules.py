"""The PyTorch modules that sklgrad trains.

They live in the package (not in user scripts) so that fitted models unpickle in any
process, including Dask and loky workers.
"""

import math

import torch
from torch import nn

ACTIVATIONS = {
    "identity": nn.Identity,
    "logistic": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
}


def _identity(z):
    return z


# The activations as functions, for the hand-written training step.
_FUNCTIONS = {
    "identity": _identity,
    "logistic": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
}


class MLP(nn.Module):
    """A fully connected feed-forward network that outputs raw scores (logits).

    Parameters
    ----------
    n_features : int
        Width of the input layer.
    n_outputs : int
        Width of the output layer.
    hidden_layer_sizes : tuple of int, default=(100,)
        Width of each hidden layer; ``()`` gives a linear model.
    activation : {"identity", "logistic", "tanh", "relu"}, default="relu"
        Non-linearity after each hidden layer (scikit-learn's names).

    Notes
    -----
    Weights and biases start uniform in ``[-b, b]`` with ``b = sqrt(6 / (fan_in + fan_out))``
    (``sqrt(2 / ...)`` for the logistic activation): scikit-learn's MLP initialization
    (Glorot et al.), drawn from torch's random generator.
    """

    def __init__(self, n_features, n_outputs, hidden_layer_sizes=(100,), activation="relu"):
        super().__init__()
        self.activation = activation
        self.activation_fn = _FUNCTIONS[activation]
        widths = [n_features, *hidden_layer_sizes]
        layers = []
        for width_in, width_out in zip(widths[:-1], widths[1:]):
            layers += [nn.Linear(width_in, width_out), ACTIVATIONS[activation]()]
        layers.append(nn.Linear(widths[-1], n_outputs))
        self.layers = nn.Sequential(*layers)
        factor = 2.0 if activation == "logistic" else 6.0
        with torch.no_grad():
            for layer in self.layers:
                if isinstance(layer, nn.Linear):
                    bound = math.sqrt(factor / (layer.in_features + layer.out_features))
                    layer.weight.uniform_(-bound, bound)
                    layer.bias.uniform_(-bound, bound)

    def forward(self, X):
        return self.layers(X)
