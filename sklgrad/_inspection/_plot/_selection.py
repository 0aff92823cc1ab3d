"""SelectionDisplay: each input's share over the selection's networks beside the shadows',
as Boruta's users draw it."""

import numpy as np

from ._base import new_axes

#: Box colours: kept, dropped, and the shadows' summaries.
KEPT, DROPPED, SHADOW = "tab:green", "tab:gray", "tab:blue"


class SelectionDisplay:
    """Box plots of each input's learning share over the selection's networks, kept in
    green and dropped in grey, beside the shadows' smallest, mean and largest share per
    network (blue), as Boruta's plots show its shadow features.

    Use :meth:`from_selector`. With one network a box is a line; without shadows (the
    rules that train none) only the inputs are drawn.

    Parameters
    ----------
    importances : ndarray of shape (n_networks, n_features)
        Each network's shares.
    support : ndarray of bool of shape (n_features,)
        Which inputs are kept.
    feature_names : array-like of shape (n_features,), default=None
        Names; ``x0, x1, ...`` when None.
    shadow_importances : ndarray of shape (n_networks, n_shadows), default=None
        The shadows' shares, per network.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    labels_ : list of str
        The boxes' labels, left to right (the shadows' first, then the inputs by their
        median share, increasing).
    kept_ : ndarray of bool
        For each input's box (after the shadows'), whether it is kept.

    Examples
    --------
    >>> import numpy as np
    >>> from sklgrad import SelectionDisplay
    >>> display = SelectionDisplay(np.array([[0.5, 0.1], [0.4, 0.2]]),
    ...                            np.array([True, False]), feature_names=["a", "b"]).plot()
    >>> display.labels_
    ['b', 'a']
    """

    def __init__(self, importances, support, *, feature_names=None, shadow_importances=None):
        self.importances = importances
        self.support = support
        self.feature_names = feature_names
        self.shadow_importances = shadow_importances

    def plot(self, *, top_k=30, ax=None, title=None):
        """Draw the boxes of the ``top_k`` inputs of largest median share.

        Parameters
        ----------
        top_k : int, default=30
            Inputs shown.
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.
        title : str, default=None
            The axes' title; a default one when None.

        Returns
        -------
        display : SelectionDisplay
        """
        importances = np.atleast_2d(np.asarray(self.importances, dtype=float))
        support = np.asarray(self.support, dtype=bool)
        names = (np.asarray(self.feature_names, dtype=object) if self.feature_names is not None
                 else np.array([f"x{i}" for i in range(importances.shape[1])], dtype=object))
        order = np.argsort(np.median(importances, axis=0), kind="mergesort")[-top_k:]
        boxes, labels, colors = [], [], []
        if self.shadow_importances is not None:
            shadows = np.atleast_2d(np.asarray(self.shadow_importances, dtype=float))
            for label, summary in (("shadow min", shadows.min(axis=1)),
                                   ("shadow mean", shadows.mean(axis=1)),
                                   ("shadow max", shadows.max(axis=1))):
                boxes.append(summary)
                labels.append(label)
                colors.append(SHADOW)
        for index in order:
            boxes.append(importances[:, index])
            labels.append(str(names[index]))
            colors.append(KEPT if support[index] else DROPPED)
        ax = new_axes(ax, figsize=(max(6.0, 0.32 * len(boxes) + 2), 5))
        artists = ax.boxplot(boxes, patch_artist=True, widths=0.6)
        for patch, color in zip(artists["boxes"], colors):
            patch.set_facecolor(color)
            patch.set_alpha(0.8)
        ax.set_xticks(np.arange(1, len(labels) + 1), labels, rotation=90)
        ax.set_ylabel("share of the learning gradient")
        ax.set_title(title if title is not None else
                     f"Kept (green), dropped (grey) and shadows (blue), over "
                     f"{importances.shape[0]} network(s)")
        self.ax_, self.figure_ = ax, ax.figure
        self.labels_ = labels
        self.kept_ = support[order]
        return self

    @classmethod
    def from_selector(cls, selector, *, top_k=30, ax=None, **kwargs):
        """Draw a fitted :class:`LearningGradientSelector`'s (or a Pipeline's last
        selector's) networks' shares, its support and its shadows.

        Parameters
        ----------
        selector : LearningGradientSelector or Pipeline
        top_k, ax, **kwargs
            See :meth:`plot`.

        Returns
        -------
        display : SelectionDisplay
        """
        from sklearn.pipeline import Pipeline
        from sklearn.utils.validation import check_is_fitted

        from ..._selection._selector import LearningGradientSelector

        if isinstance(selector, Pipeline):
            found = [step for _, step in selector.steps
                     if isinstance(step, LearningGradientSelector)]
            if not found:
                raise TypeError("SelectionDisplay needs a LearningGradientSelector, or a "
                                "Pipeline holding one.")
            selector = found[-1]
        if not isinstance(selector, LearningGradientSelector):
            raise TypeError("SelectionDisplay needs a LearningGradientSelector; got "
                            f"{type(selector).__name__}.")
        check_is_fitted(selector)
        display = cls(selector.importances_, selector.get_support(),
                      feature_names=getattr(selector, "feature_names_in_", None),
                      shadow_importances=selector.shadow_importances_)
        return display.plot(top_k=top_k, ax=ax, **kwargs)
