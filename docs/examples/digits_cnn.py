"""Learning gradients of a small CNN on scikit-learn's 8x8 digits: which pixels are learned,
and when.

    python docs/examples/digits_cnn.py OUT_DIR    # writes OUT_DIR/digits_maps*.png

(docs/img/digits_maps*.png were made with ``python docs/examples/digits_cnn.py docs/img``:
20 epochs, 16 channels, seed 0.)

The paper names images as future work: here the reusable capture (LearningGradientNet) runs
on a convolutional module, and the recorder also sums |dLoss/dpixel| per class.
"""

import argparse
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

from sklgrad import ImageImportanceDisplay, LearningGradientNet


class DigitsCNN(nn.Module):
    """A small convolutional network for 1 x 8 x 8 images such as scikit-learn's digits.

    Parameters
    ----------
    n_classes : int, default=10
        Number of output logits.
    channels : int, default=16
        Filters in each of the two convolutional layers.
    """

    def __init__(self, n_classes=10, channels=16):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, channels, kernel_size=3, padding=1), nn.ReLU(),
            nn.Conv2d(channels, channels, kernel_size=3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Linear(channels * 4 * 4, n_classes)

    def forward(self, X):
        return self.classifier(self.features(X).flatten(1))


def run(epochs=20, channels=16, seed=0, out_dir=None):
    """Train the CNN; return test accuracy, maps (epochs x 8 x 8) and per-class maps."""
    digits = load_digits()
    X = (digits.images / 16.0).astype(np.float32)[:, np.newaxis]  # (n, 1, 8, 8) in [0, 1]
    y = digits.target.astype(np.int64)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                        random_state=seed)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        net = LearningGradientNet(
            DigitsCNN, module__channels=channels, criterion=nn.CrossEntropyLoss,
            optimizer=torch.optim.Adam, lr=2e-3, batch_size=64, max_epochs=epochs,
            train_split=None, iterator_train__shuffle=True,
            iterator_train__generator=torch.Generator().manual_seed(seed),
            callbacks__learning_gradient__by_target=True, verbose=0,
        ).fit(X_train, y_train)
    accuracy = float((net.predict(X_test).argmax(axis=1) == y_test).mean())
    maps = np.asarray(net.history[:, "learning_gradient"]).reshape(-1, 8, 8)
    by_class = np.asarray(net.history[:, "learning_gradient_by_target"]).reshape(-1, 10, 8, 8)
    if out_dir is not None:
        import matplotlib.pyplot as plt

        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        shown = sorted({1, 2, 3, 5, epochs // 2, epochs} & set(range(1, epochs + 1)))
        display = ImageImportanceDisplay.from_net(net, (8, 8), epochs=shown)
        display.figure_.savefig(out_dir / "digits_maps.png", dpi=110)
        display = ImageImportanceDisplay.from_net(net, (8, 8), by_class=True, epochs=shown)
        display.figure_.savefig(out_dir / "digits_maps_by_class.png", dpi=90)
        plt.close("all")
    return {"accuracy": accuracy, "maps": maps, "maps_by_class": by_class, "net": net}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("out", type=Path, help="folder for the figures")
    args = parser.parse_args()
    result = run(epochs=args.epochs, out_dir=args.out)
    print(f"test accuracy: {result['accuracy']:.3f}; figures in {args.out}")
