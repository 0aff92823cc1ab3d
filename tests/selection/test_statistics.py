"""The null distributions the selection screens share (``_selection/_statistics.py``)."""

import numpy as np

from sklgrad._selection._interactions import interaction_scores
from sklgrad._selection._statistics import (
    SHADOW_SCORES,
    SHADOW_TAIL,
    shadow_copies,
    tail_p_values,
)


def test_tail_p_values_beyond_the_draws_are_as_rare_as_they_say():
    # A tail read from 2,000 draws, then the p-values of 2,000 fresh draws of the same
    # distribution (the maximum of many exponents: Gumbel), 300 times: below 1e-4 about
    # as many as 1e-4 of them. The plug-in scale (exp(-d / b) at the excesses' mean)
    # gives 98 against 60: a scale read a fifth too small makes far tails rare.
    rng = np.random.default_rng(0)
    below, draws = {1e-3: 0, 1e-4: 0}, 0
    for _ in range(300):
        null, fresh = rng.gumbel(size=2000), rng.gumbel(size=2000)
        p_values = tail_p_values(fresh, null)
        for level in below:
            below[level] += int((p_values < level).sum())
        draws += len(fresh)
    for level, count in below.items():
        assert 0.8 * level * draws <= count <= 1.2 * level * draws, (level, count)


def test_tail_p_values_are_the_null_share_inside_and_shrink_beyond():
    null = np.arange(1.0, 101.0)  # 100 draws, the SHADOW_TAIL-th largest is 81
    p_values = tail_p_values(np.array([0.5, 50.0, 81.0, 90.5, 150.0, 1e6]), null)
    assert np.allclose(p_values[:3], [1.0, 0.51, 0.2])
    # beyond the 20th largest: (k / N) (1 + d / T) ** -(k - 1), T the excesses' sum (190)
    k, total = SHADOW_TAIL, float(np.sum(np.arange(82.0, 101.0) - 81.0))
    assert np.isclose(p_values[3], k / 100 * (1 + 9.5 / total) ** -(k - 1))
    assert p_values[3] > p_values[4] > p_values[5] > 0


def test_the_nulls_hold_the_shadow_scores_at_every_width():
    for width in (1, 13, 250, 1000, 3000, 5000, 12000):
        copies = shadow_copies(width)
        assert copies * width >= SHADOW_SCORES and (copies - 1) * width < SHADOW_SCORES
    # A small table's interaction tests read p-values from 5,000 draws, not 20 copies.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 13))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    _, null = interaction_scores(X, y, np.random.RandomState(0))
    assert null.shape == (385, 13)
