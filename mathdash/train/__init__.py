"""Train one model end to end: prepare the data, split by group, fit with early stopping, save a run.

``TrainConfig`` says everything about a run (data preparation, model, fitting); ``train_model``
reports progress through a callback and honours a stop request within a batch.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np

from mathdash.dataset import Dataset
from mathdash.errors import DatasetError
from mathdash.keras_state import keras_work
from mathdash.split import Split, make_split, shrink_train
from mathdash.train.config import TrainConfig

ProgressFn = Callable[[dict[str, Any]], None]
CLEAN_SAMPLE = 2000  # training images scored without augmentation for the leakage flag
__all__ = [
    "RunResult", "TrainConfig", "prepare_data", "real_test_part", "rebuild_test_set", "train_model",
    "with_known_origins",
]


@dataclass(frozen=True)
class RunResult:
    """What ``train_model`` returns.

    Attributes:
        run_id: the saved run, or None when stopped before the first epoch ended (nothing saved).
        metrics: the run's metrics dict (schema in ``mathdash.evaluate``); empty when not saved.
        state: 'done' or 'stopped'.
    """

    run_id: str | None
    metrics: dict[str, Any]
    state: str = "done"


def prepare_data(
    dataset: Dataset, config: TrainConfig, progress: Callable[..., None] | None = None
) -> Dataset:
    """Apply the config's duplicate removal and class balancing (steps already done are skipped).

    A dataset that already carries ``extras["group"]`` counts as deduplicated, one with
    ``extras["augmented_from"]`` as balanced, so a prepared dataset passes through unchanged.
    Known copies are tied to their originals first (``with_known_origins``).

    Args:
        dataset: images as loaded.
        config: ``dedup``, ``dedup_method``, ``dedup_threshold``, ``balance``, ``balance_augment``.
        progress: ``progress(done, total, message)`` for the balancing step.
    """
    dataset = with_known_origins(dataset)
    if config.dedup and "group" not in dataset.extras:
        from mathdash.dedup import find_duplicate_groups, remove_duplicates

        # A threshold set in the config is a hash-only threshold (what it meant before verification).
        settings = {} if config.dedup_threshold is None else {"threshold": config.dedup_threshold,
                                                              "mode": "hash"}
        report = find_duplicate_groups(dataset, method=config.dedup_method, **settings)
        dataset = remove_duplicates(dataset, report)
    if config.balance is not None and "augmented_from" not in dataset.extras:
        from mathdash.augment import balance_classes, resolve_config

        balance_config = resolve_config(config.balance_augment)
        dataset, _ = balance_classes(dataset, balance_config, target=config.balance, seed=config.seed,
                                     progress=progress)
    return dataset


def with_known_origins(dataset: Dataset) -> Dataset:
    """Tie copies the data source knows about to their originals, so the split keeps them together.

    The built-in set records each injected copy's original (``extras["duplicate_of"]``, a row
    index, -1 for originals). Row indices go stale once rows are removed, so this stores a stable
    key instead: ``extras["origin"]``, the row of the original in the loaded dataset. Duplicate
    removal misses most one-pixel shifts and some JPEG copies at its default threshold; without
    this they would straddle train and test on the built-in set. Other sources pass unchanged.
    """
    if "duplicate_of" not in dataset.extras or "origin" in dataset.extras:
        return dataset
    origin = np.asarray(dataset.extras["duplicate_of"], dtype=np.int64).copy()
    origin[origin < 0] = np.flatnonzero(origin < 0)
    while not np.array_equal(origin[origin], origin):  # copies of copies lead to the first original
        origin = origin[origin]
    return replace(dataset, extras={**dataset.extras, "origin": origin})


def train_model(
    dataset: Dataset,
    config: TrainConfig,
    progress: ProgressFn | None = None,
    stop_event: threading.Event | None = None,
    store: Any = None,
) -> RunResult:
    """Prepare, split, fit with early stopping, evaluate on the real test images, and save a run.

    Args:
        dataset: the loaded images (uint8 (N, 45, 45)); prepared with ``prepare_data`` here.
        config: every setting of the run.
        progress: called with a dict (epoch, epochs, batch, batches, loss, accuracy, val_loss,
            val_accuracy, eta_s, phase 'batch' | 'epoch' | 'prepare' | 'evaluate').
        stop_event: when set, training stops within a batch; with at least one finished epoch the
            best weights so far are evaluated and saved as a 'stopped' run, else nothing is saved.
        store: a ``mathdash.runs.RunStore``; None uses the default store (``artifacts/runs``).

    Returns:
        RunResult(run_id, metrics, state). The active run is never changed here.
    """
    from mathdash.train.fit import fit_model

    emit = progress or (lambda update: None)
    emit({"phase": "prepare", "message": _preparation_message(config)})
    prepared = prepare_data(dataset, config)
    split = make_split(prepared, config.split_fractions, seed=config.seed, by_group=config.split_by_group)
    split = shrink_train(split, prepared, config.train_fraction, seed=config.seed)
    _check_split(prepared, split)
    with keras_work():
        fitted = fit_model(prepared, split, config, emit, stop_event or threading.Event())
        if fitted.model is None:
            return RunResult(None, {}, "stopped")
        emit({"phase": "evaluate", "message": "scoring the test images"})
        metrics = _run_metrics(fitted, prepared, split, config)
        store = store if store is not None else _default_store()
        run_id = store.save(_inference_copy(fitted.model), config.to_dict(), metrics, fitted.history,
                            prepared.class_names)
    return RunResult(run_id, metrics, metrics["state"])


def _preparation_message(config: TrainConfig) -> str:
    steps = ["removing duplicates"] if config.dedup else []
    steps += [f"balancing classes to the {config.balance}"] if config.balance is not None else []
    return ("preparing the data: " + " and ".join(steps)) if steps else "preparing the data"


def rebuild_test_set(dataset: Dataset, config: TrainConfig) -> Dataset:
    """The real test images of a run, rebuilt from its data and config (same preparation and split)."""
    prepared = prepare_data(dataset, config)
    split = make_split(prepared, config.split_fractions, seed=config.seed, by_group=config.split_by_group)
    return prepared.subset(real_test_part(prepared, split), name=f"{prepared.name} (test)")


def real_test_part(dataset: Dataset, split: Split) -> np.ndarray:
    """Test indices of real images only: balancing copies are left out of the reported scores."""
    source = dataset.extras.get("augmented_from")
    if source is None:
        return split.test
    return split.test[np.asarray(source)[split.test] < 0]


def _run_metrics(fitted: Any, dataset: Dataset, split: Split, config: TrainConfig) -> dict[str, Any]:
    from mathdash.evaluate import evaluate_model, leakage_flag
    from mathdash.models import count_params

    test = dataset.subset(real_test_part(dataset, split))
    metrics = evaluate_model(fitted.model, test, seed=config.seed)
    clean_train = _clean_accuracy(fitted.model, dataset, split.train, config.seed)
    best = fitted.best_epoch
    metrics.update(
        state=fitted.state,
        train_seconds=round(fitted.seconds, 1),
        images_per_second=round(fitted.images_seen / max(fitted.batch_seconds, 1e-9), 1),
        epochs_run=len(fitted.history.get("loss", [])),
        best_epoch=best + 1,
        train_accuracy=_at(fitted.history, "accuracy", best),
        val_accuracy=_at(fitted.history, "val_accuracy", best),
        clean_train_accuracy=clean_train,
        leakage_flag=leakage_flag(fitted.history, train_accuracy=clean_train),
        params=count_params(fitted.model),
        split={**split.sizes(), "test_real": len(test)},
        data_images=len(dataset),
        data_classes=int(np.count_nonzero(np.bincount(dataset.labels))),
    )
    by_source = _scores_by_source(fitted.model, test, config)
    if by_source:
        metrics["by_source"] = by_source
    writers = test_writers(test, config.data)
    if writers:
        metrics["test_writers"] = writers
    return metrics


def test_writers(test: Dataset, data: str) -> dict[str, list[str]]:
    """The writers of each writer-labelled source's test images: source -> sorted writer ids.

    Stored with the run, so its unseen writers stay known even when another of its sources (the
    built-in set, say) changes later and a rebuilt split would come out otherwise.
    """
    from mathdash.loaders import PART_EXTRA, source_parts

    if "writer" not in test.extras:
        return {}
    writers = np.asarray(test.extras["writer"]).astype(str)
    part_of = np.asarray(test.extras.get(PART_EXTRA, np.zeros(len(test), np.int64)))
    found = {}
    for number, source in enumerate(source_parts(data)):
        named = sorted(set(writers[part_of == number]) - {""})
        if named:
            found[source] = named
    return found


def _scores_by_source(model: Any, test: Dataset, config: TrainConfig) -> dict[str, dict[str, Any]]:
    """Test scores of each source of a combined run (``"a + b"``): real handwriting apart."""
    from mathdash.evaluate import evaluate_predictions, predict_proba
    from mathdash.loaders import PART_EXTRA, source_parts

    parts = source_parts(config.data)
    if PART_EXTRA not in test.extras or len(parts) < 2:
        return {}
    part_of = np.asarray(test.extras[PART_EXTRA])
    proba = predict_proba(model, test.images)
    scores = {}
    for number, source in enumerate(parts):
        rows = np.flatnonzero(part_of == number)
        if rows.size:
            found = evaluate_predictions(test.labels[rows], proba[rows], test.class_names)
            scores[source] = {key: found[key] for key in
                              ("accuracy", "top5_accuracy", "macro_f1", "test_size", "worst_class",
                               "worst_f1", "confused_pairs")}
    return scores


def _clean_accuracy(model: Any, dataset: Dataset, index: np.ndarray, seed: int) -> float:
    """Accuracy on up to ``CLEAN_SAMPLE`` training images as they are (no augmentation, no dropout)."""
    from mathdash.evaluate import predict_proba

    if len(index) > CLEAN_SAMPLE:
        index = np.random.default_rng(seed).choice(index, CLEAN_SAMPLE, replace=False)
    predicted = predict_proba(model, dataset.images[index]).argmax(axis=1)
    return float(np.mean(predicted == dataset.labels[index]))


def _at(history: dict[str, list[float]], key: str, epoch: int) -> float | None:
    values = history.get(key, [])
    return float(values[epoch]) if 0 <= epoch < len(values) else None


def _inference_copy(model: Any) -> Any:
    """The same network and weights without the optimizer: the saved file is a third the size."""
    copy = type(model).from_config(model.get_config())
    copy.set_weights(model.get_weights())
    return copy


def _default_store() -> Any:
    from mathdash.runs import RunStore

    return RunStore()


def _check_split(dataset: Dataset, split: Split) -> None:
    empty = [name for name, size in split.sizes().items() if size == 0]
    if empty:
        raise DatasetError(
            f"{len(dataset)} images are too few to split: the {', '.join(empty)} part(s) came out empty"
        )
