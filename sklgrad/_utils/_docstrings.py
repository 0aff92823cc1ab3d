"""Docstring sections shared by the classifier and the regressor (written once)."""

PARAMETERS_DOC = """\
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Width of each hidden layer. The paper's network is ``(3,)``.
    activation : {"identity", "logistic", "tanh", "relu"}, default="relu"
        Non-linearity of the hidden layers.
    solver : {"sgd", "adam"}, default="adam"
        Mini-batch optimizer, with scikit-learn's update rules.
    alpha : float, default=1e-4
        L2 penalty, as scikit-learn's: ``alpha * W / n`` is added to the gradient of a batch
        of ``n`` rows (of total sample weight ``n``) and ``0.5 * alpha * ||W||^2 / n`` to its
        loss; biases are not penalized.
    batch_size : int or "auto", default="auto"
        Rows per mini-batch; "auto" is ``min(200, n_samples)``.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Schedule of the "sgd" solver, as scikit-learn's: "invscaling" sets the rate to
        ``learning_rate_init / (t + 1) ** power_t`` after each epoch (t: samples seen);
        "adaptive" divides it by 5 whenever the stopping rule would stop, and stops once it
        is at most 1e-6.
    learning_rate_init : float, default=1e-3
        Step size.
    power_t : float, default=0.5
        Exponent of the "invscaling" schedule.
    max_iter : int, default=200
        Epochs to train (each row visited once per epoch) unless training converges first.
    shuffle : bool, default=True
        Visit the rows in a new random order each epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights' initialization, the data order and the validation split. The
        global torch random state is left untouched. The same integer gives the same
        importances, bit for bit, on CPU.
    tol : float or None, default=1e-4
        scikit-learn's stopping rule: an epoch whose training loss is not below
        ``best_loss_ - tol`` (with ``early_stopping``: whose validation score is not above
        ``best_validation_score_ + tol``) counts as no improvement, and training stops when
        more than ``n_iter_no_change`` such epochs follow one another. ``None`` trains for
        exactly ``max_iter`` epochs.
    verbose : int, default=0
        Print scikit-learn's line per epoch (and the stopping messages) when positive; with
        ``input_penalty="path"``, a line per point of the path and per screened block.
    warm_start : bool, default=False
        Continue training the fitted network on the next ``fit`` (with a new optimizer made
        from the current parameters, as scikit-learn does) instead of starting over; the
        histories are appended to. ``hidden_layer_sizes``, ``activation``, ``standardize``
        and ``device`` cannot change then.
    momentum : float, default=0.9
        Momentum of the "sgd" solver.
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with the "sgd" solver.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows (stratified for classification), stop
        when the validation score (accuracy or R^2) stops improving by ``tol`` and restore
        the best epoch's weights (``best_epoch_`` says which).
    validation_fraction : float, default=0.1
        Share of rows held out with ``early_stopping``.
    beta_1 : float, default=0.9
        Adam's decay rate of the first moment.
    beta_2 : float, default=0.999
        Adam's decay rate of the second moment.
    epsilon : float, default=1e-8
        Adam's numerical-stability term.
    n_iter_no_change : int or np.inf, default=10
        Epochs without improvement by ``tol`` tolerated before training stops; ``np.inf``
        never stops.
    input_penalty : None, float or "path", default=None
        A group-lasso penalty on the first layer's columns (one per input), applied as a
        proximal step after each update, so that the columns of inputs the network does not
        need reach exactly zero (and so does their learning gradient). A number is a fixed
        strength. ``"path"`` holds out 10% of the rows (stratified for classification),
        trains a dense phase without penalty until the validation loss stops improving
        (``tol``, ``n_iter_no_change``; best weights kept), then 30 epochs at each strength
        0.001, 0.002, 0.004, ... (doubling, at most 13 points), warm-started (fewer
        epochs where an epoch takes more than 10 batches: about 300 steps a point, 5
        epochs at least); an input whose
        share of the previous point's learning gradient is above the average gets the
        strength divided by its multiple of the average (reweighted group lasso; an
        eliminated input stays eliminated); the path ends once the inputs alive stop
        changing for three points, and keeps the strongest point whose validation loss is
        within one standard error of the best (``path_``). When more than 50 inputs were
        eliminated, a screening round gives them a second chance: a path network on the
        survivors plus a block of 50 of them, for every block (the blocks' networks
        trained side by side as one stacked model); those that any block keeps
        join the survivors, and a second path runs from the dense phase's weights on them
        alone (an input whose effect is only conditional on others is eliminated with the
        noise among many inputs, and learned among few). The path's points train a budget
        of steps: at ``learning_rate_init=0.001`` (scikit-learn's default, kept here) an
        effect a network learns slowly, such as a ring, is not learned in it among many
        noise columns and is eliminated with them; ``learning_rate_init=0.01`` learns it
        on synthetic sets ("path-rate" in docs/benchmarks.md), but on the real-data
        benchmark sets it kept more noise columns and scored lower on four of five
        ("path-rate-real"). None: no penalty (the paper's method as it is). The penalty
        is not part of ``loss_curve_``.
    standardize : bool, default=True
        Standardize each input (zero mean, unit variance, learned in the first ``fit``).
        Learning gradients are then per standard deviation of each input, so a change of
        units does not change them; without it, a variable's share scales with ``1/units``.
    device : str, default="cpu"
        Torch device to train on, e.g. "cuda". Fitted attributes are NumPy arrays either way.
        On the CPU the network computes in X's precision (float64 or float32), as
        scikit-learn's MLP does; on a GPU, in float32.
"""

ATTRIBUTES_DOC = """\
    n_features_in_ : int
        Number of input variables seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the input variables, when X has string column names.
    feature_importances_ : ndarray of shape (n_features_in_,)
        Each input variable's share of the learning gradient in the last epoch (float64,
        sums to 1): ``importance_history_[-1]``.
    importance_history_ : ndarray of shape (n_epochs, n_features_in_)
        One row per epoch of every ``fit``/``partial_fit`` call of this network: the sum over
        the epoch's training examples of |dLoss/dx|, normalized to sum to 1.
    gradient_magnitude_history_ : ndarray of shape (n_epochs, n_features_in_)
        One row per epoch: the mean |dLoss/dx| per example, not normalized (the size of the
        learning signal).
    n_iter_ : int
        Epochs trained by the last call (1 after ``partial_fit``), as scikit-learn counts.
    loss_ : float
        The last epoch's loss.
    loss_curve_ : list of float
        Mean training loss (with the ``alpha`` term) of every epoch of every call.
    t_ : int
        Training samples seen, over all calls.
    best_loss_ : float or None
        The lowest training loss, without ``early_stopping`` (None with it).
    validation_scores_ : list of float or None
        Validation score (accuracy or R^2) of each epoch with ``early_stopping``.
    best_validation_score_ : float or None
        The best validation score, with ``early_stopping``.
    train_score_ : float or None
        With ``early_stopping``: the score (accuracy or R^2) of the fitted network on its
        training rows, beside ``best_validation_score_`` on the held-out rows.
    memorizing_ : bool or None
        With ``early_stopping``: whether more than half of what the network gained over a
        constant prediction on its training rows is lost on held-out rows (a
        :class:`~sklgrad.MemorizationWarning` is issued): its importances then describe
        what it memorized. None without a validation split.
    constant_score_ : float or None
        With ``early_stopping``: the held-out score of a constant prediction learned on the
        training rows (the most frequent class's accuracy, or 0 for R^2).
    below_constant_ : bool or None
        With ``early_stopping``: whether ``best_validation_score_`` is below
        ``constant_score_`` (a :class:`~sklgrad.BelowBaselineWarning` is issued): the
        network does worse than a constant, and its importances cannot be trusted. With
        ``input_penalty="path"``: whether the chosen point's validation loss fails to beat
        the constant prediction's by two standard errors of the difference (``gain``,
        ``gain_se`` in ``path_``; a :class:`~sklgrad.BelowBaselineWarning` is issued).
    best_epoch_ : int or None
        With ``early_stopping``: the index in ``importance_history_`` of the epoch whose
        weights the network holds (``importance_history_[best_epoch_]`` are that epoch's
        importances; ``feature_importances_`` are the last epoch's).
    net_ : skorch NeuralNet
        The fitted skorch network; ``net_.module_`` is the torch module. Saved (pickle,
        skops) as plain arrays: weights, optimizer state and the per-epoch history.
    scaler_ : StandardScaler or None
        The scaler of the inputs when ``standardize=True``.
    path_ : list of dict or None
        With ``input_penalty="path"``: one entry per point of the path (``strength``,
        ``validation_loss``, ``validation_loss_se``, ``gain`` and ``gain_se`` (how much
        lower its validation loss is than a constant prediction's, the training rows'
        class frequencies or mean, with the standard error of that difference taken row
        by row), ``inputs_alive``, ``inputs`` (the
        indices of the inputs alive), and the ``first_epoch`` and ``last_epoch`` of
        ``importance_history_`` it trained; with a
        screening round, ``round`` is 0 for the first path and 1 for the second, whose
        points the choice is made among); None otherwise.
    path_choice_ : int or None
        The index in ``path_`` of the point kept: the network holds its weights, and
        ``feature_importances_`` are its last epoch's learning gradients.
"""

NOTES_DOC = """\
    For a training example (x, y) with loss C, the learning gradient is dC/dx, obtained
    by back-propagating one step past the first layer: ``dC/dx = W1^T delta1``. Per epoch e
    and input variable k, ``G[e, k] = sum_i |dC_i/dx_ik|`` over the epoch's examples and
    ``importance_history_[e] = G[e] / G[e].sum()``. With a mean-reduced batch loss the
    gradient of the batch loss gives each example's gradient divided by the batch size; it
    is multiplied back, so the figures do not depend on the batch size. The cost is one
    extra matrix product per step, and no pass over the data after training.

    Same name, same behaviour: the parameters and fitted attributes shared with
    :class:`sklearn.neural_network.MLPClassifier` mean what they mean there (the loss, the
    ``alpha`` scaling, the optimizers' updates, the schedules, the stopping rule, the
    initialization); the few differences are listed in ``docs/api.md``. A fit that fails
    or is interrupted leaves the estimator as it was before the call.

    References: the paper "learning gradients" summarized in the project's documentation
    (``docs/method.md``).
"""
