"""sklgrad: learning gradients for scikit-learn.

While a neural network trains, keep back-propagating one step past the first layer and
record dLoss/dInput for every training example: per epoch, each input variable's share of
what the network learns from.

The public names are imported on first use, so that ``import sklgrad`` (and the command
line's ``--help``) does not pay for importing torch and skorch.
"""

import importlib

__version__ = "0.1.0"

# public name -> private module that defines it
_EXPORTS = {
    "ChunkedData": "._chunked",
    "EpochImportanceDisplay": "._display_epochs",
    "ImageImportanceDisplay": "._display_images",
    "ImportanceHistoryDisplay": "._display_history",
    "ImportanceRankingDisplay": "._display_ranking",
    "LearningComparison": "._comparison",
    "LearningComparisonDisplay": "._display_comparison",
    "LearningGradientClassifier": "._classifier",
    "LearningGradientMixin": "._capture",
    "LearningGradientNet": "._capture",
    "LearningGradientRecorder": "._capture",
    "LearningGradientRegressor": "._regressor",
    "LearningGradientSelector": "._selector",
    "LearningGradientSelectorCV": "._selector_cv",
    "MemorizationWarning": "._memorization",
    "TRUSTED_TYPES": "._persistence",
    "TensorBatchIterator": "._engine.data",
    "column_sources": "._importance_table",
    "correlated_groups": "._groups",
    "importance_table": "._importance_table",
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
