"""Training throughput (images/s) of the baseline and the configurable CNN, and the default-run retrain time.

Run: ``.venv/bin/python benchmarks/bench_train.py [--small] [--skip-retrain]``. Prints the machine's
core count and load, so figures from a busy machine are read as such.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mathdash.loaders import load_source  # noqa: E402
from mathdash.runs import RunStore  # noqa: E402
from mathdash.train import TrainConfig, prepare_data, train_model  # noqa: E402

# The shipped default run's recipe (the README's command): keep the two in step.
DEFAULT_RUN = TrainConfig(data="builtin:symbols", model="cnn", epochs=30, patience=6, lr_patience=2,
                          balance="median", augment="train-time")
THROUGHPUT_EPOCHS = 2


def throughput(dataset, model: str, small: bool, store: RunStore) -> dict[str, float]:
    """Training images per second in training batches (no augmentation; validation time left out)."""
    config = DEFAULT_RUN.with_changes(model=model, epochs=1 if small else THROUGHPUT_EPOCHS, patience=99,
                                      lr_patience=0, augment=None)
    started = time.perf_counter()
    result = train_model(dataset, config, store=store)
    total = time.perf_counter() - started
    return {"images_per_s": result.metrics["images_per_second"], "fit_s": result.metrics["train_seconds"],
            "total_s": total, "train_images": result.metrics["split"]["train"]}


def retrain_default(small: bool, store: RunStore) -> dict[str, float]:
    """The whole default-run recipe from loading the data to the saved run."""
    config = DEFAULT_RUN.with_changes(epochs=1) if small else DEFAULT_RUN
    started = time.perf_counter()
    dataset = load_source(config.data)
    result = train_model(dataset, config, store=store)
    return {"total_s": time.perf_counter() - started, "accuracy": result.metrics["accuracy"],
            "worst_f1": result.metrics["worst_f1"], "epochs_run": result.metrics["epochs_run"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true",
                        help="one epoch (throughput on a fifth of the data): a quick check")
    parser.add_argument("--skip-retrain", action="store_true", help="measure throughput only")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    store = RunStore(tempfile.mkdtemp(prefix="bench-train-"), default_dir=None)
    dataset = prepare_data(load_source(DEFAULT_RUN.data), DEFAULT_RUN)
    if args.small:
        dataset = dataset.subset(np.arange(0, len(dataset), 5))
    print(f"data: {DEFAULT_RUN.data}, deduplicated and balanced: {len(dataset):,} images")
    rates = {}
    for model in ("baseline", "cnn"):
        figures = throughput(dataset, model, args.small, store)
        rates[model] = figures["images_per_s"]
        print(f"{model:>9}: {figures['images_per_s']:7.0f} images/s training "
              f"({figures['train_images']:,} images, fit {figures['fit_s']:.1f} s, "
              f"with evaluation {figures['total_s']:.1f} s)")
    print(f"cnn / baseline throughput: {rates['cnn'] / rates['baseline']:.2f}")
    if not args.skip_retrain:
        figures = retrain_default(args.small, store)
        goal = 600
        scope = "1 epoch, --small" if args.small else "full recipe"
        print(f"default-run retrain ({scope}): {figures['total_s']:.0f} s "
              f"(goal under {goal} s: {'met' if figures['total_s'] < goal else 'NOT met'}); "
              f"{figures['epochs_run']} epochs, test accuracy {figures['accuracy']:.4f}, "
              f"worst-class F1 {figures['worst_f1']:.4f}")
    print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
