"""``python -m mathdash runs list|show ID|delete ID|activate ID``: the saved runs and the active model.

Listing reads only JSON files, so it is quick and never imports TensorFlow.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from mathdash.runs import RunStore

SHOWN_CLASSES = 10  # 'show' lists this many worst classes


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``runs`` subcommand."""
    parser = subparsers.add_parser("runs", help="list, show, delete or activate saved runs",
                                   description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["list", "show", "delete", "activate"])
    parser.add_argument("run_id", nargs="?", metavar="ID", help="run id (show, delete, activate)")
    parser.add_argument("--runs-dir", default=None,
                        help="run store directory (default $MATHDASH_RUNS_DIR or artifacts/runs)")
    parser.add_argument("--json", action="store_true", help="list/show as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Carry out one action; exit status 0 on success, 2 for a missing ID."""
    from mathdash.runs import RunStore

    store = RunStore(args.runs_dir)
    if args.action == "list":
        return _list(store, args.json)
    if not args.run_id:
        print(f"error: 'runs {args.action}' needs a run ID (see 'runs list')")
        return 2
    if args.action == "show":
        return _show(store, args.run_id, args.json)
    if args.action == "delete":
        store.delete(args.run_id)
        print(f"deleted {args.run_id}; active run: {store.active_id()}")
        return 0
    store.set_active(args.run_id)
    print(f"active run: {args.run_id}")
    return 0


def _list(store: RunStore, as_json: bool) -> int:
    table = store.table()
    if as_json:
        print(table.to_json(orient="records", indent=2))
        return 0
    if table.empty:
        print("no runs")
        return 0
    table.insert(0, "", table.pop("active").map({True: "*", False: ""}))
    columns = ["", "id", "created", "model", "state", "accuracy", "macro_f1", "worst_class", "worst_f1",
               "broken"]
    display = {"display.width": 200, "display.max_columns": None, "display.float_format": "{:.4f}".format}
    with pd.option_context(*[item for pair in display.items() for item in pair]):
        print(table[columns].to_string(index=False))
    return 0


def _show(store: RunStore, run_id: str, as_json: bool) -> int:
    from mathdash.evaluate import per_class_table

    run = store.load(run_id)
    if as_json:
        print(json.dumps({"id": run.id, "config": run.config, "metrics": run.metrics}, indent=2))
        return 0
    metrics = run.metrics
    print(f"run {run.id}  ({run.path}){'  [active]' if store.active_id() == run.id else ''}")
    print(f"created {run.created}, state {metrics.get('state', 'done')}")
    print("config: " + ", ".join(f"{k}={v}" for k, v in run.config.items()))
    for key in ("accuracy", "macro_f1", "weighted_f1", "worst_f1", "augmented_accuracy", "val_accuracy"):
        if metrics.get(key) is not None:
            print(f"  {key}: {metrics[key]:.4f}")
    print(f"  worst class: {metrics.get('worst_class')}")
    worst = per_class_table(metrics).sort_values("f1").head(SHOWN_CLASSES)
    print(f"\nworst {len(worst)} classes:\n{worst.to_string(float_format='{:.3f}'.format)}")
    pairs = metrics.get("confused_pairs", [])[:SHOWN_CLASSES]
    if pairs:
        print("\nmost confused (true -> predicted: count):")
        for pair in pairs:
            print(f"  {pair['true']} -> {pair['predicted']}: {pair['count']}")
    print(f"\nhistory:\n{run.history.to_string(float_format='{:.4f}'.format)}")
    return 0
