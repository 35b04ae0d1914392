"""keras-tuner's tuners with a mixin that notes each trial, reports progress and honours a stop request.

The mixin records the parameter count, time and tuner id of every trial (in its metrics and in
``trial_<id>/mathdash.json``), so the trial table can be read without tensorflow.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from mathdash.tuning.space import TuneConfig, build_hypermodel
from mathdash.tuning.trials import TRIAL_NOTE_FILE, read_trial_note, write_json_atomic

OBJECTIVE = "val_accuracy"
HYPERBAND_FACTOR = 3
BATCH_REPORT_S = 0.5  # messages inside a trial come at most this often

Progress = Callable[..., None]


def total_trials(config: TuneConfig) -> int:
    """How many trials the search runs at most (Hyperband: its bracket sizes, capped by max_trials)."""
    if config.algorithm != "hyperband":
        return config.max_trials
    # keras-tuner's Hyperband: brackets b = 0..B-1, rounds 0..b, ceil(end_size * f**(b - r)) trials each.
    factor, epochs = HYPERBAND_FACTOR, config.epochs
    brackets = 1 + int(np.floor(np.log(epochs) / np.log(factor) + 1e-9))
    end_size = np.ceil(1 + np.log(epochs) / np.log(factor))
    total = sum(
        int(np.ceil(end_size / (b + 1) * factor ** (b - r))) for b in range(brackets) for r in range(b + 1)
    )
    return min(total, config.max_trials)


class Reporter:
    """Progress and stop requests, shared by the tuner's hooks."""

    def __init__(self, progress: Progress | None, stop_event: threading.Event | None, total: int, done: int,
                 batches: int = 0, epochs: int = 0):
        self.progress, self.stop_event, self.total, self.done = progress, stop_event, total, done
        self.batches, self.epochs = batches, epochs  # per trial epoch, for the messages inside a trial
        self.last_report = 0.0

    @property
    def stop_requested(self) -> bool:
        return self.stop_event is not None and self.stop_event.is_set()

    def report(self, message: str) -> None:
        if self.progress is not None:
            self.last_report = time.monotonic()
            self.progress(min(self.done, self.total), self.total, message)

    def report_batch(self, trial_id: str, epoch: int, batch: int) -> None:
        """``trial 3 (4 of 10): epoch 2/5, batch 40/120``, at most every ``BATCH_REPORT_S`` seconds."""
        if time.monotonic() - self.last_report < BATCH_REPORT_S:
            return
        epochs = f"/{self.epochs}" if self.epochs else ""
        batches = f"/{self.batches}" if self.batches else ""
        self.report(f"trial {trial_id} ({self.done + 1} of {self.total}): epoch {epoch + 1}{epochs}, "
                    f"batch {batch + 1}{batches}")


class _SearchStopped(Exception):
    """Raised between trials when a stop was requested; ends ``tuner.search``."""


class _ReportingTuner:
    """Mixin placed before a keras-tuner tuner class: notes, progress, stop requests."""

    reporter: Reporter
    _params = 0

    def pre_create_trial(self) -> None:
        if self.reporter.stop_requested:
            raise _SearchStopped
        super().pre_create_trial()

    def on_trial_begin(self, trial: Any) -> None:
        super().on_trial_begin(trial)
        self._note(trial, tuner_id=self.tuner_id, started=time.time())

    def on_epoch_begin(self, trial: Any, model: Any, epoch: int, logs: dict | None = None) -> None:
        super().on_epoch_begin(trial, model, epoch, logs)
        self._params = int(model.count_params())
        self._epoch = epoch

    def on_batch_end(self, trial: Any, model: Any, batch: int, logs: dict | None = None) -> None:
        super().on_batch_end(trial, model, batch, logs)
        if self.reporter.stop_requested:
            model.stop_training = True
        self.reporter.report_batch(trial.trial_id, getattr(self, "_epoch", 0), batch)

    def on_epoch_end(self, trial: Any, model: Any, epoch: int, logs: dict | None = None) -> None:
        super().on_epoch_end(trial, model, epoch, logs)
        accuracy = (logs or {}).get(OBJECTIVE, float("nan"))
        self.reporter.report(f"trial {trial.trial_id} ({self.reporter.done + 1} of {self.reporter.total}): "
                             f"epoch {epoch + 1} done, val accuracy {accuracy:.3f}")

    def run_trial(self, trial: Any, *args: Any, **kwargs: Any) -> dict[str, float]:
        started = time.perf_counter()
        histories = super().run_trial(trial, *args, **kwargs)
        seconds = time.perf_counter() - started
        self._note(trial, params=self._params, seconds=seconds)
        best = [max(h.history.get(OBJECTIVE) or [float("nan")]) for h in histories]
        return {OBJECTIVE: float(np.mean(best)), "params": float(self._params), "seconds": seconds}

    def on_trial_end(self, trial: Any) -> None:
        super().on_trial_end(trial)
        self.reporter.done += 1
        self.reporter.report(f"trial {trial.trial_id} {trial.status.lower()} ({self.reporter.done} of "
                             f"{self.reporter.total} trials done)")

    def _configure_tensorboard_dir(self, callbacks: list, trial: Any, execution: int = 0) -> None:
        # keras-tuner 1.4 imports tensorboard here on every trial, even without a TensorBoard
        # callback; a search passes none, and tensorflow 2.21 no longer installs tensorboard.
        if any(type(callback).__name__ == "TensorBoard" for callback in callbacks):
            super()._configure_tensorboard_dir(callbacks, trial, execution)

    def _note(self, trial: Any, **fields: Any) -> None:
        trial_dir = Path(self.get_trial_dir(trial.trial_id))
        write_json_atomic(trial_dir / TRIAL_NOTE_FILE, {**read_trial_note(trial_dir), **fields})


def make_tuner(config: TuneConfig, num_classes: int, search_root: Path, reporter: Reporter, role: str) -> Any:
    """keras-tuner's tuner for ``config.algorithm`` on ``search_root/config.name``, resuming what is there.

    ``role`` is ``distributed_role()``: only a chief or a lone tuner owns the oracle's trial cap.
    """
    import keras
    import keras_tuner

    keras.utils.set_random_seed(config.seed)
    base = {
        "random": keras_tuner.RandomSearch,
        "hyperband": keras_tuner.Hyperband,
        "bayesian": keras_tuner.BayesianOptimization,
    }[config.algorithm]
    tuner_class = type(f"MathDash{base.__name__}", (_ReportingTuner, base), {})
    budget = (
        {"max_epochs": config.epochs, "factor": HYPERBAND_FACTOR}
        if config.algorithm == "hyperband"
        else {"max_trials": config.max_trials}
    )
    tuner = tuner_class(
        hypermodel=build_hypermodel(num_classes, config.space),
        objective=keras_tuner.Objective(OBJECTIVE, direction="max"),
        executions_per_trial=config.executions,
        seed=config.seed,
        directory=str(search_root),
        project_name=config.name,
        overwrite=False,
        **budget,
    )
    if role != "worker":
        tuner.oracle.max_trials = config.max_trials  # a cap Hyperband honours too
    tuner.reporter = reporter
    return tuner


def run_tuner(tuner: Any, train: tuple, val: tuple, config: TuneConfig) -> bool:
    """Run ``tuner.search`` on (x, y) float32 (N, 45, 45, 1) / int64 (N,) pairs; True when stopped."""
    x_train, y_train = train
    try:
        tuner.search(x_train, y_train, validation_data=val, epochs=config.epochs,
                     batch_size=config.batch_size, verbose=0)
    except _SearchStopped:
        return True
    return tuner.reporter.stop_requested
