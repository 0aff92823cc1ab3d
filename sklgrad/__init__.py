"""sklgrad: learning gradients for scikit-learn.

While a neural network trains, keep back-propagating one step past the first layer and
record dLoss/dInput for every training example: per epoch, each input variable's share of
what the network learns from.
"""

from ._capture import LearningGradientMixin, LearningGradientNet, LearningGradientRecorder
from ._classifier import LearningGradientClassifier
from ._data import TensorBatchIterator
from ._display_epochs import EpochImportanceDisplay
from ._display_history import ImportanceHistoryDisplay
from ._display_images import ImageImportanceDisplay
from ._display_ranking import ImportanceRankingDisplay
from ._regressor import LearningGradientRegressor
from ._selector import LearningGradientSelector

__version__ = "0.1.0"

__all__ = [
    "EpochImportanceDisplay",
    "ImageImportanceDisplay",
    "ImportanceHistoryDisplay",
    "ImportanceRankingDisplay",
    "LearningGradientClassifier",
    "LearningGradientMixin",
    "LearningGradientNet",
    "LearningGradientRecorder",
    "LearningGradientRegressor",
    "LearningGradientSelector",
    "TensorBatchIterator",
    "__version__",
]
