"""The package's layers: imports only run downward, and the engine never reaches the
estimators (docs/api.md, "Architecture")."""

import ast
import pathlib

import sklgrad

PACKAGE = pathlib.Path(sklgrad.__file__).parent

# Top to bottom; a module may import from its own layer and the layers below it.
LAYERS = [
    ("command line and outputs", {"__main__", "_cli", "_outputs", "_experiment"}),
    ("displays and tables", {"_display_comparison", "_display_epochs", "_display_history",
                             "_display_images", "_display_ranking", "_display_utils",
                             "_importance_table", "_table", "_dates"}),
    ("meta-estimators", {"_selector", "_selector_cv", "_comparison", "_persistence",
                         "_relevance", "_dependence", "_interactions", "_conditional",
                         "_minimal_choice"}),
    ("fit-many orchestration", {"_fit_many"}),
    ("estimators and the path", {"_base", "_classifier", "_regressor", "_path",
                                 "_chunked"}),
    ("engine", {"_engine"}),
    ("foundations", {"_capture", "_params", "_docstrings", "_restore", "_target",
                     "_routing", "_groups", "_memorization"}),
]


def _is_module(name):
    path = PACKAGE.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _layer_of(module):
    top = module.split(".")[0]
    for index, (_, members) in enumerate(LAYERS):
        if top in members:
            return index
    raise AssertionError(f"sklgrad.{module} is in no layer: add it to LAYERS")


def _imports(path):
    """The sklgrad modules (relative to the package) that a file imports, anywhere in it."""
    relative = path.relative_to(PACKAGE).with_suffix("")
    package = list(relative.parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                names = [".".join(base + ([node.module] if node.module else []))]
                if not node.module:  # from . import a, b
                    names = [".".join(base + [alias.name]) for alias in node.names]
            elif node.module and node.module.startswith("sklgrad."):
                names = [node.module[len("sklgrad."):]]
            else:
                continue
            found.update(name for name in names if name)
        elif isinstance(node, ast.Import):
            found.update(alias.name[len("sklgrad."):] for alias in node.names
                         if alias.name.startswith("sklgrad."))
    # ``from . import __version__`` names the package's own attribute, not a module.
    return {name for name in found if _is_module(name)}


def test_imports_run_only_downward():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        if module == "__init__":
            continue  # the public names, imported on first use
        layer = _layer_of(module)
        for imported in _imports(path):
            if _layer_of(imported) < layer:
                upward.append(f"sklgrad.{module} imports sklgrad.{imported} "
                              f"({LAYERS[_layer_of(imported)][0]})")
    assert not upward, "\n".join(upward)


def test_no_engine_module_imports_an_estimator_or_a_meta_estimator():
    engine = sorted((PACKAGE / "_engine").glob("*.py"))
    assert len(engine) > 10
    for path in engine:
        for imported in _imports(path):
            assert imported.startswith("_engine") or imported in LAYERS[-1][1], (
                f"{path.name} imports sklgrad.{imported}")


def test_the_estimators_have_no_mixin_base_of_the_path():
    from sklgrad import LearningGradientClassifier, LearningGradientRegressor
    from sklgrad._neural_network._path import InputPenaltyPath

    for cls in (LearningGradientClassifier, LearningGradientRegressor):
        assert InputPenaltyPath not in cls.__mro__
        assert [base.__module__ for base in cls.__mro__ if base.__module__.startswith(
            "sklgrad")] == [cls.__module__, "sklgrad._neural_network._base"]
