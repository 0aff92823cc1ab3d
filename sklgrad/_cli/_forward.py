"""``sklgrad predict`` without torch, scikit-learn or pandas: the model's forward pass in
NumPy from plain data saved inside the model file.

Loading a model file with skops imports scikit-learn, torch and skorch (about 9 s here)
for a forward pass that takes microseconds. So ``sklgrad fit`` also stores, inside
``model.skops`` (a zip archive), a member :data:`MEMBER` holding what the forward pass
reads, as JSON: each table column's encoding (numbers passed through or filled, categories
one-hot encoded), the network's input scaling, weights and activation, and how outputs
become predictions. ``predict`` reads it with the standard library and NumPy alone.

The fast path serves clean files only: a value it would have to interpret (missing, not a
number, a category not seen in training, a date) sends the file to the full path, which
warns, fills or refuses as it always did. Both give the same predictions (to 1e-12).
"""

import csv
import json
import math
import sys
import zipfile

#: The member of the model archive that holds the forward plan.
MEMBER = "sklgrad-forward.json"
#: The plan's format; a plan of another version is not read (the full path is taken).
VERSION = 1
#: What pandas reads as a missing value by default: such a cell takes the full path.
PANDAS_MISSING = frozenset({
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
    "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})


class NotServed(Exception):
    """The fast path cannot predict this file exactly: take the full path."""


# --------------------------------------------------------------------------- writing


def _plain(value):
    """A label or fill value as JSON keeps it (numbers and text only)."""
    import numpy as np

    if isinstance(value, (np.integer, np.floating, np.bool_)):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise NotServed(f"a value of type {type(value).__name__}")
    return value


def forward_plan(model):
    """The plain data of a fitted command-line Pipeline's forward pass, or None when the
    fast path cannot serve it (dates, another encoder, a network it does not know)."""
    try:
        return _plan(model)
    except NotServed:
        return None


def _plan(model):
    import numpy as np
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

    from ._table import ID, NUMERIC, TEXT

    table, last = model.steps[0][1], model.steps[-1][1]
    if len(model.steps) != 2:
        raise NotServed("steps")
    exp_output = isinstance(last, TransformedTargetRegressor)
    if exp_output:
        if last.func is not np.log or last.inverse_func is not np.exp:
            raise NotServed("target transform")
        last = last.regressor_
    columns, ids = [], []
    for name, step, names in table.transformers_:
        if name == ID:
            ids += list(names)
            continue
        if isinstance(step, str) and step == "drop":
            continue  # the remainder: columns the model does not read
        parts = step.steps if isinstance(step, Pipeline) else [(None, step)]
        fills, encoder = None, None
        for _, part in parts:
            if isinstance(part, SimpleImputer):
                fills = [_plain(value) for value in part.statistics_]
            elif isinstance(part, OneHotEncoder):
                encoder = part
            elif not (isinstance(part, str) and part == "passthrough" or (
                    # What a fitted ColumnTransformer holds for "passthrough".
                    isinstance(part, FunctionTransformer) and part.func is None)):
                raise NotServed(f"step {type(part).__name__}")
        if name == NUMERIC and encoder is None:
            for index, column in enumerate(names):
                columns.append({"name": column, "kind": "number",
                                "fill": None if fills is None else fills[index]})
        elif name == TEXT and encoder is not None:
            if (encoder.drop is not None or encoder.handle_unknown != "ignore"
                    or getattr(encoder, "_infrequent_enabled", False)):
                raise NotServed("encoder settings")
            for index, (column, categories) in enumerate(zip(names, encoder.categories_)):
                columns.append({"name": column, "kind": "category",
                                "categories": [_plain(c) for c in categories],
                                "fill": None if fills is None else fills[index]})
        else:
            raise NotServed(f"columns {name}")
    state = last.__getstate__()["net_"]  # plain data: widths, activation, weights
    weights = state["module"]
    n_layers = len(state["hidden_layer_sizes"]) + 1
    layers = [{"weight": np.asarray(weights[f"layers.{2 * i}.weight"], float).tolist(),
               "bias": np.asarray(weights[f"layers.{2 * i}.bias"], float).tolist()}
              for i in range(n_layers)]
    scaler = last.scaler_
    plan = {
        "version": VERSION, "columns": columns, "ids": ids,
        "scale": None if scaler is None else {
            "mean": (np.asarray(scaler.mean_, float).tolist() if scaler.with_mean
                     else None),
            "scale": np.asarray(scaler.scale_, float).tolist()},
        "layers": layers, "activation": state["activation"],
        "target_range": getattr(model, "target_range_", None), "exp_output": exp_output,
    }
    if hasattr(last, "classes_"):
        plan["classes"] = [_plain(c) for c in last.classes_]
    else:
        target = last.target_scaler_
        plan["target_scale"] = None if target is None else {
            "mean": np.asarray(target.mean_, float).tolist(),
            "scale": np.asarray(target.scale_, float).tolist()}
        if len(plan["layers"][-1]["bias"]) != 1:
            raise NotServed("several targets")
    return plan


def _digest(archive):
    """SHA-256 of the model file's own members (names and contents): the plan is read only
    beside the very model it was made from, so that an edited or damaged model file goes
    to the full path, which checks it and refuses it."""
    import hashlib

    digest = hashlib.sha256()
    for name in sorted(archive.namelist()):
        if name != MEMBER:
            digest.update(name.encode() + b"\0")
            digest.update(archive.read(name))
    return digest.hexdigest()


def add_forward_plan(path, model):
    """Store the forward plan inside the model file at ``path`` (when it can be served)."""
    plan = forward_plan(model)
    if plan is not None:
        with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
            plan["model_digest"] = _digest(archive)
            archive.writestr(MEMBER, json.dumps(plan))


# --------------------------------------------------------------------------- reading


def read_plan(path):
    """The forward plan stored in a model file, or None (no plan, another version, or a
    model file that is no longer the one the plan was made from)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            sizes = sum(info.file_size for info in archive.infolist())
            if MEMBER not in names or sizes > 256 * 2**20:
                return None  # large models: the full path's bounded checks
            plan = json.loads(archive.read(MEMBER))
            if not isinstance(plan, dict) or plan.get("model_digest") != _digest(archive):
                return None
    except (OSError, zipfile.BadZipFile, ValueError, RuntimeError, EOFError):
        return None
    return plan if plan.get("version") == VERSION else None


def _read_rows(path, sep):
    """(header, rows) of a CSV file read as the full path reads it, or NotServed."""
    from ._table import ENCODING, csv_separator, table_columns

    header = table_columns(path, sep)
    with open(path, newline="", encoding=ENCODING) as handle:
        reader = csv.reader(handle, delimiter=csv_separator(path, sep))
        next(reader, None)
        rows = [row for row in reader if row]
    if not rows or any(len(row) != len(header) for row in rows):
        raise NotServed("row lengths")
    return header, rows


def _inputs(plan, header, rows):
    """The network's input matrix, encoded as the fitted ColumnTransformer encodes."""
    import numpy as np

    where = {name: index for index, name in enumerate(header)}
    blocks = []
    for column in plan["columns"]:
        if column["name"] not in where:
            raise NotServed("a column is absent")
        values = [row[where[column["name"]]] for row in rows]
        if any(value in PANDAS_MISSING for value in values):
            raise NotServed("missing values")
        if column["kind"] == "number":
            try:
                numbers = [float(value) for value in values]
            except ValueError:
                raise NotServed("not a number") from None
            if not all(math.isfinite(number) for number in numbers):
                raise NotServed("not finite")
            blocks.append(np.array(numbers, dtype=float)[:, None])
        else:
            categories = {str(c): i for i, c in enumerate(column["categories"])}
            if any(value not in categories for value in values):
                raise NotServed("an unseen category")
            onehot = np.zeros((len(values), len(categories)))
            onehot[np.arange(len(values)), [categories[v] for v in values]] = 1.0
            blocks.append(onehot)
    return np.hstack(blocks)


def _activation(name, z):
    import numpy as np

    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "tanh":
        return np.tanh(z)
    if name == "logistic":
        return np.exp(-np.logaddexp(0.0, -z))
    if name == "identity":
        return z
    raise NotServed(f"activation {name}")


def outputs(plan, X):
    """The network's raw outputs on encoded inputs, in float64 (as the full path)."""
    import numpy as np

    if plan["scale"] is not None:
        if plan["scale"]["mean"] is not None:
            X = X - np.asarray(plan["scale"]["mean"])
        X = X / np.asarray(plan["scale"]["scale"])
    for index, layer in enumerate(plan["layers"]):
        X = X @ np.asarray(layer["weight"]).T + np.asarray(layer["bias"])
        if index < len(plan["layers"]) - 1:
            X = _activation(plan["activation"], X)
    return X


def predictions(plan, X, proba):
    """{column: values} as the full path writes them: ``predicted``, then with ``proba``
    one ``proba_<class>`` per class."""
    import numpy as np

    out = outputs(plan, X)
    if "classes" not in plan:
        if plan["target_scale"] is not None:
            out = out * np.asarray(plan["target_scale"]["scale"]) + np.asarray(
                plan["target_scale"]["mean"])
        predicted = out[:, 0]
        return {"predicted": np.exp(predicted) if plan["exp_output"] else predicted}
    classes = plan["classes"]
    if len(classes) == 2:
        positive = np.exp(-np.logaddexp(0.0, -out[:, 0]))
        probabilities = np.column_stack([1.0 - positive, positive])
        labels = [classes[int(v)] for v in out[:, 0] > 0]
    else:
        shifted = out - out.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        probabilities = exp / exp.sum(axis=1, keepdims=True)
        labels = [classes[int(i)] for i in np.argmax(out, axis=1)]
    result = {"predicted": labels}
    if proba:
        for index, label in enumerate(classes):
            result[f"proba_{label}"] = probabilities[:, index]
    return result


def _cell(value):
    if isinstance(value, float):
        return repr(value)
    return str(value)


def fast_predict(args):
    """Predict as ``sklgrad predict`` does, from the plan stored in the model file.
    Returns the exit status, or None when the full path must serve the call."""
    if args.out is not None:
        return None
    plan = read_plan(args.model)
    if plan is None:
        return None
    try:
        header, rows = _read_rows(args.data, args.sep)
        if args.proba and "classes" not in plan:
            return None  # the full path says why
        X = _inputs(plan, header, rows)
        result = predictions(plan, X, args.proba)
    except (NotServed, OSError, UnicodeDecodeError, csv.Error, KeyError, TypeError,
            ValueError, IndexError):
        return None
    if plan.get("target_range") and "classes" not in plan:
        below = sum(value < plan["target_range"][0] for value in result["predicted"])
        if below:
            return None  # the full path warns
    where = {name: index for index, name in enumerate(header)}
    if args.id is not None and args.id not in where:
        return None  # the full path refuses, naming it
    keys = [c for c in dict.fromkeys([*plan["ids"], *([args.id] if args.id else [])])
            if c in where]
    if any(row[where[key]] in PANDAS_MISSING for key in keys for row in rows):
        return None  # the full path writes a missing key as pandas does
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow([*keys, *result])
    columns = [v if isinstance(v, list) else v.tolist() for v in result.values()]
    for number, row in enumerate(rows):
        writer.writerow([*(row[where[key]] for key in keys),
                         *(_cell(column[number]) for column in columns)])
    return 0
