"""The keras part of training: build the model, fit with early stopping, report, stop on request.

Kept apart from ``mathdash.train`` so that reading a config or a run never imports TensorFlow.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from mathdash.dataset import Dataset
from mathdash.preprocess import to_model_input
from mathdash.split import Split
from mathdash.train.config import TrainConfig

PROGRESS_INTERVAL_S = 0.3  # batch updates closer together than this are skipped (epoch ends never)
LR_FACTOR = 0.5  # learning-rate cut on a validation plateau (config.lr_patience)
MIN_LEARNING_RATE = 1e-5


class TrainingStopped(Exception):
    """Raised inside ``fit`` by the progress callback when the stop event is set."""


@dataclass
class Fitted:
    """The outcome of ``fit_model``.

    Attributes:
        model: the model with its best weights restored, or None when stopped before any epoch ended.
        history: per-epoch lists (loss, accuracy, val_loss, val_accuracy), finished epochs only.
        best_epoch: 0-based epoch whose weights the model holds.
        state: 'done' or 'stopped'.
        seconds: wall time of the fit.
        images_seen: training images processed (for throughput).
        batch_seconds: time spent in training batches only (validation passes left out).
    """

    model: Any
    history: dict[str, list[float]] = field(default_factory=dict)
    best_epoch: int = 0
    state: str = "done"
    seconds: float = 0.0
    images_seen: int = 0
    batch_seconds: float = 0.0


def fit_model(
    dataset: Dataset,
    split: Split,
    config: TrainConfig,
    emit: Callable[[dict[str, Any]], None],
    stop_event: threading.Event,
) -> Fitted:
    """Fit ``config.model`` on ``split.train``, early-stopping on ``split.val`` (best weights restored).

    Args:
        dataset: prepared images, uint8 (N, 45, 45), and labels.
        split: row indices of the parts.
        config: model, epochs, batch size, learning rate, patience, augmentation, seed.
        emit: receives the progress dicts (see ``mathdash.train.train_model``).
        stop_event: checked after every batch; when set, fitting ends at once.
    """
    import keras

    from mathdash.models import build_model

    configure_tensorflow()
    keras.utils.set_random_seed(config.seed)
    params = {"learning_rate": config.learning_rate, **config.model_params}
    model = build_model(config.model, dataset.num_classes, **params)
    train = _training_data(dataset, split.train, config)
    val = (to_model_input(dataset.images[split.val]), dataset.labels[split.val])
    batches = int(np.ceil(len(split.train) / config.batch_size))
    early = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=config.patience, restore_best_weights=True
    )
    val_batches = int(np.ceil(len(split.val) / config.batch_size))
    reporter = _progress_callback(emit, stop_event, config.epochs, batches, val_batches)
    callbacks = [early, reporter]
    if config.lr_patience:
        callbacks.insert(0, keras.callbacks.ReduceLROnPlateau(
            monitor="val_loss", factor=LR_FACTOR, patience=config.lr_patience, min_lr=MIN_LEARNING_RATE))
    start = time.perf_counter()
    state = "done"
    try:
        model.fit(*train, validation_data=val, epochs=config.epochs, callbacks=callbacks, verbose=0,
                  batch_size=None if len(train) == 1 else config.batch_size,
                  validation_batch_size=config.batch_size)
    except TrainingStopped:
        state = "stopped"
        if early.best_weights is None:
            return Fitted(None, reporter.history, state=state)
        model.set_weights(early.best_weights)
    seconds = time.perf_counter() - start
    history = reporter.history
    best = early.best_epoch if early.best_weights is not None else len(history.get("loss", [])) - 1
    return Fitted(model, history, max(best, 0), state, seconds, reporter.images_seen(len(split.train)),
                  reporter.batch_seconds)


def configure_tensorflow(threads: int | None = None) -> None:
    """Let one op use every core and run one op at a time: the fastest on a small CPU box.

    Takes effect only before TensorFlow's runtime starts; later calls change nothing.
    """
    import tensorflow as tf

    threads = threads or os.cpu_count() or 1
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1 if threads <= 2 else 2)
    except RuntimeError:
        pass  # the runtime is already running: its thread pools are fixed for this process


def _training_data(dataset: Dataset, index: np.ndarray, config: TrainConfig) -> tuple[Any, ...]:
    """``fit``'s positional data: (x, y) arrays, or (sequence,) with on-the-fly augmentation."""
    images, labels = dataset.images[index], dataset.labels[index]
    if config.augment is None:
        return to_model_input(images), labels
    from mathdash.augment import AugmentConfig, resolve_config
    from mathdash.augment.batches import AugmentedSequence

    if isinstance(config.augment, dict):
        augment = AugmentConfig.from_dict(config.augment)
    else:
        augment = resolve_config(config.augment)
    return (AugmentedSequence(images, labels, augment, batch_size=config.batch_size, seed=config.seed,
                              class_names=dataset.class_names),)


def remaining_seconds(
    epoch: int, epochs: int, batch: int, batches: int, batch_s: float, val_pass_s: float,
    val_done: float = 0.0,
) -> float:
    """Seconds left in a fit: training batches still to run plus validation passes still to run.

    Args:
        epoch: 0-based epoch in progress.
        epochs: most epochs (early stopping may end sooner: this is an upper bound).
        batch: training batches finished in this epoch (``batches`` once its validation runs).
        batches: training batches per epoch.
        batch_s: seconds per training batch, as measured so far.
        val_pass_s: seconds per validation pass (measured, or estimated before the first one).
        val_done: share of this epoch's validation pass already done, in [0, 1].
    """
    train_left = (epochs - epoch - 1) * batches + (batches - batch)
    val_left = (epochs - epoch - 1) + (1.0 - val_done)
    return max(0.0, train_left * batch_s + val_left * val_pass_s)


def _progress_callback(
    emit: Callable[[dict[str, Any]], None], stop_event: threading.Event, epochs: int, batches: int,
    val_batches: int = 0,
) -> Any:
    """A keras Callback that reports progress dicts, records history and raises on a stop request.

    Reports every training batch (phase ``batch``), every validation batch (``validate``, with
    ``val_batch``/``val_batches``) and every epoch end (``epoch``), at most every
    ``PROGRESS_INTERVAL_S``. The ETA counts validation passes too: their measured time once one has
    run, before that a third of the time of as many training batches (inference does no backward pass).
    """
    import keras

    class ProgressReporter(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.history: dict[str, list[float]] = {}
            self.epoch = 0
            self.last_emit = 0.0
            self.start = time.perf_counter()
            self.epoch_start = self.last_batch_end = self.val_start = self.start
            self.batch_seconds = 0.0  # finished epochs' training batches, validation left out
            self.train_batches = 0  # training batches finished, all epochs
            self.val_pass_s: float | None = None
            self.epoch_counted = False  # this epoch's training time is in batch_seconds already
            self.last_logs: dict = {}

        def images_seen(self, train_size: int) -> int:
            return len(self.history.get("loss", [])) * train_size

        def on_train_begin(self, logs: dict | None = None) -> None:
            self.start = time.perf_counter()

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self.epoch = epoch
            self.epoch_start = self.last_batch_end = time.perf_counter()
            self.epoch_counted = False

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            self._check_stop()
            now = self.last_batch_end = time.perf_counter()
            self.train_batches += 1
            self.last_logs = logs or {}
            if now - self.last_emit >= PROGRESS_INTERVAL_S or batch + 1 == batches:
                self.last_emit = now
                emit(self._update("batch", batch + 1, logs or {}))

        def on_test_begin(self, logs: dict | None = None) -> None:
            self.val_start = time.perf_counter()
            if not self.epoch_counted:
                self.batch_seconds += self.last_batch_end - self.epoch_start
                self.epoch_counted = True

        def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
            self._check_stop()
            now = time.perf_counter()
            if now - self.last_emit >= PROGRESS_INTERVAL_S:
                self.last_emit = now
                emit(self._update("validate", batches, self.last_logs, val_batch=batch + 1))

        def on_test_end(self, logs: dict | None = None) -> None:
            self.val_pass_s = time.perf_counter() - self.val_start

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            if not self.epoch_counted:  # no validation pass this epoch
                self.batch_seconds += self.last_batch_end - self.epoch_start
                self.epoch_counted = True
            for key, value in (logs or {}).items():
                self.history.setdefault(key, []).append(float(value))
            emit(self._update("epoch", batches, logs or {}))

        def _check_stop(self) -> None:
            if stop_event.is_set():
                raise TrainingStopped()

        def _batch_s(self) -> float:
            current = 0.0 if self.epoch_counted else self.last_batch_end - self.epoch_start
            return (self.batch_seconds + current) / max(self.train_batches, 1)

        def _update(self, phase: str, batch: int, logs: dict, val_batch: int = 0) -> dict[str, Any]:
            elapsed = time.perf_counter() - self.start
            batch_s = self._batch_s()
            val_pass_s = self.val_pass_s if self.val_pass_s is not None else val_batches * batch_s / 3
            if phase == "validate":
                val_done = min(1.0, val_batch / max(val_batches, 1))
            else:
                val_done = 1.0 if phase == "epoch" else 0.0
            last = {key: values[-1] for key, values in self.history.items()}
            return {
                "phase": phase, "epoch": self.epoch + 1, "epochs": epochs, "batch": batch, "batches": batches,
                "val_batch": val_batch, "val_batches": val_batches,
                "loss": _number(logs.get("loss")), "accuracy": _number(logs.get("accuracy")),
                "val_loss": _number(logs.get("val_loss", last.get("val_loss"))),
                "val_accuracy": _number(logs.get("val_accuracy", last.get("val_accuracy"))),
                "eta_s": remaining_seconds(self.epoch, epochs, batch, batches, batch_s, val_pass_s, val_done),
                "elapsed_s": elapsed,
            }

    return ProgressReporter()


def _number(value: Any) -> float | None:
    return None if value is None else float(value)
