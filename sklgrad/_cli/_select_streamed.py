"""``sklgrad select`` on a Parquet dataset or a folder of CSV files: the selection streams
the chunks (every row read by the tests, a sample by the networks), and the reduced
table is written chunk by chunk, in the input's format."""

from . import _common as common


def _refuse_in_memory_options(args):
    """Options that need the table in memory."""
    if args.threshold not in ("all-relevant", "minimal"):
        raise common.UsageError("a streamed selection answers --threshold all-relevant or "
                                "minimal")
    for option, value, default in (("--class-weight", args.class_weight, "none"),
                                   ("--id", args.id, None), ("--keep-leaks",
                                                             args.keep_leaks, False)):
        if value != default:
            raise common.UsageError(f"{option} is not available on streamed data")


def select_streamed(args, out):


    from .. import LearningGradientSelector
    from ._select_common import RANKED, RULES, grounds, share, write_selection

    _refuse_in_memory_options(args)
    data, columns = common.open_streamed(args)
    selector = LearningGradientSelector(
        threshold=args.threshold, max_features=args.max_features,
        n_repeats=None if args.repeats == 1 else args.repeats, random_state=args.seed,
        verbose=int(not args.quiet), minimal_tolerance=args.tolerance).fit(data)
    info = selector.stream_info_
    support = selector.get_support()
    kept = [c for c, keep in zip(columns, support) if keep]
    if not kept:
        raise common.UsageError("no column passes the threshold; lower it or use "
                                "--max-features")
    dropped = [c for c in columns if c not in kept]
    scores = dict(zip(columns, selector.importances_mean_.tolist()))
    spreads = dict(zip(columns, selector.importances_std_.tolist()))
    n_networks = len(selector.importances_)
    bar = float(selector._shadow_mean().max())
    report = selector.selection_report_
    report.insert(0, "column", columns)
    said = (RULES[args.threshold].format(tolerance=args.tolerance) + "; "
            + RANKED.format(n=len(selector.estimators_), bar=bar))
    print(f"Question: {args.threshold} ({said})")
    print(f"Streamed {info['n_rows']} rows in {info['n_chunks']} chunks: the tests read "
          f"every row, the ranking's networks a sample of {info['network_rows']}, the "
          f"path networks one of {info['sample_rows']}")
    order = sorted(columns, key=lambda c: -scores[c])
    print(f"Kept {len(kept)} of {len(columns)} columns (share): " + ", ".join(
        f"{c} ({share(scores[c], spreads[c], n_networks)}"
        + ("" if scores[c] >= bar else f"; {grounds(report, c, args.threshold)}") + ")"
        for c in order if c in kept))
    print("Dropped: " + (", ".join(f"{c} ({scores[c]:.4g})" for c in order
                                  if c in dropped) or "none"))
    summary = {"data": args.data, "target": args.target, "question": args.threshold,
               "rule": said, "shadow_bar": bar, "kept": kept, "dropped": dropped,
               "streamed": info, "importance_by_column": scores,
               "importance_std_by_column": spreads, "n_networks": n_networks}

    def write(folder):
        _write_reduced(data, kept, args.target, folder)
        write_selection(folder, summary, scores, report, selector)

    written = out.publish(write)
    common.print_written(written, args.out)
    return 0


def _write_reduced(data, kept, target, folder):
    """The kept columns and the target of every chunk, appended one chunk at a time to
    ``reduced.parquet`` (a row group per chunk) or ``reduced.csv``."""
    import numpy as np
    import pandas as pd

    parquet = "parquet" in data.description
    if parquet:
        import pyarrow as pa
        import pyarrow.parquet as pq
    writer = None
    try:
        for index in range(data.n_chunks):
            X, y = data.read(index)
            frame = pd.DataFrame(X)[kept].assign(**{target: np.asarray(y)})
            if not parquet:
                frame.to_csv(folder / "reduced.csv", mode="a", header=index == 0,
                             index=False)
                continue
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(folder / "reduced.parquet", table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
