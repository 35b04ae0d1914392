"""Fine-tune a copy of a saved model on the user's drawings, mixed with its own training data.

A few epochs on augmented copies of the drawings plus a sample of the base run's training part
(so it forgets little), scored before and after on the drawings and on the base run's test part.
The result is saved as a new run; the base run and the active model are never changed here.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

from mathdash.dataset import Dataset
from mathdash.errors import ConfigError, DatasetError
from mathdash.keras_state import keras_work

BUILTIN_SOURCE = "builtin:symbols"

FINETUNE_TAG = "source=finetune"
ProgressFn = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class FinetuneConfig:
    """Settings of one fine-tune; round-trips through ``to_dict``/``from_dict``.

    Attributes:
        epochs: passes over the mixed data.
        learning_rate: Adam's step size (small: the model is already trained).
        batch_size: images per step.
        copies_per_drawing: augmented variants of each drawing added beside the drawing itself.
        base_images: images sampled from the base run's training part and mixed in.
        augment: augmentation preset (or saved config name) that makes the variants.
        seed: seed of the sample, the variants and the shuffling.
    """

    epochs: int = 4
    learning_rate: float = 3e-4
    batch_size: int = 64
    copies_per_drawing: int = 20
    base_images: int = 2000
    augment: str = "default"
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ConfigError(f"{name} must be a positive integer, got {getattr(self, name)!r}")
        for name in ("copies_per_drawing", "base_images"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 0:
                raise ConfigError(f"{name} must be 0 or more, got {getattr(self, name)!r}")
        if not self.learning_rate > 0:
            raise ConfigError(f"learning_rate must be positive, got {self.learning_rate!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FinetuneConfig:
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ConfigError(f"unknown fine-tune setting(s): {', '.join(unknown)}")
        return cls(**data)


@dataclass
class FinetuneResult:
    """What ``finetune`` returns.

    Attributes:
        run_id: the new run, or None when stopped (nothing saved).
        base_run: the run that was copied.
        before, after: ``{"drawings": accuracy on the user's drawings, "test": accuracy on the base
            run's test part}`` of the base model and of the fine-tuned one (``after`` empty when stopped).
        drawings: how many drawings were used; dropped: drawings of classes the model lacks.
        state: 'done' or 'stopped'.
        seconds: wall time of the fitting.
        note: what to know about the scores ('' when nothing), e.g. a part of the base run's data
            that is not here.
    """

    run_id: str | None
    base_run: str
    before: dict[str, float]
    after: dict[str, float] = field(default_factory=dict)
    drawings: int = 0
    dropped: int = 0
    state: str = "done"
    seconds: float = 0.0
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class FinetuneStopped(Exception):
    """Raised inside ``fit`` when the stop event is set."""


def base_parts(dataset: Dataset, run_config: dict[str, Any]) -> tuple[Dataset, Dataset]:
    """The training and real test parts of a run's data, rebuilt as the run made them.

    Args:
        dataset: the run's data as loaded (e.g. ``load_builtin()`` for ``data='builtin:symbols'``).
        run_config: the run's ``config.json`` (a ``TrainConfig`` dict; unknown keys are ignored).

    Returns:
        (train, test) Datasets; the test part holds no balancing copies.
    """
    from mathdash.split import make_split
    from mathdash.train import TrainConfig, prepare_data, real_test_part

    known = {f.name for f in fields(TrainConfig)}
    config = TrainConfig.from_dict({k: v for k, v in run_config.items() if k in known})
    prepared = prepare_data(dataset, config)
    split = make_split(prepared, config.split_fractions, seed=config.seed, by_group=config.split_by_group)
    test = prepared.subset(real_test_part(prepared, split), name=f"{prepared.name} (test)")
    return prepared.subset(split.train, name=f"{prepared.name} (train)"), test


def finetune(
    run: Any,
    drawings: Dataset,
    base_train: Dataset,
    base_test: Dataset,
    config: FinetuneConfig = FinetuneConfig(),
    store: Any = None,
    progress: ProgressFn | None = None,
    stop_event: threading.Event | None = None,
) -> FinetuneResult:
    """Fine-tune a copy of ``run``'s model and save it as a new run (never made active here).

    Args:
        run: a loaded ``mathdash.runs.Run``.
        drawings: the user's labelled drawings (any class names; those the model lacks are dropped).
        base_train, base_test: the base run's training and test parts (``base_parts``), any
            class names (aligned to the model's).
        config: the fine-tune settings.
        store: the ``RunStore`` to save into (None: the default store).
        progress: receives dicts: phase 'prepare' | 'batch' | 'epoch' | 'evaluate', epoch, epochs,
            batch, batches, loss, accuracy, message.
        stop_event: when set, fitting stops within a batch and nothing is saved.

    Returns:
        FinetuneResult with accuracies before and after.

    Raises:
        DatasetError: no drawing of a class the model knows.
    """
    from mathdash.evaluate import align_classes

    emit = progress or (lambda update: None)
    emit({"phase": "prepare", "message": "scoring the model before fine-tuning"})
    mine, dropped = align_classes(drawings, run.labels)
    if not len(mine):
        raise DatasetError(f"none of the {len(drawings)} drawings is of a class the model {run.id!r} knows")
    train_part, test_part = (align_classes(part, run.labels)[0] for part in (base_train, base_test))
    with keras_work():
        model = run.load_model()
        before = _scores(model, mine, test_part)
        images, labels = mixed_training_data(mine, train_part, config)
        fitted, history, seconds = _fit(model, images, labels, config, emit, stop_event or threading.Event())
        if fitted is None:
            return FinetuneResult(None, run.id, before, drawings=len(mine), dropped=dropped,
                                  state="stopped", seconds=seconds)
        emit({"phase": "evaluate", "message": "scoring the fine-tuned model"})
        after = _scores(fitted, mine, test_part)
        run_id = _save(fitted, run, test_part, history, config, before, after, len(mine), store)
    return FinetuneResult(run_id, run.id, before, after, len(mine), dropped, "done", seconds)


def finetune_saved_run(
    run_id: str | None = None,
    examples: Any = None,
    config: FinetuneConfig = FinetuneConfig(),
    store: Any = None,
    base_data: Dataset | None = None,
    progress: ProgressFn | None = None,
    stop_event: threading.Event | None = None,
) -> FinetuneResult:
    """``finetune`` a saved run (the active one when None) on the drawings of an ``ExampleStore``.

    Args:
        run_id: the run to copy; None for the store's active run.
        examples: a ``mathdash.examples.ExampleStore`` (None: the default one).
        config: the fine-tune settings.
        store: the ``RunStore`` (None: the default).
        base_data: the run's data; None loads ``config.json``'s ``data`` (e.g. ``builtin:symbols``,
            or several sources joined by ``" + "``).
        progress, stop_event: as for ``finetune``.
    """
    from mathdash.examples import ExampleStore
    from mathdash.predict import resolve_run_id
    from mathdash.runs import RunStore

    store = store if store is not None else RunStore()
    run = store.load(resolve_run_id(run_id, store))
    drawings = (examples if examples is not None else ExampleStore()).load()
    if progress is not None:
        progress({"phase": "prepare", "message": "rebuilding the base run's training and test parts"})
    note = ""
    if base_data is None:
        from mathdash.loaders import load_data

        available, missing = available_sources(str(run.config.get("data", BUILTIN_SOURCE)))
        base_data = load_data(available)
        if missing:
            note = (f"The base run also trained on {', '.join(missing)}, which is not here: its test part "
                    f"was rebuilt from {available} alone, split differently, so the test score may include "
                    "images the base run trained on.")
    base_train, base_test = base_parts(base_data, run.config)
    result = finetune(run, drawings, base_train, base_test, config, store, progress, stop_event)
    return replace(result, note=note)


def available_sources(data: str) -> tuple[str, list[str]]:
    """(the parts of a run's data description that exist here, joined; the missing ones).

    A Cloud deployment or a fresh clone lacks the folders a run may have been trained on (the shipped
    run's CROHME formulas); fine-tuning mixes in what is there, the built-in set at least.
    """
    from mathdash.loaders import SOURCE_SEPARATOR, source_parts

    parts = source_parts(data)
    present = [part for part in parts if part.startswith("builtin:") or Path(part).exists()]
    missing = [part for part in parts if part not in present]
    return SOURCE_SEPARATOR.join(present or [BUILTIN_SOURCE]), missing


def mixed_training_data(
    drawings: Dataset, base_train: Dataset, config: FinetuneConfig
) -> tuple[np.ndarray, np.ndarray]:
    """The drawings, ``copies_per_drawing`` augmented variants of each, and a base sample, shuffled.

    Both datasets must share ``class_names`` (``evaluate.align_classes``).

    Returns:
        (images uint8 (M, 45, 45), labels int64 (M,)).
    """
    from mathdash.augment import augment_images, resolve_config

    if drawings.class_names != base_train.class_names:
        raise DatasetError("the drawings and the base data must share one class order")
    rng = np.random.default_rng(config.seed)
    parts = [(drawings.images, drawings.labels)]
    if config.copies_per_drawing:
        repeated = np.repeat(np.arange(len(drawings)), config.copies_per_drawing)
        variants, _ = augment_images(drawings.images[repeated], resolve_config(config.augment),
                                     seed=config.seed, keep_labels=True)
        parts.append((variants, drawings.labels[repeated]))
    if config.base_images and len(base_train):
        picked = rng.choice(len(base_train), min(config.base_images, len(base_train)), replace=False)
        parts.append((base_train.images[picked], base_train.labels[picked]))
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts]).astype(np.int64)
    order = rng.permutation(len(images))
    return images[order], labels[order]


def _scores(model: Any, drawings: Dataset, test: Dataset) -> dict[str, float]:
    from mathdash.evaluate import predict_proba

    return {name: float(np.mean(predict_proba(model, part.images).argmax(axis=1) == part.labels))
            if len(part) else float("nan") for name, part in (("drawings", drawings), ("test", test))}


def _fit(model: Any, images: np.ndarray, labels: np.ndarray, config: FinetuneConfig, emit: ProgressFn,
         stop_event: threading.Event) -> tuple[Any, dict[str, list[float]], float]:
    """Compile afresh (a saved run holds no optimizer) and fit; (None, history, s) when stopped."""
    import keras

    from mathdash.preprocess import to_model_input

    keras.utils.set_random_seed(config.seed)
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    batches = int(np.ceil(len(images) / config.batch_size))
    reporter = _reporter(emit, stop_event, config.epochs, batches)
    start = time.perf_counter()
    try:
        model.fit(to_model_input(images), labels, epochs=config.epochs, batch_size=config.batch_size,
                  shuffle=True, callbacks=[reporter], verbose=0)
    except FinetuneStopped:
        return None, reporter.history, time.perf_counter() - start
    return model, reporter.history, time.perf_counter() - start


def _reporter(emit: ProgressFn, stop_event: threading.Event, epochs: int, batches: int) -> Any:
    import keras

    class Reporter(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.history: dict[str, list[float]] = {}
            self.epoch = 0

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self.epoch = epoch

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            if stop_event.is_set():
                raise FinetuneStopped()
            emit(self._update("batch", batch + 1, logs or {}))

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            for key, value in (logs or {}).items():
                self.history.setdefault(key, []).append(float(value))
            emit(self._update("epoch", batches, logs or {}))

        def _update(self, phase: str, batch: int, logs: dict) -> dict[str, Any]:
            return {"phase": phase, "epoch": self.epoch + 1, "epochs": epochs, "batch": batch,
                    "batches": batches, "loss": _number(logs.get("loss")),
                    "accuracy": _number(logs.get("accuracy"))}

    return Reporter()


def _save(model: Any, run: Any, test: Dataset, history: dict[str, list[float]], config: FinetuneConfig,
          before: dict[str, float], after: dict[str, float], drawings: int, store: Any) -> str:
    """Save the fine-tuned copy as a new run: the base run's config, tagged, with fresh test metrics."""
    from mathdash.evaluate import evaluate_model
    from mathdash.runs import RunStore

    metrics = evaluate_model(model, test, augmented=False) if len(test) else {}
    metrics.update(state="done", finetune={"base_run": run.id, "drawings": drawings,
                                           "config": config.to_dict(), "before": before, "after": after})
    tags = [t for t in run.config.get("tags", []) if not str(t).startswith("base=")]
    tags = [*dict.fromkeys([*tags, FINETUNE_TAG, f"base={run.id}"])]
    saved_config = {**run.config, "tags": tags}
    copy = type(model).from_config(model.get_config())  # without the optimizer: a third the size
    copy.set_weights(model.get_weights())
    store = store if store is not None else RunStore()
    model_name = str(run.config.get("model", "model"))
    from mathdash.runs import new_run_id

    return store.save(copy, saved_config, metrics, history, list(run.labels),
                      run_id=new_run_id(f"{model_name}-finetune"))


def _number(value: Any) -> float | None:
    return None if value is None else float(value)
