"""Run the code of the documentation pages, as a reader would paste it, and redraw their
pictures.

    python docs/examples/run_docs.py OUT_DIR [PAGE.md ...]

Each page's ```python blocks run in order in one namespace (a block may use what an earlier
block of the same page made), in a scratch folder. When a block is followed by a ```text
block, that block is the output the page shows: the printed output must match it. When a
block is followed, before the next code block, by a picture ``![...](img/NAME.png)``, the
last figure the block drew is saved to ``OUT_DIR/img/NAME.png``: the picture under a code
block is what that block draws. The tests run every page this way
(``tests/test_docs.py``); ``OUT_DIR`` then is a temporary folder, never ``docs/``.

With ``--core-only`` a page runs as after a plain ``pip install sklgrad``, in a process of
its own: the packages of the optional extras (pyproject.toml) cannot be imported (pandas,
say, then works without pyarrow), except those that a block imports and that the page names
a ``pip install`` line for before it (a reader who follows the page installs them); a block
that imports one with no such line fails.
"""

import argparse
import ast
import contextlib
import importlib.abc
import io
import os
import re
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)]+\.png)\)")


def blocks(page):
    """[(code, expected output or None, picture path or None)] of a Markdown page."""
    text = Path(page).read_text()
    fences = list(_FENCE.finditer(text))
    found = []
    for index, fence in enumerate(fences):
        if fence.group(1) != "python":
            continue
        following = fences[index + 1] if index + 1 < len(fences) else None
        expected = None
        if following is not None and following.group(1) == "text" and not text[
                fence.end():following.start()].strip():
            expected = following.group(2)
        # The picture between this block and the next code block.
        end = next((f.start() for f in fences[index + 1:] if f.group(1) == "python"),
                   len(text))
        image = _IMAGE.search(text, fence.end(), end)
        found.append((fence.group(2), expected, image.group(1) if image else None))
    return found


#: Import names that differ from the requirement's, and the packages a requirement's extras
#: bring (``dask[distributed]``: the ``distributed`` package).
_IMPORTED_AS = {"scikit_learn": "sklearn", "pytest_xdist": "xdist"}
_EXTRA_PACKAGES = {("dask", "distributed"): "distributed"}
#: The test runner's own packages: hidden from a page they would hide from pytest itself.
_TOOLS = {"pytest", "xdist", "ruff"}


def _module_names(requirement):
    """The import names of a requirement such as ``dask[distributed,dataframe]>=2024``."""
    name = re.split(r"[<>=!~ ;]", requirement, maxsplit=1)[0]
    base, _, extras = name.partition("[")
    base = base.replace("-", "_").lower()
    names = {_IMPORTED_AS.get(base, base)}
    for extra in extras.rstrip("]").split(","):
        if (base, extra.strip()) in _EXTRA_PACKAGES:
            names.add(_EXTRA_PACKAGES[base, extra.strip()])
    return names


def optional_modules():
    """{import name: the extras that install it} for the packages of the optional extras
    that the core dependencies do not install."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = set().union(*map(_module_names, project["dependencies"]))
    found = {}
    for extra, requirements in project["optional-dependencies"].items():
        for requirement in requirements:
            if requirement.startswith("sklgrad"):
                continue
            for name in _module_names(requirement) - core - _TOOLS:
                found.setdefault(name, set()).add(extra)
    return found


class _Blocked(importlib.abc.MetaPathFinder):
    """Imports of the optional packages fail, as where only the core is installed."""

    def __init__(self, names):
        self.names = set(names)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r} (the core install of "
                                      "sklgrad does not have it)", name=fullname)
        return None


def _imports(code):
    """The top-level names a block imports."""
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def _installed(text, optional):
    """The optional packages that the ``pip install`` lines in ``text`` install: those they
    name, and every package of an extra they name (``sklgrad[dask]``, ``.[dask]``)."""
    installed = set()
    for line in re.findall(r"pip install [^`\n]*", text):
        words = set(re.findall(r"[\w.-]+", line.replace("_", "-").lower()))
        extras = set(re.findall(r"\[([\w,-]+)\]", line))
        extras = {e.strip() for group in extras for e in group.split(",")}
        installed |= {module for module, holders in optional.items()
                      if module.replace("_", "-") in words or holders & extras}
    return installed


def installed_by_reader(page):
    """The optional packages a page's blocks import, each named by a ``pip install`` line
    before its block (else AssertionError): what a reader following the page installs."""
    text, optional = Path(page).read_text(), optional_modules()
    named = set()
    for number, (code, _, _) in enumerate(blocks(page), start=1):
        needed = _imports(code) & set(optional)
        installed = _installed(text[:text.index(code)], optional)
        unnamed = sorted(needed - installed)
        if unnamed:
            raise AssertionError(
                f"{page} block {number} imports {', '.join(unnamed)}, which a plain "
                "'pip install sklgrad' does not install, and the page names no pip install "
                "line for it before the block")
        if needed:
            named |= installed
    return named


def block_optional_packages(allowed=()):
    """From now on, this process imports none of the optional packages but ``allowed``:
    call it first, before pandas or sklgrad are imported."""
    names = set(optional_modules()) - set(allowed)
    if any(name.split(".")[0] in names for name in sys.modules):
        raise RuntimeError("an optional package is imported already")
    sys.meta_path.insert(0, _Blocked(names))


def _normalized(output):
    return [line.rstrip() for line in output.strip().splitlines()]


def run_page(page, out_dir, workdir, core_only=False):
    """Run one page's blocks in ``workdir``; save their pictures under ``out_dir``; with
    ``core_only``, as after a plain ``pip install sklgrad`` (see the module's docstring)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    namespace = {"__name__": "__main__"}  # as a script: its main guard runs
    previous = os.getcwd()
    os.chdir(workdir)
    try:
        if core_only:
            installed_by_reader(page)
        for number, (code, expected, image) in enumerate(blocks(page), start=1):
            plt.close("all")
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(compile(code, f"{Path(page).name}[block {number}]", "exec"), namespace)
            if expected is not None and _normalized(printed.getvalue()) != _normalized(
                    expected):
                raise AssertionError(
                    f"{page} block {number} printed:\n{printed.getvalue()}\n"
                    f"the page shows:\n{expected}")
            if image is not None and plt.get_fignums():
                target = Path(out_dir) / Path(page).parent.relative_to(ROOT) / image
                target.parent.mkdir(parents=True, exist_ok=True)
                plt.figure(plt.get_fignums()[-1]).savefig(target, dpi=100)
            plt.close("all")
    finally:
        os.chdir(previous)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("pages", nargs="*", type=Path)
    parser.add_argument("--core-only", action="store_true",
                        help="run as after a plain 'pip install sklgrad'")
    args = parser.parse_args(argv)
    import tempfile

    pages = [p.resolve() for p in args.pages] or PAGES
    if args.core_only:
        if len(pages) != 1:
            parser.error("--core-only runs one page (a process of its own)")
        block_optional_packages(installed_by_reader(pages[0]))
    for page in pages:
        with tempfile.TemporaryDirectory() as workdir:
            run_page(page, args.out_dir, workdir, core_only=args.core_only)
        print(f"ran {page.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
