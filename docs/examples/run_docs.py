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
"""

import argparse
import contextlib
import io
import os
import re
import sys
from pathlib import Path

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


def _normalized(output):
    return [line.rstrip() for line in output.strip().splitlines()]


def run_page(page, out_dir, workdir):
    """Run one page's blocks in ``workdir``; save their pictures under ``out_dir``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    namespace = {"__name__": "__main__"}  # as a script: its main guard runs
    previous = os.getcwd()
    os.chdir(workdir)
    try:
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
    args = parser.parse_args(argv)
    import tempfile

    for page in [p.resolve() for p in args.pages] or PAGES:
        with tempfile.TemporaryDirectory() as workdir:
            run_page(page, args.out_dir, workdir)
        print(f"ran {page.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
