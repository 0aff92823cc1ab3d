"""EpochImportanceDisplay: the paper's figure, one bar chart per chosen epoch."""

import math

import numpy as np

from ._base import check_history, check_names, find_learning_model, history_of


class EpochImportanceDisplay:
    """Small multiples of the importance distribution, one panel per chosen epoch.

    The figure of the paper (its Figure 5): each panel is a bar chart of every feature's
    share of the learning gradient in one epoch; the panels share their axes, and the
    features keep one order (by final importance) so that panels compare at a glance.

    Parameters
    ----------
    importance_history : ndarray of shape (n_epochs, n_features)
        One row per epoch.
    feature_names : array-like of shape (n_features,), default=None
        Names; ``x0, x1, ...`` when None.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes
        One per panel (unused panels are hidden).
    figure_ : matplotlib Figure
    bars_ : list of BarContainer
        One per shown epoch; bar heights are that epoch's importances in the order of
        ``features_``.
    rest_bars_ : list of BarContainer
        With ``top_k``, one per shown epoch: the mean share of the features not shown
        (empty when every feature is shown).
    epochs_ : list of int
        The epochs shown (1-based).
    features_ : ndarray of int
        Feature order of the bars (by decreasing final importance).

    Examples
    --------
    >>> import numpy as np
    >>> from sklgrad import EpochImportanceDisplay
    >>> history = np.random.RandomState(0).dirichlet(np.ones(4), size=6)
    >>> display = EpochImportanceDisplay.from_history(history)
    >>> display.epochs_
    [1, 3, 5]
    """

    def __init__(self, importance_history, *, feature_names=None):
        self.importance_history = importance_history
        self.feature_names = feature_names

    def plot(self, *, epochs=None, ncols=None, top_k=None, color="tab:blue", title=None):
        """Draw one panel per epoch.

        Parameters
        ----------
        epochs : list of int, default=None
            1-based epochs to show. None: the odd epochs up to 40 epochs (the paper's
            figure); beyond, at most 12 epochs spread evenly from the first to the last, so
            that the figure stays readable (and quick to draw) for long trainings.
        ncols : int, default=None
            Panels per row; about the square root of the number of panels when None.
        top_k : int, default=None
            Features shown in each panel (by final importance); all when None. The others
            are folded into one last bar: their mean share, with their range as a line.
        color : str, default="tab:blue"
            Bar color.
        title : str, default=None
            Figure title; a default one when None.

        Returns
        -------
        display : EpochImportanceDisplay
        """
        import matplotlib.pyplot as plt

        history = check_history(self.importance_history)
        n_epochs, n_features = history.shape
        names = check_names(self.feature_names, n_features)
        if epochs is None:
            epochs = (list(range(1, n_epochs + 1, 2)) if n_epochs <= 40 else
                      sorted({int(round(e)) for e in np.linspace(1, n_epochs, 12)}))
        else:
            epochs = [int(e) for e in epochs]
        bad = [e for e in epochs if not 1 <= e <= n_epochs]
        if bad or not epochs:
            raise ValueError(f"epochs must be between 1 and {n_epochs}; got {bad or epochs}.")
        order = np.argsort(-history[-1], kind="mergesort")
        shown = order if top_k is None else order[:top_k]
        ncols = ncols or math.ceil(math.sqrt(len(epochs)))
        nrows = math.ceil(len(epochs) / ncols)
        height = max(2.2, 0.12 * len(shown) + 0.8)
        figure, axes = plt.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False,
                                    figsize=(2.6 * ncols + 2.0, height * nrows + 0.8),
                                    layout="constrained")
        axes = axes.ravel()
        positions = np.arange(len(shown))
        rest = order[len(shown):]
        self.bars_, self.rest_bars_ = [], []
        for ax, epoch in zip(axes, epochs):
            self.bars_.append(ax.barh(positions, history[epoch - 1, shown], color=color))
            if len(rest):
                # The others as one band: their mean, and a line over their range.
                others = history[epoch - 1, rest]
                mean = others.mean()
                self.rest_bars_.append(ax.barh(
                    [len(shown)], [mean], color="lightgrey",
                    xerr=[[mean - others.min()], [others.max() - mean]],
                    error_kw={"ecolor": "grey", "capsize": 2}))
            ax.set_title(f"epoch {epoch}", fontsize="medium")
            ax.grid(axis="x", alpha=0.3)
        for ax in axes[len(epochs):]:
            ax.set_visible(False)
        labels = [str(n) for n in names[shown]]
        if len(rest):
            positions = np.append(positions, len(shown))
            labels.append(f"other {len(rest)} (mean, range)")
        axes[0].set_yticks(positions, labels)
        axes[0].invert_yaxis()
        for ax in axes:
            ax.tick_params(axis="y", labelsize="x-small")
        figure.supxlabel("share of the learning gradient")
        figure.suptitle(title if title is not None
                        else "Learning-gradient distribution over the inputs, by epoch")
        self.axes_, self.figure_ = axes, figure
        self.epochs_, self.features_ = epochs, shown
        return self

    @classmethod
    def from_estimator(cls, estimator, **kwargs):
        """Plot the epochs of a fitted sklgrad estimator, selector or Pipeline.

        Parameters
        ----------
        estimator : estimator
            A fitted LearningGradientClassifier, LearningGradientRegressor,
            LearningGradientSelector, or a Pipeline holding one.
        **kwargs
            See :meth:`plot`.

        Returns
        -------
        display : EpochImportanceDisplay
        """
        model, names = find_learning_model(estimator)
        return cls(history_of(model), feature_names=names).plot(**kwargs)

    @classmethod
    def from_history(cls, importance_history, *, feature_names=None, **kwargs):
        """Plot a history given as an array (epochs x features).

        Parameters
        ----------
        importance_history : array-like of shape (n_epochs, n_features)
        feature_names : array-like of shape (n_features,), default=None
        **kwargs
            See :meth:`plot`.

        Returns
        -------
        display : EpochImportanceDisplay
        """
        return cls(importance_history, feature_names=feature_names).plot(**kwargs)
