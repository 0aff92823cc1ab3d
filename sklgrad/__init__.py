"""sklgrad: learning gradients for scikit-learn.

While a neural network trains, keep back-propagating one step past the first layer and
record dLoss/dInput for every training example: per epoch, each input variable's share of
what the network learns from.

The public names are imported on first use, so that ``import sklgrad`` (and the command
line's ``--help``) does not pay for importing torch and skorch.
"""

import importlib

from ._legacy_paths import install as _install_legacy_paths

__version__ = "0.1.0"
_install_legacy_paths()  # model files written by the flat layout name its module paths

# public name -> private module that defines it
_EXPORTS = {
    "BelowBaselineWarning": "._neural_network._memorization",
    "ChunkedData": "._neural_network._chunked",
    "ConstantInputWarning": "._neural_network._constant",
    "EpochImportanceDisplay": "._inspection._plot._epochs",
    "ImageImportanceDisplay": "._inspection._plot._images",
    "ImportanceHistoryDisplay": "._inspection._plot._history",
    "ImportanceRankingDisplay": "._inspection._plot._ranking",
    "LearningComparison": "._inspection._comparison",
    "LearningComparisonDisplay": "._inspection._plot._comparison",
    "LearningGradientClassifier": "._neural_network._classifier",
    "LearningGradientMixin": "._engine.capture",
    "LearningGradientNet": "._engine.capture",
    "LearningGradientRecorder": "._engine.capture",
    "LearningGradientRegressor": "._neural_network._regressor",
    "LearningGradientSelector": "._selection._selector",
    "LearningGradientSelectorCV": "._selection._selector_cv",
    "MemorizationWarning": "._neural_network._memorization",
    "SelectionDisplay": "._inspection._plot._selection",
    "TRUSTED_TYPES": "._persistence",
    "TensorBatchIterator": "._engine.data",
    "column_sources": "._inspection._importance_table",
    "correlated_groups": "._inspection._correlated",
    "importance_spread": "._inspection._spread",
    "importance_table": "._inspection._importance_table",
    "load_model": "._persistence",
    "save_model": "._persistence",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
