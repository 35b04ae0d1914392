"""``python -m mathdash evaluate RUN [--data SOURCE]``: score a saved run on held-out images.

Without ``--data`` the run's own test images are rebuilt from its config (same preparation, same
split); with ``--data`` every image of that source whose class the model knows is scored.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``evaluate`` subcommand."""
    parser = subparsers.add_parser("evaluate", help="score a saved run on test images",
                                   description=__doc__.splitlines()[0])
    parser.add_argument("run_id", metavar="RUN", help="run id ('default' for the shipped run)")
    parser.add_argument("--data", default=None, help="score every image of this source instead")
    parser.add_argument("--runs-dir", default=None,
                        help="run store directory (default $MATHDASH_RUNS_DIR or artifacts/runs)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the run and the images, evaluate, print the metrics; exit status 0."""
    from mathdash.cli.train import format_metrics
    from mathdash.evaluate import align_classes, evaluate_model
    from mathdash.loaders import load_source
    from mathdash.runs import RunStore
    from mathdash.train import TrainConfig, rebuild_test_set

    store = RunStore(args.runs_dir)
    saved = store.load(args.run_id)
    if args.data:
        images = load_source(args.data)
        where = f"all of {args.data}"
    else:
        config = TrainConfig.from_dict(saved.config)
        images = rebuild_test_set(load_source(config.data), config)
        where = f"the run's test images from {config.data}"
    images, dropped = align_classes(images, saved.labels)
    left_out = f" ({dropped} of unknown classes left out)" if dropped else ""
    print(f"scoring {len(images)} images: {where}{left_out}")
    metrics = evaluate_model(saved.load_model(), images)
    print(format_metrics(saved.id, metrics))
    return 0
