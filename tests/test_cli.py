"""The command line, run as a user runs it: as a subprocess."""

import json
import os
import re
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_iris

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def sklgrad(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "sklgrad", *map(str, args)],
                          capture_output=True, text=True, env=ENV, cwd=cwd, timeout=600)


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    """Iris with a text column, a constant-ish column and the species as strings."""
    folder = tmp_path_factory.mktemp("data")
    X, y = load_iris(return_X_y=True, as_frame=True)
    frame = X.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
    frame["colour"] = np.where(np.arange(150) % 3 == 0, "red", "blue")
    frame["species"] = np.array(["setosa", "versicolor", "virginica"])[y]
    path = folder / "iris.csv"
    frame.to_csv(path, index=False)
    return path, frame


def test_help_and_version():
    result = sklgrad("--version")
    assert result.returncode == 0 and result.stdout.startswith("sklgrad ")
    for command in ("paper", "fit", "predict", "select"):
        result = sklgrad(command, "--help")
        assert result.returncode == 0 and "usage: sklgrad " + command in result.stdout


def test_paper_writes_the_history_figures_and_summary(tmp_path):
    out = tmp_path / "out"
    result = sklgrad("paper", "--epochs", "3", "--seeds", "2", "--out", out)
    assert result.returncode == 0, result.stderr
    assert "test accuracy" in result.stdout and "Replication over 2 seeds" in result.stdout
    history = pd.read_csv(out / "importance_history.csv", index_col="epoch")
    assert history.shape == (3, 30) and "worst area" in history.columns
    np.testing.assert_allclose(history.sum(axis=1), 1.0)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["ranking"][0] == history.iloc[-1].idxmax()
    ranked = re.findall(r"^\s+\d+\. (.+?)\s+\d\.\d{4}$", result.stdout, re.M)
    assert ranked == summary["ranking"][:15]
    assert summary["replication"]["n_seeds"] == 2
    for name in ("importance_by_epoch.png", "top_features_over_epochs.png", "ranking.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".sklgrad-")]


def test_fit_then_predict_on_a_table_with_text_columns(table, tmp_path):
    path, frame = table
    out = tmp_path / "fit"
    result = sklgrad("fit", path, "--target", "species", "--epochs", "30", "--hidden", "16",
                     "--lr", "0.01", "--quiet", "--out", out)
    assert result.returncode == 0, result.stderr
    assert "classification: test accuracy" in result.stdout
    assert "Summed per table column:" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["importance_by_column"]) == set(frame.columns) - {"species"}
    assert {"colour=blue", "colour=red"} <= set(summary["final_importances"])

    result = sklgrad("predict", out / "model.sklgrad", path, "--out", tmp_path / "pred.csv")
    assert result.returncode == 0, result.stderr
    predictions = pd.read_csv(tmp_path / "pred.csv")["predicted_species"]
    assert len(predictions) == 150 and (predictions == frame["species"]).mean() > 0.8


def test_regression_is_inferred_from_a_continuous_target(tmp_path):
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    frame = X.iloc[:, :5].copy()
    frame["target"] = frame.iloc[:, 0] * 2 + frame.iloc[:, 1]
    frame.to_csv(tmp_path / "r.csv", index=False)
    result = sklgrad("fit", tmp_path / "r.csv", "--target", "target", "--epochs", "20",
                     "--quiet", "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("regression: test R^2")


def test_select_writes_the_kept_columns_and_the_target(table, tmp_path):
    path, frame = table
    reduced = tmp_path / "reduced.csv"
    result = sklgrad("select", path, "--target", "species", "--threshold", "median",
                     "--epochs", "20", "--quiet", "--out", reduced)
    assert result.returncode == 0, result.stderr
    kept = pd.read_csv(reduced)
    assert list(kept.columns)[-1] == "species" and len(kept) == 150
    assert 1 < kept.shape[1] < frame.shape[1]
    assert "Dropped:" in result.stdout


def _assert_refused(result, message, *leftovers):
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert message in lines[0], lines[0]
    for path in leftovers:
        assert not os.path.exists(path)


def test_bad_inputs_are_one_line_errors_with_nothing_written(table, tmp_path):
    path, frame = table
    out = tmp_path / "out"
    fit = ("--epochs", "2", "--quiet", "--out", out)

    _assert_refused(sklgrad("fit", tmp_path / "nope.csv", "--target", "y", *fit),
                    "no such file", out)
    _assert_refused(sklgrad("fit", path, "--target", "nope", *fit),
                    "target column 'nope' is not in", out)
    (tmp_path / "empty.csv").write_text("")
    _assert_refused(sklgrad("fit", tmp_path / "empty.csv", "--target", "y", *fit),
                    "is empty", out)
    (tmp_path / "header.csv").write_text("a,b,y\n")
    _assert_refused(sklgrad("fit", tmp_path / "header.csv", "--target", "y", *fit),
                    "has no data rows", out)
    one = frame.assign(species="setosa")
    one.to_csv(tmp_path / "one.csv", index=False)
    _assert_refused(sklgrad("fit", tmp_path / "one.csv", "--target", "species", *fit),
                    "single class", out)
    text = frame.assign(note=[f"free text {i}" for i in range(150)])
    text.to_csv(tmp_path / "text.csv", index=False)
    _assert_refused(sklgrad("fit", tmp_path / "text.csv", "--target", "species", *fit),
                    "Column note is not numeric and has 150 distinct values", out)
    (tmp_path / "broken.csv").write_text('a,b,y\n1,2,3\n4,"5,6\n7,8,9,10,11\n')
    _assert_refused(sklgrad("fit", tmp_path / "broken.csv", "--target", "y", *fit),
                    "could not read", out)
    holes = frame.copy()
    holes.loc[3, "sepal_width"] = np.nan
    holes.to_csv(tmp_path / "holes.csv", index=False)
    _assert_refused(sklgrad("fit", tmp_path / "holes.csv", "--target", "species", *fit),
                    "Missing values in column(s) sepal_width: pass --impute", out)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".sklgrad-")]


def test_missing_values_are_imputed_when_asked(table, tmp_path):
    _, frame = table
    holes = frame.copy()
    holes.loc[3, "sepal_width"] = np.nan
    holes.loc[5, "colour"] = np.nan
    holes.to_csv(tmp_path / "holes.csv", index=False)
    result = sklgrad("fit", tmp_path / "holes.csv", "--target", "species", "--impute",
                     "median", "--epochs", "2", "--quiet", "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr


def test_foreign_or_tampered_model_files_are_refused(table, tmp_path):
    path, _ = table
    pred = tmp_path / "pred.csv"
    (tmp_path / "notes.txt").write_text("hello")
    _assert_refused(sklgrad("predict", tmp_path / "notes.txt", path, "--out", pred),
                    "is not an sklgrad model file", pred)
    # A pickle inside a zip with our member names: never unpickled, refused.
    with zipfile.ZipFile(tmp_path / "evil.sklgrad", "w") as archive:
        archive.writestr("model.json", json.dumps({"format": "sklgrad-model"}))
        archive.writestr("arrays.npz", b"not npz")
        archive.writestr("weights.pt", b"\x80\x04cos\nsystem\n.")
    _assert_refused(sklgrad("predict", tmp_path / "evil.sklgrad", path, "--out", pred),
                    "is not an sklgrad model file", pred)
    _assert_refused(sklgrad("predict", tmp_path / "absent.sklgrad", path), "no such file")
