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
        from ..._selection._thresholds import group_labels_of, rule_in_force, threshold_for

        model, names = find_learning_model(estimator)
        if isinstance(model, LearningGradientSelector):
            std = model.importances_std_ if len(model.importances_) > 1 else None
            rule = rule_in_force(model)
            threshold = None if rule == "minimal" else model.threshold_  # minimal: above 0
            label = {"shadow": "largest shadow importance"}.get(rule)
            if rule in ("minimal", "all-relevant") and model.shadow_importances_ is not None:
                # The ranking networks' largest shadow: what noise is learned as.
                threshold = float(model._shadow_mean().max())
                label = "the shadows' bar: largest shadow share"
            importances, support = model.importances_mean_, model.get_support()
            if model.groups is not None:
                # Selected per group, on its inputs' mean: drawn per group, as selected,
                # with the threshold on that scale (a mean of the group means, say).
                labels = group_labels_of(model, len(importances))
                names, importances = group_means(importances, labels)
                std = None
                support = np.array([support[labels == name].any() for name in names])
                if threshold is not None and rule not in ("minimal", "all-relevant"):
                    threshold = threshold_for(model, importances, model._shadow_mean(),
                                              model.estimator_)
            display = cls(importances, feature_names=names, importances_std=std,
                          threshold=threshold, support=support,
                          threshold_label=(f"{label} {threshold:.3g}" if label else None))
        else:
            display = cls(model.feature_importances_, feature_names=names)
        return note_memorization(display.plot(top_k=top_k, ax=ax, **kwargs), model,
                                 kwargs.get("title"))

    @classmethod
    def from_spread(cls, spread, *, reliance=None, top_k=20, ax=None, title=None):
        """Plot a ranking over several networks (:func:`importance_spread`'s table): each
        column's mean share with its 95% interval, a dotted line under a rank told apart
        from the next, and with ``reliance`` a second panel beside it, the held-out score
        lost when the column is shuffled (mean and standard deviation), row for row.

        Parameters
        ----------
        spread : DataFrame
            :func:`importance_spread`'s result (``mean``, ``low``, ``high``, ``distinct``;
            its networks' shares in ``attrs["shares"]``).
        reliance : DataFrame, default=None
            ``importance_table(..., reliance=True)``'s result (``reliance``,
            ``reliance_std``), indexed by the same columns.
        top_k : int or None, default=20
            Columns shown; None shows all.
        ax : matplotlib Axes, default=None
            Axes of the shares; a new figure when None (with ``reliance``: a new figure
            of two panels whatever ``ax`` is).
        title : str, default=None
            The shares' title; by default it says over how many networks (and, for one,
            that the ranking is one draw).

        Returns
        -------
        display : ImportanceRankingDisplay
            With ``separators_`` (the dotted lines) and ``reliance_ax_`` (or None).
        """
        import matplotlib.pyplot as plt

        n_networks = len(spread.attrs.get("shares", [None, None]))
        mean = spread["mean"].to_numpy(dtype=float)
        half = (spread["high"] - spread["mean"]).to_numpy(dtype=float)
        shown = len(spread) if top_k is None else min(top_k, len(spread))
        reliance_ax = None
        if reliance is not None:
            missing = [c for c in spread.index[:shown] if c not in reliance.index]
            if missing:
                raise ValueError(f"reliance has no row for {missing[:3]}.")
            figure, (ax, reliance_ax) = plt.subplots(
                1, 2, sharey=True, figsize=(10, max(2.5, 0.3 * shown + 1)),
                gridspec_kw={"width_ratios": (3, 2)}, layout="constrained")
        if title is None:
            title = (f"Mean share over {n_networks} networks (bars: 95% interval)"
                     if n_networks > 1 else "One network: one draw, no interval")
        display = cls(mean, feature_names=[str(c) for c in spread.index],
                      importances_std=np.where(np.isfinite(half), half, 0.0)
                      if n_networks > 1 else None).plot(top_k=top_k, ax=ax, title=title)
        # The spread is sorted by its mean, as the bars: rank i is the table's row i.
        display.separators_ = [
            display.ax_.axhline(rank + 0.5, color="0.4", linestyle=":", linewidth=1)
            for rank, apart in enumerate(spread["distinct"].to_numpy()[:shown - 1])
            if apart]
        display.reliance_ax_ = reliance_ax
        if reliance_ax is not None:
            rows = reliance.loc[spread.index[:shown]]
            reliance_ax.barh(np.arange(shown), rows["reliance"], color="tab:orange",
                             xerr=rows["reliance_std"], error_kw=dict(ecolor="0.3", capsize=2))
            reliance_ax.axvline(0, color="0.5", linewidth=0.8)
            reliance_ax.set_xlabel("held-out score lost when shuffled")
            reliance_ax.set_title("Reliance (mean and sd of 5 shuffles)")
            reliance_ax.grid(axis="x", alpha=0.3)
        return display

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
