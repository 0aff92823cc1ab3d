"""Every page of the documentation runs as written (imports and data included), with the
core dependencies alone unless the page names the install line of what it imports."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("run_docs", ROOT / "docs/examples/run_docs.py")
run_docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_docs)

PAGES = [page for page in run_docs.PAGES if run_docs.blocks(page)]


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_page_runs_as_written_with_the_core_install(page, tmp_path):
    # A process of its own, where the optional extras' packages cannot be imported.
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    result = subprocess.run([sys.executable, str(ROOT / "docs/examples/run_docs.py"),
                             str(tmp_path / "out"), str(page), "--core-only"],
                            cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stderr[-4000:]


def test_every_page_with_code_is_checked():
    names = {page.name for page in PAGES}
    assert {"README.md", "user_guide.md", "selection.md", "cli.md",
            "hyperparameters.md", "scaling.md"} <= names


def test_a_page_that_imports_an_optional_package_must_name_its_install_line(tmp_path):
    optional = run_docs.optional_modules()
    assert {"vega_datasets", "dask", "pyarrow"} <= set(optional)
    assert not {"torch", "sklearn", "pandas", "skops", "numpy"} & set(optional)
    page = tmp_path / "page.md"
    code = "```python\nimport vega_datasets\n```\n"
    page.write_text("# A page\n\n" + code)
    with pytest.raises(AssertionError, match="imports vega_datasets, which a plain"):
        run_docs.installed_by_reader(page)
    page.write_text("# A page\n\nWith `pip install vega_datasets`:\n\n" + code)
    assert run_docs.installed_by_reader(page) == {"vega_datasets"}
    # In the page's process the others cannot be imported, even where installed.
    probe = ("import importlib.util, sys; spec = importlib.util.spec_from_file_location("
             f"'r', {str(ROOT / 'docs/examples/run_docs.py')!r}); r = importlib.util."
             "module_from_spec(spec); spec.loader.exec_module(r); "
             "r.block_optional_packages({'vega_datasets'}); import pandas, sklgrad\n"
             "try:\n    import dask\nexcept ImportError as e:\n    print('blocked', e)\n"
             "import vega_datasets; print('allowed')")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=300)
    assert "blocked No module named 'dask'" in result.stdout, result.stderr
    assert "allowed" in result.stdout
