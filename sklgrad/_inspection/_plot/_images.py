"""ImageImportanceDisplay: where in an image a network learns from, epoch by epoch."""


import numpy as np

from ..._engine.capture import BY_TARGET_KEY, IMPORTANCE_KEY


class ImageImportanceDisplay:
    """Per-pixel learning-gradient maps at chosen epochs (and per class when given).

    Each map is one epoch's share of |dLoss/dpixel| summed over the training images (or over
    the images of one class), so that one can see which regions are learned first.

    Parameters
    ----------
    maps : ndarray of shape (n_epochs, height, width) or (n_epochs, n_classes, height, width)
        Importance maps; each map sums to 1.
    class_labels : array-like of shape (n_classes,), default=None
        Names of the classes for per-class maps.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes
        Rows are classes (one row without classes), columns are epochs.
    figure_ : matplotlib Figure
    images_ : ndarray of AxesImage
        Same layout as ``axes_``; each image's array is the map shown.
    epochs_ : list of int
        The epochs shown (1-based).

    Examples
    --------
    >>> import numpy as np
    >>> from sklgrad import ImageImportanceDisplay
    >>> maps = np.full((4, 8, 8), 1 / 64)
    >>> ImageImportanceDisplay(maps).plot(epochs=[1, 4]).images_.shape
    (1, 2)
    """

    def __init__(self, maps, *, class_labels=None):
        self.maps = maps
        self.class_labels = class_labels

    def plot(self, *, epochs=None, cmap="magma", title=None):
        """Draw the maps, one column per epoch (one row per class for per-class maps).

        Parameters
        ----------
        epochs : list of int, default=None
            1-based epochs; up to six spread over training when None.
        cmap : str, default="magma"
            Colormap.
        title : str, default=None
            Figure title; a default one when None.

        Returns
        -------
        display : ImageImportanceDisplay
        """
        import matplotlib.pyplot as plt

        maps = np.asarray(self.maps, dtype=np.float64)
        if maps.ndim == 3:
            maps = maps[:, np.newaxis]
        if maps.ndim != 4:
            raise ValueError("maps must have shape (n_epochs, height, width) or "
                             f"(n_epochs, n_classes, height, width); got {np.shape(self.maps)}.")
        n_epochs, n_rows = maps.shape[:2]
        if epochs is None:
            epochs = sorted({int(round(e)) for e in np.linspace(1, n_epochs, min(6, n_epochs))})
        bad = [e for e in epochs if not 1 <= e <= n_epochs]
        if bad:
            raise ValueError(f"epochs must be between 1 and {n_epochs}; got {bad}.")
        labels = self.class_labels
        if n_rows > 1:
            labels = list(range(n_rows)) if labels is None else list(labels)
            if len(labels) != n_rows:
                raise ValueError(f"class_labels has {len(labels)} entries for {n_rows} classes.")
        figure, axes = plt.subplots(n_rows, len(epochs), squeeze=False, layout="constrained",
                                    figsize=(1.7 * len(epochs) + 1.2, 1.7 * n_rows + 0.8))
        vmax = maps[[e - 1 for e in epochs]].max()
        images = np.empty(axes.shape, dtype=object)
        for row in range(n_rows):
            for col, epoch in enumerate(epochs):
                ax = axes[row, col]
                images[row, col] = ax.imshow(maps[epoch - 1, row], cmap=cmap, vmin=0, vmax=vmax)
                ax.set_xticks([])
                ax.set_yticks([])
                if row == 0:
                    ax.set_title(f"epoch {epoch}", fontsize="medium")
                if col == 0 and n_rows > 1:
                    ax.set_ylabel(f"class {labels[row]}")
        figure.colorbar(images[0, 0], ax=axes, shrink=0.8, label="share of the learning gradient")
        figure.suptitle(title if title is not None else "Where the network learns from")
        self.axes_, self.figure_, self.images_, self.epochs_ = axes, figure, images, epochs
        return self

    @classmethod
    def from_net(cls, net, image_shape, *, by_class=False, class_labels=None, **kwargs):
        """Plot the maps recorded by a fitted :class:`LearningGradientNet`.

        Parameters
        ----------
        net : LearningGradientNet
            A fitted net; for ``by_class`` its recorder must have ``by_target=True``
            (``callbacks__learning_gradient__by_target=True``).
        image_shape : tuple of int
            ``(height, width)`` of one input (one channel).
        by_class : bool, default=False
            One row of maps per class.
        class_labels : array-like, default=None
            Names of the classes.
        **kwargs
            See :meth:`plot`.

        Returns
        -------
        display : ImageImportanceDisplay
        """
        if not getattr(net, "initialized_", False) or not len(net.history):
            raise ValueError("The net has not been fitted.")
        key = BY_TARGET_KEY if by_class else IMPORTANCE_KEY
        if key not in net.history[-1]:
            raise ValueError(f"The net's history has no {key!r}; fit with "
                             "callbacks__learning_gradient__by_target=True for per-class maps.")
        rows = net.history[:, key]
        height, width = image_shape
        if by_class:
            n_classes = max(len(row) for row in rows)
            maps = np.zeros((len(rows), n_classes, height, width))
            for epoch, row in enumerate(rows):
                maps[epoch, :len(row)] = np.asarray(row).reshape(len(row), height, width)
        else:
            maps = np.asarray(rows).reshape(len(rows), height, width)
        return cls(maps, class_labels=class_labels).plot(**kwargs)
