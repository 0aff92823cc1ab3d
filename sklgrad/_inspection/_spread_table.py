"""The table of a ranking over several networks: each column's mean share, its spread, a
95% interval, and which ranks the intervals tell apart."""

import numpy as np


def spread_table(shares, names):
    """The table of :func:`importance_spread` from each network's shares (one row per
    network): mean, std, a 95% interval and whether a rank is told apart from the next."""
    import pandas as pd
    from scipy import stats

    n_networks = len(shares)
    mean = shares.mean(axis=0)
    # One network has no spread: its interval is unknown (NaN), never a plausible 0.
    std = shares.std(axis=0, ddof=1) if n_networks > 1 else np.full(len(mean), np.nan)
    half = stats.t.ppf(0.975, max(n_networks - 1, 1)) * std / np.sqrt(n_networks)
    table = pd.DataFrame({"mean": mean, "std": std, "low": mean - half, "high": mean + half},
                         index=pd.Index(names, name="column"))
    table = table.sort_values("mean", ascending=False, kind="mergesort")
    table["distinct"] = np.append(table["low"].to_numpy()[:-1] > table["high"].to_numpy()[1:],
                                  False)
    table.attrs["shares"] = pd.DataFrame(shares, columns=pd.Index(names))
    return table
