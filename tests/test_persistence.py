"""Model files: skops's safe format, round trips, and hostile or malformed files refused."""

import io
import os
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_diabetes, load_iris
from sklearn.exceptions import NotFittedError
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from sklgrad import (
    TRUSTED_TYPES,
    LearningGradientClassifier,
    LearningGradientRegressor,
    LearningGradientSelector,
    load_model,
    save_model,
)

SMALL = dict(hidden_layer_sizes=(4,), max_iter=5, tol=None, random_state=0)


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def saved(iris, tmp_path_factory):
    X, y = iris
    clf = LearningGradientClassifier(**SMALL).fit(X, y)
    path = tmp_path_factory.mktemp("model") / "clf.skops"
    save_model(clf, path)
    return clf, path


def test_round_trip_predicts_and_continues_training_the_same(saved, iris):
    X, y = iris
    clf, path = saved
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.importance_history_, clf.importance_history_)
    # The optimizer's state travels too: one more epoch gives the same network.
    a = pickle.loads(pickle.dumps(clf)).partial_fit(X, y)
    b = loaded.partial_fit(X, y)
    np.testing.assert_allclose(b.predict_proba(X), a.predict_proba(X), rtol=1e-12)


def test_skops_loads_it_with_the_documented_trust_list(saved, iris):
    import skops.io as sio
    clf, path = saved
    assert set(sio.get_untrusted_types(file=path)) <= set(TRUSTED_TYPES)
    loaded = sio.load(path, trusted=TRUSTED_TYPES)
    np.testing.assert_array_equal(loaded.predict(iris[0]), clf.predict(iris[0]))


def test_a_user_pipeline_with_table_handling_and_selector_saves_and_loads(tmp_path):
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X = X.assign(group=np.where(X["sex"] > 0, "a", "b"))
    X.loc[::7, "bmi"] = np.nan
    table = ColumnTransformer([
        ("numbers", SimpleImputer(strategy="median"), list(X.columns[:-1])),
        ("text", OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["group"]),
    ])
    pipe = make_pipeline(
        table,
        LearningGradientSelector(LearningGradientRegressor(**SMALL), max_features=5,
                                 threshold=-np.inf),
        LearningGradientRegressor(**SMALL),
    ).fit(X, y)
    save_model(pipe, tmp_path / "pipe.skops")
    loaded = load_model(tmp_path / "pipe.skops")
    np.testing.assert_array_equal(loaded.predict(X), pipe.predict(X))


def test_unfitted_models_are_refused_with_not_fitted_error(tmp_path):
    with pytest.raises(NotFittedError):
        save_model(LearningGradientClassifier(), tmp_path / "m.skops")
    assert not list(tmp_path.iterdir())


def test_numpy_scalars_and_random_states_in_parameters(iris, tmp_path):
    X, y = iris
    clf = LearningGradientClassifier(hidden_layer_sizes=(np.int64(4),), max_iter=np.int64(3),
                                     alpha=np.float64(1e-3), tol=None,
                                     random_state=np.random.RandomState(0)).fit(X, y)
    save_model(clf, tmp_path / "m.skops")
    loaded = load_model(tmp_path / "m.skops")
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))


def test_files_are_written_with_the_umask(saved, tmp_path):
    clf, _ = saved
    old = os.umask(0o022)
    try:
        save_model(clf, tmp_path / "m.skops")
    finally:
        os.umask(old)
    assert (tmp_path / "m.skops").stat().st_mode & 0o777 == 0o644


def _rewrite(path, out, replace):
    """Copy a model archive, passing each member's bytes through ``replace(name, data)``."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            target.writestr(member, replace(member.filename, source.read(member)))
    return out


def test_tampered_files_get_a_value_error_with_a_reason(saved, tmp_path):
    _, path = saved
    raw = path.read_bytes()
    cases = {}
    cases["truncated"] = tmp_path / "truncated.skops"
    cases["truncated"].write_bytes(raw[: len(raw) // 2])
    cases["not a zip"] = tmp_path / "text.skops"
    cases["not a zip"].write_text("hello")
    # A pickle payload where an array should be.
    payload = pickle.dumps(os.system)
    cases["pickle payload"] = _rewrite(path, tmp_path / "pickle.skops", lambda name, data:
                                       payload if name.endswith(".npy") else data)
    # A foreign type in the schema.
    cases["foreign type"] = _rewrite(
        path, tmp_path / "foreign.skops", lambda name, data: data.replace(
            b"sklgrad._neural_network._classifier", b"os.path") if name == "schema.json" else data)
    # An array header that declares 745 GiB in a few bytes.
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": "<f8", "fortran_order": False, "shape": (10**11,)})
    cases["huge header"] = _rewrite(path, tmp_path / "huge.skops", lambda name, data:
                                    buffer.getvalue() + b"\0" * 8 if name.endswith(".npy")
                                    else data)
    # A zip bomb: a few KB that decompress to 200 MiB.
    cases["bomb"] = tmp_path / "bomb.skops"
    with zipfile.ZipFile(cases["bomb"], "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("schema.json", b" " * (200 * 2**20))
    assert cases["bomb"].stat().st_size < 2**20
    for name, file in cases.items():
        with pytest.raises(ValueError, match="model file|not trusted") as info:
            load_model(file)
        assert str(file) in str(info.value), name
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "absent.skops")


def test_a_model_file_loads_in_a_fresh_process(saved, iris):
    clf, path = saved
    code = ("import sys, numpy as np; from sklearn.datasets import load_iris; "
            "from sklgrad import load_model; X, _ = load_iris(return_X_y=True); "
            "print(load_model(sys.argv[1]).predict(X[:5]).tolist())")
    result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                            text=True, check=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert result.stdout.strip() == str(clf.predict(iris[0][:5]).tolist())


def test_pandas_fitted_names_survive(tmp_path):
    X, y = load_iris(return_X_y=True, as_frame=True)
    X.columns = [str(c) for c in X.columns]
    clf = LearningGradientClassifier(**SMALL).fit(X, y)
    save_model(clf, tmp_path / "m.skops")
    loaded = load_model(tmp_path / "m.skops")
    assert list(loaded.feature_names_in_) == list(X.columns)
    np.testing.assert_array_equal(loaded.predict(pd.DataFrame(X)), clf.predict(X))


# Files written by sklgrad 0.1.0 before the engine redesign (tests/data/README.md).
_DATA = os.path.join(os.path.dirname(__file__), "data")


@pytest.mark.parametrize("name", ["classifier", "regressor", "pipeline"])
def test_model_files_saved_before_the_engine_redesign_load_and_predict_the_same(name):
    import json

    with open(os.path.join(_DATA, "predictions-0.1.0.json")) as handle:
        expected = np.asarray(json.load(handle)[name])
    model = load_model(os.path.join(_DATA, f"{name}-0.1.0.skops"))
    if name == "classifier":
        predicted = model.predict_proba(load_iris(return_X_y=True)[0])
    elif name == "regressor":
        predicted = model.predict(load_diabetes(return_X_y=True)[0])
    else:
        predicted = model.predict_proba(pd.read_csv(os.path.join(_DATA, "pipeline-input.csv")))
    np.testing.assert_allclose(predicted, expected, rtol=1e-12, atol=1e-15)


# Written at 9ceaee5, the last commit of the flat layout (tests/data/README.md): they name
# module paths such as sklgrad._classifier and sklgrad._dates.
def _flat_layout_inputs(name):
    if name == "regressor":
        return load_diabetes(return_X_y=True)[0]
    X = load_iris(return_X_y=True)[0]
    if name == "pipeline":
        X = np.hstack([X, np.random.default_rng(0).permutation(X)])
    return X


@pytest.mark.parametrize("name", ["classifier", "regressor", "pipeline"])
def test_pickles_of_the_flat_layout_load_and_predict_the_same(name):
    import json
    import pickle

    with open(os.path.join(_DATA, "predictions-9ceaee5.json")) as handle:
        expected = np.asarray(json.load(handle)[name])
    with open(os.path.join(_DATA, f"{name}-9ceaee5.pkl"), "rb") as handle:
        model = pickle.load(handle)
    X = _flat_layout_inputs(name)
    predicted = model.predict(X) if name == "regressor" else model.predict_proba(X)
    np.testing.assert_allclose(predicted, expected, rtol=1e-12, atol=1e-15)
    if name == "pipeline":  # a selector saved before its result object gets one
        selector = model.steps[1][1]
        assert selector.selection_result_.importances is selector.importances_
    # Saved again, the model names today's module paths.
    assert type(model).__module__.startswith("sklgrad._neural_network.") or name == "pipeline"
    assert b"sklgrad._classifier" not in pickle.dumps(model)


def test_a_command_line_model_file_of_the_flat_layout_loads_and_predicts_the_same():
    import skops.io as sio

    from sklgrad._cli._dates import DatesAsYears

    path = os.path.join(_DATA, "cli-dates-9ceaee5.skops")
    assert "sklgrad._dates.DatesAsYears" in sio.get_untrusted_types(file=path)
    model = load_model(path)
    table = pd.read_csv(os.path.join(_DATA, "cli-dates-input.csv"))
    expected = pd.read_csv(os.path.join(_DATA, "cli-dates-predictions-9ceaee5.csv"))
    probabilities = model.predict_proba(table.drop(columns="label"))
    np.testing.assert_allclose(probabilities, expected[["proba_no", "proba_yes"]],
                               rtol=1e-12, atol=1e-15)
    steps = [step for _, transformer, _ in model.named_steps["table"].transformers_
             for _, step in getattr(transformer, "steps", [(None, transformer)])]
    assert any(isinstance(step, DatesAsYears) for step in steps)
