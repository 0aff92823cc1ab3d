"""Every page of the documentation runs as written (imports and data included)."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("run_docs", ROOT / "docs/examples/run_docs.py")
run_docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_docs)

PAGES = [page for page in run_docs.PAGES if run_docs.blocks(page)]


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_page_runs_as_written(page, tmp_path, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    (tmp_path / "work").mkdir()
    run_docs.run_page(page, tmp_path / "out", tmp_path / "work")


def test_every_page_with_code_is_checked():
    names = {page.name for page in PAGES}
    assert {"README.md", "user_guide.md", "selection.md", "cli.md",
            "hyperparameters.md", "scaling.md"} <= names
