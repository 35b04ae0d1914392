"""``python -m mathdash finetune``: fine-tune a copy of a saved run on your saved drawings.

Example: ``python -m mathdash finetune --run default --epochs 4 --activate``. The copy is a new run;
the base run stays as it was, and the new one becomes active only with ``--activate``.
"""

from __future__ import annotations

import argparse
import json
import sys

from mathdash.finetune import FinetuneConfig

_DEFAULTS = FinetuneConfig()


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``finetune`` subcommand."""
    parser = subparsers.add_parser("finetune", help="fine-tune a copy of a run on your saved drawings",
                                   description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=None, help="run id to copy (default: the active run)")
    parser.add_argument("--epochs", type=int, default=_DEFAULTS.epochs)
    parser.add_argument("--learning-rate", type=float, default=_DEFAULTS.learning_rate)
    parser.add_argument("--batch-size", type=int, default=_DEFAULTS.batch_size)
    parser.add_argument("--copies", type=int, default=_DEFAULTS.copies_per_drawing,
                        help=f"augmented variants per drawing (default {_DEFAULTS.copies_per_drawing})")
    parser.add_argument("--base-images", type=int, default=_DEFAULTS.base_images,
                        help=f"training images of the base run mixed in (default {_DEFAULTS.base_images})")
    parser.add_argument("--seed", type=int, default=_DEFAULTS.seed)
    parser.add_argument("--examples-dir", default=None,
                        help="the drawings (default $MATHDASH_EXAMPLES_DIR or artifacts/examples)")
    parser.add_argument("--runs-dir", default=None,
                        help="run store directory (default $MATHDASH_RUNS_DIR or artifacts/runs)")
    parser.add_argument("--activate", action="store_true", help="make the fine-tuned run the active model")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Fine-tune, print accuracies before and after; exit status 0 when a run was saved."""
    from mathdash.examples import ExampleStore
    from mathdash.finetune import finetune_saved_run
    from mathdash.runs import RunStore

    config = FinetuneConfig(epochs=args.epochs, learning_rate=args.learning_rate, batch_size=args.batch_size,
                            copies_per_drawing=args.copies, base_images=args.base_images, seed=args.seed)
    store = RunStore(args.runs_dir)
    result = finetune_saved_run(args.run, ExampleStore(args.examples_dir), config, store,
                                progress=_print_epochs)
    if result.run_id is not None and args.activate:
        store.set_active(result.run_id)
    if args.json:
        print(json.dumps({**result.to_dict(), "active": store.active_id()}, indent=2))
    else:
        _print_result(result, store.active_id())
    return 0 if result.run_id is not None else 1


def _print_epochs(update: dict) -> None:
    """Progress on stderr, so ``--json`` output stays one document."""
    if update.get("phase") == "epoch":
        print(f"epoch {update['epoch']}/{update['epochs']}: loss {update['loss']:.4f}, "
              f"accuracy {update['accuracy']:.4f}", file=sys.stderr, flush=True)
    elif update.get("phase") in ("prepare", "evaluate"):
        print(update.get("message", ""), file=sys.stderr, flush=True)


def _print_result(result, active: str | None) -> None:
    print(f"base run {result.base_run}, {result.drawings} drawings"
          + (f" ({result.dropped} of classes the model lacks left out)" if result.dropped else ""))
    print(f"{'':22}{'before':>8}{'after':>8}")
    for key, title in (("drawings", "your drawings"), ("test", "the run's test set")):
        after = result.after.get(key)
        print(f"{title:22}{result.before[key]:8.1%}" + (f"{after:8.1%}" if after is not None else "       -"))
    print(f"saved as run {result.run_id}; active run: {active}" if result.run_id else "stopped: nothing saved")
    if result.note:
        print(f"note: {result.note}")
