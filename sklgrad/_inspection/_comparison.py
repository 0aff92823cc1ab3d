"""LearningComparison: how what a network learns from changes with its hyper-parameters.

The paper's second goal. Every setting of a parameter grid (the form ``GridSearchCV``
takes) is trained with several seeds on the same training rows; every history is kept, with
the held-out score of each network. What is compared: the final rankings between settings
(Spearman correlation of the mean importances), set against the seed-to-seed agreement
within each setting, so that a difference is called one only when it exceeds the noise;
and how fast each setting's importances settle (the epoch-to-epoch change).
"""

import copy
import numbers
from itertools import combinations

import numpy as np
from joblib import hash as data_hash
from scipy.stats import spearmanr
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.model_selection import ParameterGrid, train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping
from sklearn.utils.validation import check_is_fitted, check_scalar

from .._neural_network._fit_many import fit_many
from .._utils._params import check_names
from .._utils._routing import per_sample, route, take_rows


def _key(setting):
    return tuple(sorted((name, repr(value)) for name, value in setting.items()))


def _mean_spearman(vectors):
    pairs = list(combinations(range(len(vectors)), 2))
    if not pairs:
        return np.nan
    return float(np.mean([spearmanr(vectors[a], vectors[b]).statistic for a, b in pairs]))


class LearningComparison(BaseEstimator):
    """Fit a grid of settings with several seeds each, and compare what the networks learn.

    Parameters
    ----------
    estimator : LearningGradientClassifier or LearningGradientRegressor
        The base network; each setting is applied to a clone of it.
    param_grid : dict or list of dicts
        Settings to compare, as ``GridSearchCV`` takes them, e.g.
        ``{"learning_rate_init": [0.001, 0.01, 0.1]}``.
    n_seeds : int, default=3
        Networks per setting, with seeds drawn from ``random_state``; the same seeds for
        every setting.
    test_size : float, default=0.25
        Share of the rows held out for each network's score (stratified for
        classification); all networks train on the same rows.
    random_state : int, RandomState instance or None, default=None
        Seeds the split and the networks' seeds.

    Attributes
    ----------
    settings_ : list of dict
        The settings, in ``ParameterGrid`` order.
    seeds_ : ndarray of shape (n_seeds,)
        The networks' ``random_state``.
    estimators_ : list of list of estimators
        ``estimators_[i][s]``: the network of setting i and seed s.
    histories_ : list of list of ndarray
        ``histories_[i][s]``: its importance history (epochs x features).
    final_importances_ : ndarray of shape (n_settings, n_seeds, n_features)
        Each network's last-epoch importances.
    scores_ : ndarray of shape (n_settings, n_seeds)
        Each network's held-out score (accuracy or R^2).
    n_iter_ : ndarray of shape (n_settings, n_seeds)
        Epochs each network trained.
    rank_correlation_ : ndarray of shape (n_settings, n_settings)
        Mean Spearman correlation between the final importances of a network of one
        setting and a network of the other, over all such pairs; on the diagonal, between
        two networks of the same setting (``seed_agreement_``). Single networks against
        single networks on both sides, so that the two are comparable.
    seed_agreement_ : ndarray of shape (n_settings,)
        Mean pairwise Spearman correlation between the seeds of each setting: the noise.
    differs_ : ndarray of bool of shape (n_settings, n_settings)
        Whether two settings rank the inputs more differently than seeds of either one
        do (their correlation is below both settings' seed agreement).
    settling_ : list of ndarray
        ``settling_[i]``: per epoch after the first, the L1 distance between consecutive
        importance rows, averaged over seeds (how much what is learned still moves).
    settling_epoch_ : ndarray of shape (n_settings,)
        First epoch from which the epoch-to-epoch change stays below 0.02 (half of the
        change that moves one input's share by 1 point in both directions); the last epoch
        plus one when it never does.
    n_fits_ : int
        Networks trained by the last ``fit`` (those of settings and seeds already fitted
        on the same data are kept, not trained again).
    feature_names_in_ : ndarray of shape (n_features,)
        Names of the inputs (``x0, x1, ...`` without names).

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklgrad import LearningComparison, LearningGradientClassifier
    >>> X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    >>> base = LearningGradientClassifier(hidden_layer_sizes=(3,), solver="sgd",
    ...                                   batch_size=32, max_iter=10, tol=None)
    >>> comparison = LearningComparison(base, {"learning_rate_init": [0.01, 0.1]},
    ...                                 n_seeds=2, random_state=0).fit(X, y)
    >>> comparison.final_importances_.shape
    (2, 2, 30)
    >>> comparison.rank_correlation_.shape
    (2, 2)
    """

    def __init__(self, estimator, param_grid, *, n_seeds=3, test_size=0.25,
                 random_state=None):
        self.estimator = estimator
        self.param_grid = param_grid
        self.n_seeds = n_seeds
        self.test_size = test_size
        self.random_state = random_state

    def fit(self, X, y, **fit_params):
        """Train every setting with every seed (skipping those already trained on this data).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.
        y : array-like of shape (n_samples,)
            Targets.
        **fit_params : dict
            Passed to each network's ``fit`` (those with one value per row, such as
            ``sample_weight``, restricted to the training rows); with metadata routing
            enabled, those the estimator requests (:meth:`get_metadata_routing`).

        Returns
        -------
        self : LearningComparison
        """
        check_scalar(self.n_seeds, "n_seeds", numbers.Integral, min_val=1)
        check_scalar(self.test_size, "test_size", numbers.Real, min_val=0, max_val=1,
                     include_boundaries="neither")
        settings = list(ParameterGrid(self.param_grid))
        rng = check_random_state(self.random_state)
        split_seed, seeds = rng.randint(2**31 - 1), rng.randint(2**31 - 1, size=self.n_seeds)
        stratify = y if is_classifier(self.estimator) else None
        routed = route(self, "fit", fit_params, estimator={"fit": fit_params})
        train, test = train_test_split(np.arange(len(y)), test_size=self.test_size,
                                       random_state=split_seed, stratify=stratify)
        X_train, X_test = take_rows(X, train), take_rows(X, test)
        y_train, y_test = take_rows(y, train), take_rows(y, test)
        train_params = per_sample(routed.estimator.fit, train, len(y))
        data_key = (data_hash((X, y, train_params)), split_seed, self.test_size, _key(
            self.estimator.get_params()))
        # What an earlier fit on the same data trained is kept: (setting, seed) -> network.
        cache = self._cache if getattr(self, "_data_key", None) == data_key else {}
        fitted, self.n_fits_ = {}, 0
        for setting in settings:
            missing = [s for s in seeds if (_key(setting), int(s)) not in cache]
            networks = [clone(self.estimator).set_params(**setting, random_state=int(s))
                        for s in missing]
            if networks:
                networks, _ = fit_many(networks, [X_train] * len(networks), y_train,
                                       **train_params)
                self.n_fits_ += len(networks)
            for seed, network in zip(missing, networks):
                cache[(_key(setting), int(seed))] = network
            for seed in seeds:
                fitted[(_key(setting), int(seed))] = cache[(_key(setting), int(seed))]
        self._cache, self._data_key = fitted, data_key
        self.settings_ = [copy.deepcopy(setting) for setting in settings]
        self.seeds_ = seeds
        self.estimators_ = [[fitted[(_key(setting), int(s))] for s in seeds]
                            for setting in settings]
        self._summarize(X_test, y_test)
        return self

    def get_metadata_routing(self):
        """How fit parameters are routed: to the estimator's ``fit``.

        Returns
        -------
        routing : MetadataRouter
        """
        return MetadataRouter(owner=type(self).__name__).add(
            estimator=self.estimator,
            method_mapping=MethodMapping().add(caller="fit", callee="fit"))

    def _summarize(self, X_test, y_test):
        networks = self.estimators_
        self.histories_ = [[n.importance_history_ for n in row] for row in networks]
        self.final_importances_ = np.array([[n.feature_importances_ for n in row]
                                            for row in networks])
        self.scores_ = np.array([[n.score(X_test, y_test) for n in row] for row in networks])
        self.n_iter_ = np.array([[len(n.importance_history_) for n in row]
                                 for row in networks])
        n_features = self.final_importances_.shape[2]
        first = networks[0][0]
        self.feature_names_in_ = check_names(getattr(first, "feature_names_in_", None),
                                             n_features)
        finals = self.final_importances_
        n = len(networks)
        self.seed_agreement_ = np.array([_mean_spearman(row) for row in finals])
        self.rank_correlation_ = np.diag(self.seed_agreement_)
        for a, b in combinations(range(n), 2):
            self.rank_correlation_[a, b] = self.rank_correlation_[b, a] = float(np.mean([
                spearmanr(first, second).statistic for first in finals[a]
                for second in finals[b]]))
        noise = np.minimum.outer(self.seed_agreement_, self.seed_agreement_)
        self.differs_ = self.rank_correlation_ < noise
        np.fill_diagonal(self.differs_, False)
        self.settling_ = []
        for row in self.histories_:
            length = min(len(history) for history in row)
            changes = [np.abs(np.diff(history[:length], axis=0)).sum(axis=1)
                       for history in row]
            self.settling_.append(np.mean(changes, axis=0))
        self.settling_epoch_ = np.array([_settled(change) for change in self.settling_])

    def summary(self):
        """One row per setting: score, epochs, seed agreement, settling epoch, top inputs.

        Returns
        -------
        summary : pandas.DataFrame
        """
        import pandas as pd

        check_is_fitted(self)
        rows = []
        for i, setting in enumerate(self.settings_):
            mean = self.final_importances_[i].mean(axis=0)
            rows.append({
                "setting": setting_label(setting),
                "score_mean": self.scores_[i].mean(), "score_std": self.scores_[i].std(),
                "epochs": float(np.median(self.n_iter_[i])),
                "seed_agreement": self.seed_agreement_[i],
                "settling_epoch": int(self.settling_epoch_[i]),
                "top_5": ", ".join(str(self.feature_names_in_[j])
                                   for j in np.argsort(-mean, kind="mergesort")[:5]),
            })
        return pd.DataFrame(rows)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "rank_correlation_")


def _settled(change, level=0.02):
    """First epoch (1-based, counting the change into it) after which every change stays
    below ``level``."""
    above = np.flatnonzero(change >= level)
    return 1 if not len(above) else int(above[-1]) + 3


def setting_label(setting):
    """A short label for a setting, e.g. ``learning_rate_init=0.01, batch_size=32``."""
    return ", ".join(f"{name}={value}" for name, value in setting.items()) or "(base)"
