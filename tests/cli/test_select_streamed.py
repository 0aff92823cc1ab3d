"""``sklgrad select`` on a Parquet dataset or a folder of CSV files: streamed."""

import json

import numpy as np
import pandas as pd
import pytest
from _inprocess import sklgrad


def _frame(n_rows=600, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.uniform(-1, 1, size=(n_rows, 6)),
                         columns=["a", "b", "noise1", "noise2", "noise3", "noise4"])
    frame["y"] = (3 * frame["a"] + 3 * frame["b"] ** 2 + rng.logistic(size=n_rows)
                  > 1.0).astype(int)
    return frame


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_select_streams_a_dataset_and_writes_the_reduced_table(tmp_path, kind):
    pytest.importorskip("pyarrow")
    frame = _frame()
    data = tmp_path / "data"
    data.mkdir()
    for index, part in enumerate([frame.iloc[:200], frame.iloc[200:400], frame.iloc[400:]]):
        if kind == "parquet":
            part.to_parquet(data / f"part-{index}.parquet", index=False)
        else:
            part.to_csv(data / f"part-{index}.csv", index=False)
    out = tmp_path / "out"
    done = sklgrad("select", data, "--target", "y", "--threshold", "all-relevant",
                   "--repeats", "2", "--seed", "0", "--quiet", "--out", out)
    assert done.returncode == 0, done.stderr
    assert "Streamed 600 rows in 3 chunks" in done.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert {"a", "b"} <= set(summary["kept"]) and len(summary["kept"]) <= 3
    assert summary["streamed"] == {"n_rows": 600, "n_chunks": 3, "sample_rows": 600,
                                   "held_out_rows": 0, "network_rows": 600,
                                   "sample_is_table": True}
    reduced = (pd.read_parquet(out / "reduced.parquet") if kind == "parquet"
               else pd.read_csv(out / "reduced.csv"))
    assert list(reduced.columns) == [*summary["kept"], "y"]
    np.testing.assert_allclose(reduced[summary["kept"]].to_numpy(),
                               frame[summary["kept"]].to_numpy())
    report = pd.read_csv(out / "selection.csv")
    assert list(report["column"]) == list(frame.columns[:-1])
    assert (out / "ranking.png").exists() and (out / "selection.png").exists()


def test_select_refuses_in_memory_options_on_streamed_data(tmp_path):
    pytest.importorskip("pyarrow")
    data = tmp_path / "data"
    data.mkdir()
    for index, part in enumerate([_frame(200).iloc[:100], _frame(200).iloc[100:]]):
        part.to_parquet(data / f"part-{index}.parquet", index=False)
    done = sklgrad("select", data, "--target", "y", "--class-weight", "balanced",
                   "--out", tmp_path / "out")
    assert done.returncode != 0 and "--class-weight is not available" in done.stderr
    done = sklgrad("select", data, "--target", "y", "--threshold", "mean",
                   "--out", tmp_path / "out")
    assert done.returncode != 0 and "all-relevant or minimal" in done.stderr
    assert not (tmp_path / "out").exists()
