"""The command line on the CSVs people have: dialects, a BOM, index columns, leaks, missing
targets, dates, bad rows at predict time."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from _inprocess import sklgrad
from sklearn.datasets import load_iris

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
QUICK = ("--epochs", "3", "--quiet", "--hidden", "4")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True, as_frame=True)
    frame = X.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
    frame.insert(0, "species", np.array(["setosa", "versicolor", "virginica"])[y])
    return frame


def test_a_semicolon_file_with_a_bom_and_the_target_first_is_read_as_pandas_reads_it(
        iris, tmp_path):
    path = tmp_path / "peng;bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + iris.to_csv(index=False, sep=";").encode())
    result = sklgrad("fit", path, "--target", "species", *QUICK, "--out", tmp_path / "a")
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert summary["data"] == str(path)  # as given, not made absolute
    assert set(summary["final_importances"]) == set(iris.columns) - {"species"}
    # An explicit --sep works too, and a wrong one is a one-line error naming the columns.
    assert sklgrad("fit", path, "--target", "species", "--sep", ";", *QUICK,
                   "--out", tmp_path / "b").returncode == 0
    wrong = sklgrad("fit", path, "--target", "species", "--sep", ",", *QUICK,
                    "--out", tmp_path / "c")
    assert wrong.returncode == 2 and "is not in" in wrong.stderr


def test_an_index_column_and_a_leak_are_warned_and_can_be_dropped(iris, tmp_path):
    path = tmp_path / "indexed.csv"
    leaky = iris.assign(code=iris["species"].map({"setosa": 10, "versicolor": 20,
                                                  "virginica": 30}))
    leaky.sample(frac=1, random_state=0).to_csv(path)  # pandas's default: an index column
    result = sklgrad("fit", path, "--target", "species", *QUICK, "--out", tmp_path / "a")
    assert result.returncode == 0, result.stderr
    assert "'Unnamed: 0' looks like a saved row index" in result.stderr
    assert "'code' alone predicts the target with held-out accuracy" in result.stderr
    clean = sklgrad("fit", path, "--target", "species", "--drop", "Unnamed: 0,code", *QUICK,
                    "--out", tmp_path / "b")
    assert clean.returncode == 0, clean.stderr
    # Neither warning stays (a network of 3 epochs may still be below the linear baseline).
    assert "row index" not in clean.stderr and "'code' alone" not in clean.stderr
    absent = sklgrad("fit", path, "--target", "species", "--drop", "nope", *QUICK,
                     "--out", tmp_path / "c")
    assert absent.returncode == 2 and "--drop column(s) 'nope' not in" in absent.stderr


def test_missing_targets_are_refused_with_a_way_forward(iris, tmp_path):
    path = tmp_path / "holes.csv"
    iris.assign(species=iris["species"].where(np.arange(150) % 10 != 0)).to_csv(
        path, index=False)
    refused = sklgrad("fit", path, "--target", "species", *QUICK, "--out", tmp_path / "a")
    assert refused.returncode == 2 and "--drop-missing-target" in refused.stderr
    result = sklgrad("fit", path, "--target", "species", "--drop-missing-target", *QUICK,
                     "--out", tmp_path / "b")
    assert result.returncode == 0, result.stderr
    assert "Dropped 15 of 150 rows whose target 'species' is missing" in result.stdout


def test_predict_names_bad_rows_skips_them_when_asked_and_gives_probabilities(iris,
                                                                             tmp_path):
    iris.to_csv(tmp_path / "train.csv", index=False)
    assert sklgrad("fit", tmp_path / "train.csv", "--target", "species", *QUICK,
                   "--out", tmp_path / "fit").returncode == 0
    model = tmp_path / "fit" / "model.skops"
    bad = iris.drop(columns="species").astype(object)
    bad.loc[3, "sepal_length"] = "5.1?"
    bad.loc[7, "petal_width"] = None
    bad.to_csv(tmp_path / "bad.csv", index=False)
    refused = sklgrad("predict", model, tmp_path / "bad.csv")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "column 'sepal_length', line(s) 5 ('5.1?')" in refused.stderr
    assert "column 'petal_width', line(s) 9" in refused.stderr
    skipped = sklgrad("predict", model, tmp_path / "bad.csv", "--skip-bad-rows", "--proba")
    assert skipped.returncode == 0 and "skipped 2 row(s)" in skipped.stderr
    predictions = pd.read_csv(pd.io.common.StringIO(skipped.stdout))
    assert len(predictions) == 148
    assert list(predictions.columns) == ["predicted", "proba_setosa", "proba_versicolor",
                                         "proba_virginica"]
    np.testing.assert_allclose(predictions.iloc[:, 1:].sum(axis=1), 1.0)


def test_dates_become_numbers_not_categories(tmp_path):
    rng = np.random.default_rng(0)
    days = pd.date_range("2000-01-01", periods=12, freq="YS").strftime("%Y-%m-%d")
    frame = pd.DataFrame({"year": rng.choice(days, 300), "x": rng.standard_normal(300)})
    frame["y"] = frame["x"] + (pd.to_datetime(frame["year"]).dt.year - 2005) / 3
    frame.to_csv(tmp_path / "dated.csv", index=False)
    result = sklgrad("fit", tmp_path / "dated.csv", "--target", "y", *QUICK,
                     "--out", tmp_path / "fit")
    assert result.returncode == 0, result.stderr
    from sklgrad import load_model

    table = load_model(tmp_path / "fit" / "model.skops").named_steps["table"]
    assert list(table.get_feature_names_out()) == ["x", "year"] or \
        sorted(table.get_feature_names_out()) == ["x", "year"]


def test_select_reports_progress_draws_the_ranking_and_selects_whole_columns(iris, tmp_path):
    frame = iris.assign(colour=np.where(np.arange(150) % 3 == 0, "red", "blue"))
    frame.to_csv(tmp_path / "t.csv", index=False)
    result = sklgrad("select", tmp_path / "t.csv", "--target", "species", "--threshold",
                     "shadow", "--keep-leaks", "--epochs", "5", "--hidden", "4",
                     "--out", tmp_path / "sel")
    assert result.returncode == 0, result.stderr
    assert "[LearningGradientSelector] shadow round 1/1" in result.stdout
    assert (tmp_path / "sel" / "ranking.png").stat().st_size > 0
    summary = json.loads((tmp_path / "sel" / "summary.json").read_text())
    kept, dropped = summary["kept"], summary["dropped"]
    importance = summary["importance_by_column"]
    assert set(kept) | set(dropped) == set(frame.columns) - {"species"}
    if kept and dropped:  # what is printed agrees with what is kept
        assert min(importance[c] for c in kept) > max(importance[c] for c in dropped)


def test_compare_prints_whole_numbers_as_integers(iris, tmp_path):
    iris.to_csv(tmp_path / "t.csv", index=False)
    result = sklgrad("fit", tmp_path / "t.csv", "--target", "species", "--epochs", "4",
                     "--quiet", "--hidden", "3", "--compare", "lr=0.001,0.01",
                     "--out", tmp_path / "cmp")
    assert result.returncode == 0, result.stderr
    assert "4.000" not in result.stdout and " 4 " in result.stdout


def test_the_command_line_trains_on_one_thread_unless_told(iris, tmp_path):
    from sklgrad._cli._main import build_parser

    for command in (["paper"], ["fit", "t.csv", "--target", "y"], ["predict", "m", "t.csv"],
                    ["select", "t.csv", "--target", "y"]):
        assert build_parser().parse_args(command).threads == 1
    iris.to_csv(tmp_path / "t.csv", index=False)
    code = ("import sys, torch; from sklgrad._cli._main import main; "
            "main(sys.argv[1:]); print('threads', torch.get_num_threads())")
    env = {k: v for k, v in ENV.items() if k != "OMP_NUM_THREADS"}
    for flag, expected in (([], 1), (["--threads", "2"], 2)):
        result = subprocess.run([sys.executable, "-c", code, "fit", tmp_path / "t.csv",
                                 "--target", "species", *QUICK, *flag,
                                 "--out", tmp_path / f"o{expected}"],
                                capture_output=True, text=True, env=env, timeout=600)
        assert result.returncode == 0, result.stderr
        assert f"threads {expected}" in result.stdout


def test_a_network_that_memorizes_is_said_to(tmp_path):
    # Diabetes (442 rows): a wide network trained long fits its training rows (R^2 near 1)
    # and not held-out ones (below 0); its importances describe memorization.
    from sklearn.datasets import load_diabetes

    load_diabetes(as_frame=True).frame.to_csv(tmp_path / "d.csv", index=False)
    result = sklgrad("fit", tmp_path / "d.csv", "--target", "target", "--hidden", "256",
                     "--epochs", "500", "--lr", "0.01", "--quiet", "--out", tmp_path / "m")
    assert result.returncode == 0, result.stderr
    assert "fits its training rows far better than held-out rows" in result.stderr
    summary = json.loads((tmp_path / "m" / "summary.json").read_text())
    assert summary["memorizing"] and summary["train_score"] > 0.9 > summary["test_score"]
    assert summary["metric"] == "R^2"
    # Below R^2 0 it predicts worse than the training mean, and the output says so.
    assert "is below the constant and linear baselines" in result.stderr
    assert summary["below_baselines"] == ["constant", "linear"]


def test_the_advice_to_drop_a_column_can_be_pasted_into_a_shell(iris, tmp_path):
    import shlex

    path = tmp_path / "indexed.csv"
    iris.sample(frac=1, random_state=0).to_csv(path)  # an "Unnamed: 0" index column
    result = sklgrad("fit", path, "--target", "species", *QUICK, "--out", tmp_path / "a")
    advice = result.stderr.split("(--drop ")[1].split(" leaves it out)")[0]
    advice = "--drop " + advice
    assert advice == "--drop 'Unnamed: 0'"
    pasted = sklgrad("fit", path, "--target", "species", *shlex.split(advice), *QUICK,
                     "--out", tmp_path / "b")
    assert pasted.returncode == 0 and "row index" not in pasted.stderr, pasted.stderr


@pytest.mark.parametrize("command", ["fit", "select"])
def test_an_infinite_value_is_one_line_before_anything_is_trained(iris, tmp_path, command):
    frame = iris.copy()
    frame.loc[[3, 40], "petal_width"] = [np.inf, -np.inf]
    path = tmp_path / "inf.csv"
    frame.to_csv(path, index=False)
    result = sklgrad(command, path, "--target", "species", *QUICK, "--out", tmp_path / "o")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "infinite values: 'petal_width' on line(s) 5, 42" in lines[0]
    assert not (tmp_path / "o").exists()
