"""What the in-memory and the streamed ``sklgrad select`` share: the questions' rules as
printed, a share with its spread, why a column below the bar was kept, and the files every
selection writes."""

#: What each question's rule is, said instead of a threshold number that would mean nothing.
RULES = {
    "minimal": "the fewest columns that a network refit on them alone predicts held-out "
               "rows with as well as the best set compared (within {tolerance:g} standard "
               "error(s) of the difference); a "
               "column is kept when that set holds it",
    "all-relevant": "a column is kept when a screen finds it related to the target: the "
                    "screen's networks learn from it more than from noise, or a test finds "
                    "it (its p-value is shown)",
}
#: What the printed shares are, for the two questions.
RANKED = ("the shares are those of {n} networks trained on the kept columns beside a "
          "shuffled copy of each, whose largest share is {bar:.4g}")


def share(score, std, n_networks):
    """A printed share, with its spread over the networks where there are several."""
    return f"{score:.4g}" + (f" ±{std:.2g}" if n_networks > 1 else "")


def grounds(report, column, rule):
    """Why a column below the bar was kept: the screen that found it, with its p-value
    (and for "minimal", the held-out refits that chose it)."""
    if rule == "minimal":
        return "chosen on held-out rows; " + grounds(report, column, None)
    rows = report[report["column"] == column]
    found = next((value for value in rows["found_by"] if value), "")
    p_values = rows[[c for c in rows.columns if c.endswith("_p_value")]].min(axis=None)
    if found in ("dependence", "interaction", "conditional"):
        p_value = rows[f"{found}_p_value"].min()
        return f"kept by the {found} test, p={p_value:.2g}"
    if found:
        return f"kept by the {found} screen" + (
            f" (smallest p={p_values:.2g})" if p_values == p_values else "")
    return "kept"


def write_selection(folder, summary, scores, report, model):
    """What every selection writes: ``summary.json``, ``importance_by_column.csv``,
    ``selection.csv`` (per encoded input: kept or not, and on what grounds),
    ``ranking.png`` (the kept inputs in color, the dropped ones in grey) and
    ``selection.png`` (each column's share over the networks beside the shadows')."""
    import json

    import matplotlib.pyplot as plt
    import pandas as pd

    from .._inspection._plot._ranking import ImportanceRankingDisplay
    from .._inspection._plot._selection import SelectionDisplay

    with open(folder / "summary.json", "w") as handle:
        json.dump(summary, handle, indent=2)
    pd.Series(scores, name="importance").rename_axis("column").to_csv(
        folder / "importance_by_column.csv")
    report.to_csv(folder / "selection.csv")
    display = ImportanceRankingDisplay.from_estimator(model, top_k=30)
    display.figure_.savefig(folder / "ranking.png", dpi=100, bbox_inches="tight")
    boxes = SelectionDisplay.from_selector(model, top_k=30)
    boxes.figure_.savefig(folder / "selection.png", dpi=100, bbox_inches="tight")
    plt.close("all")

