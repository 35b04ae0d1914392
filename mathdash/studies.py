"""Three studies, each a set of training runs saved with its tags: duplicates, data size, architectures.

Every run is an ordinary ``train_model`` run tagged ``study=<name>``, ``variant=<...>``,
``augment=<preset|none>`` (on the fly) and ``balance=<target|none>`` (augmented copies added to the
training data), so the Compare page reads the results like any other run and never mixes the two up.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np

from mathdash.dataset import Dataset
from mathdash.errors import ConfigError

STUDIES = ("duplicates", "data_size", "architectures")
DATA_FRACTIONS = (0.25, 0.5, 1.0)
ARCHITECTURES = ("cnn", "mobilenetv2", "resnet50v2")
TRAIN_AUGMENT = "train-time"  # on-the-fly augmentation preset of the "+aug" runs
BALANCE_AUGMENT = "grow-rare"  # preset making the copies that balance rare classes
DEFAULT_CNN_PARAMS: dict[str, Any] = {}  # build_cnn's own defaults when no search result is given

Progress = Callable[..., None]


@dataclass(frozen=True)
class PlannedRun:
    """One run of a study: its variant name, how it is augmented, what it trains on.

    Attributes:
        variant: short name shown on the Compare page ("naive split", "25%", "resnet50v2").
        on_the_fly: True when training batches are augmented as they are drawn (``augment``).
        balanced: True when rare classes are grown with augmented copies first (``balance``).
        dataset: the images the run starts from (None in a plan made without data).
        changes: ``TrainConfig`` fields that differ from the study's base config.
    """

    variant: str
    on_the_fly: bool
    balanced: bool
    dataset: Dataset | None
    changes: dict[str, Any]

    @property
    def label(self) -> str:
        """The variant with ``+balanced`` / ``+aug`` (on the fly) added where they apply."""
        return self.variant + (" +balanced" if self.balanced and "balanced" not in self.variant else "") + (
            " +aug" if self.on_the_fly else "")


def study_tags(
    study: str, variant: str, augment: str | None = None, balance: str | None = None
) -> tuple[str, ...]:
    """The ``TrainConfig.tags`` of a study run.

    Returns:
        ``("study=...", "variant=...", "augment=<on-the-fly preset or none>", "balance=<target or none>")``.
    """
    return (f"study={study}", f"variant={variant}", f"augment={augment or 'none'}",
            f"balance={balance or 'none'}")


def run_study(
    name: str,
    dataset: Dataset,
    epochs: int = 10,
    fraction: float = 1.0,
    progress: Progress | None = None,
    stop_event: threading.Event | None = None,
    store: Any = None,
    seed: int = 0,
    cnn_params: dict[str, Any] | None = None,
    batch_size: int = 128,
) -> list[str]:
    """Train and save every run of one study.

    * ``duplicates``: the original data with a naive split, deduplicated, and deduplicated with
      rare classes balanced by augmented copies (accuracy, worst-class F1, per-class F1).
    * ``data_size``: 25%, 50% and 100% of the deduplicated data, with and without on-the-fly
      augmentation.
    * ``architectures``: the CNN (``cnn_params``, e.g. a search's best) against MobileNetV2 and
      ResNet50V2, with and without on-the-fly augmentation (accuracy against parameters).

    Args:
        name: one of ``STUDIES``.
        dataset: the loaded images (uint8 (N, 45, 45)).
        epochs: most epochs per run (early stopping may end sooner).
        fraction: share of each class kept before the study starts, in (0, 1] (a quicker look).
        progress: ``progress(done_runs, total_runs, message)``; the message names the run, its
            epoch and batch, so a long run shows movement.
        stop_event: when set, the current run stops (saved if an epoch finished) and no other starts.
        store: the ``RunStore`` the runs go to (``RunStore()`` when None).
        seed: seed of the sampling, the splits and the weights.
        cnn_params: ``build_cnn`` arguments for the architectures study's CNN.
        batch_size: training batch size of every run.

    Returns:
        The saved run ids, in the order they ran.

    Raises:
        ConfigError: unknown study, or ``fraction``/``epochs`` out of range.
    """
    from mathdash.train import TrainConfig, train_model

    _check_study(name, epochs, fraction)
    dataset = sample_fraction(dataset, fraction, seed) if fraction < 1 else dataset
    base = TrainConfig(data=dataset.name, model="cnn", model_params=dict(cnn_params or DEFAULT_CNN_PARAMS),
                       epochs=epochs, batch_size=batch_size, seed=seed)
    plan = plan_study(name, dataset, base, seed)
    run_ids = []
    for index, planned in enumerate(plan):
        if stop_event is not None and stop_event.is_set():
            break
        config = base.with_changes(**planned.changes)
        tags = study_tags(name, planned.variant, _augment_name(config.augment), config.balance)
        config = config.with_changes(tags=tags)
        report = _run_progress(progress, index, len(plan), planned)
        result = train_model(planned.dataset, config, progress=report, stop_event=stop_event, store=store)
        if result.run_id is not None:
            run_ids.append(result.run_id)
        _release_memory()  # the finished run's model and arrays, before the next run builds its own
    if progress is not None:
        progress(len(run_ids), len(plan), f"{name}: {len(run_ids)} of {len(plan)} runs saved")
    return run_ids


def plan_study(name: str, dataset: Dataset, base: Any, seed: int = 0) -> list[PlannedRun]:
    """The runs of a study, in order (duplicates are removed once here and shared by the runs).

    Args:
        name: one of ``STUDIES``.
        dataset: the images the study starts from.
        base: the study's base ``TrainConfig`` (its dedup settings are used for the shared step).
        seed: seed of the data-size samples.
    """
    from mathdash.train import prepare_data

    deduplicated = prepare_data(dataset, base.with_changes(dedup=True, balance=None))
    return [replace(planned, dataset=dataset if planned.changes.get("dedup") is False else deduplicated)
            for planned in study_variants(name, base)]


def study_variants(name: str, base: Any) -> list[PlannedRun]:
    """The runs of a study without their data (``dataset`` None): what ``plan_study`` fills in.

    Only the ``duplicates`` study balances (its third run), and only with copies made by
    ``BALANCE_AUGMENT``; no run of it augments on the fly, so its first two runs are true runs
    without any augmentation. The other two studies pair each run with and without on-the-fly
    ``TRAIN_AUGMENT`` and never balance.
    """
    _check_study(name, 1, 1.0)
    if name == "duplicates":
        return [
            PlannedRun("naive split", False, False, None, {"dedup": False, "split_by_group": False}),
            PlannedRun("deduplicated", False, False, None, {}),
            PlannedRun("deduplicated + balanced", False, True, None,
                       {"balance": "median", "balance_augment": BALANCE_AUGMENT}),
        ]
    if name == "data_size":
        return [
            PlannedRun(f"{share:.0%}", augmented, False, None,
                       {"augment": TRAIN_AUGMENT if augmented else None, "train_fraction": share})
            for share in DATA_FRACTIONS
            for augmented in (False, True)
        ]
    return [
        PlannedRun(model, augmented, False, None,
                   {"model": model, "model_params": base.model_params if model == "cnn" else {},
                    "augment": TRAIN_AUGMENT if augmented else None})
        for model in ARCHITECTURES
        for augmented in (False, True)
    ]


def _augment_name(augment: Any) -> str | None:
    if augment is None:
        return None
    return augment if isinstance(augment, str) else "custom"


def sample_fraction(dataset: Dataset, fraction: float, seed: int = 0) -> Dataset:
    """A stratified sample: ``ceil(fraction * n)`` images of each class (n its size), seeded.

    Args:
        dataset: the images to sample from.
        fraction: share kept, in (0, 1].
        seed: seed of the choice.

    Returns:
        A Dataset of the kept rows in their original order (extras follow).
    """
    if not 0 < fraction <= 1:
        raise ConfigError(f"fraction must lie in (0, 1], got {fraction}")
    return _sample_per_class(dataset, lambda size: int(np.ceil(fraction * size)), seed)


def limit_per_class(dataset: Dataset, limit: int, seed: int = 0) -> Dataset:
    """At most ``limit`` images of each class, chosen at random (seeded); original order kept."""
    if limit < 1:
        raise ConfigError(f"limit per class must be at least 1, got {limit}")
    return _sample_per_class(dataset, lambda size: min(size, limit), seed)


def _sample_per_class(dataset: Dataset, count: Callable[[int], int], seed: int) -> Dataset:
    from mathdash.train import with_known_origins

    # the built-in set's duplicate_of holds row indices, stale after sampling: tie copies by a stable key
    dataset = with_known_origins(dataset)
    rng = np.random.default_rng(seed)
    keep = [np.array([], dtype=np.int64)]
    for label in np.unique(dataset.labels):
        members = np.flatnonzero(dataset.labels == label)
        keep.append(rng.choice(members, size=count(len(members)), replace=False))
    return dataset.subset(np.sort(np.concatenate(keep)), name=dataset.name)


def _run_progress(progress: Progress | None, index: int, total: int, planned: PlannedRun) -> Callable:
    """Turn ``train_model``'s progress dicts into ``progress(done_runs, total_runs, message)``."""
    label = planned.label

    def report(update: dict[str, Any]) -> None:
        if progress is None:
            return
        if update.get("epoch") is not None:
            message = f"{label}: epoch {update['epoch']}/{update.get('epochs', '?')}"
            if update.get("phase") == "validate":
                message += f", validating {update.get('val_batch', 0)}/{update.get('val_batches', '?')}"
            elif update.get("batches"):
                message += f", batch {update.get('batch', 0)}/{update['batches']}"
        else:
            message = f"{label}: {update.get('message') or update.get('phase', '')}"
        progress(index, total, message)

    return report


def _release_memory() -> None:
    from mathdash import memory

    memory.release_memory()


def _check_study(name: str, epochs: int, fraction: float) -> None:
    if name not in STUDIES:
        raise ConfigError(f"unknown study {name!r}; choose one of {', '.join(STUDIES)}")
    if not isinstance(epochs, int) or epochs < 1:
        raise ConfigError(f"epochs must be a positive integer, got {epochs!r}")
    if not 0 < fraction <= 1:
        raise ConfigError(f"fraction must lie in (0, 1], got {fraction}")
