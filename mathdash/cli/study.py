"""``python -m mathdash study NAME``: run one study (duplicates, data_size, architectures) as saved runs.

Example: ``python -m mathdash study data_size --data builtin:symbols --epochs 10 --limit-per-class 200``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from mathdash.cli.tune import CountBar
from mathdash.errors import ConfigError

SUMMARY_SHOWN = ["variant", "augmented", "accuracy", "augmented_accuracy", "macro_f1", "worst_class",
                 "worst_f1", "params", "leakage_flag"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``study`` subcommand."""
    from mathdash.studies import STUDIES

    parser = subparsers.add_parser("study", help="run a study: several runs compared on the Compare page",
                                   description=__doc__.splitlines()[0])
    parser.add_argument("name", choices=STUDIES, help="which study")
    parser.add_argument("--data", default="builtin:symbols", help="data source (default builtin:symbols)")
    parser.add_argument("--kind", default="auto", help="loader kind of --data (default: detect)")
    parser.add_argument("--epochs", type=int, default=10, help="most epochs per run")
    parser.add_argument("--limit-per-class", type=int, default=None, metavar="K",
                        help="use at most K images of each class (a quicker study)")
    parser.add_argument("--fraction", type=float, default=1.0, help="share of each class kept, in (0, 1]")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    cnn = parser.add_mutually_exclusive_group()
    cnn.add_argument("--cnn-params", default=None, metavar="JSON",
                     help="build_cnn arguments of the architectures study's CNN, e.g. '{\"blocks\": 3}'")
    cnn.add_argument("--search", default=None, metavar="NAME",
                     help="take the CNN's arguments from this search's best trial")
    parser.add_argument("--search-root", default=None,
                        help="parent of search directories (default artifacts/searches)")
    parser.add_argument("--runs-dir", default=None, help="run store directory (default artifacts/runs)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the data, run the study with a progress bar, print one line per saved run."""
    from mathdash.loaders import load_source
    from mathdash.runs import RunStore
    from mathdash.studies import limit_per_class, run_study

    store = RunStore(args.runs_dir) if args.runs_dir else RunStore()
    cnn_params = cnn_params_from_args(args)
    dataset = load_source(args.data, kind=args.kind)
    if args.limit_per_class:
        dataset = limit_per_class(dataset, args.limit_per_class, seed=args.seed)
    print(f"data: {args.data}: {len(dataset)} images, {dataset.num_classes} classes")
    bar = CountBar(unit="run")
    try:
        run_ids = run_study(args.name, dataset, epochs=args.epochs, fraction=args.fraction,
                            progress=bar.update, store=store, seed=args.seed, cnn_params=cnn_params,
                            batch_size=args.batch_size)
    finally:
        bar.close()
    print(format_summary([store.load(run_id) for run_id in run_ids]))
    return 0 if run_ids else 1


def cnn_params_from_args(args: argparse.Namespace) -> dict[str, Any] | None:
    """The CNN arguments from ``--cnn-params`` or from the best trial of ``--search``."""
    if args.cnn_params:
        try:
            return dict(json.loads(args.cnn_params))
        except (json.JSONDecodeError, TypeError, ValueError) as error:
            raise ConfigError(f"--cnn-params must be a JSON object: {error}") from error
    if args.search:
        from mathdash.tuning import SEARCH_ROOT, best_search_params

        return best_search_params(Path(args.search_root or SEARCH_ROOT) / args.search)
    return None


def format_summary(runs: list[Any]) -> str:
    """One line per run: variant, augmentation, accuracies, worst class, parameters, leakage flag."""
    from mathdash.compare import summary_table

    if not runs:
        return "no run saved"
    table = summary_table(runs)
    ids = table["id"]
    shown = table[SUMMARY_SHOWN].round(4)
    return shown.assign(id=ids).to_string()
