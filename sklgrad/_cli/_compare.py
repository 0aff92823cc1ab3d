"""``--compare``: the same network under several settings, each over several seeds, side by
side (a table, a figure and a summary)."""

from ._common import network_settings, print_written, whole_numbers_as_integers


def compare_settings(args, base, X, y, out, names):
    """Fit the --compare grid with several seeds; print and write the comparison."""
    from .._inspection._comparison import LearningComparison, setting_label
    from .._inspection._plot._comparison import LearningComparisonDisplay

    grid = {parameter: values for parameter, values in args.compare}
    n_seeds = max(args.seeds, 2) if hasattr(args, "seeds") else 3
    comparison = LearningComparison(base.set_params(verbose=0), grid, n_seeds=n_seeds,
                                    random_state=args.seed).fit(X, y)
    summary = comparison.summary()
    print(f"Comparison over {len(comparison.settings_)} settings x {n_seeds} seeds "
          "(held-out score; seed agreement and rank correlation are Spearman correlations "
          "of the final importances):")
    print(whole_numbers_as_integers(summary).to_string(
        index=False, float_format=lambda v: f"{v:.3f}"))
    labels = [setting_label(s) for s in comparison.settings_]
    differs = [f"{labels[a]} vs {labels[b]}" for a in range(len(labels))
               for b in range(a + 1, len(labels)) if comparison.differs_[a, b]]
    print("Rankings that differ beyond the seed noise: " + ("; ".join(differs) or "none"))

    def write(folder):
        import json

        import pandas as pd

        summary.to_csv(folder / "comparison.csv", index=False)
        networks = pd.DataFrame([
            {"setting": labels[i], "seed": int(seed), "score": comparison.scores_[i, s],
             "epochs": int(comparison.n_iter_[i, s]),
             **dict(zip(map(str, names), comparison.final_importances_[i, s]))}
            for i in range(len(labels)) for s, seed in enumerate(comparison.seeds_)])
        networks.to_csv(folder / "comparison_networks.csv", index=False)
        display = LearningComparisonDisplay.from_comparison(comparison)
        display.figure_.savefig(folder / "comparison.png", dpi=100)
        import matplotlib.pyplot as plt

        plt.close("all")
        with open(folder / "summary.json", "w") as handle:
            json.dump({"settings": network_settings(args), "comparison": summary.to_dict("records"),
                       "rank_correlation": comparison.rank_correlation_.tolist(),
                       "differs_beyond_seed_noise": differs}, handle, indent=2)

    print_written(out.publish(write), args.out)
    return 0
