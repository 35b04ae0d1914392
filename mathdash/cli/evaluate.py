"""``python -m mathdash evaluate RUN [--data SOURCE]``: score a saved run on held-out images.

Without ``--data`` the run's own test images are rebuilt from its config (same preparation, same
split). With ``--data`` (real handwriting, say) that source is scored: only its test part, where
no training writer appears, when the run was trained on it; all of it otherwise. The result is kept
with the run (``evaluations/``) for the Compare page.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

WORST_SHOWN = 10


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``evaluate`` subcommand."""
    parser = subparsers.add_parser("evaluate", help="score a saved run on test images",
                                   description=__doc__.splitlines()[0])
    parser.add_argument("run_id", metavar="RUN", help="run id ('default' for the shipped run)")
    parser.add_argument("--data", default=None,
                        help="score this source (e.g. a CROHME InkML folder) instead of the run's test set")
    parser.add_argument("--no-save", action="store_true", help="with --data: do not keep the result")
    parser.add_argument("--json", default=None, metavar="FILE", help="also write the metrics as JSON")
    parser.add_argument("--runs-dir", default=None,
                        help="run store directory (default $MATHDASH_RUNS_DIR or artifacts/runs)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the run and the images, evaluate, print the metrics; exit status 0."""
    from mathdash.cli.train import format_metrics
    from mathdash.runs import RunStore

    saved = RunStore(args.runs_dir).load(args.run_id)
    if args.data:
        from mathdash.source_eval import evaluate_run_on, save_evaluation

        metrics = evaluate_run_on(saved, args.data)
        print(f"scored {metrics['test_size']:,} images: {metrics['scope']}")
        print(format_source_metrics(metrics))
        if not args.no_save:
            print(f"kept as {save_evaluation(saved, metrics)}")
    else:
        metrics = _own_test_set(saved)
        print(format_metrics(saved.id, metrics))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(metrics, handle, indent=1)
    return 0


def format_source_metrics(metrics: dict[str, Any], worst: int = WORST_SHOWN) -> str:
    """Top-1, top-5, macro F1, the classes with the lowest F1 and the most confused pairs."""
    from mathdash.symbols import symbol

    lines = [f"top-1 accuracy: {metrics['accuracy']:.4f}   top-5 accuracy: {metrics['top5_accuracy']:.4f}",
             f"macro F1: {metrics['macro_f1']:.4f}   weighted F1: {metrics['weighted_f1']:.4f}"]
    scored = [(name, row) for name, row in metrics["per_class"].items() if row["support"]]
    scored.sort(key=lambda item: item[1]["f1"])
    lines.append(f"lowest F1 of {len(scored)} classes:")
    lines += [f"  {symbol(name).label:<18} F1 {row['f1']:.3f}  recall {row['recall']:.3f}  "
              f"({row['support']} images)" for name, row in scored[:worst]]
    lines.append("most confused (true -> predicted):")
    lines += [f"  {symbol(p['true']).label} -> {symbol(p['predicted']).label}: {p['count']}"
              for p in metrics["confused_pairs"][:worst]]
    return "\n".join(lines)


def _own_test_set(saved: Any) -> dict[str, Any]:
    from mathdash.evaluate import align_classes, evaluate_model
    from mathdash.loaders import load_data
    from mathdash.train import TrainConfig, rebuild_test_set

    config = TrainConfig.from_dict(saved.config)
    images = rebuild_test_set(load_data(config.data), config)
    images, dropped = align_classes(images, saved.labels)
    left_out = f" ({dropped} of unknown classes left out)" if dropped else ""
    print(f"scoring {len(images)} images: the run's test images from {config.data}{left_out}")
    return evaluate_model(saved.load_model(), images)
