"""scikit-learn's estimator checks over every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklgrad import LearningGradientClassifier, LearningGradientRegressor

# Small networks keep the battery fast; the defaults are exercised elsewhere.
ESTIMATORS = [
    LearningGradientClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0),
    LearningGradientRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
