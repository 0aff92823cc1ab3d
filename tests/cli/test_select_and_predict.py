"""``sklgrad select`` on one scale and answering the library's question; ``sklgrad predict``
filling nothing silently and keeping the rows' keys; outputs that only replace what sklgrad
wrote; results printed after the files are written."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from _inprocess import QUICK, run

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """Orders: an ID, two informative columns, a category (with a rare level), noise."""
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame({
        "order": [f"A{i:04d}" for i in rng.permutation(n)],
        "amount": rng.gamma(2.0, 20.0, n), "visits": rng.poisson(3, n).astype(float),
        "channel": rng.choice(["web", "store", "phone"], n),
        "noise": rng.normal(size=n)})
    logit = 0.04 * (frame["amount"] - 40) + 0.6 * (frame["visits"] - 3)
    frame["returned"] = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    path = tmp_path_factory.mktemp("shop") / "shop.csv"
    frame.to_csv(path, index=False)
    return path, frame


def test_select_prints_the_numbers_it_selects_on_and_a_threshold_between_them(
        shop, tmp_path, capsys):
    path, _ = shop
    status, out, err = run(capsys, "select", path, "--target", "returned", "--id", "order",
                           "--threshold", "mean", "--epochs", "30", "--hidden", "8",
                           "--quiet", "--out", tmp_path / "s")
    assert status == 0, err
    summary = json.loads((tmp_path / "s" / "summary.json").read_text())
    scores, threshold = summary["importance_by_column"], summary["threshold"]
    assert set(scores) == {"amount", "visits", "channel", "noise"}  # the ID is no input
    assert all(scores[c] >= threshold for c in summary["kept"])
    assert all(scores[c] < threshold for c in summary["dropped"])
    assert f"Threshold mean: {threshold:.4g}, on the same scale" in out
    for column in summary["kept"]:
        assert f"{column} ({scores[column]:.4g})" in out
    # The rows keep their key, and it is no input.
    reduced = pd.read_csv(tmp_path / "s" / "reduced.csv")
    assert list(reduced.columns) == ["order", *summary["kept"], "returned"]


def test_select_answers_minimal_by_default_and_says_its_rule(shop, tmp_path, capsys):
    path, _ = shop
    status, out, err = run(capsys, "select", path, "--target", "returned", "--id", "order",
                           "--quiet", "--out", tmp_path / "s")
    assert status == 0, err
    summary = json.loads((tmp_path / "s" / "summary.json").read_text())
    assert summary["question"] == "minimal" and summary["threshold"] is None
    assert out.startswith("Question: minimal (the fewest columns")
    assert "4.941e-324" not in out and "e-324" not in json.dumps(summary)
    assert set(summary["kept"]) <= {"amount", "visits", "channel", "noise"}


@pytest.mark.parametrize("question", ["all-relevant", "minimal"])
def test_a_questions_shares_rank_its_columns_above_the_dropped_and_say_their_bar(
        shop, tmp_path, capsys, question):
    # The shares printed beside a question's answer are those of networks trained on the
    # kept columns beside shuffled copies: every kept column above every dropped one (0),
    # the copies' largest share printed as the bar, and a kept column below it says what
    # kept it.
    path, _ = shop
    status, out, err = run(capsys, "select", path, "--target", "returned", "--id", "order",
                           "--threshold", question, "--quiet", "--out", tmp_path / "s")
    assert status == 0, err
    summary = json.loads((tmp_path / "s" / "summary.json").read_text())
    scores, bar = summary["importance_by_column"], summary["shadow_bar"]
    assert summary["threshold"] is None and 0 < bar < 1
    assert {"amount", "visits"} <= set(summary["kept"])
    assert min(scores[c] for c in summary["kept"]) > max(
        [scores[c] for c in summary["dropped"]], default=-1)
    assert all(scores[c] == 0 for c in summary["dropped"])
    assert f"whose largest share is {bar:.4g}" in out
    # Each share printed with its spread over the ranking networks.
    assert summary["n_networks"] > 1
    spreads = summary["importance_std_by_column"]
    kept_line = next(line for line in out.splitlines() if line.startswith("Kept (share)"))
    for column in summary["kept"]:
        assert spreads[column] > 0
        share = f"{column} ({scores[column]:.4g} ±{spreads[column]:.2g}"
        if scores[column] >= bar:
            assert f"{share})" in kept_line
        else:
            grounds = "chosen on held-out rows; kept by the" if question == "minimal" \
                else "kept by the"
            assert f"{share}; {grounds}" in kept_line
    report = pd.read_csv(tmp_path / "s" / "selection.csv")
    assert {"share", "share_std", "shadow_bar", "screen_share"} <= set(report.columns)


def test_predict_refuses_or_fills_an_empty_category_and_says_with_what(shop, tmp_path,
                                                                       capsys):
    path, frame = shop
    with_gap = frame.copy()
    with_gap.loc[[4, 9], "channel"] = np.nan
    with_gap.to_csv(tmp_path / "gap.csv", index=False)
    status, _, err = run(capsys, "fit", tmp_path / "gap.csv", "--target", "returned",
                         "--impute", "median", *QUICK, "--out", tmp_path / "m")
    assert status == 0, err
    summary = json.loads((tmp_path / "m" / "summary.json").read_text())
    filled = summary["imputed_values"]
    assert filled["channel"] in ("web", "store", "phone")
    assert filled["amount"] == pytest.approx(frame["amount"].median(), rel=0.05)
    new = frame.drop(columns="returned").head(6).copy()
    new.loc[2, "channel"] = ""  # an empty text value
    new.to_csv(tmp_path / "new.csv", index=False)
    model = tmp_path / "m" / "model.skops"
    status, _, err = run(capsys, "predict", model, tmp_path / "new.csv", "--strict")
    assert status == 2 and "empty or missing values: column 'channel', line(s) 4" in err
    status, out, err = run(capsys, "predict", model, tmp_path / "new.csv")
    assert status == 0, err
    assert (f"filled as at fit time: 'channel' 1 row(s) with {filled['channel']!r}"
            in err)
    # The ID found at fit time (unique text) is no input; predictions keep it.
    predictions = pd.read_csv(pd.io.common.StringIO(out))
    assert list(predictions["order"]) == list(new["order"])


def test_predict_without_imputation_says_an_empty_category_is_no_category(shop, tmp_path,
                                                                          capsys):
    path, frame = shop
    assert run(capsys, "fit", path, "--target", "returned", "--id", "order", *QUICK,
               "--out", tmp_path / "m")[0] == 0
    new = frame.drop(columns="returned").head(4).copy()
    new.loc[1, "channel"] = np.nan
    new["visits"] = new["visits"].astype(object)
    new.loc[2, "visits"] = "three?"  # a bad row, skipped: the others keep their keys
    new.to_csv(tmp_path / "new.csv", index=False)
    status, out, err = run(capsys, "predict", tmp_path / "m" / "model.skops",
                           tmp_path / "new.csv", "--skip-bad-rows")
    assert status == 0, err
    assert "'channel' 1 row(s) as no category" in err and "skipped 1 row(s)" in err
    kept = pd.read_csv(pd.io.common.StringIO(out))["order"].tolist()
    assert kept == new["order"].drop(index=2).tolist()


def test_predict_warns_when_a_never_negative_target_is_predicted_below_zero(tmp_path,
                                                                           capsys):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"a": rng.uniform(-1, 1, size=300)})
    frame["price"] = 10 + 8 * frame["a"] + rng.normal(scale=0.3, size=300)  # 2 to 18
    frame.to_csv(tmp_path / "p.csv", index=False)
    assert run(capsys, "fit", tmp_path / "p.csv", "--target", "price", "--epochs", "60",
               "--lr", "0.01", "--hidden", "8", "--networks", "1", "--quiet",
               "--out", tmp_path / "m")[0] == 0
    # Far outside the training range the network extrapolates the slope below zero.
    pd.DataFrame({"a": [-40.0, 0.0, 40.0]}).to_csv(tmp_path / "far.csv", index=False)
    status, out, err = run(capsys, "predict", tmp_path / "m" / "model.skops",
                           tmp_path / "far.csv")
    assert status == 0, err
    predicted = pd.read_csv(pd.io.common.StringIO(out))["predicted"]
    assert predicted[0] < 0 < predicted[1]
    assert f"{int((predicted < 0).sum())} of 3 predictions are below 0" in err


def test_a_previous_output_the_user_changed_is_never_replaced(shop, tmp_path, capsys):
    path, _ = shop
    out = tmp_path / "out"
    args = ("fit", path, "--target", "returned", "--id", "order", *QUICK, "--out", out)
    assert run(capsys, *args)[0] == 0
    # The user puts a folder of notes where the ranking was.
    (out / "ranking.png").unlink()
    (out / "ranking.png").mkdir()
    (out / "ranking.png" / "notes.txt").write_text("mine")
    before = sorted(p.name for p in out.iterdir())
    status, _, err = run(capsys, *args)
    assert status == 2 and "ranking.png is not the file sklgrad wrote there" in err
    assert (out / "ranking.png" / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in out.iterdir()) == before
    # An edited file is not sklgrad's either.
    (out / "ranking.png" / "notes.txt").unlink()
    (out / "ranking.png").rmdir()
    (out / "summary.json").write_text("{}")
    status, _, err = run(capsys, *args)
    assert status == 2 and "summary.json is not the file sklgrad wrote there" in err
    assert (out / "summary.json").read_text() == "{}"


def test_a_closed_standard_output_loses_neither_the_run_nor_its_files(shop, tmp_path):
    path, _ = shop
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line (`... | head -0`)
    result = subprocess.run(
        [sys.executable, "-m", "sklgrad", "fit", str(path), "--target", "returned",
         "--id", "order", *QUICK, "--out", str(tmp_path / "o")],
        stdout=write, stderr=subprocess.PIPE, text=True, env=ENV, timeout=600)
    os.close(write)
    assert result.returncode in (0, 141), result.stderr
    assert "Traceback" not in result.stderr
    for name in ("model.skops", "summary.json", "ranking.png"):
        assert (tmp_path / "o" / name).stat().st_size > 0


@pytest.mark.parametrize("bad, message", [
    ("nan", "Missing values in column(s) amount"),
    ("text", "Column amount is not numeric and has"),
])
def test_bad_input_is_one_line_before_the_leak_check(shop, tmp_path, capsys, monkeypatch,
                                                     bad, message):
    from sklgrad._cli import _leaks

    path, frame = shop
    frame = frame.copy()
    if bad == "nan":
        frame.loc[3, "amount"] = np.nan
    else:
        frame["amount"] = frame["amount"].round(2).astype(str)
        frame.loc[[3, 8], "amount"] = "unknown"  # a typed-in gap: the column is text
    frame.to_csv(tmp_path / "bad.csv", index=False)
    checked = []
    monkeypatch.setattr(_leaks, "single_column_leaks", lambda *a: checked.append(1) or {})
    status, _, err = run(capsys, "fit", tmp_path / "bad.csv", "--target", "returned",
                         "--id", "order", *QUICK, "--out", tmp_path / "o")
    assert status == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not checked and not (tmp_path / "o").exists()


def test_the_per_epoch_figure_shows_the_top_inputs_and_the_rest_as_a_band():
    from sklgrad import EpochImportanceDisplay

    history = np.random.default_rng(0).dirichlet(np.ones(86), size=6)
    display = EpochImportanceDisplay.from_history(history, top_k=30)
    assert len(display.bars_[0]) == 30 and len(display.rest_bars_) == len(display.epochs_)
    rest = np.argsort(-history[-1], kind="mergesort")[30:]
    last = display.epochs_[-1] - 1
    assert display.rest_bars_[-1][0].get_width() == pytest.approx(history[last, rest].mean())
    labels = [t.get_text() for t in display.axes_[0].get_yticklabels()]
    assert labels[-1] == "other 56 (mean, range)"
    # One bar per input would make 86 bars a panel, 34 inches tall.
    assert display.figure_.get_size_inches()[1] < 25


def _without_plan(model, path):
    """A copy of a model file without its forward plan: predict takes the full path."""
    import zipfile

    from sklgrad._cli._forward import MEMBER

    with zipfile.ZipFile(model) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            if item.filename != MEMBER:
                target.writestr(item, source.read(item.filename))
    return path


@pytest.mark.parametrize("target, extra", [
    ("returned", ("--proba",)),  # two classes, a category, an ID
    ("channel", ("--proba",)),  # three classes
    ("amount", ()),  # a regression
    ("log_amount", ()),  # a regression trained on the log scale
])
def test_predict_without_torch_gives_the_full_paths_predictions(shop, tmp_path, capsys,
                                                                target, extra):
    path, frame = shop
    transform = ()
    if target == "log_amount":
        target, transform = "amount", ("--target-transform", "log")
    assert run(capsys, "fit", path, "--target", target, "--id", "order", *transform,
               "--epochs", "20", "--hidden", "8,4", "--networks", "1", "--quiet",
               "--out", tmp_path / "m")[0] == 0
    new = frame.drop(columns=target).sample(40, random_state=1)
    new.to_csv(tmp_path / "new.csv", index=False)
    model = tmp_path / "m" / "model.skops"
    full = _without_plan(model, tmp_path / "full.skops")
    status, fast_out, err = run(capsys, "predict", model, tmp_path / "new.csv", *extra)
    assert status == 0, err
    status, full_out, err = run(capsys, "predict", full, tmp_path / "new.csv", *extra)
    assert status == 0, err
    fast, slow = (pd.read_csv(pd.io.common.StringIO(text)) for text in (fast_out, full_out))
    assert list(fast.columns) == list(slow.columns) and fast.columns[0] == "order"
    assert fast["order"].tolist() == new["order"].tolist()
    numbers = [c for c in fast.columns if c.startswith("proba_")] or ["predicted"]
    np.testing.assert_allclose(fast[numbers], slow[numbers], rtol=1e-12, atol=1e-12)
    if numbers != ["predicted"]:
        assert (fast["predicted"] == slow["predicted"]).all()  # the same classes


def test_predict_on_a_clean_file_imports_neither_torch_nor_scikit_learn(shop, tmp_path,
                                                                        capsys):
    path, frame = shop
    assert run(capsys, "fit", path, "--target", "returned", *QUICK,
               "--out", tmp_path / "m")[0] == 0
    frame.drop(columns="returned").head(5).to_csv(tmp_path / "new.csv", index=False)
    probe = ("import sys; from sklgrad._cli import main; status = main(['predict', "
             f"{str(tmp_path / 'm' / 'model.skops')!r}, {str(tmp_path / 'new.csv')!r}]); "
             "heavy = [m for m in ('torch', 'sklearn', 'pandas', 'skorch', 'scipy') "
             "if m in sys.modules]; print('heavy:', heavy, file=sys.stderr); "
             "sys.exit(status)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            env=ENV, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "heavy: []" in result.stderr
    assert len(result.stdout.strip().splitlines()) == 6
    # A file the fast path cannot read exactly (an unseen category) takes the full path.
    unseen = frame.drop(columns="returned").head(5).assign(channel="fax")
    unseen.to_csv(tmp_path / "fax.csv", index=False)
    status, out, err = run(capsys, "predict", tmp_path / "m" / "model.skops",
                           tmp_path / "fax.csv")
    assert status == 0 and "values not seen in training" in err
    # A model file edited after it was written (its schema, not the plan) is not the one
    # the plan was made from: the fast path must not read it, so the full path checks it.
    import zipfile

    from sklgrad._cli._forward import read_plan

    model = tmp_path / "m" / "model.skops"
    edited = tmp_path / "edited.skops"
    with zipfile.ZipFile(model) as source, zipfile.ZipFile(edited, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item, data + b" " if item.filename == "schema.json" else data)
    assert read_plan(model) is not None and read_plan(edited) is None


def test_a_wide_tables_per_epoch_figure_stays_readable(tmp_path, capsys):
    from PIL import Image

    rng = np.random.default_rng(5)
    wide = pd.DataFrame(rng.normal(size=(200, 86)), columns=[f"c{i}" for i in range(86)])
    wide["y"] = (wide["c0"] > 0).map({True: "a", False: "b"})
    wide.to_csv(tmp_path / "wide.csv", index=False)
    assert run(capsys, "fit", tmp_path / "wide.csv", "--target", "y", *QUICK,
               "--out", tmp_path / "o")[0] == 0
    with Image.open(tmp_path / "o" / "importance_by_epoch.png") as image:
        assert image.size[1] < 1500  # 86 bars a panel would be 3,416 px tall
