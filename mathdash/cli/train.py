"""``python -m mathdash train``: train one model with a progress bar and print its test metrics.

Example: ``python -m mathdash train --data builtin:symbols --model baseline --epochs 12 --balance median``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from mathdash.errors import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``train`` subcommand."""
    parser = subparsers.add_parser("train", help="train a model and save it as a run",
                                   description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="builtin:symbols",
                        help="data source, or several joined by ' + ' (default builtin:symbols)")
    parser.add_argument("--model", default="baseline", help="baseline, cnn, mobilenetv2 or resnet50v2")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                        help="model builder argument, JSON value (e.g. blocks=4); repeatable")
    parser.add_argument("--epochs", type=int, default=12, help="most epochs (early stopping may end sooner)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--patience", type=int, default=3, help="epochs without a better val loss")
    parser.add_argument("--lr-patience", type=int, default=0,
                        help="halve the learning rate after this many epochs without progress (0: never)")
    parser.add_argument("--dedup-threshold", type=int, default=None, metavar="BITS",
                        help="hash-only duplicate removal within BITS (default: verified by pixels)")
    parser.add_argument("--dedup", action=argparse.BooleanOptionalAction, default=True,
                        help="remove near-duplicates before splitting (default on)")
    parser.add_argument("--balance", default="none",
                        help="grow rare classes to median, max, a count, or none")
    parser.add_argument("--augment", default="none", help="on-the-fly augmentation config name, or none")
    parser.add_argument("--naive-split", action="store_true", help="split sample by sample (shows the leak)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default="", help="a name for the run (shown with it, used in its id)")
    parser.add_argument("--activate", action="store_true", help="make the new run the active model")
    parser.add_argument("--runs-dir", default=None,
                        help="run store directory (default $MATHDASH_RUNS_DIR or artifacts/runs)")
    parser.add_argument("--export", default=None, metavar="DIR",
                        help="also copy the finished run to DIR (artifacts/default_run ships it)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the data, train, print the run id and test metrics; exit status 0 on success."""
    from mathdash.loaders import load_data
    from mathdash.runs import RunStore
    from mathdash.train import train_model

    config = config_from_args(args)
    store = RunStore(args.runs_dir)
    dataset = load_data(config.data)
    print(f"data: {config.data}: {len(dataset)} images, {dataset.num_classes} classes")
    bar = _ProgressBar()
    try:
        result = train_model(dataset, config, progress=bar.update, store=store)
    finally:
        bar.close()
    if result.run_id is None:
        print("stopped before the first epoch ended: nothing saved")
        return 1
    print(format_metrics(result.run_id, result.metrics))
    if args.export:
        print(f"exported to {store.export(result.run_id, Path(args.export))}")
    if args.activate:
        store.set_active(result.run_id)
        print(f"active run: {result.run_id}")
    return 0


def config_from_args(args: argparse.Namespace) -> Any:
    """The ``TrainConfig`` the command line describes."""
    from mathdash.train import TrainConfig

    return TrainConfig(
        data=args.data, model=args.model, model_params=_params(args.param), epochs=args.epochs,
        batch_size=args.batch_size, learning_rate=args.learning_rate, patience=args.patience,
        lr_patience=args.lr_patience,
        augment=None if args.augment == "none" else args.augment, seed=args.seed,
        split_by_group=not args.naive_split, dedup=args.dedup, dedup_threshold=args.dedup_threshold,
        balance=_balance(args.balance),
        name=args.name,
    )


def format_metrics(run_id: str, metrics: dict[str, Any]) -> str:
    """The lines printed after training: run id, test accuracy, macro F1, worst class, timing."""
    augmented = metrics.get("augmented_accuracy")
    lines = [
        f"run: {run_id} ({metrics.get('state', 'done')})",
        f"test accuracy: {metrics['accuracy']:.4f} on {metrics['test_size']} held-out images",
        f"macro F1: {metrics['macro_f1']:.4f}   weighted F1: {metrics['weighted_f1']:.4f}",
        f"worst class: {metrics['worst_class']} (F1 {_fmt(metrics['worst_f1'])})",
        f"augmented test accuracy: {_fmt(augmented)}",
    ]
    if "train_seconds" in metrics:
        lines.append(
            f"epochs: {metrics['epochs_run']} (best {metrics['best_epoch']}), "
            f"{metrics['train_seconds']:.0f} s, {metrics['images_per_second']:.0f} images/s, "
            f"{metrics['params']:,} parameters"
        )
    if metrics.get("leakage_flag"):
        lines.append("warning: validation accuracy sits above training accuracy (a sign of leakage)")
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


class _ProgressBar:
    """A tqdm bar per epoch, fed by training progress dicts."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._epoch = 0

    def update(self, update: dict[str, Any]) -> None:
        from tqdm import tqdm

        if update.get("phase") == "validate":  # the epoch's batches are done: say so on its bar
            if self._bar is not None:
                self._bar.set_postfix_str(f"validating {update['val_batch']}/{update['val_batches']}",
                                          refresh=True)
            return
        if update.get("phase") not in ("batch", "epoch"):
            self.close()
            print(update.get("message", ""))
            return
        if update["epoch"] != self._epoch:
            self.close()
            self._epoch = update["epoch"]
            self._bar = tqdm(total=update["batches"], desc=f"epoch {self._epoch}/{update['epochs']}",
                             unit="batch", leave=True)
        self._bar.update(update["batch"] - self._bar.n)
        self._bar.set_postfix(_postfix(update), refresh=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _postfix(update: dict[str, Any]) -> dict[str, str]:
    keys = ("loss", "accuracy")
    if update["phase"] == "epoch":
        keys += ("val_loss", "val_accuracy")
    return {key: f"{update[key]:.4f}" for key in keys if update.get(key) is not None}


def _params(pairs: list[str]) -> dict[str, Any]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--param needs KEY=VALUE, got {pair!r}")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params


def _balance(value: str) -> str | int | None:
    if value == "none":
        return None
    if value.isdigit():
        return int(value)
    return value
