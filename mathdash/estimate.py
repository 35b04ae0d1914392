"""How long a training run, a search or a study will take, from measured training throughput.

The throughput comes from the newest saved run of the same model (``images_per_second`` in its
``metrics.json``: training images over the time spent in training batches, measured while it
trained on this machine), else from the reference figures below. Validation and scoring passes are
counted at ``INFERENCE_SPEEDUP`` times the training rate; on-the-fly augmentation adds its own time.
Early stopping can end runs sooner, so every figure is an upper bound for the settings given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np

from mathdash.split import DEFAULT_FRACTIONS

# Training images/s with batch 128 on the README's 2-core machine: baseline and cnn from
# benchmarks/bench_train.py; mobilenetv2 and resnet50v2 scaled from one timing of 768 random images
# beside the cnn on the same busy machine (cnn 182, mobilenetv2 143, resnet50v2 4 images/s).
REFERENCE_IMAGES_PER_SECOND = {"baseline": 924.0, "cnn": 414.0, "mobilenetv2": 325.0, "resnet50v2": 9.0}
INFERENCE_SPEEDUP = 3.0  # predict vs train images/s of the cnn here: 553 vs 182 on a busy machine
AUGMENT_IMAGES_PER_SECOND = 23_086.0  # the default pipeline, batched (benchmarks/bench_augment.py)
CLEAN_TRAIN_SAMPLE = 2000  # training images scored after a run (mathdash.train.CLEAN_SAMPLE)


@dataclass(frozen=True)
class Throughput:
    """Training images per second of one model, and where the figure comes from.

    Attributes:
        model: model name (``baseline``, ``cnn``, ...).
        images_per_second: training images per second in training batches.
        source: one phrase for people: ``"measured by run 2026...-cnn-ab12cd"`` or the reference.
    """

    model: str
    images_per_second: float
    source: str


@dataclass(frozen=True)
class Estimate:
    """A time estimate: ``seconds`` (an upper bound) and ``basis``, how it was estimated, in words."""

    seconds: float
    basis: str


def measured_throughput(
    model: str, runs: Iterable[tuple[str, Mapping[str, Any], Mapping[str, Any]]]
) -> Throughput:
    """The training throughput of ``model``: the first of ``runs`` that measured one, else the reference.

    Args:
        model: the model name.
        runs: ``(run_id, config, metrics)`` of saved runs, newest first (``saved_runs(store)``).
    """
    for run_id, config, metrics in runs:
        rate = metrics.get("images_per_second")
        if config.get("model") == model and isinstance(rate, (int, float)) and rate > 0:
            return Throughput(model, float(rate), f"measured by run {run_id}")
    rate = REFERENCE_IMAGES_PER_SECOND.get(model, REFERENCE_IMAGES_PER_SECOND["cnn"])
    return Throughput(model, rate, "the README's reference figure for a 2-core machine (no saved run of it)")


def saved_runs(store: Any) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """``(run_id, config, metrics)`` of every sound run in a ``RunStore``, newest first."""
    from mathdash.errors import ArtifactError
    from mathdash.runs.records import read_json

    found = []
    for summary in store.list_runs():
        if summary.broken:
            continue
        try:
            found.append((summary.id, read_json(summary.path / "config.json"),
                          read_json(summary.path / "metrics.json")))
        except ArtifactError:
            continue  # a run being written or deleted this instant
    return found


def balanced_size(class_counts: Iterable[int]) -> int:
    """Images after growing every class to the median class size (``balance="median"``); 0 if none."""
    counts = np.asarray(list(class_counts), dtype=np.int64)
    return int(np.maximum(counts, np.median(counts)).sum()) if counts.size else 0


def fit_seconds(train: int, val: int, epochs: int, throughput: float, on_the_fly: bool = False,
                test: int = 0) -> float:
    """Seconds for ``epochs`` epochs on ``train`` images with a validation pass over ``val`` each,
    then scoring ``test`` images twice (as they are and augmented) and a clean training sample."""
    per_epoch = train / throughput + val / (throughput * INFERENCE_SPEEDUP)
    if on_the_fly:
        per_epoch += train / AUGMENT_IMAGES_PER_SECOND
    scoring = (2 * test + min(train, CLEAN_TRAIN_SAMPLE)) / (throughput * INFERENCE_SPEEDUP) if test else 0.0
    return epochs * per_epoch + scoring


def split_sizes(
    images: int, fractions: tuple[float, float, float] = DEFAULT_FRACTIONS
) -> tuple[int, int, int]:
    """Approximate (train, val, test) sizes of ``images`` split by ``fractions``."""
    train, val = (int(round(images * share)) for share in fractions[:2])
    return train, val, max(0, images - train - val)


def estimate_training(images: int, epochs: int, throughput: Throughput, on_the_fly: bool = False) -> Estimate:
    """One training run on ``images`` (after duplicate removal and balancing)."""
    train, val, test = split_sizes(images)
    seconds = fit_seconds(train, val, epochs, throughput.images_per_second, on_the_fly, test)
    return Estimate(seconds, f"{epochs} epochs of {train:,} training and {val:,} validation images at "
                             f"{throughput.images_per_second:,.0f} training images/s ({throughput.source})")


def estimate_search(images: int, trials: int, epochs: int, executions: int, throughput: Throughput,
                    retrain: bool = True) -> Estimate:
    """A search: ``trials`` trials of ``epochs`` epochs (each ``executions`` times), plus retraining
    the best trial as a run. Trials of other sizes train faster or slower than the default cnn."""
    train, val, test = split_sizes(images)
    rate = throughput.images_per_second
    seconds = trials * executions * fit_seconds(train, val, epochs, rate)
    if retrain:
        seconds += fit_seconds(train, val, epochs, rate, test=test)
    return Estimate(seconds, f"{trials} trials x {epochs} epochs x {executions} execution(s)"
                             f"{' + retraining the best' if retrain else ''} on {train:,} training images at "
                             f"{rate:,.0f} images/s for the default cnn ({throughput.source}); bigger trials "
                             "take longer, Hyperband's early rounds fewer epochs")


def estimate_study(variants: Iterable[Any], images: int, raw_images: int, class_counts: Iterable[int],
                   epochs: int, throughputs: Mapping[str, Throughput], base_model: str = "cnn") -> Estimate:
    """A study: the sum of its runs (``studies.study_variants``), each at its model's throughput.

    Args:
        variants: the study's ``PlannedRun``s (``dataset`` may be None).
        images: images after duplicate removal (an estimate is fine; fewer makes it shorter).
        raw_images: images as loaded (the naive-split run keeps its duplicates).
        class_counts: images per class after duplicate removal (for the balanced run's size).
        epochs: most epochs per run.
        throughputs: model name -> ``Throughput`` for every model the study trains.
        base_model: the model of runs whose changes name none.
    """
    balanced = balanced_size(class_counts) or images
    seconds, models = 0.0, {}
    for planned in variants:
        changes = planned.changes
        model = changes.get("model", base_model)
        size = raw_images if changes.get("dedup") is False else balanced if changes.get("balance") else images
        train, val, test = split_sizes(size)
        train = int(round(train * changes.get("train_fraction", 1.0)))
        rate = throughputs[model]
        seconds += fit_seconds(train, val, epochs, rate.images_per_second, bool(changes.get("augment")), test)
        models[model] = rate
    rates = "; ".join(f"{m} {t.images_per_second:,.0f} images/s ({t.source})" for m, t in models.items())
    return Estimate(seconds, f"the study's runs at {epochs} epochs each, summed; training throughput {rates}")
