"""Running a search over the CNN: on one machine, or as keras-tuner's distributed chief or worker.

Data is prepared as training prepares it (duplicates removed, split by group), the tuner runs, and
the best trial is retrained and saved as a run.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from mathdash.dataset import Dataset
from mathdash.errors import ConfigError
from mathdash.keras_state import keras_work
from mathdash.tuning.space import TuneConfig, params_from_values
from mathdash.tuning.trials import (
    META_FILE,
    SEARCH_ROOT,
    best_trial,
    hyperparameter_values,
    read_meta,
    trial_table,
    write_json_atomic,
)
from mathdash.tuning.tuner import Progress, Reporter, make_tuner, run_tuner, total_trials



@dataclass
class SearchResult:
    """What a search left behind.

    Attributes:
        name: the search name.
        search_dir: its directory.
        trials: the trial table (see ``trial_table``).
        best_hyperparameters: the full ``build_cnn`` arguments of the best completed trial ({} if none).
        best_score: that trial's validation accuracy (None when no trial completed).
        run_id: the run the best trial was retrained into (None on a worker, when stopped or not asked).
        stopped: True when a stop request ended the search early.
    """

    name: str
    search_dir: Path
    trials: pd.DataFrame
    best_hyperparameters: dict[str, Any]
    best_score: float | None
    run_id: str | None
    stopped: bool = False


def distributed_role() -> str:
    """``chief``, ``worker`` or ``local``, from keras-tuner's ``KERASTUNER_*`` environment variables."""
    if "KERASTUNER_ORACLE_IP" not in os.environ:
        return "local"
    return "chief" if "chief" in os.environ.get("KERASTUNER_TUNER_ID", "") else "worker"


def run_search(
    dataset: Dataset,
    config: TuneConfig,
    search_root: Path = SEARCH_ROOT,
    progress: Progress | None = None,
    stop_event: threading.Event | None = None,
    store: Any = None,
) -> SearchResult:
    """Search the CNN's hyperparameters on ``dataset``, resuming the search directory if it exists.

    Trials train on the training part of ``split.make_split`` and score by their best validation
    accuracy. Under keras-tuner's distributed variables the chief serves the oracle until the
    workers are done (then saves the best run); a worker runs trials and saves no run.

    Args:
        dataset: the images searched on (uint8 (N, 45, 45), at least two classes).
        config: the search settings; ``config.name`` picks the directory.
        search_root: parent of the per-search directories.
        progress: ``progress(done, total, message)`` after every epoch and trial.
        stop_event: when set, the current epoch ends the search (no run is saved).
        store: the ``RunStore`` the best trial's run goes to (``RunStore()`` when None).

    Returns:
        The SearchResult.

    Raises:
        ConfigError: ``config.name`` holds a search with another algorithm, space or class list.
    """
    search_dir = Path(search_root) / config.name
    role = distributed_role()
    _check_resumable(search_dir, config, dataset)
    if role != "worker":
        _write_meta(search_dir, config, dataset)
    prepared = _prepare(dataset, config, progress)
    train, val = _search_data(prepared, config.seed)
    batches = int(np.ceil(len(train[1]) / config.batch_size))
    reporter = Reporter(progress, stop_event, total_trials(config), len(trial_table(search_dir)),
                        batches=batches, epochs=config.epochs)
    with keras_work():  # also turns keras-tuner's clear_session before each trial into a no-op
        tuner = make_tuner(config, dataset.num_classes, Path(search_root), reporter, role)
        stopped = run_tuner(tuner, train, val, config)
    table = trial_table(search_dir)
    best = best_trial(table)
    best_params = {} if best is None else params_from_values(hyperparameter_values(best), config.space)
    run_id = None
    if role != "worker" and config.save_best and not stopped and best is not None:
        run_id = _best_run(prepared, config, search_dir, best, store, progress, stop_event)
    return SearchResult(
        name=config.name,
        search_dir=search_dir,
        trials=table,
        best_hyperparameters=best_params,
        best_score=None if best is None else float(best["score"]),
        run_id=run_id,
        stopped=stopped,
    )


def train_config(config: TuneConfig, dataset: Dataset, params: dict[str, Any] | None = None) -> Any:
    """The ``TrainConfig`` of a search's data preparation and of its best trial's run."""
    from mathdash.train import TrainConfig

    return TrainConfig(
        data=dataset.name, model="cnn", model_params=dict(params or {}), epochs=config.epochs,
        batch_size=config.batch_size, seed=config.seed, tags=("source=tune", f"search={config.name}"),
    )


def _prepare(dataset: Dataset, config: TuneConfig, progress: Progress | None) -> Dataset:
    """Duplicates removed as training does, so trials and the saved run see the same split."""
    from mathdash.train import prepare_data

    if progress is not None:
        progress(0, total_trials(config), "removing duplicates")
    return prepare_data(dataset, train_config(config, dataset))


def resume_conflict(search_dir: Path | str, config: TuneConfig) -> str | None:
    """Why ``config`` cannot resume the search in ``search_dir`` (another algorithm or space), else None."""
    return _conflict(read_meta(search_dir), config)


def _conflict(meta: dict[str, Any], config: TuneConfig) -> str | None:
    if "config" not in meta:
        return None
    earlier = TuneConfig.from_dict(meta["config"])
    if earlier.algorithm != config.algorithm:
        return (f"search {config.name!r} was started with algorithm {earlier.algorithm!r}; resume it with "
                "that algorithm or choose a new name")
    before, now = earlier.space.to_dict(), config.space.to_dict()
    changed = [key for key in before if before[key] != now[key]]
    if changed:
        return (f"search {config.name!r} was started with another search space ({', '.join(changed)} "
                "differ); resume it with its space or choose a new name")
    return None


def _check_resumable(search_dir: Path, config: TuneConfig, dataset: Dataset) -> None:
    meta = read_meta(search_dir)
    conflict = _conflict(meta, config)
    if conflict:
        raise ConfigError(conflict)
    if "config" in meta and meta.get("class_names") != list(dataset.class_names):
        raise ConfigError(
            f"search {config.name!r} was started on other classes ({meta.get('dataset', '?')}); "
            "choose a new name for this dataset"
        )


def _write_meta(search_dir: Path, config: TuneConfig, dataset: Dataset) -> None:
    meta = read_meta(search_dir)
    meta.update(config=config.to_dict(), dataset=dataset.name, class_names=list(dataset.class_names))
    write_json_atomic(search_dir / META_FILE, meta)


def _search_data(dataset: Dataset, seed: int) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    from mathdash.preprocess import to_model_input
    from mathdash.split import make_split

    split = make_split(dataset, seed=seed)
    return tuple(
        (to_model_input(dataset.images[index]), dataset.labels[index]) for index in (split.train, split.val)
    )


def _best_run(
    dataset: Dataset,
    config: TuneConfig,
    search_dir: Path,
    best: pd.Series,
    store: Any,
    progress: Progress | None,
    stop_event: threading.Event | None,
) -> str | None:
    """Retrain the best trial on the prepared data and save it as a run (once per best trial)."""
    from mathdash.runs import RunStore
    from mathdash.train import train_model

    store = store if store is not None else RunStore()
    meta = read_meta(search_dir)
    if meta.get("run_trial") == best["trial"] and meta.get("run_id") in {run.id for run in store.list_runs()}:
        return meta["run_id"]
    params = params_from_values(hyperparameter_values(best), config.space)
    base = train_config(config, dataset, params)
    run_config = base.with_changes(tags=(*base.tags, f"trial={best['trial']}"))
    result = train_model(dataset, run_config, progress=_retrain_progress(progress), stop_event=stop_event,
                         store=store)
    if result.run_id is not None:
        meta.update(run_id=result.run_id, run_trial=best["trial"])
        write_json_atomic(search_dir / META_FILE, meta)
    return result.run_id


def _retrain_progress(progress: Progress | None) -> Callable[[dict[str, Any]], None]:
    """``train_model``'s progress dicts as ``progress(epoch, epochs, message)``."""

    def report(update: dict[str, Any]) -> None:
        if progress is not None and update.get("epoch") is not None:
            message = f"retraining the best trial: epoch {update['epoch']}"
            progress(update["epoch"], update.get("epochs") or 1, message)

    return report
