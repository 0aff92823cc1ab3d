"""The command line, run as a user runs it: its entry point with the arguments a shell
would pass (in this process; a subprocess where a process of its own is the point)."""

import io
import json
import os
import re
import signal
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest
from _inprocess import sklgrad
from sklearn.datasets import load_breast_cancer, load_iris

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


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
    assert "Paper vs this run (2 seeds)" in result.stdout
    assert "the paper 100%; here mean" in result.stdout
    history = pd.read_csv(out / "importance_history.csv", index_col="epoch")
    assert history.shape == (3, 30) and "worst area [paper #1]" in history.columns
    np.testing.assert_allclose(history.sum(axis=1), 1.0)
    by_seed = pd.read_csv(out / "importance_history_by_seed.csv")
    assert len(by_seed) == 6 and set(by_seed["seed"]) == {0, 1}
    # The figures and the CSV are the aggregate: the mean over the seeds.
    mean = by_seed.drop(columns="seed").groupby("epoch").mean()
    np.testing.assert_allclose(history.to_numpy(), mean.to_numpy())
    summary = json.loads((out / "summary.json").read_text())
    replication = summary["replication"]
    assert replication["n_seeds"] == 2 and len(summary["per_seed"]) == 2
    consensus = re.findall(r"^\s+\d+\. (.+?)\s+\d\.\d{4} ±", result.stdout, re.M)
    assert [name.split(" [paper")[0] for name in consensus] == \
        replication["consensus_ranking"][:10]
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
    assert "Per table column (mean share of its encoded inputs" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["importance_by_column"]) == set(frame.columns) - {"species"}
    assert {"colour_blue", "colour_red"} <= set(summary["final_importances"])
    assert set(summary["baseline_scores"]) == {"constant", "linear"}
    assert summary["settings"]["epochs"] == 30 and summary["settings"]["hidden"] == [16]
    # Reliance beside learning: the held-out drop per table column, printed and recorded.
    assert "Reliance (held-out accuracy lost when a column is shuffled" in result.stdout
    reliance = summary["reliance_by_column"]
    assert set(reliance) == set(frame.columns) - {"species"}
    assert all(set(row) == {"reliance", "reliance_std", "note"} for row in reliance.values())
    assert max(reliance, key=lambda c: reliance[c]["reliance"]).startswith("petal")

    result = sklgrad("predict", out / "model.skops", path, "--out", tmp_path / "pred")
    assert result.returncode == 0, result.stderr
    predictions = pd.read_csv(tmp_path / "pred" / "predictions.csv")["predicted"]
    assert len(predictions) == 150 and (predictions == frame["species"]).mean() > 0.8

    # The model is an ordinary Pipeline that loads in Python and predicts the same.
    from sklgrad import load_model
    model = load_model(out / "model.skops")
    assert [name for name, _ in model.steps] == ["table", "network"]
    np.testing.assert_array_equal(model.predict(frame.drop(columns="species")), predictions)


def test_regression_is_inferred_from_a_continuous_target(tmp_path):
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    frame = X.iloc[:, :5].copy()
    frame["target"] = frame.iloc[:, 0] * 2 + frame.iloc[:, 1]
    frame.to_csv(tmp_path / "r.csv", index=False)
    result = sklgrad("fit", tmp_path / "r.csv", "--target", "target", "--epochs", "20",
                     "--quiet", "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("regression: test R^2")
    assert "Held-out scores (143 rows): network | constant | linear" in result.stdout


def test_select_writes_the_kept_columns_and_the_target(table, tmp_path):
    path, frame = table
    result = sklgrad("select", path, "--target", "species", "--threshold", "median",
                     "--epochs", "20", "--quiet", "--out", tmp_path / "sel")
    assert result.returncode == 0, result.stderr
    assert "held-out score of a linear model" in result.stdout
    kept = pd.read_csv(tmp_path / "sel" / "reduced.csv")
    assert list(kept.columns)[-1] == "species" and len(kept) == 150
    assert 1 < kept.shape[1] < frame.shape[1]
    assert "Dropped:" in result.stdout


def test_select_answers_the_all_relevant_question_with_its_own_networks(table, tmp_path):
    path, frame = table
    noisy = frame.assign(**{f"noise{i}": np.random.default_rng(i).permutation(
        frame["sepal_width"].to_numpy()) for i in range(4)})
    noisy_path = tmp_path / "noisy.csv"
    noisy.to_csv(noisy_path, index=False)
    result = sklgrad("select", noisy_path, "--target", "species", "--threshold",
                     "all-relevant", "--keep-leaks", "--quiet", "--out", tmp_path / "sel")
    assert result.returncode == 0, result.stderr
    kept = pd.read_csv(tmp_path / "sel" / "reduced.csv").columns
    # Petal length and width carry the species; permuted copies carry nothing.
    assert {"petal_length", "petal_width"} <= set(kept)
    assert not any(column.startswith("noise") for column in kept)
    # selection.csv: one row per input, kept as reduced.csv keeps it, with its grounds.
    report = pd.read_csv(tmp_path / "sel" / "selection.csv", index_col="input")
    assert set(report.loc[report["kept"], "column"]) == set(kept) - {"species"}
    assert (report.loc[report["kept"], "found_by"].notna()).all()
    assert {"dependence_p_value", "share", "share_std", "shadow_bar"} <= set(report.columns)
    assert (tmp_path / "sel" / "selection.png").stat().st_size > 0


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
    # Repeated values: text meant as categories, too many of them (unique text is an ID).
    text = frame.assign(note=[f"free text {i % 100}" for i in range(150)])
    text.to_csv(tmp_path / "text.csv", index=False)
    _assert_refused(sklgrad("fit", tmp_path / "text.csv", "--target", "species", *fit),
                    "Column note is not numeric and has 100 distinct values", out)
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
    assert "warning: missing values filled (median for numbers, most frequent for text): " \
        "sepal_width 1 rows, colour 1 rows" in result.stderr


def test_foreign_or_tampered_model_files_are_refused(table, tmp_path):
    path, _ = table
    pred = tmp_path / "pred.csv"
    (tmp_path / "notes.txt").write_text("hello")
    _assert_refused(sklgrad("predict", tmp_path / "notes.txt", path, "--out", pred),
                    "is not a model written by 'sklgrad fit'", pred)
    # A pickle inside a zip with skops's member names: never unpickled, refused.
    with zipfile.ZipFile(tmp_path / "evil.skops", "w") as archive:
        archive.writestr("schema.json", json.dumps({"__class__": "system", "__module__": "os",
                                                    "__loader__": "ObjectNode"}))
        archive.writestr("0.npy", b"\x80\x04cos\nsystem\n.")
    _assert_refused(sklgrad("predict", tmp_path / "evil.skops", path, "--out", pred),
                    "is not a model written by 'sklgrad fit'", pred)
    _assert_refused(sklgrad("predict", tmp_path / "absent.skops", path), "no such file")


# ------------------------------------------------------ failures never look like results
def test_text_columns_are_read_as_they_were_fitted(tmp_path):
    # A text column with values '1', '2.5' and 'x': a file without 'x' would be read as
    # numbers ('1' -> 1.0) and match no category. The same rows must get the same predictions.
    X, y = load_iris(return_X_y=True, as_frame=True)
    frame = X.set_axis(["a", "b", "c", "d"], axis=1)
    frame["code"] = np.array(["1", "2.5", "x"])[np.arange(150) % 3]
    frame["target"] = frame["a"] * 2 + (frame["code"] == "2.5") * 3.0
    frame.to_csv(tmp_path / "train.csv", index=False)
    frame[frame["code"] != "x"].to_csv(tmp_path / "numeric_looking.csv", index=False)
    frame.to_csv(tmp_path / "all.csv", index=False)
    assert pd.read_csv(tmp_path / "numeric_looking.csv")["code"].dtype.kind == "f"
    result = sklgrad("fit", tmp_path / "train.csv", "--target", "target", "--epochs", "20",
                     "--quiet", "--out", tmp_path / "fit")
    assert result.returncode == 0, result.stderr
    model = tmp_path / "fit" / "model.skops"
    a = sklgrad("predict", model, tmp_path / "numeric_looking.csv", "--id", "a")
    b = sklgrad("predict", model, tmp_path / "all.csv", "--id", "a")
    assert a.returncode == b.returncode == 0, a.stderr + b.stderr
    first = pd.read_csv(io.StringIO(a.stdout))
    second = pd.read_csv(io.StringIO(b.stdout))[frame["code"] != "x"].reset_index(drop=True)
    np.testing.assert_allclose(first["predicted"], second["predicted"])
    np.testing.assert_allclose(first["a"], second["a"])
    # Unseen values: a warning with counts, or an error with --strict.
    frame.assign(code=np.where(frame["code"] == "x", "y", frame["code"])).to_csv(
        tmp_path / "unseen.csv", index=False)
    warned = sklgrad("predict", model, tmp_path / "unseen.csv")
    assert warned.returncode == 0 and "code: 50 rows ('y')" in warned.stderr
    _assert_refused(sklgrad("predict", model, tmp_path / "unseen.csv", "--strict"),
                    "values not seen in training: code: 50 rows")


@pytest.mark.parametrize("flag, value", [
    ("--epochs", "0"), ("--lr", "inf"), ("--lr", "-1"), ("--test-size", "1.5"),
    ("--seed", "-3"), ("--max-categories", "0"), ("--batch-size", "0"),
])
def test_numeric_flags_are_checked_at_parse_time(table, tmp_path, flag, value):
    path, _ = table
    result = sklgrad("fit", path, "--target", "species", flag, value, "--out", tmp_path / "o")
    assert result.returncode == 2 and f"argument {flag}" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "o").exists()


def test_paper_seeds_zero_is_a_usage_error():
    result = sklgrad("paper", "--seeds", "0")
    assert result.returncode == 2 and "argument --seeds: must be at least 1" in result.stderr


def test_training_that_diverges_is_an_error_not_a_result(table, tmp_path):
    path, _ = table
    out = tmp_path / "out"
    _assert_refused(sklgrad("fit", path, "--target", "species", "--lr", "1e300", "--solver",
                            "sgd", "--epochs", "5", "--quiet", "--out", out),
                    "Solver produced non-finite parameter weights", out)


def test_out_may_not_be_an_input(table, tmp_path):
    path, _ = table
    _assert_refused(sklgrad("fit", path, "--target", "species", "--out", path),
                    "is an input of this run")


def test_runs_replace_their_own_files_and_no_stale_file_stays(table, tmp_path):
    path, _ = table
    out = tmp_path / "shared"
    out.mkdir()
    (out / "notes.txt").write_text("mine")  # not sklgrad's: left alone
    assert sklgrad("fit", path, "--target", "species", "--epochs", "2", "--quiet",
                   "--out", out).returncode == 0
    assert (out / "model.skops").exists()
    assert sklgrad("paper", "--epochs", "2", "--quiet", "--out", out).returncode == 0
    assert not (out / "model.skops").exists()  # the fit's model is not the paper's
    assert (out / "notes.txt").read_text() == "mine"
    assert not [p for p in out.iterdir() if p.name.startswith(".sklgrad-") and p.is_dir()]


def test_a_folder_of_the_users_with_an_output_files_name_is_never_replaced(table, tmp_path):
    path, _ = table
    out = tmp_path / "out"
    (out / "ranking.png").mkdir(parents=True)
    (out / "ranking.png" / "mine.txt").write_text("mine")
    _assert_refused(sklgrad("fit", path, "--target", "species", "--epochs", "2", "--quiet",
                            "--out", out), "ranking.png is in the way: sklgrad did not write it")
    assert (out / "ranking.png" / "mine.txt").read_text() == "mine"
    assert sorted(p.name for p in out.iterdir()) == ["ranking.png"]


def test_a_move_that_fails_half_way_leaves_the_previous_run(table, tmp_path, monkeypatch):
    # A cross-device --out, or any failing rename, in the middle of the switch.
    from sklgrad import _cli
    from sklgrad._cli import _outputs
    path, _ = table
    out = tmp_path / "out"
    assert _cli.main(["paper", "--epochs", "2", "--quiet", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    real_replace, calls = os.replace, []

    def failing_replace(src, dst):
        calls.append(src)
        if len(calls) == 4:
            raise OSError(18, "Invalid cross-device link", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(_outputs.os, "replace", failing_replace)
    assert _cli.main(["paper", "--epochs", "3", "--quiet", "--out", str(out)]) == 2
    monkeypatch.undo()
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before
    assert not [p for p in out.iterdir() if p.is_dir()]


def test_sigint_exits_130_and_leaves_out_as_it_was(table, tmp_path):
    path, _ = table
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text('{"old": true}')
    (out / ".sklgrad-run.json").write_text('{"files": ["summary.json"]}')
    process = subprocess.Popen(
        [sys.executable, "-m", "sklgrad", "fit", str(path), "--target", "species",
         "--epochs", "100000", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**ENV, "PYTHONUNBUFFERED": "1"},
        # A test run started in the background inherits an ignored SIGINT, which Python then
        # keeps ignoring: give the child the default disposition, as a terminal would.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    for line in process.stderr:  # wait until training runs: the progress line
        if line.startswith("epoch 1/100000"):
            break
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert (out / "summary.json").read_text() == '{"old": true}'
    assert sorted(p.name for p in out.iterdir()) == [".sklgrad-run.json", "summary.json"]


def test_compare_writes_the_comparison_figure_and_table(table, tmp_path):
    out = tmp_path / "cmp"
    result = sklgrad("paper", "--epochs", "4", "--seeds", "2", "--compare", "lr=0.01,0.1",
                     "--out", out)
    assert result.returncode == 0, result.stderr
    assert "Comparison over 2 settings x 2 seeds" in result.stdout
    summary = pd.read_csv(out / "comparison.csv")
    assert list(summary["setting"]) == ["learning_rate_init=0.01", "learning_rate_init=0.1"]
    networks = pd.read_csv(out / "comparison_networks.csv")
    assert len(networks) == 4 and "worst area" in networks.columns
    assert (out / "comparison.png").read_bytes()[:4] == b"\x89PNG"
    path, _ = table
    result = sklgrad("fit", path, "--target", "species", "--epochs", "3", "--quiet",
                     "--compare", "hidden=3,4x2", "--compare", "solver=sgd,adam",
                     "--out", tmp_path / "fit")
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(tmp_path / "fit" / "comparison.csv")) == 4


@pytest.mark.parametrize("value", ["lr=0.1", "nope=1,2", "lr=0.1,-1", "solver=sgd,lbfgs"])
def test_compare_values_are_checked_at_parse_time(value):
    result = sklgrad("paper", "--compare", value)
    assert result.returncode == 2 and "argument --compare" in result.stderr


def test_a_fit_with_progress_saves_a_model_without_it(table, tmp_path):
    path, _ = table
    result = sklgrad("fit", path, "--target", "species", "--epochs", "3", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "epoch 3/3" in result.stderr
    from sklgrad import load_model
    assert not hasattr(load_model(tmp_path / "model.skops")[-1], "_epoch_hook")


def test_fit_ranks_over_several_networks_with_intervals(table, tmp_path):
    path, frame = table
    result = sklgrad("fit", path, "--target", "species", "--epochs", "10", "--hidden", "8",
                     "--networks", "3", "--quiet", "--out", tmp_path / "fit")
    assert result.returncode == 0, result.stderr
    assert "Ranking over 3 networks trained on all 150 rows (mean share, 95% interval" in (
        result.stdout)
    summary = json.loads((tmp_path / "fit" / "summary.json").read_text())
    spread = summary["importance_spread"]
    assert spread["n_networks"] == 3
    rows = spread["by_column"]
    assert set(rows) == set(frame.columns) - {"species"}
    assert all(row["low"] <= row["mean"] <= row["high"] for row in rows.values())
    assert sum(row["mean"] for row in rows.values()) == pytest.approx(1.0)
    one = sklgrad("fit", path, "--target", "species", "--epochs", "3", "--hidden", "4",
                  "--networks", "1", "--quiet", "--out", tmp_path / "one")
    assert "Ranking from one network trained on all 150 rows: one draw" in one.stdout
