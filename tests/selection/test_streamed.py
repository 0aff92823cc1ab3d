"""The two questions on chunked data: every row's sums, nulls and networks on a sample."""

import numpy as np
import pandas as pd
import pytest

from sklgrad import ChunkedData, LearningGradientSelector
from sklgrad._selection import _minimal, _ranking, _stream_passes, _streamed
from sklgrad._selection._conditional import conditional_scores
from sklgrad._selection._dependence import bin_rule, dependence_scores, n_bins_for
from sklgrad._selection._interactions import interaction_scores, interaction_screen
from sklgrad._selection._statistics import SHADOW_SCORES
from sklgrad._selection._stream_interactions import interaction_observed, interaction_plan

CHUNKINGS = {"whole": [1.0], "thirds": [1 / 3, 1 / 3, 1 / 3], "uneven": [0.1, 0.7, 0.2]}


def _table(n_rows=600, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n_rows, 8))
    X[:, 5] = rng.integers(0, 4, n_rows)  # few values: binned by value, ranks tied
    logit = 3 * X[:, 0] + 3 * X[:, 1] ** 2 + 6 * X[:, 2] * X[:, 3]
    y = (logit + rng.logistic(size=n_rows) > 1.0).astype(int)
    return X, y


def _chunked(X, y, shares):
    edges = np.round(np.cumsum([0.0, *shares]) * len(X)).astype(int)
    return ChunkedData.from_chunks([(X[a:b], y[a:b]) for a, b in zip(edges[:-1], edges[1:])])


def _all_sums(data, found):
    sample = _streamed.first_pass(data, 0)
    tests = _streamed.StreamedTests(data, sample)
    rule = bin_rule(tests.plan["sorted"], n_bins_for(sample.n_rows))
    pairs = interaction_plan(sample.X, _streamed.n_directions(tests.plan))
    dependence = tests._sums(_streamed._dependence_part, rule=rule, pairs=True, **pairs)
    conditional = tests._sums(_streamed._conditional_part, found=np.flatnonzero(found))
    return sample, tests, dependence, conditional


@pytest.mark.parametrize("target", ["classes", "numbers", "labels"])
def test_the_tests_sums_do_not_depend_on_the_chunking_and_match_in_memory(target):
    X, y = _table()
    rng = np.random.default_rng(1)
    y = {"classes": y, "numbers": X[:, 0] + X[:, 1] ** 2 + rng.normal(size=len(X)),
         "labels": np.array(["a", "b", "c"])[rng.integers(0, 3, len(X)) * y // 1]}[target]
    found = np.zeros(X.shape[1], dtype=bool)
    found[0] = True
    runs = {name: _all_sums(_chunked(X, y, shares), found)
            for name, shares in CHUNKINGS.items()}
    whole = runs["whole"]
    for name, (sample, tests, dependence, conditional) in runs.items():
        # Sums over the rows, whatever the chunks.
        for ours, reference in ((dependence, whole[2]), (conditional, whole[3])):
            for key in reference:
                np.testing.assert_allclose(ours[key], reference[key], rtol=1e-8, atol=1e-8,
                                           err_msg=f"{name}: {key}")
        # A table within the sample's size is its own sample, in its order.
        assert sample.complete and np.array_equal(sample.rows_in_order()[0], X)
        # Every row's scores equal the in-memory screens' (the interaction tests' in
        # float32 there).
        observed = _streamed._dependence_observed(dependence, tests.plan).max(0)
        observed[sample.constant()] = 0.0
        np.testing.assert_allclose(observed, dependence_scores(X, y, np.random.RandomState(0))[0],
                                   rtol=1e-8, atol=1e-8)
        in_memory = conditional_scores(X, y, found, np.random.RandomState(0))[0]
        streamed = _streamed._conditional_observed(conditional, len(X) - 3, tests.plan)
        np.testing.assert_allclose(streamed[~found], in_memory[~found], rtol=1e-8, atol=1e-8)
        for even in (False, True):  # the pairs cut at the median, and at the distance
            pairs = interaction_scores(X, y, np.random.RandomState(0), even)[0]
            np.testing.assert_allclose(interaction_observed(dependence, len(X), even), pairs,
                                       rtol=1e-5, atol=1e-6 * pairs.max())


@pytest.mark.slow
@pytest.mark.parametrize("threshold", ["all-relevant", "minimal"])
def test_a_streamed_selection_keeps_the_in_memory_columns(threshold):
    X, y = _table()
    settings = dict(threshold=threshold, n_repeats=2, random_state=0)
    in_memory = LearningGradientSelector(**settings).fit(X, y)
    assert set(np.flatnonzero(in_memory.get_support())) >= {0, 1, 2, 3}
    for name, shares in CHUNKINGS.items():
        streamed = LearningGradientSelector(**settings).fit(_chunked(X, y, shares))
        np.testing.assert_array_equal(streamed.get_support(), in_memory.get_support(),
                                      err_msg=name)
        for attribute in ("dependence_p_values_", "interaction_p_values_",
                          "conditional_p_values_"):
            # The in-memory pair products are float32 (scores equal to 1e-5): a score
            # can pass one more of the null's 5,000 draws.
            draw = 1 / SHADOW_SCORES if attribute == "interaction_p_values_" else 1e-12
            np.testing.assert_allclose(getattr(streamed, attribute),
                                       getattr(in_memory, attribute), rtol=1e-6,
                                       atol=1.5 * draw, err_msg=f"{name}: {attribute}")
        assert streamed.stream_info_ == {"n_rows": 600, "n_chunks": len(shares),
                                         "sample_rows": 600, "held_out_rows": 0,
                                         "network_rows": 600, "sample_is_table": True}
        np.testing.assert_allclose(streamed.importances_mean_, in_memory.importances_mean_)


def test_a_table_larger_than_the_sample_is_read_whole_by_the_tests(monkeypatch):
    X, y = _table(n_rows=3000, seed=2)
    frames = [pd.DataFrame(X[a:a + 500], columns=[f"x{j}" for j in range(8)])
              for a in range(0, 3000, 500)]
    data = ChunkedData.from_chunks([(frame, y[a:a + 500])
                                    for frame, a in zip(frames, range(0, 3000, 500))])
    monkeypatch.setattr(_stream_passes, "SAMPLE_ROWS", (400, 400))
    selector = LearningGradientSelector(threshold="all-relevant", n_repeats=2,
                                        random_state=0).fit(data)
    # The dense screen's and the ranking's networks read every row (fewer than ten
    # times the sample's), at the steps they take on the sample.
    assert selector.stream_info_ == {"n_rows": 3000, "n_chunks": 6, "sample_rows": 400,
                                     "held_out_rows": 400, "network_rows": 3000,
                                     "sample_is_table": False}
    assert list(selector.feature_names_in_) == [f"x{j}" for j in range(8)]
    # The same columns as the in-memory selection on the whole table.
    in_memory = LearningGradientSelector(threshold="all-relevant", n_repeats=2,
                                         random_state=0).fit(X, y)
    np.testing.assert_array_equal(selector.get_support(), in_memory.get_support())
    assert {0, 1, 2, 3} <= set(np.flatnonzero(selector.get_support()))
    # The tests read 3,000 rows: the pair x2 x3 far stronger than in the sample alone
    # (its score 205 against 24; beyond the null's draws a p-value falls as a power of
    # the distance, the tail's scale being uncertain: 1.7e-24 against 1.7e-10).
    sample = _streamed.first_pass(data, 0)
    alone = interaction_screen(*sample.rows_in_order(), np.random.RandomState(0))[1]
    assert (selector.interaction_p_values_[[2, 3]] < 1e-20).all()
    assert (alone[[2, 3]] > 1e-12).all()
    # A sample drawn with another seed is another uniform draw of the rows.
    other = _streamed.first_pass(data, 1).rows_in_order()[0]
    assert len(other) == 400 and not np.array_equal(other, sample.rows_in_order()[0])


def test_the_networks_read_more_rows_than_the_sample_at_its_steps(monkeypatch):
    X, y = _table(n_rows=6000, seed=4)
    monkeypatch.setattr(_stream_passes, "SAMPLE_ROWS", (400, 400))
    data = _chunked(X, y, [0.3, 0.3, 0.4])
    sample = _streamed.first_pass(data, 0)
    X_sample, X_networks = sample.rows_in_order()[0], sample.network_rows_in_order()[0]
    # Ten times the sample's rows, a uniform sample holding it.
    assert len(X_sample) == 400 and len(X_networks) == 4000
    assert set(map(tuple, X_sample)) <= set(map(tuple, X_networks))
    selector = LearningGradientSelector(threshold="all-relevant", n_repeats=2,
                                        random_state=0).fit(data)
    assert selector.stream_info_["network_rows"] == 4000
    assert {0, 1, 2, 3} <= set(np.flatnonzero(selector.get_support()))
    # The ranking's networks take the steps they take on the 400 rows (100 epochs of 13
    # batches of 32), in 10 epochs of 125 batches: each batch new rows.
    on_sample = _ranking.ranking_network(y, 400)
    assert (on_sample.max_iter, on_sample.batch_size) == (100, 32)
    assert all(estimator.n_iter_ == 10 for estimator in selector.estimators_)


def _bad_chunks(kind):
    X, y = _table(n_rows=300)
    chunks = [(X[:100], y[:100]), (X[100:200].copy(), y[100:200]), (X[200:], y[200:])]
    if kind == "missing":
        chunks[1][0][5, 2] = np.nan
        return chunks, r"chunk 1 has missing or infinite values in column 2"
    if kind == "width":
        chunks[2] = (X[200:, :5], y[200:])
        return chunks, r"chunk 2 has columns 5 where chunk 0 has 8"
    chunks[1] = (X[100:200], y[100:150])
    return chunks, r"chunk 1 has 100 rows of inputs and 50 targets"


@pytest.mark.parametrize("kind", ["missing", "width", "targets"])
def test_bad_chunks_are_refused_naming_the_chunk_and_the_fit_is_kept(kind):
    X, y = _table(n_rows=300)
    selector = LearningGradientSelector(threshold="all-relevant", n_repeats=1,
                                        random_state=0).fit(X, y)
    support = selector.get_support()
    chunks, message = _bad_chunks(kind)
    with pytest.raises(ValueError, match=message):
        selector.fit(ChunkedData.from_chunks(chunks))
    np.testing.assert_array_equal(selector.get_support(), support)
    assert not hasattr(selector, "stream_info_")


def test_an_interrupted_selection_leaves_the_previous_fit():
    X, y = _table(n_rows=300)
    selector = LearningGradientSelector(threshold="all-relevant", n_repeats=1,
                                        random_state=0).fit(X, y)
    support, p_values = selector.get_support(), selector.dependence_p_values_.copy()
    reads = []

    def read(index):
        reads.append(index)
        if len(reads) == 5:  # in the second pass: the first pass has run
            raise KeyboardInterrupt
        return X[index * 100:(index + 1) * 100], y[index * 100:(index + 1) * 100]

    with pytest.raises(KeyboardInterrupt):
        selector.fit(ChunkedData(read, 3))
    np.testing.assert_array_equal(selector.get_support(), support)
    np.testing.assert_array_equal(selector.dependence_p_values_, p_values)
    assert not hasattr(selector, "stream_info_")


def test_chunked_data_needs_a_question_and_no_second_target():
    X, y = _table(n_rows=200)
    data = _chunked(X, y, [0.5, 0.5])
    with pytest.raises(ValueError, match="threshold='all-relevant' or 'minimal'"):
        LearningGradientSelector(threshold="mean").fit(data)
    with pytest.raises(ValueError, match="pass y=None"):
        LearningGradientSelector().fit(data, y)
    two_targets = ChunkedData.from_chunks([(X, np.column_stack([y, y]))])
    with pytest.raises(ValueError, match="one target column"):
        LearningGradientSelector().fit(two_targets)


@pytest.mark.slow
def test_on_a_dask_cluster_the_sums_are_computed_where_the_partitions_live():
    distributed = pytest.importorskip("distributed")
    da = pytest.importorskip("dask.array")
    X, y = _table(n_rows=600)
    reference = LearningGradientSelector(threshold="all-relevant", n_repeats=2,
                                         random_state=0).fit(_chunked(X, y, [1 / 3] * 3))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client, \
            distributed.get_task_stream(client) as tasks:
        on_dask = LearningGradientSelector(threshold="all-relevant", n_repeats=2,
                                           random_state=0).fit(
            da.from_array(X, chunks=(200, 8)), da.from_array(y, chunks=200))
    np.testing.assert_array_equal(on_dask.get_support(), reference.get_support())
    for attribute in ("dependence_p_values_", "interaction_p_values_",
                      "conditional_p_values_"):
        np.testing.assert_allclose(getattr(on_dask, attribute), getattr(reference, attribute),
                                   rtol=1e-9, atol=1e-12)
    ran = {task["key"][0] if isinstance(task["key"], tuple) else task["key"]
           for task in tasks.data}
    # Each pass's function ran on the workers, per partition, with its merges.
    for part in ("first_pass_part", "_dependence_part", "_conditional_part",
                 "merge_first_passes", "merged_sums"):
        assert any(part in str(key) for key in ran), part


def test_minimal_on_a_table_larger_than_the_sample_scores_its_refits_on_other_rows(
        monkeypatch):
    X, y = _table(n_rows=2000, seed=3)
    monkeypatch.setattr(_stream_passes, "SAMPLE_ROWS", (500, 500))
    data = _chunked(X, y, [0.25] * 4)
    sample = _streamed.first_pass(data, 0)
    (X_sample, _), (X_held_out, _) = sample.rows_in_order(), sample.held_out_rows()
    # Two uniform samples of 500 rows, disjoint: no row is in both.
    assert len(X_sample) == len(X_held_out) == 500
    assert not set(map(tuple, X_sample)) & set(map(tuple, X_held_out))
    folds_used = []
    held_out_losses = _minimal._held_out_losses

    def recording(refit, X, y, folds, sets, fit_params):
        folds_used.append([(len(train), held_out.min(), len(held_out))
                           for train, held_out in folds])
        return held_out_losses(refit, X, y, folds, sets, fit_params)

    monkeypatch.setattr(_minimal, "_held_out_losses", recording)
    selector = LearningGradientSelector(n_repeats=2, random_state=0).fit(data)
    assert selector.stream_info_["held_out_rows"] == 500
    kept = set(np.flatnonzero(selector.get_support()))
    assert kept <= set(np.flatnonzero(selector.relevant_)) and {0, 1} <= kept
    # Every comparison trained on the 500 sample rows and scored the 500 held-out rows
    # placed after them, not folds of the sample.
    assert folds_used and all(folds == [(500, 500, 500)] for folds in folds_used)
    assert all(np.isfinite(c["held_out_loss"]) for c in selector.minimal_candidates_)
