"""ImportanceHistoryDisplay: each input variable's share of the learning, epoch by epoch."""

import numpy as np

from ._base import (
    check_history,
    check_names,
    find_learning_model,
    history_of,
    new_axes,
    note_memorization,
)


class ImportanceHistoryDisplay:
    """How the network's attention to its inputs evolves over the epochs.

    Use :meth:`from_estimator` or :meth:`from_history` to create it. ``kind="lines"`` draws
    one line per top feature and folds the others into one band (their range) and one
    line (their mean); ``kind="heatmap"``
    draws the whole history (epochs x features, features ordered by final importance).

    Parameters
    ----------
    importance_history : ndarray of shape (n_epochs, n_features)
        One row per epoch, each a distribution over the features.
    feature_names : array-like of shape (n_features,), default=None
        Names; ``x0, x1, ...`` when None.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes drawn on.
    figure_ : matplotlib Figure
        The figure holding ``ax_``.
    lines_ : list of Line2D
        With ``kind="lines"``: one line per shown feature, then the others' mean if any.
    band_ : PolyCollection or None
        With ``kind="lines"``: the range (min to max) of the features not shown.
    image_ : AxesImage or None
        With ``kind="heatmap"``: the image; its array is epochs x features in the order
        of ``features_``.
    features_ : ndarray of int
        Indices of the shown features, by decreasing final importance.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklgrad import ImportanceHistoryDisplay, LearningGradientClassifier
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> clf = LearningGradientClassifier(max_iter=20, random_state=0).fit(X, y)
    >>> display = ImportanceHistoryDisplay.from_estimator(clf, top_k=2)
    >>> len(display.lines_)  # two features, and the mean of the other two
    3
    """

    def __init__(self, importance_history, *, feature_names=None):
        self.importance_history = importance_history
        self.feature_names = feature_names

    def plot(self, *, kind="lines", top_k=10, ax=None, cmap="viridis", title=None):
        """Draw the history.

        Parameters
        ----------
        kind : {"lines", "heatmap"}, default="lines"
            Lines for the top features, or the whole history as an image.
        top_k : int or None, default=10
            Features shown (by final importance); None shows all.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        cmap : str, default="viridis"
            Colormap of the heatmap.
        title : str, default=None
            Axes title; a default one when None.

        Returns
        -------
        display : ImportanceHistoryDisplay
        """
        history = check_history(self.importance_history)
        n_epochs, n_features = history.shape
        names = check_names(self.feature_names, n_features)
        if kind not in ("lines", "heatmap"):
            raise ValueError(f"kind must be 'lines' or 'heatmap'; got {kind!r}.")
        order = np.argsort(-history[-1], kind="mergesort")
        shown = order if top_k is None else order[:top_k]
        epochs = np.arange(1, n_epochs + 1)
        ax = new_axes(ax, (8, 5) if kind == "lines" else (8, max(3, 0.25 * len(shown) + 1)))
        self.lines_, self.image_, self.band_ = [], None, None
        if kind == "lines":
            for index in shown:
                (line,) = ax.plot(epochs, history[:, index], label=str(names[index]))
                self.lines_.append(line)
            rest = np.setdiff1d(order, shown)
            self.band_ = None
            if len(rest):
                # The others as their mean and their range: a sum would dwarf the top lines.
                others = history[:, rest]
                self.band_ = ax.fill_between(epochs, others.min(axis=1), others.max(axis=1),
                                             color="0.8", alpha=0.6, linewidth=0,
                                             label=f"other {len(rest)} (range)")
                (line,) = ax.plot(epochs, others.mean(axis=1), color="0.45", linestyle="--",
                                  label=f"other {len(rest)} (mean)")
                self.lines_.append(line)
            ax.set(xlabel="epoch", ylabel="share of the learning gradient", ylim=(0, None))
            ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
            ax.grid(alpha=0.3)
        else:
            self.image_ = ax.imshow(history[:, shown].T, aspect="auto", cmap=cmap,
                                    interpolation="nearest",
                                    extent=(0.5, n_epochs + 0.5, len(shown) - 0.5, -0.5))
            ax.set_yticks(np.arange(len(shown)), [str(n) for n in names[shown]],
                          fontsize="small")
            ax.set_xlabel("epoch")
            ax.figure.colorbar(self.image_, ax=ax, label="share of the learning gradient")
        ax.set_title(title if title is not None else "What the network learns from, by epoch")
        self.features_ = shown
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, kind="lines", top_k=10, ax=None, **kwargs):
        """Plot the history of a fitted sklgrad estimator, selector or Pipeline.

        Parameters
        ----------
        estimator : estimator
            A fitted LearningGradientClassifier, LearningGradientRegressor,
            LearningGradientSelector, or a Pipeline holding one.
        kind, top_k, ax, **kwargs
            See :meth:`plot`.

        Returns
        -------
        display : ImportanceHistoryDisplay
        """
        model, names = find_learning_model(estimator)
        display = cls(history_of(model), feature_names=names).plot(
            kind=kind, top_k=top_k, ax=ax, **kwargs)
        return note_memorization(display, model, kwargs.get("title"))

    @classmethod
    def from_history(cls, importance_history, *, feature_names=None, kind="lines", top_k=10,
                     ax=None, **kwargs):
        """Plot a history given as an array (epochs x features).

        Parameters
        ----------
        importance_history : array-like of shape (n_epochs, n_features)
            The history.
        feature_names : array-like of shape (n_features,), default=None
            Names of the features.
        kind, top_k, ax, **kwargs
            See :meth:`plot`.

        Returns
        -------
        display : ImportanceHistoryDisplay
        """
        return cls(importance_history, feature_names=feature_names).plot(
            kind=kind, top_k=top_k, ax=ax, **kwargs)
