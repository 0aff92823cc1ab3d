"""The module paths of sklgrad 0.1.0's flat layout, kept importable for the files that name them.

pickle and skops record a class by the path of the module that defines it
(``sklgrad._classifier.LearningGradientClassifier``). The modules that define public names,
and ``DatesAsYears`` (which the command line's model files hold), moved into packages; their
old paths stay importable as aliases of the new modules, so a file written by an earlier
version loads, and saved again it names the new path. Internal modules have no alias: no
file names them. docs/api.md lists the kept paths.
"""

import importlib
import importlib.abc
import importlib.util
import sys

#: Old module path -> the module that holds its public names now.
MOVED_MODULES = {
    "sklgrad._capture": "sklgrad._engine.capture",
    "sklgrad._chunked": "sklgrad._neural_network._chunked",
    "sklgrad._classifier": "sklgrad._neural_network._classifier",
    "sklgrad._comparison": "sklgrad._inspection._comparison",
    "sklgrad._dates": "sklgrad._cli._dates",
    "sklgrad._display_comparison": "sklgrad._inspection._plot._comparison",
    "sklgrad._display_epochs": "sklgrad._inspection._plot._epochs",
    "sklgrad._display_history": "sklgrad._inspection._plot._history",
    "sklgrad._display_images": "sklgrad._inspection._plot._images",
    "sklgrad._display_ranking": "sklgrad._inspection._plot._ranking",
    "sklgrad._groups": "sklgrad._inspection._correlated",
    "sklgrad._importance_table": "sklgrad._inspection._importance_table",
    "sklgrad._memorization": "sklgrad._neural_network._memorization",
    "sklgrad._regressor": "sklgrad._neural_network._regressor",
    "sklgrad._selector": "sklgrad._selection._selector",
    "sklgrad._selector_cv": "sklgrad._selection._selector_cv",
}


class _MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers an import of an old path with the module now at the new one (the same
    object, so classes compare equal and ``isinstance`` holds)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in MOVED_MODULES:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        module = importlib.import_module(MOVED_MODULES[spec.name])
        spec.loader_state = module.__spec__  # the import system overwrites it next
        return module

    def exec_module(self, module):
        module.__spec__ = module.__spec__.loader_state


def install():
    """Put the finder on ``sys.meta_path`` once (after the finders of real modules, which
    no longer find these paths)."""
    if not any(isinstance(finder, _MovedModuleFinder) for finder in sys.meta_path):
        sys.meta_path.append(_MovedModuleFinder())
