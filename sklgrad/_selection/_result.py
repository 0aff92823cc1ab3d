"""What one fit of the selector found, as one object: the selector stores it whole and reads
its masks, its p-values and its importances from it."""

import dataclasses

import numpy as np

#: The selector's attributes that the two questions fill (None for the other thresholds);
#: each is the result's field of the same name without the trailing underscore.
QUESTION_ATTRIBUTES = (
    "relevant_", "relevant_by_path_", "path_screen_",
    "relevant_by_dependence_", "dependence_p_values_",
    "relevant_by_interaction_", "interaction_p_values_",
    "relevant_by_conditional_", "conditional_p_values_",
    "minimal_choice_", "minimal_candidates_", "path_network_", "screen_importances_")


@dataclasses.dataclass
class SelectionResult:
    """The estimators a selection fitted and what each of its screens found.

    ``importances`` has one row per estimator (per repeat) and one column per input;
    ``shadow_importances`` the shadows' beside them, for the rules that train shadows.
    The masks and p-values are the questions' ("all-relevant", "minimal"); each mask
    ``relevant_by_<screen>`` holds the inputs that screen found beyond the screens run
    before it. For the questions, ``selected`` is the answer, ``estimators`` and
    ``importances`` are the ranking networks' (trained on the answer's columns and their
    shadows), ``screen_importances`` and ``screen_shadow_importances`` the dense screen's
    (every input), and ``path_network`` minimal's path network. ``timings`` maps each step
    to its seconds.
    """

    estimators: list
    importances: np.ndarray
    shadow_importances: np.ndarray = None
    relevant: np.ndarray = None
    selected: np.ndarray = None
    screen_importances: np.ndarray = None
    screen_shadow_importances: np.ndarray = None
    path_network: object = None
    relevant_by_path: np.ndarray = None
    path_screen: object = None
    relevant_by_dependence: np.ndarray = None
    dependence_p_values: np.ndarray = None
    relevant_by_interaction: np.ndarray = None
    interaction_p_values: np.ndarray = None
    relevant_by_conditional: np.ndarray = None
    conditional_p_values: np.ndarray = None
    minimal_choice: int = None
    minimal_candidates: list = None
    timings: dict = dataclasses.field(default_factory=dict)

    @property
    def found_beside_the_dense_screen(self):
        """The inputs the screens other than the dense networks' found (None when no
        question was asked): "all-relevant" keeps them whatever their importance."""
        found = [mask for mask in (self.relevant_by_path, self.relevant_by_dependence,
                                   self.relevant_by_interaction,
                                   self.relevant_by_conditional) if mask is not None]
        return np.logical_or.reduce(found) if found else None

    @classmethod
    def from_fitted(cls, selector):
        """The result of a selector fitted by a version that kept only its attributes."""
        return cls(estimators=selector.estimators_, importances=selector.importances_,
                   shadow_importances=selector.shadow_importances_,
                   **{name[:-1]: getattr(selector, name, None)
                      for name in QUESTION_ATTRIBUTES})
