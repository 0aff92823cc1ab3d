"""Docstring sections shared by the classifier and the regressor (written once)."""

PARAMETERS_DOC = """\
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Width of each hidden layer. The paper's network is ``(3,)``.
    activation : {"identity", "logistic", "tanh", "relu"}, default="relu"
        Non-linearity of the hidden layers.
    solver : {"sgd", "adam"}, default="adam"
        Mini-batch optimizer.
    alpha : float, default=1e-4
        L2 penalty (weight decay) on the weights; biases are not penalized.
    batch_size : int or "auto", default="auto"
        Rows per mini-batch; "auto" is ``min(200, n_samples)``.
    learning_rate_init : float, default=1e-3
        Step size.
    max_iter : int, default=200
        Epochs to train (each row visited once per epoch) unless training converges first.
    shuffle : bool, default=True
        Visit the rows in a new random order each epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights' initialization, the data order and the validation split. The
        global torch random state is left untouched. The same integer gives the same
        importances, bit for bit, on CPU.
    tol : float or None, default=1e-4
        Training stops when the monitored loss (the training loss, or the validation loss
        with ``early_stopping``) has not improved by ``tol`` for ``n_iter_no_change``
        epochs. ``None`` trains for exactly ``max_iter`` epochs.
    verbose : int, default=0
        Print a line per epoch (loss and duration) when positive.
    warm_start : bool, default=False
        Continue training from the fitted network on the next ``fit`` instead of starting
        over; the histories are appended to.
    momentum : float, default=0.9
        Momentum of the "sgd" solver.
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with the "sgd" solver.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows (stratified for classification), stop
        when the validation loss stops improving and restore the best weights.
    validation_fraction : float, default=0.1
        Share of rows held out with ``early_stopping``.
    beta_1 : float, default=0.9
        Adam's decay rate of the first moment.
    beta_2 : float, default=0.999
        Adam's decay rate of the second moment.
    epsilon : float, default=1e-8
        Adam's numerical-stability term.
    n_iter_no_change : int, default=10
        Epochs without improvement by ``tol`` before training stops.
    standardize : bool, default=True
        Standardize each input (zero mean, unit variance, learned in the first ``fit``).
        Learning gradients are then per standard deviation of each input, so a change of
        units does not change them; without it, a variable's share scales with ``1/units``.
    device : str, default="cpu"
        Torch device to train on, e.g. "cuda". Fitted attributes are NumPy arrays either way.
"""

ATTRIBUTES_DOC = """\
    n_features_in_ : int
        Number of input variables seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the input variables, when X has string column names.
    feature_importances_ : ndarray of shape (n_features_in_,)
        Each input variable's share of the learning gradient in the last epoch (float64,
        sums to 1): ``importance_history_[-1]``.
    importance_history_ : ndarray of shape (n_iter_, n_features_in_)
        One row per epoch: the sum over the epoch's training examples of |dLoss/dx|,
        normalized to sum to 1.
    gradient_magnitude_history_ : ndarray of shape (n_iter_, n_features_in_)
        One row per epoch: the mean |dLoss/dx| per example, not normalized (the size of the
        learning signal).
    n_iter_ : int
        Epochs trained, over all calls to ``fit``/``partial_fit`` of this network.
    loss_curve_ : list of float
        Mean training loss of each epoch.
    validation_loss_curve_ : list of float or None
        Validation loss of each epoch with ``early_stopping``, else None.
    net_ : LearningGradientNet
        The fitted skorch network; ``net_.module_`` is the torch module.
    scaler_ : StandardScaler or None
        The scaler of the inputs when ``standardize=True``.
"""

NOTES_DOC = """\
    For a training example (x, y) with loss C, the learning gradient is dC/dx, obtained
    by back-propagating one step past the first layer: ``dC/dx = W1^T delta1``. Per epoch e
    and input variable k, ``G[e, k] = sum_i |dC_i/dx_ik|`` over the epoch's examples and
    ``importance_history_[e] = G[e] / G[e].sum()``. With a mean-reduced batch loss the
    gradient of the batch loss gives each example's gradient divided by the batch size; it
    is multiplied back, so the figures do not depend on the batch size. The cost is one
    extra matrix product per step, and no pass over the data after training.

    References: the paper "learning gradients" summarized in the project's documentation
    (``docs/method.md``).
"""
