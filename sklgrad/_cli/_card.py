"""The model card written beside ``model.skops``: what the model was trained on, with which
settings, how it scores beside its baselines, what the run warned about, and the ranking
figure; skops's card, as models shared on the Hugging Face Hub carry (``README.md``)."""

#: The card's file name: what the Hugging Face Hub shows for a model folder.
CARD = "README.md"


def _table(rows, header):
    return {column: [row[index] for row in rows] for index, column in enumerate(header)}


def write_model_card(path, model, summary, figures=("ranking.png",)):
    """Write the card of a ``sklgrad fit`` run to ``path`` (its figures beside it)."""
    from skops.card import Card

    card = Card(model, model_format="skops", model_diagram=False, template=None)
    card.add(**{
        "Model description": (
            f"A scikit-learn Pipeline written by `sklgrad fit`: the table's columns "
            f"encoded, then a {summary['task']} network "
            f"(hidden layers {summary['settings']['hidden']}, {summary['settings']['solver']}"
            f", {summary['settings']['epochs']} epochs at most) whose learning gradients "
            "rank the inputs. Load it with `sklgrad.load_model('model.skops')` (no code "
            "from the file is run)."),
        "Training data": (
            f"`{summary['data']}`, target `{summary['target']}`; "
            f"{summary['n_rows']['train']} rows trained on, {summary['n_rows']['test']} held "
            "out for the scores"
            + (f"; ID columns kept beside the rows: {', '.join(summary['id_columns'])}"
               if summary["id_columns"] else "")
            + (f"; {sum(d['count'] for d in summary['dropped_rows'])} rows dropped "
               f"({', '.join(sorted({d['reason'] for d in summary['dropped_rows']}))})"
               if summary["dropped_rows"] else "") + "."),
    })
    settings = summary["settings"]
    card.add_table(**{"Settings": _table(
        [(key, str(value)) for key, value in settings.items()
         if key not in ("command", "data", "target", "out", "compare", "quiet", "threads")],
        ("setting", "value"))})
    scores = summary["held_out_scores"]
    card.add_table(**{"Held-out scores": _table(
        [(measure, f"{row['network']:.4f}", f"{row['constant']:.4f}", f"{row['linear']:.4f}")
         for measure, row in scores.items()],
        ("measure", "network", "constant baseline", "linear baseline"))})
    warnings = summary["warnings"]
    card.add(**{"Warnings": "\n".join(
        f"- **{w['kind']}**: {w['message']}" for w in warnings) if warnings else
        "The run raised no warning."})
    ranking = summary["importance_spread"]["by_column"]
    n_networks = summary["importance_spread"]["n_networks"]
    card.add_table(**{"Ranking": _table(
        [(column, f"{row['mean']:.4f}", "" if row["std"] != row["std"] else
          f"{row['std']:.4f}") for column, row in list(ranking.items())[:20]],
        ("column", f"mean share over {n_networks} networks", "sd"))})
    for figure in figures:
        card.add_plot(**{f"Figure: {figure}": figure})
    card.save(path)
