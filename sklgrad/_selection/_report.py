"""The selection report: one row per input, what the selection decided and on what grounds."""

import numpy as np

from ._thresholds import ALL_RELEVANT, MINIMAL, SHADOW, rule_in_force

#: The screens of the two questions, in the order they run: an input is reported as found
#: by the first that found it.
SCREENS = ("dense", "path", "dependence", "interaction", "conditional")


def _found_by(selector, n_features):
    """The first screen that found each input ("" where none did)."""
    found = np.full(n_features, "", dtype=object)
    relevant = getattr(selector, "relevant_", None)
    if relevant is None:
        return found
    later = {"path": selector.relevant_by_path_,
             "dependence": selector.relevant_by_dependence_,
             "interaction": selector.relevant_by_interaction_,
             "conditional": selector.relevant_by_conditional_}
    found[relevant] = "dense"
    for screen, mask in later.items():  # each mask: what its screen found beyond the others
        found[mask & (found == "dense")] = screen
    return found


def _sets_holding(selector, n_features):
    """How many of the sets minimal compared hold each input (None before "minimal")."""
    candidates = getattr(selector, "minimal_candidates_", None)
    if candidates is None:
        return None
    columns = np.flatnonzero(selector.relevant_)
    counts = np.zeros(n_features, dtype=int)
    for candidate in candidates:
        counts[columns[np.asarray(candidate["inputs"], dtype=int)]] += 1
    return counts


def selection_report(selector):
    """A DataFrame with one row per input (indexed by name): ``kept``; ``found_by`` (the
    first of the question's screens that found it); the tests' p-values; the learning
    share the selector returns (``share``, its mean over the networks, and ``share_std``)
    with the number of networks; ``shadow_bar`` (the largest shadow's share beside the
    ranking networks', or the bar a rule compared with); for the questions, the dense
    screen's share of every input (``screen_share``, the number the screen compared with
    its own bar); and for "minimal", in how many of the sets it compared the input was
    (``in_sets_compared``)."""
    import pandas as pd

    n_features = selector.n_features_in_
    names = getattr(selector, "feature_names_in_", None)
    index = (list(names) if names is not None else [f"x{i}" for i in range(n_features)])
    rule = rule_in_force(selector)
    report = {"kept": selector.get_support(),
              "found_by": _found_by(selector, n_features)}
    for test in ("dependence", "interaction", "conditional"):
        p_values = getattr(selector, f"{test}_p_values_", None)
        report[f"{test}_p_value"] = (np.full(n_features, np.nan) if p_values is None
                                     else np.asarray(p_values, dtype=float))
    report["share"] = selector.importances_mean_
    report["share_std"] = selector.importances_std_
    report["n_networks"] = len(selector.importances_)
    if rule in (SHADOW, ALL_RELEVANT):
        bar = selector.threshold_
    elif selector.shadow_importances_ is not None:  # minimal's ranking: the largest shadow
        bar = float(selector._shadow_mean().max())
    else:
        bar = np.nan
    report["shadow_bar"] = np.full(n_features, bar, dtype=float)
    screen = getattr(selector, "screen_importances_", None)
    if screen is not None:
        report["screen_share"] = np.asarray(screen, dtype=float).mean(axis=0)
    if rule == MINIMAL:
        counts = _sets_holding(selector, n_features)
        if counts is not None:
            report["in_sets_compared"] = counts
    return pd.DataFrame(report, index=pd.Index(index, name="input"))
