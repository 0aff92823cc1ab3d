"""Small data sets shared by the engine's tests."""

from sklearn.datasets import make_classification, make_regression

from sklgrad import LearningGradientClassifier, LearningGradientRegressor

KINDS = ["binary", "multiclass", "regression"]


def engine_data(kind):
    if kind == "regression":
        return make_regression(n_samples=90, n_features=5, n_targets=2, random_state=0)
    return make_classification(n_samples=90, n_features=5, n_informative=3,
                               n_classes=2 if kind == "binary" else 3, random_state=0)


def estimator_class(kind):
    return LearningGradientRegressor if kind == "regression" else LearningGradientClassifier
