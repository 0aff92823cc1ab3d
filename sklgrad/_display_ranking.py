"""ImportanceRankingDisplay: the input variables ranked by their share of the learning."""

import numpy as np

from ._display_utils import check_names, find_learning_model, new_axes


class ImportanceRankingDisplay:
    """Sorted horizontal bars of the most important input variables.

    Use :meth:`from_estimator` or :meth:`from_importances`. For a selector fitted with
    ``n_repeats > 1`` the bars carry the standard deviation across seeds, and the
    selector's threshold is drawn as a vertical line.

    Parameters
    ----------
    importances : ndarray of shape (n_features,)
        One importance per feature.
    feature_names : array-like of shape (n_features,), default=None
        Names; ``x0, x1, ...`` when None.
    importances_std : ndarray of shape (n_features,), default=None
        Error bars.
    threshold : float, default=None
        A selection threshold to draw.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    bars_ : BarContainer
        The bars, top to bottom by decreasing importance.
    threshold_line_ : Line2D or None
        The threshold's line.
    features_ : ndarray of int
        Indices of the shown features, by decreasing importance.

    Examples
    --------
    >>> from sklgrad import ImportanceRankingDisplay
    >>> display = ImportanceRankingDisplay.from_importances(
    ...     [0.1, 0.6, 0.3], feature_names=["a", "b", "c"], top_k=2)
    >>> [float(bar.get_width()) for bar in display.bars_]
    [0.6, 0.3]
    """

    def __init__(self, importances, *, feature_names=None, importances_std=None,
                 threshold=None):
        self.importances = importances
        self.feature_names = feature_names
        self.importances_std = importances_std
        self.threshold = threshold

    def plot(self, *, top_k=20, ax=None, color="tab:blue", title=None):
        """Draw the bars.

        Parameters
        ----------
        top_k : int or None, default=20
            Bars shown; None shows all.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        color : str, default="tab:blue"
            Bar color.
        title : str, default=None
            Axes title; a default one when None.

        Returns
        -------
        display : ImportanceRankingDisplay
        """
        importances = np.asarray(self.importances, dtype=np.float64)
        if importances.ndim != 1:
            raise ValueError(f"importances must be 1-D; got shape {importances.shape}.")
        names = check_names(self.feature_names, len(importances))
        std = None
        if self.importances_std is not None:
            std = np.asarray(self.importances_std, dtype=np.float64)
            if std.shape != importances.shape:
                raise ValueError(f"importances_std has shape {std.shape}; expected "
                                 f"{importances.shape}.")
        order = np.argsort(-importances, kind="mergesort")
        shown = order if top_k is None else order[:top_k]
        ax = new_axes(ax, (7, max(2.5, 0.3 * len(shown) + 1)))
        positions = np.arange(len(shown))
        self.bars_ = ax.barh(positions, importances[shown], color=color,
                             xerr=None if std is None else std[shown],
                             error_kw=dict(ecolor="0.3", capsize=2))
        ax.set_yticks(positions, [str(n) for n in names[shown]], fontsize="small")
        ax.invert_yaxis()
        ax.set_xlabel("share of the learning gradient")
        ax.grid(axis="x", alpha=0.3)
        self.threshold_line_ = None
        if self.threshold is not None and np.isfinite(self.threshold):
            self.threshold_line_ = ax.axvline(self.threshold, color="tab:red", linestyle="--",
                                              label=f"threshold {self.threshold:.3g}")
            ax.legend(fontsize="small", loc="lower right")
        ax.set_title(title if title is not None else "Input variables by importance")
        self.features_ = shown
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, top_k=20, ax=None, **kwargs):
        """Plot the importances of a fitted sklgrad estimator, selector or Pipeline.

        A selector contributes its mean importance over repeats, their standard deviation
        (when ``n_repeats > 1``) and its threshold.

        Parameters
        ----------
        estimator : estimator
            A fitted LearningGradientClassifier, LearningGradientRegressor,
            LearningGradientSelector, or a Pipeline holding one.
        top_k, ax, **kwargs
            See :meth:`plot`.

        Returns
        -------
        display : ImportanceRankingDisplay
        """
        from ._selector import LearningGradientSelector

        model, names = find_learning_model(estimator)
        if isinstance(model, LearningGradientSelector):
            std = model.importances_std_ if len(model.importances_) > 1 else None
            display = cls(model.importances_mean_, feature_names=names, importances_std=std,
                          threshold=model.threshold_)
        else:
            display = cls(model.feature_importances_, feature_names=names)
        return display.plot(top_k=top_k, ax=ax, **kwargs)

    @classmethod
    def from_importances(cls, importances, *, feature_names=None, importances_std=None,
                         threshold=None, top_k=20, ax=None, **kwargs):
        """Plot importances given as an array.

        Parameters
        ----------
        importances : array-like of shape (n_features,)
        feature_names : array-like of shape (n_features,), default=None
        importances_std : array-like of shape (n_features,), default=None
        threshold : float, default=None
        top_k, ax, **kwargs
            See :meth:`plot`.

        Returns
        -------
        display : ImportanceRankingDisplay
        """
        return cls(importances, feature_names=feature_names, importances_std=importances_std,
                   threshold=threshold).plot(top_k=top_k, ax=ax, **kwargs)
