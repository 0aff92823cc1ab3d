"""LearningComparisonDisplay: what the network learns from, setting by setting."""

import numpy as np

from .._comparison import setting_label


class LearningComparisonDisplay:
    """Small multiples of the importance history per setting, how far apart the settings'
    rankings are against the seed noise, and how fast each setting settles.

    Use :meth:`from_comparison` (or create it with a fitted :class:`LearningComparison`
    and call :meth:`plot`).

    Parameters
    ----------
    comparison : LearningComparison
        A fitted comparison.

    Attributes
    ----------
    figure_ : matplotlib Figure
        The figure.
    axes_ : ndarray of Axes
        One panel per setting (sharing both axes), in ``comparison.settings_`` order.
    lines_ : list of list of Line2D
        ``lines_[i]``: the mean history (over seeds) of each shown input in panel i.
    bands_ : list of list of PolyCollection
        ``bands_[i]``: the range over seeds of each shown input in panel i.
    features_ : ndarray of int
        The shown inputs: the top ``top_k`` by mean final importance over all settings.
    agreement_ax_, agreement_image_ : Axes, AxesImage
        ``rank_correlation_``: between settings off the diagonal, between seeds on it;
        pairs that differ by more than the seed noise are marked ``*``.
    settling_ax_, settling_lines_ : Axes, list of Line2D
        Epoch-to-epoch change of each setting's importances (mean over seeds).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklgrad import (LearningComparison, LearningComparisonDisplay,
    ...                      LearningGradientClassifier)
    >>> X, y = load_iris(return_X_y=True)
    >>> comparison = LearningComparison(
    ...     LearningGradientClassifier(hidden_layer_sizes=(4,), max_iter=8, tol=None),
    ...     {"learning_rate_init": [0.01, 0.1]}, n_seeds=2, random_state=0).fit(X, y)
    >>> display = LearningComparisonDisplay.from_comparison(comparison, top_k=2)
    >>> len(display.axes_), len(display.lines_[0])
    (2, 2)
    """

    def __init__(self, comparison):
        self.comparison = comparison

    def plot(self, *, top_k=5, columns=None, figsize=None):
        """Draw the comparison.

        Parameters
        ----------
        top_k : int, default=5
            Inputs drawn in every panel (the same ones: the top by mean final importance).
        columns : int, default=None
            Panels per row; at most 4 by default.
        figsize : tuple, default=None
            Figure size; chosen from the number of panels when None.

        Returns
        -------
        display : LearningComparisonDisplay
        """
        import matplotlib.pyplot as plt

        comparison = self.comparison
        settings = comparison.settings_
        n = len(settings)
        names = comparison.feature_names_in_
        overall = comparison.final_importances_.mean(axis=(0, 1))
        shown = np.argsort(-overall, kind="mergesort")[:top_k]
        columns = columns or min(n, 4)
        rows = -(-n // columns)
        # Settings are named S1, S2 ... in the small panels (a setting's full label is in
        # its panel's title): long labels would crush the matrix and cover the curves.
        short = [f"S{i + 1}" for i in range(n)]
        figure = plt.figure(figsize=figsize or (3.4 * columns + 0.5, 2.8 * rows + 3.8),
                            layout="constrained")
        top, bottom = figure.subfigures(2, 1, height_ratios=[2.8 * rows, 3.6])
        axes = np.atleast_1d(top.subplots(rows, columns, sharex=True, sharey=True,
                                          squeeze=False).ravel())
        colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        self.lines_, self.bands_ = [], []
        for i, ax in enumerate(axes):
            if i >= n:
                ax.set_visible(False)
                continue
            histories = comparison.histories_[i]
            length = min(len(h) for h in histories)
            stacked = np.stack([h[:length] for h in histories])  # seeds x epochs x features
            epochs = np.arange(1, length + 1)
            lines, bands = [], []
            for color, feature in zip(colors * (top_k // len(colors) + 1), shown):
                values = stacked[:, :, feature]
                bands.append(ax.fill_between(epochs, values.min(axis=0), values.max(axis=0),
                                             color=color, alpha=0.2, linewidth=0))
                (line,) = ax.plot(epochs, values.mean(axis=0), color=color,
                                  label=str(names[feature]))
                lines.append(line)
            self.lines_.append(lines)
            self.bands_.append(bands)
            score = comparison.scores_[i]
            ax.set_title(f"{short[i]}: {_wrapped(setting_label(settings[i]))}\n"
                         f"score {score.mean():.3f} (± {score.std():.3f})", fontsize="small")
            ax.grid(alpha=0.3)
        for ax in axes[-columns:]:
            ax.set_xlabel("epoch")
        for ax in axes[::columns]:
            ax.set_ylabel("share")
        axes[0].legend(fontsize="x-small", loc="upper right")
        top.suptitle("What the network learns from, by setting (mean over seeds, band: range)",
                     fontsize="medium")
        agreement_ax, settling_ax = bottom.subplots(1, 2, width_ratios=[1, 1.4])
        matrix = comparison.rank_correlation_
        labels = short
        self.agreement_image_ = agreement_ax.imshow(matrix, vmin=-1, vmax=1, cmap="RdBu")
        agreement_ax.set_xticks(range(n), labels, fontsize="x-small")
        agreement_ax.set_yticks(range(n), labels, fontsize="x-small")
        for a in range(n):
            for b in range(n):
                mark = "*" if comparison.differs_[a, b] else ""
                agreement_ax.text(b, a, f"{matrix[a, b]:.2f}{mark}", ha="center",
                                  va="center", fontsize="x-small")
        agreement_ax.set_title("Rank agreement of single networks (Spearman)\nbetween "
                               "settings; diagonal: between seeds; * beyond the seed noise",
                               fontsize="small")
        self.settling_lines_ = []
        for label, change in zip(labels, comparison.settling_):
            (line,) = settling_ax.plot(np.arange(2, len(change) + 2), change, label=label)
            self.settling_lines_.append(line)
        settling_ax.set(xlabel="epoch", ylabel="L1 change\nfrom the epoch before",
                        yscale="log")
        settling_ax.set_title("How fast what is learned settles", fontsize="small")
        settling_ax.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1),
                           borderaxespad=0)
        settling_ax.grid(alpha=0.3)
        self.axes_, self.features_ = axes[:n], shown
        self.agreement_ax_, self.settling_ax_ = agreement_ax, settling_ax
        self.figure_ = figure
        return self

    @classmethod
    def from_comparison(cls, comparison, **kwargs):
        """Draw a fitted :class:`LearningComparison` (see :meth:`plot` for the options).

        Returns
        -------
        display : LearningComparisonDisplay
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(comparison)
        return cls(comparison).plot(**kwargs)


def _wrapped(label, width=34):
    """A setting's label on lines of at most ``width`` characters, broken at its commas."""
    lines, line = [], ""
    for part in label.split(", "):
        if line and len(line) + len(part) + 2 > width:
            lines.append(line + ",")
            line = part
        else:
            line = f"{line}, {part}" if line else part
    return "\n".join(lines + [line])
