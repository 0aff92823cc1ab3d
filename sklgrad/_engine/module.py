"""The PyTorch module that sklgrad trains: a fully connected network, from the torch table.

It lives in the package (not in user scripts) so that fitted networks unpickle in any
process, including Dask and loky workers.
"""

import math

import torch
from torch import nn

from .math_torch import ACTIVATIONS


class Activation(nn.Module):
    """The activation ``name`` of :data:`sklgrad._engine.math_torch.ACTIVATIONS` as a
    layer (no parameters: the state dict's keys are those of ``nn.ReLU`` and its kin)."""

    def __init__(self, name):
        super().__init__()
        self.name = name

    def forward(self, z):
        return ACTIVATIONS[self.name].forward(z)

    def extra_repr(self):
        return self.name


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
        widths = [n_features, *hidden_layer_sizes]
        layers = []
        for width_in, width_out in zip(widths[:-1], widths[1:]):
            layers += [nn.Linear(width_in, width_out), Activation(activation)]
        layers.append(nn.Linear(widths[-1], n_outputs))
        self.layers = nn.Sequential(*layers)
        factor = ACTIVATIONS[activation].init_factor
        with torch.no_grad():
            for layer in self.linear_layers():
                bound = math.sqrt(factor / (layer.in_features + layer.out_features))
                layer.weight.uniform_(-bound, bound)
                layer.bias.uniform_(-bound, bound)

    def linear_layers(self):
        """The weight layers, input to output."""
        return [layer for layer in self.layers if isinstance(layer, nn.Linear)]

    def forward(self, X):
        return self.layers(X)
