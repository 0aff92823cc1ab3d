"""ImportanceRankingDisplay: the input variables ranked by their share of the learning."""

import numpy as np

from ..._utils._groups import group_means
from ._base import check_names, find_learning_model, new_axes, note_memorization


class ImportanceRankingDisplay:
    """Sorted horizontal bars of the most important input variables.

    Use :meth:`from_estimator` or :meth:`from_importances`. For a selector the bars of the
    kept variables are colored and the dropped ones grey (so ``max_features`` shows even
    where a dropped variable is above the threshold), the threshold in force is drawn as a
    vertical line (for ``threshold="shadow"``: the largest shadow importance), and with
    ``n_repeats > 1`` the bars carry the standard deviation across seeds.

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
    support : array-like of bool of shape (n_features,), default=None
        Which variables are kept: kept bars in the main color, dropped ones in grey.
    threshold_label : str, default=None
        Legend text of the threshold's line.

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
    kept_ : ndarray of bool or None
        For each shown bar, whether its variable is kept (with ``support``).

    Examples
    --------
    >>> from sklgrad import ImportanceRankingDisplay
    >>> display = ImportanceRankingDisplay.from_importances(
    ...     [0.1, 0.6, 0.3], feature_names=["a", "b", "c"], top_k=2)
    >>> [float(bar.get_width()) for bar in display.bars_]
    [0.6, 0.3]
    """

    def __init__(self, importances, *, feature_names=None, importances_std=None,
                 threshold=None, support=None, threshold_label=None):
        self.importances = importances
        self.feature_names = feature_names
        self.importances_std = importances_std
        self.threshold = threshold
        self.support = support
        self.threshold_label = threshold_label

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
        self.kept_ = None
        colors = color
        if self.support is not None:
            support = np.asarray(self.support, dtype=bool)
            if support.shape != importances.shape:
                raise ValueError(f"support has shape {support.shape}; expected "
                                 f"{importances.shape}.")
            self.kept_ = support[shown]
            colors = [color if kept else "0.75" for kept in self.kept_]
        self.bars_ = ax.barh(positions, importances[shown], color=colors,
                             xerr=None if std is None else std[shown],
                             error_kw=dict(ecolor="0.3", capsize=2))
        if self.kept_ is not None:
            from matplotlib.patches import Patch

            handles = [Patch(color=color, label=f"kept ({int(support.sum())} of "
                                                f"{len(support)})"),
                       Patch(color="0.75", label="dropped")]
        else:
            handles = []
        ax.set_yticks(positions, [str(n) for n in names[shown]], fontsize="small")
        ax.invert_yaxis()
        ax.set_xlabel("share of the learning gradient")
        ax.grid(axis="x", alpha=0.3)
        self.threshold_line_ = None
        if self.threshold is not None and np.isfinite(self.threshold):
            label = self.threshold_label or f"threshold {self.threshold:.3g}"
            self.threshold_line_ = ax.axvline(self.threshold, color="tab:red", linestyle="--",
                                              label=label)
            handles.append(self.threshold_line_)
        if handles:
            ax.legend(handles=handles, fontsize="small", loc="lower right")
        if title is None:
            title = "Input variables by importance"
            if len(shown) < len(importances):
                title += f" (top {len(shown)} of {len(importances)})"
        ax.set_title(title)
        self.features_ = shown
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, top_k=20, ax=None, **kwargs):
        """Plot the importances of a fitted sklgrad estimator, selector or Pipeline.

        A selector contributes its mean importance over repeats, their standard deviation
        (when ``n_repeats > 1``) and its threshold; a selector with ``groups`` is drawn per
        group (the mean importance of its inputs, on which it selects).

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
        from ..._selection._selector import LearningGradientSelector
        from ..._selection._thresholds import group_labels_of, rule_in_force

        model, names = find_learning_model(estimator)
        if isinstance(model, LearningGradientSelector):
            std = model.importances_std_ if len(model.importances_) > 1 else None
            rule = rule_in_force(model)
            threshold = None if rule == "minimal" else model.threshold_  # minimal: above 0
            label = {"shadow": "largest shadow importance",
                     "all-relevant": "the shadows' bar"}.get(rule)
            importances, support = model.importances_mean_, model.get_support()
            if model.groups is not None:
                # Selected per group, on its inputs' mean: drawn per group, as selected.
                labels = group_labels_of(model, len(importances))
                names, importances = group_means(importances, labels)
                std = None
                support = np.array([support[labels == name].any() for name in names])
            display = cls(importances, feature_names=names, importances_std=std,
                          threshold=threshold, support=support,
                          threshold_label=(f"{label} {threshold:.3g}" if label else None))
        else:
            display = cls(model.feature_importances_, feature_names=names)
        return note_memorization(display.plot(top_k=top_k, ax=ax, **kwargs), model,
                                 kwargs.get("title"))

    @classmethod
    def from_importances(cls, importances, *, feature_names=None, importances_std=None,
                         threshold=None, support=None, top_k=20, ax=None, **kwargs):
        """Plot importances given as an array.

        Parameters
        ----------
        importances : array-like of shape (n_features,)
        feature_names : array-like of shape (n_features,), default=None
        importances_std : array-like of shape (n_features,), default=None
        threshold : float, default=None
        support : array-like of bool of shape (n_features,), default=None
        top_k, ax, **kwargs
            See :meth:`plot`.

        Returns
        -------
        display : ImportanceRankingDisplay
        """
        return cls(importances, feature_names=feature_names, importances_std=importances_std,
                   threshold=threshold, support=support).plot(top_k=top_k, ax=ax, **kwargs)
