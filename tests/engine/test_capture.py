"""The reusable capture: LearningGradientNet / LearningGradientMixin on any module."""

import numpy as np
import pytest
import torch
from skorch import NeuralNetClassifier
from torch import nn

from sklgrad import (
    LearningGradientMixin,
    LearningGradientNet,
    TensorBatchIterator,
)


def _data(n=70, d=6, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d).astype(np.float32)
    y = (X[:, 0] - 2 * X[:, 1] > 0).astype(np.int64)
    return X, y


def _frozen_net(module, batch_size, **kwargs):
    """A net whose weights do not move (lr=0), so every batch sees the same weights."""
    return LearningGradientNet(
        module, criterion=nn.CrossEntropyLoss, optimizer=torch.optim.SGD, lr=0.0,
        batch_size=batch_size, max_epochs=1, train_split=None, verbose=0,
        iterator_train=TensorBatchIterator, **kwargs,
    )


def _autograd_per_example(module, criterion, X, y):
    """|dC_i/dx_i| from the loss of each example alone, with torch.autograd.grad."""
    rows = []
    for xi, yi in zip(torch.from_numpy(X), torch.from_numpy(y)):
        xi = xi.unsqueeze(0).requires_grad_(True)
        (grad,) = torch.autograd.grad(criterion(module(xi), yi.unsqueeze(0)), xi)
        rows.append(grad.abs().squeeze(0))
    return torch.stack(rows).numpy()


def test_recorded_gradients_equal_autograd_of_each_example():
    X, y = _data()
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3))
    net = _frozen_net(module, batch_size=16).fit(X, y)
    expected = _autograd_per_example(net.module_, nn.CrossEntropyLoss(), X, y)

    magnitude = np.array(net.history[-1, "learning_gradient_magnitude"])
    np.testing.assert_allclose(magnitude, expected.mean(axis=0), rtol=1e-5)
    share = np.array(net.history[-1, "learning_gradient"])
    np.testing.assert_allclose(share, expected.sum(0) / expected.sum(), rtol=1e-5)
    # The post-hoc path gives the same per-example rows.
    np.testing.assert_allclose(net.learning_gradients(X, y), expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("batch_size", [1, 7, 32, 70])
def test_recorded_gradients_do_not_depend_on_batch_size(batch_size):
    X, y = _data()
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 2))
    reference = _autograd_per_example(module, nn.CrossEntropyLoss(), X, y).mean(axis=0)
    net = _frozen_net(module, batch_size=batch_size).fit(X, y)
    np.testing.assert_allclose(net.history[-1, "learning_gradient_magnitude"], reference,
                               rtol=1e-5)


def test_sum_reduced_loss_is_not_rescaled():
    X, y = _data()
    torch.manual_seed(0)
    module = nn.Linear(6, 2)
    reference = _autograd_per_example(module, nn.CrossEntropyLoss(), X, y).mean(axis=0)
    net = _frozen_net(module, batch_size=9, criterion__reduction="sum").fit(X, y)
    np.testing.assert_allclose(net.history[-1, "learning_gradient_magnitude"], reference,
                               rtol=1e-5)


class TinyCNN(nn.Module):
    """A convolutional module for 1 x 8 x 8 images."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, kernel_size=3, padding=1), nn.ReLU(),
                                      nn.MaxPool2d(2))
        self.classifier = nn.Linear(4 * 4 * 4, 10)

    def forward(self, X):
        return self.classifier(self.features(X).flatten(1))


def test_capture_on_a_convolutional_module():
    rng = np.random.RandomState(0)
    X = rng.rand(40, 1, 8, 8).astype(np.float32)
    y = rng.randint(0, 10, size=40).astype(np.int64)
    torch.manual_seed(0)
    net = LearningGradientNet(
        TinyCNN, criterion=nn.CrossEntropyLoss, max_epochs=2, batch_size=16,
        train_split=None, verbose=0,
    ).fit(X, y)
    shares = np.array(net.history[:, "learning_gradient"])
    assert shares.shape == (2, 64)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    assert net.learning_gradients(X[:5], y[:5]).shape == (5, 1, 8, 8)


def test_mixin_works_with_a_skorch_classifier_and_the_default_loader():
    class CapturingClassifier(LearningGradientMixin, NeuralNetClassifier):
        pass

    X, y = _data()
    torch.manual_seed(0)
    net = CapturingClassifier(
        nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 2)),
        criterion=nn.CrossEntropyLoss, max_epochs=3, train_split=None, verbose=0,
    ).fit(X, y)
    assert np.array(net.history[:, "learning_gradient"]).shape == (3, 6)


def test_unsupported_reduction_and_input_are_clear_errors():
    X, y = _data()
    net = _frozen_net(nn.Linear(6, 2), batch_size=8, criterion__reduction="none")
    with pytest.raises(ValueError, match="reduction='mean' or 'sum'"):
        net.fit(X, y)
    net = _frozen_net(nn.Linear(6, 2), batch_size=8)
    with pytest.raises(TypeError, match="single tensor"):
        net.fit({"a": X}, y)


def test_tensor_batch_iterator_matches_dataloader_batches():
    from skorch.dataset import Dataset

    X, y = _data(n=23)
    batches = list(TensorBatchIterator(Dataset(X, y), batch_size=5))
    assert [len(b[0]) for b in batches] == [5, 5, 5, 5, 3]
    np.testing.assert_array_equal(torch.cat([b[0] for b in batches]).numpy(), X)
    shuffled = list(TensorBatchIterator(Dataset(X, y), batch_size=5, shuffle=True,
                                        generator=torch.Generator().manual_seed(0)))
    order = np.concatenate([b[1].numpy() for b in shuffled])
    assert sorted(order.tolist()) == sorted(y.tolist())
    assert len(TensorBatchIterator(Dataset(X, y), batch_size=5, drop_last=True)) == 4
