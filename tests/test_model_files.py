"""Hostile and inconsistent model files, each built from a real saved model, are refused
with a ValueError naming the file, before anything they declare is built."""

import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris

from sklgrad import LearningGradientClassifier, load_model, save_model

DATA = os.path.join(os.path.dirname(__file__), "data")
CLASSIFIER = os.path.join(DATA, "classifier-0.1.0.skops")
PIPELINE = os.path.join(DATA, "pipeline-0.1.0.skops")
_FRESH_ID = iter(range(10**15, 10**16))


def _rewrite(source, target, schema=None, arrays=None):
    """Copy a model file with its schema edited by ``schema(dict)`` and the arrays named in
    ``arrays`` (member name -> array) replaced."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "schema.json" and schema is not None:
                document = json.loads(data)
                schema(document)
                data = json.dumps(document).encode()
            elif arrays and info.filename in arrays:
                buffer = _npy(arrays[info.filename])
                data = buffer
            new.writestr(zipfile.ZipInfo(info.filename, date_time=info.date_time), data)
    return target


def _set_encrypted_flags(path):
    """Set the "encrypted" bit of every member, in the local and central headers (zipfile
    clears it when writing)."""
    data = bytearray(open(path, "rb").read())
    with zipfile.ZipFile(path) as archive:
        offsets = [info.header_offset for info in archive.infolist()]
        central = archive.start_dir
    for offset in offsets:
        data[offset + 6] |= 0x1
    while data[central:central + 4] == b"PK\x01\x02":
        data[central + 8] |= 0x1
        sizes = int.from_bytes(data[central + 28:central + 30], "little") + int.from_bytes(
            data[central + 30:central + 32], "little") + int.from_bytes(
            data[central + 32:central + 34], "little")
        central += 46 + sizes
    open(path, "wb").write(bytes(data))
    return path


def _npy(array):
    import io
    handle = io.BytesIO()
    np.save(handle, array, allow_pickle=False)
    return handle.getvalue()


def _content(document, *keys):
    """The schema node under ``keys`` (an object's state is a dict node inside its node)."""
    node = document
    for key in keys:
        if node["__loader__"] == "ObjectNode":
            node = node["content"]
        node = node["content"][key]
    return node


def _json_node(value):
    # A node of its own: skops memoizes nodes by __id__, shared by equal small values.
    return {"__class__": type(value).__name__, "__module__": "builtins",
            "__loader__": "JsonNode", "content": json.dumps(value), "is_json": True,
            "__id__": next(_FRESH_ID)}


def _array_member(document, *keys):
    return _content(document, *keys)["file"]


def _schema_of(path):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("schema.json"))


def _refused(path, match):
    with pytest.raises(ValueError, match=match) as error:
        load_model(path)
    assert str(path) in str(error.value)


def _declare_hidden(sizes):
    def edit(document):
        node = _content(document, "net_", "hidden_layer_sizes")
        node["content"] = [_json_node(size) for size in sizes]
    return edit


@pytest.mark.parametrize("sizes", [[4_000_000], [10**9]])
def test_a_declared_network_size_is_checked_against_the_stored_weights(sizes, tmp_path):
    path = _rewrite(CLASSIFIER, tmp_path / "big.skops", schema=_declare_hidden(sizes))
    _refused(path, r"declares hidden layers \[.*\] .* but its weights have widths \[4, 4, 3\]")


def test_a_classifier_relabelled_as_the_regressor_is_refused(tmp_path):
    def relabel(document):
        document["__class__"] = "LearningGradientRegressor"
        document["__module__"] = "sklgrad._neural_network._regressor"
    path = _rewrite(CLASSIFIER, tmp_path / "relabelled.skops", schema=relabel)
    _refused(path, "LearningGradientRegressor lacks its fitted n_outputs_, target_scaler_")


def test_a_first_layer_wider_than_the_inputs_is_refused(tmp_path):
    member = _array_member(_schema_of(CLASSIFIER), "net_", "module", "layers.0.weight")
    path = _rewrite(CLASSIFIER, tmp_path / "wide.skops",
                    arrays={member: np.zeros((4, 6))})
    _refused(path, r"layer 0 has weights of shape \(4, 6\) .* after a layer of width 4")


def test_classes_that_do_not_match_the_outputs_are_refused(tmp_path):
    member = _array_member(_schema_of(CLASSIFIER), "classes_")
    path = _rewrite(CLASSIFIER, tmp_path / "classes.skops",
                    arrays={member: np.arange(5)})
    _refused(path, r"5 outputs, but its weights have widths \[4, 4, 3\]")


def test_non_finite_weights_are_refused(tmp_path):
    member = _array_member(_schema_of(CLASSIFIER), "net_", "module", "layers.2.weight")
    weights = np.full((3, 4), np.nan)
    path = _rewrite(CLASSIFIER, tmp_path / "nan.skops", arrays={member: weights})
    _refused(path, "layers.2.weight holds non-finite values")


def test_an_encrypted_member_is_refused(tmp_path):
    path = _set_encrypted_flags(_rewrite(CLASSIFIER, tmp_path / "encrypted.skops"))
    _refused(path, "is encrypted")


def _padded(path, text):
    """The classifier's file with ``text`` (raw JSON) as the value of an extra key of its
    state, its schema stored uncompressed (no expansion ratio to catch it)."""
    def edit(document):
        document["content"]["content"]["padding"] = _json_node("PADDING")
    _rewrite(CLASSIFIER, path, schema=edit)
    with zipfile.ZipFile(path) as archive:
        schema = archive.read("schema.json").replace(
            json.dumps(json.dumps("PADDING")).encode(), text)
        members = [(i, archive.read(i)) for i in archive.infolist()
                   if i.filename != "schema.json"]
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in members:
            archive.writestr(info, data)
        archive.writestr("schema.json", schema)
    return path


def test_schema_bombs_are_refused_before_parsing(tmp_path):
    def pad(text):
        return _padded(tmp_path / "bomb.skops", text)
    _refused(pad(b'"' + b"x" * (65 * 2**20) + b'"'), r"schema.json is \d+ bytes")
    _refused(pad(b"[" + b"{}," * 7_000_000 + b"{}]"), "holds 7000\\d+ objects and lists")
    _refused(pad(b"[" * 150 + b"]" * 150), "nests 1\\d\\d levels deep")
    # Brackets inside strings are text, not structure.
    assert load_model(pad(json.dumps(_json_node("{[" * 1000)).encode())).predict(
        load_iris(return_X_y=True)[0][:2]).shape == (2,)


def test_a_renamed_encoder_in_a_pipeline_is_refused(tmp_path):
    def rename(document):
        steps = document["content"]["content"]["steps"]["content"]
        table = steps[0]["content"][1]  # ("columntransformer", ColumnTransformer)
        transformers = table["content"]["content"]["transformers_"]["content"]
        encoder = transformers[1]["content"][1]
        assert encoder["__class__"] == "OneHotEncoder"
        encoder["__class__"], encoder["__module__"] = ("StandardScaler",
                                                       "sklearn.preprocessing._data")
    path = _rewrite(PIPELINE, tmp_path / "renamed.skops", schema=rename)
    _refused(path, "inconsistent")


def test_a_tampered_network_inside_a_pipeline_is_refused(tmp_path):
    schema = _schema_of(PIPELINE)
    steps = schema["content"]["content"]["steps"]["content"]
    network = steps[2]["content"][1]
    member = _content(network, "net_", "module", "layers.0.weight")["file"]
    path = _rewrite(PIPELINE, tmp_path / "nan-pipe.skops",
                    arrays={member: np.full((3, 3), np.inf)})
    _refused(path, "non-finite")


_PEAK = r"""
import sys
from sklgrad import load_model
try:
    load_model(sys.argv[1])
except ValueError:
    pass
peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM")][0]
print(int(peak.split()[1]))
"""


def _peak_kib(path):
    out = subprocess.run([sys.executable, "-c", _PEAK, str(path)], check=True,
                         capture_output=True, text=True,
                         env={**os.environ, "OMP_NUM_THREADS": "1"})
    return int(out.stdout.split()[-1])


def test_hostile_files_load_within_a_normal_loads_memory(tmp_path):
    # Peak resident memory read by the child itself (VmHWM): getrusage in a child would
    # report the parent's peak across fork and exec.
    normal = _peak_kib(CLASSIFIER)
    hostile = [_rewrite(CLASSIFIER, tmp_path / "huge.skops", schema=_declare_hidden([10**9])),
               _rewrite(CLASSIFIER, tmp_path / "big.skops",
                        schema=_declare_hidden([4_000_000])),
               _padded(tmp_path / "bomb.skops", b"[" + b"{}," * 7_000_000 + b"{}]")]
    for path in hostile:
        assert _peak_kib(path) < normal + 32 * 1024, path


def test_sklgrad_predict_refuses_a_tampered_model_in_one_line(tmp_path):
    X, y = load_iris(return_X_y=True, as_frame=True)
    frame = X.assign(species=y.astype(str))
    frame.to_csv(tmp_path / "iris.csv", index=False)
    run = [sys.executable, "-m", "sklgrad"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run([*run, "fit", tmp_path / "iris.csv", "--target", "species", "--epochs",
                    "2", "--quiet", "--out", tmp_path / "fit"], check=True, env=env)
    model = tmp_path / "fit" / "model.skops"
    schema = _schema_of(model)
    steps = schema["content"]["content"]["steps"]["content"]
    network = steps[-1]["content"][1]
    member = _content(network, "net_", "module", "layers.0.weight")["file"]
    shape = np.load(zipfile.ZipFile(model).open(member)).shape
    bad = _rewrite(model, tmp_path / "bad.skops", arrays={member: np.full(shape, np.nan)})
    result = subprocess.run([*run, "predict", bad, tmp_path / "iris.csv"],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "non-finite" in result.stderr
    assert "Traceback" not in result.stderr


def test_early_stopping_fits_a_multiclass_target_with_a_one_row_class_as_sklearn():
    from sklearn.neural_network import MLPClassifier

    X, y = load_iris(return_X_y=True)
    X, y = X[:101], y[:101]  # class 2 has one row
    MLPClassifier(early_stopping=True, max_iter=5, random_state=0).fit(X, y)
    clf = LearningGradientClassifier(hidden_layer_sizes=(4,), early_stopping=True, max_iter=5,
                                     random_state=0).fit(X, y)
    assert clf.validation_scores_ and list(clf.classes_) == [0, 1, 2]


def test_a_saved_model_of_every_kind_passes_the_checks(tmp_path):
    X, y = load_iris(return_X_y=True, as_frame=True)
    X.columns = [str(c) for c in X.columns]
    model = LearningGradientClassifier(hidden_layer_sizes=(3, 2), max_iter=3, tol=None,
                                       early_stopping=True, random_state=0).fit(X, y)
    save_model(model, tmp_path / "m.skops")
    loaded = load_model(tmp_path / "m.skops")
    pd.testing.assert_frame_equal(pd.DataFrame(loaded.predict_proba(X)),
                                  pd.DataFrame(model.predict_proba(X)))


def test_a_pipeline_whose_steps_cannot_name_their_outputs_still_loads(tmp_path):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X, y = load_iris(return_X_y=True)
    model = make_pipeline(FunctionTransformer(np.log1p),
                          LearningGradientClassifier(hidden_layer_sizes=(3,), max_iter=2,
                                                     tol=None, random_state=0)).fit(X, y)
    save_model(model, tmp_path / "f.skops")
    loaded = load_model(tmp_path / "f.skops", trusted=["numpy.log1p"])
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
