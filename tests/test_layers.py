"""The package's layers (``sklgrad/_layers.py``): every import runs downward, no two packages
import each other, no modules import in a circle, and docs/api.md draws the same table."""

import ast
import pathlib

import pytest

import sklgrad
from sklgrad._layers import LAYERS, architecture_markdown, layer_of, unit_of

PACKAGE = pathlib.Path(sklgrad.__file__).parent
DOCS = PACKAGE.parent / "docs" / "api.md"


def _module_name(path):
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name):
    path = PACKAGE.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imports_of(path):
    """The sklgrad modules (dotted, relative to the package) that a file imports, at its
    top or inside functions."""
    relative = path.relative_to(PACKAGE).with_suffix("")
    package = list(relative.parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("sklgrad."):
                module = node.module[len("sklgrad."):]
            else:
                continue
            # ``from package import module`` imports the module (the package's
            # ``__init__`` runs first anyway); ``from module import name`` the module.
            submodules = [f"{module}.{alias.name}" if module else alias.name
                          for alias in node.names]
            names = [name for name in submodules if _is_module(name)] or [module]
            found.update(name for name in names if name)
        elif isinstance(node, ast.Import):
            found.update(alias.name[len("sklgrad."):] for alias in node.names
                         if alias.name.startswith("sklgrad."))
    # ``from .. import __version__`` names a package's attribute, not a module; a package's
    # own ``__init__`` imported by its modules is part of the package.
    return {name for name in found if name and _is_module(name)}


def import_graph():
    """Each sklgrad module (but the public ``__init__``, which imports on first use by
    name) and the sklgrad modules it imports."""
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        if name:
            graph[name] = imports_of(path)
    return graph


def layering_problems(graph):
    """Every import that runs upward or across to another package of the same layer."""
    problems = []
    for module, imported in sorted(graph.items()):
        for target in sorted(imported):
            if unit_of(target) == unit_of(module):
                continue
            if layer_of(target) < layer_of(module):
                problems.append(f"sklgrad.{module} imports sklgrad.{target} from a layer "
                                f"above ({LAYERS[layer_of(target)][0]})")
            elif layer_of(target) == layer_of(module):
                problems.append(f"sklgrad.{module} imports sklgrad.{target}, another "
                                f"package of its layer ({LAYERS[layer_of(module)][0]})")
    return problems


def import_cycles(graph):
    """The cycles among modules (each as the modules on it), found by depth-first search."""
    cycles, state = [], {}

    def visit(module, trail):
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                cycles.append(trail[trail.index(target):] + [target])
            elif target not in state:
                visit(target, trail + [target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return cycles


def import_levels(graph):
    """The length of the longest chain of imports (a module importing nothing is level 1)."""
    levels = {}

    def level(module):
        if module not in levels:
            levels[module] = 1 + max((level(t) for t in graph.get(module, ())), default=0)
        return levels[module]

    return max(level(module) for module in graph)


def test_every_module_is_in_a_layer():
    for module in import_graph():
        layer_of(module)  # raises KeyError naming the module


def test_imports_run_only_downward():
    problems = layering_problems(import_graph())
    assert not problems, "\n".join(problems)


def test_no_modules_import_in_a_circle():
    cycles = import_cycles(import_graph())
    assert not cycles, "\n".join(" -> ".join(cycle) for cycle in cycles)


def test_a_planted_upward_import_is_caught():
    graph = import_graph()
    graph["_engine.data"] = graph["_engine.data"] | {"_selection._result"}
    assert layering_problems(graph) == [
        "sklgrad._engine.data imports sklgrad._selection._result from a layer above "
        "(selection)"]
    graph["_selection._result"] = {"_selection._orchestrator"}
    assert any(cycle[0] == cycle[-1] for cycle in import_cycles(graph))


def test_at_most_a_dozen_flat_modules_and_none_over_500_lines():
    flat = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(flat) <= 12, flat
    long = {str(path.relative_to(PACKAGE)): n for path in PACKAGE.rglob("*.py")
            if (n := len(path.read_text().splitlines())) > 500}
    assert not long, long


def test_each_package_says_its_job_in_the_first_line_of_its_init():
    for init in PACKAGE.glob("*/**/__init__.py"):
        lines = (ast.get_docstring(ast.parse(init.read_text())) or "").splitlines()
        assert lines and lines[0].endswith(".") and (len(lines) == 1 or not lines[1]), init


def test_the_docs_draw_the_architecture_from_the_table():
    text = DOCS.read_text()
    assert architecture_markdown() in text, (
        "docs/api.md's architecture table differs from sklgrad._layers.LAYERS: paste "
        "python -c 'from sklgrad._layers import architecture_markdown as a; print(a())'")


def test_no_engine_module_imports_an_estimator_or_a_meta_estimator():
    graph = import_graph()
    engine = [module for module in graph if unit_of(module) == "_engine"]
    assert len(engine) > 10
    for module in engine:
        for imported in graph[module]:
            assert unit_of(imported) in ("_engine", *LAYERS[-1][1]), (module, imported)


def test_the_estimators_have_no_mixin_base_of_the_path():
    from sklgrad import LearningGradientClassifier, LearningGradientRegressor
    from sklgrad._neural_network._path import InputPenaltyPath

    for cls in (LearningGradientClassifier, LearningGradientRegressor):
        assert InputPenaltyPath not in cls.__mro__
        assert [base.__module__ for base in cls.__mro__ if base.__module__.startswith(
            "sklgrad")] == [cls.__module__, "sklgrad._neural_network._base"]


@pytest.mark.parametrize("old, new", [
    ("sklgrad._classifier", "sklgrad._neural_network._classifier"),
    ("sklgrad._selector", "sklgrad._selection._selector"),
    ("sklgrad._dates", "sklgrad._cli._dates")])
def test_the_flat_layouts_module_paths_still_import(old, new):
    import importlib

    assert importlib.import_module(old) is importlib.import_module(new)
    assert importlib.import_module(new).__spec__.name == new
