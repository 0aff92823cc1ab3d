"""scikit-learn's metadata routing for sklgrad's meta-estimators, as SelectFromModel does it.

With ``sklearn.set_config(enable_metadata_routing=True)``, a meta-estimator passes each
fit parameter (``sample_weight``, ``groups`` ...) only to the children that request it,
and refuses one that nobody requests; without it, fit parameters go where the
meta-estimator documents (its estimator's ``fit``), as before routing existed.
"""

import numpy as np
import sklearn
from sklearn.utils import Bunch
from sklearn.utils.metadata_routing import process_routing


def routing_enabled():
    return bool(sklearn.get_config().get("enable_metadata_routing", False))


def route(owner, method, params, **unrouted):
    """The parameters of each child for ``owner.method(**params)``: scikit-learn's
    ``process_routing`` when routing is enabled, else ``unrouted`` (child name -> the
    parameters of each of its methods, e.g. ``estimator={"fit": params}``)."""
    if routing_enabled():
        return process_routing(owner, method, **params)
    return Bunch(**{child: Bunch(**methods) for child, methods in unrouted.items()})


def requesting_sample_weight(estimator):
    """A default child that the user did not make (so cannot set requests on) and that
    uses sample weights: it requests them in ``fit`` and ``partial_fit``."""
    with sklearn.config_context(enable_metadata_routing=True):
        estimator.set_fit_request(sample_weight=True)
        if hasattr(estimator, "set_partial_fit_request"):
            estimator.set_partial_fit_request(sample_weight=True)
    return estimator


def take_rows(data, index):
    """Rows of an array, a sparse matrix, a DataFrame or a Series."""
    if hasattr(data, "iloc"):
        return data.iloc[index]
    return data[index] if hasattr(data, "shape") else np.asarray(data)[index]


def per_sample(params, rows, n_samples):
    """Fit parameters restricted to ``rows``: those with one value per sample are indexed,
    the others passed as they are (how scikit-learn splits metadata between folds)."""
    return {key: take_rows(value, rows)
            if not isinstance(value, (str, dict)) and np.ndim(value) >= 1
            and len(value) == n_samples else value
            for key, value in params.items()}
