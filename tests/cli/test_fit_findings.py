"""What ``sklgrad fit`` finds on real-looking tables, said and on record: rare classes
measured fairly, leaks judged against the baselines, IDs kept out of the inputs, targets
that never go negative, every warning and dropped row in summary.json."""

import json
import re

import numpy as np
import pandas as pd
import pytest
from _inprocess import QUICK, run


@pytest.fixture(scope="module")
def rare(tmp_path_factory):
    """600 rows, 6% positives driven by x0, four noise columns and a customer ID."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 5))
    positive = rng.random(600) < 1 / (1 + np.exp(-(2 * X[:, 0] - 3.9)))
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(5)])
    frame.insert(0, "customer", rng.permutation(600) + 1000)
    frame["bought"] = np.where(positive, "yes", "no")
    path = tmp_path_factory.mktemp("rare") / "rare.csv"
    frame.to_csv(path, index=False)
    return path, frame


def test_a_rare_class_is_measured_beside_its_baselines_and_said_when_below(rare, tmp_path,
                                                                          capsys):
    path, frame = rare
    assert 0.04 < (frame["bought"] == "yes").mean() < 0.08
    status, out, err = run(capsys, "fit", path, "--target", "bought", "--id", "customer",
                           *QUICK, "--out", tmp_path / "o")
    assert status == 0, err
    for measure in ("balanced accuracy", "ROC AUC", "average precision", "log loss"):
        assert measure in out
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    scores = summary["held_out_scores"]
    assert scores["ROC AUC"]["constant"] == 0.5
    assert scores["average precision"]["constant"] == pytest.approx(
        (frame["bought"] == "yes").mean(), abs=0.03)
    # Five epochs of a 4-unit network: below the linear model somewhere, said, on record.
    below = summary["below_baselines_by_measure"]
    assert below and "warning: the network" in err
    recorded = [w for w in summary["warnings"] if w["kind"] == "below_baseline"]
    assert recorded and recorded[0]["measures"] == below
    assert "try --class-weight balanced" in recorded[0]["message"]
    # The reliability check: bins of predicted probability against observed rates.
    check = summary["reliability"]
    assert check["probability"] == "P(yes)" and sum(b["rows"] for b in check["bins"]) == 150
    assert (tmp_path / "o" / "reliability.png").stat().st_size > 1000
    # The ID is no input, and the model keeps it beside the predictions.
    assert "customer" not in summary["final_importances"]
    assert summary["id_columns"] == ["customer"]
    # The model card beside the model: data, settings, scores with baselines, warnings,
    # the ranking and its figure.
    card = (tmp_path / "o" / "README.md").read_text()
    assert "rare.csv`, target `bought`; 450 rows trained on, 150 held out" in card
    assert "| balanced accuracy |" in card and "constant baseline" in card
    assert recorded[0]["message"] in card
    assert "# Figure: ranking.png" in card and "](ranking.png)" in card
    assert re.search(r"\|\s+class_weight\s+\|\s+none\s+\|", card)


def test_balanced_class_weights_reach_the_rare_class(rare, tmp_path, capsys):
    path, _ = rare
    args = ("fit", path, "--target", "bought", "--id", "customer", "--epochs", "30",
            "--hidden", "8", "--networks", "1", "--quiet")
    assert run(capsys, *args, "--out", tmp_path / "plain")[0] == 0
    assert run(capsys, *args, "--class-weight", "balanced", "--out", tmp_path / "bal")[0] == 0
    plain = json.loads((tmp_path / "plain" / "summary.json").read_text())
    balanced = json.loads((tmp_path / "bal" / "summary.json").read_text())
    recall = [s["held_out_scores"]["balanced accuracy"]["network"] for s in (plain, balanced)]
    assert recall[1] > recall[0] + 0.1
    assert balanced["judged_on"] == "balanced accuracy"
    status, _, err = run(capsys, "fit", path, "--target", "x1", "--class-weight", "balanced",
                         *QUICK, "--out", tmp_path / "r")
    assert status == 2 and "--class-weight applies to classes" in err
    # select weighs the classes too: the rare class's column is what it keeps first.
    status, _, err = run(capsys, "select", path, "--target", "bought", "--id", "customer",
                         "--class-weight", "balanced", "--threshold", "mean", "--epochs",
                         "30", "--hidden", "8", "--quiet", "--out", tmp_path / "s")
    assert status == 0, err
    summary = json.loads((tmp_path / "s" / "summary.json").read_text())
    assert summary["settings"]["class_weight"] == "balanced" and "x0" in summary["kept"]


def _leaky(rng, n=400):
    """A target from x0 and x1; 'leak' is the target with 2% of it flipped."""
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] + X[:, 1] + 0.8 * rng.normal(size=n) > 0).astype(int)
    flipped = np.where(rng.random(n) < 0.02, 1 - y, y)
    frame = pd.DataFrame(X, columns=["x0", "x1", "x2", "x3"])
    frame["leak"] = np.where(flipped == 1, "approved", "declined")
    frame["target"] = np.where(y == 1, "yes", "no")
    return frame


def test_a_leak_is_judged_against_the_baselines_and_kept_out_of_the_reduced_table(
        tmp_path, capsys):
    frame = _leaky(np.random.default_rng(1))
    path = tmp_path / "leaky.csv"
    frame.to_csv(path, index=False)
    status, _, err = run(capsys, "fit", path, "--target", "target", *QUICK,
                         "--out", tmp_path / "f")
    assert status == 0, err
    summary = json.loads((tmp_path / "f" / "summary.json").read_text())
    assert summary["leaks"] == ["leak"]
    leak = next(w for w in summary["warnings"] if w["kind"] == "leak")
    assert 0.95 < leak["score_alone"] < 0.995  # the 0.99 cut would have missed it
    assert "'leak' alone predicts the target" in err and "--drop leak" in err
    status, out, err = run(capsys, "select", path, "--target", "target", "--threshold",
                           "mean", *QUICK[:4], "--quiet", "--out", tmp_path / "s")
    assert status == 0, err
    reduced = pd.read_csv(tmp_path / "s" / "reduced.csv")
    assert "leak" not in reduced.columns and "Left out as leaks" in out
    status, _, err = run(capsys, "select", path, "--target", "target", "--threshold",
                         "mean", "--keep-leaks", *QUICK[:4], "--quiet",
                         "--out", tmp_path / "k")
    assert status == 0, err
    summary = json.loads((tmp_path / "k" / "summary.json").read_text())
    assert "leak" in summary["kept"] + summary["dropped"]


def test_strong_columns_that_are_not_leaks_are_not_flagged(tmp_path, capsys):
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    frame.columns = [str(c) for c in frame.columns]
    frame.to_csv(tmp_path / "bc.csv", index=False)
    status, _, err = run(capsys, "fit", tmp_path / "bc.csv", "--target", "target", *QUICK,
                         "--out", tmp_path / "o")
    assert status == 0, err
    assert json.loads((tmp_path / "o" / "summary.json").read_text())["leaks"] == []


def test_every_warning_and_dropped_row_is_on_record(tmp_path, capsys):
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(rng.normal(size=(120, 3)), columns=["a", "b", "c"])
    frame["y"] = frame["a"] * 2 + rng.normal(size=120)
    frame.loc[[5, 17, 30], "y"] = np.nan
    frame.to_csv(tmp_path / "t.csv")  # an unnamed index column too
    status, out, err = run(capsys, "fit", tmp_path / "t.csv", "--target", "y",
                           "--drop-missing-target", *QUICK, "--out", tmp_path / "o")
    assert status == 0, err
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["dropped_rows"] == [{"reason": "missing target", "count": 3,
                                        "lines": [7, 19, 32]}]
    kinds = [w["kind"] for w in summary["warnings"]]
    assert "index_column" in kinds
    # Each warning printed is one on record, and the other way round.
    printed = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert printed == [f"warning: {w['message']}" for w in summary["warnings"]]
    assert summary["id_columns"] == ["Unnamed: 0"]
    assert "Unnamed: 0" not in summary["final_importances"]


def test_a_never_negative_target_warns_when_predictions_leave_it_and_log_keeps_them_in(
        tmp_path, capsys):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    # A skewed salary: mostly small, never negative.
    frame["salary"] = np.exp(1.5 * frame["a"] + 0.3 * rng.normal(size=300))
    frame.to_csv(tmp_path / "s.csv", index=False)
    status, _, err = run(capsys, "fit", tmp_path / "s.csv", "--target", "salary",
                         "--epochs", "40", "--hidden", "16", "--networks", "1", "--quiet",
                         "--out", tmp_path / "plain")
    assert status == 0, err
    summary = json.loads((tmp_path / "plain" / "summary.json").read_text())
    assert summary["target_range"] == [0.0, None]
    assert any(w["kind"] == "prediction_out_of_range" for w in summary["warnings"])
    assert "predictions on the held-out rows are below 0" in err
    status, _, err = run(capsys, "fit", tmp_path / "s.csv", "--target", "salary",
                         "--target-transform", "log", "--epochs", "40", "--lr", "0.01",
                         "--hidden", "16", "--networks", "1", "--quiet",
                         "--out", tmp_path / "log")
    assert status == 0, err
    assert "below 0" not in err
    from sklgrad import load_model

    model = load_model(tmp_path / "log" / "model.skops")
    predicted = model.predict(frame.drop(columns="salary"))
    assert predicted.min() > 0
    # The model predicts in the target's units: it fits it well on the log scale.
    assert np.corrcoef(np.log(predicted), np.log(frame["salary"]))[0, 1] > 0.9
    frame.assign(salary=frame["salary"] - 5).to_csv(tmp_path / "neg.csv", index=False)
    status, _, err = run(capsys, "fit", tmp_path / "neg.csv", "--target", "salary",
                         "--target-transform", "log", *QUICK, "--out", tmp_path / "n")
    assert status == 2 and "always positive" in err


def test_early_stopping_stops_and_is_recorded(tmp_path, capsys):
    from sklearn.datasets import load_diabetes

    load_diabetes(as_frame=True).frame.to_csv(tmp_path / "d.csv", index=False)
    status, _, err = run(capsys, "fit", tmp_path / "d.csv", "--target", "target",
                         "--early-stopping", "--epochs", "300", "--lr", "0.01",
                         "--networks", "1", "--quiet", "--out", tmp_path / "o")
    assert status == 0, err
    history = pd.read_csv(tmp_path / "o" / "importance_history.csv")
    assert len(history) < 300  # stopped on the held-out part of the training rows
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["settings"]["early_stopping"] is True
