"""The package's architecture as one table: its layers, top to bottom.

A module imports from its own package and from the layers below its own, never from a layer
above nor from another package of its layer. ``tests/test_layers.py`` walks every import
(at the top of a file and inside functions) against this table, and docs/api.md's
"Architecture" is :func:`architecture_markdown`'s output, checked by the same test.
"""

import ast
import pathlib

#: (layer, the packages and flat modules in it), top to bottom.
LAYERS = (
    ("entry point", ("__main__",)),
    ("command line", ("_cli",)),
    ("inspection and persistence", ("_inspection", "_persistence")),
    ("selection", ("_selection",)),
    ("estimators", ("_neural_network",)),
    ("engine", ("_engine",)),
    ("foundations", ("_utils", "_layers", "_legacy_paths")),
)

PACKAGE = pathlib.Path(__file__).parent


def unit_of(module):
    """The package or flat module (a table entry) that ``module`` (dotted, relative to
    sklgrad) belongs to."""
    return module.split(".")[0]


def layer_of(module):
    """The index in :data:`LAYERS` of ``module``'s layer (0 is the top)."""
    unit = unit_of(module)
    for index, (_, units) in enumerate(LAYERS):
        if unit in units:
            return index
    raise KeyError(f"sklgrad.{module} is in no layer of sklgrad._layers.LAYERS")


def _summary(unit):
    """The first line of a package's (or flat module's) docstring."""
    path = PACKAGE / unit / "__init__.py"
    if not path.exists():
        path = PACKAGE / f"{unit}.py"
    docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
    return docstring.strip().splitlines()[0] if docstring.strip() else ""


def architecture_markdown():
    """docs/api.md's architecture table: each layer's packages, with the first line of
    their docstrings, top to bottom."""
    rows = ["| layer | package | what it holds |", "| --- | --- | --- |"]
    for layer, units in LAYERS:
        for number, unit in enumerate(units):
            kind = "/" if (PACKAGE / unit).is_dir() else ".py"
            rows.append(f"| {layer if number == 0 else ''} | `{unit}{kind}` | "
                        f"{_summary(unit)} |")
    return "\n".join(rows) + "\n"
