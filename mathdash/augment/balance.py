"""Class balancing: grow every class to a target count with augmented copies of its own images.

Each new sample records the image it was made from (``extras["augmented_from"]``), so a split
can keep it on its source's side and no test image leaks into training through augmentation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from mathdash.augment.config import AugmentConfig
from mathdash.augment.pipeline import CHUNK_SIZE, augment_images
from mathdash.dataset import Dataset
from mathdash.errors import ConfigError

Progress = Callable[..., None]
TARGET_RULES = ("median", "max")
BLOCK_SIZE = 4 * CHUNK_SIZE  # new samples per progress step


@dataclass
class BalanceReport:
    """Per-class counts before and after balancing.

    Attributes:
        target: the count every class was grown to.
        rule: how the target was chosen: ``median``, ``max`` or ``fixed``.
        before: class name -> count before, every class in class order.
        after: class name -> count after (planned, for a plan that has not run).
        notes: facts a user should see (e.g. an empty class that cannot be grown).
        seconds: wall time of the augmentation (0 for a plan).
    """

    target: int
    rule: str
    before: dict[str, int]
    after: dict[str, int]
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def generated(self) -> int:
        """Number of new samples."""
        return sum(self.after.values()) - sum(self.before.values())

    def rows(self) -> list[dict[str, Any]]:
        """One row per class: ``{"class", "before", "after", "added"}``, in class order."""
        return [{"class": name, "before": count, "after": self.after[name],
                 "added": self.after[name] - count} for name, count in self.before.items()]

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "rule": self.rule, "generated": self.generated,
                "seconds": round(self.seconds, 3), "notes": list(self.notes), "classes": self.rows()}


def resolve_target(counts: dict[str, int], target: str | int) -> tuple[int, str]:
    """The target count and its rule for ``target`` = ``"median"``, ``"max"`` or a positive int.

    The median and the maximum are taken over the classes that have images; the median is
    rounded up.
    """
    present = [c for c in counts.values() if c > 0]
    if isinstance(target, str) and target.isdigit():
        target = int(target)
    if isinstance(target, int | np.integer) and not isinstance(target, bool):
        if target < 1:
            raise ConfigError(f"a fixed target must be at least 1, got {target}")
        return int(target), "fixed"
    if target not in TARGET_RULES:
        raise ConfigError(f"target must be 'median', 'max' or a positive integer, got {target!r}")
    if not present:
        raise ConfigError("the dataset has no images to balance")
    value = np.max(present) if target == "max" else np.ceil(np.median(present))
    return int(value), target


def plan_balance(dataset: Dataset, target: str | int = "median") -> BalanceReport:
    """What balancing would do: counts before and after, without augmenting anything."""
    before = dataset.class_counts()
    value, rule = resolve_target(before, target)
    after = {name: max(count, value) if count else 0 for name, count in before.items()}
    empty = [name for name, count in before.items() if count == 0]
    notes = [f"{len(empty)} class(es) without images cannot be grown: {', '.join(empty)}"] if empty else []
    return BalanceReport(value, rule, before, after, notes)


def balance_classes(
    dataset: Dataset,
    config: AugmentConfig,
    target: str | int = "median",
    seed: int = 0,
    progress: Progress | None = None,
    workers: int = 1,
) -> tuple[Dataset, BalanceReport]:
    """Grow every class below ``target`` with augmented copies of its real images.

    Sources are spread evenly over a class's images (each used ``k`` or ``k + 1`` times). A flip
    only mirrors classes that stay themselves, so every new sample keeps its source's class.

    Args:
        dataset: the images to balance (unchanged); classes above the target keep all images.
        config: the augmentation that makes the new samples.
        target: ``"median"``, ``"max"`` or a count.
        seed: makes the result repeatable.
        progress: ``progress(done, total, message)`` after each block of new samples.
        workers: threads augmenting in parallel (the result does not depend on it).

    Returns:
        (balanced, report): the originals first, then the new samples, whose
        ``extras["augmented_from"]`` is the source's index (-1 for originals), whose other extras
        (e.g. ``group``) are copied from the source, and whose source reads ``aug:<source>``.
    """
    started = time.perf_counter()
    report = plan_balance(dataset, target)
    sources = _pick_sources(dataset, report, np.random.default_rng([seed, 2]))
    new = _augment_sources(dataset, sources, config, seed, progress, workers)
    images = np.concatenate([dataset.images, new])
    report.seconds = time.perf_counter() - started
    return _append(dataset, images, sources), report


def _augment_sources(dataset: Dataset, sources: np.ndarray, config: AugmentConfig, seed: int,
                     progress: Progress | None, workers: int) -> np.ndarray:
    """Augmented copies (len(sources), 45, 45) of the source images, block by block with progress."""
    out = np.empty((len(sources), *dataset.images.shape[1:]), dtype=np.uint8)
    for block, start in enumerate(range(0, len(sources), BLOCK_SIZE)):
        picked = sources[start:start + BLOCK_SIZE]
        block_seed = int(np.random.SeedSequence([seed, 3, block]).generate_state(1)[0])
        out[start:start + len(picked)], _ = augment_images(
            dataset.images[picked], config, block_seed, dataset.labels[picked], dataset.class_names,
            workers=workers, keep_labels=True)
        if progress is not None:
            done = start + len(picked)
            progress(done, len(sources), f"augmented {done}/{len(sources)}")
    return out


def _pick_sources(dataset: Dataset, report: BalanceReport, rng: np.random.Generator) -> np.ndarray:
    """Source index of every new sample, class by class; real images only where a class has any."""
    real = np.asarray(dataset.extras.get("augmented_from", np.full(len(dataset), -1))) < 0
    picked = []
    for label, name in enumerate(dataset.class_names):
        missing = report.after[name] - report.before[name]
        if missing <= 0:
            continue
        members = np.flatnonzero(dataset.labels == label)
        own = members[real[members]]
        pool = own if len(own) else members
        picked.append(np.resize(rng.permutation(pool), missing))
    return np.concatenate(picked) if picked else np.zeros(0, dtype=np.int64)


def _append(dataset: Dataset, images: np.ndarray, sources: np.ndarray) -> Dataset:
    """The dataset with new samples made from ``sources`` appended; extras follow their sources."""
    extras = {key: np.concatenate([np.asarray(values), np.asarray(values)[sources]])
              for key, values in dataset.extras.items()}
    origin = np.asarray(dataset.extras.get("augmented_from", np.full(len(dataset), -1)), dtype=np.int64)
    roots = np.where(origin[sources] >= 0, origin[sources], sources)
    extras["augmented_from"] = np.concatenate([origin, roots])
    return replace(
        dataset,
        images=images,
        labels=np.concatenate([dataset.labels, dataset.labels[sources]]),
        sources=dataset.sources + [f"aug:{dataset.sources[i]}" for i in sources],
        name=f"{dataset.name} (balanced)",
        extras=extras,
    )


def materialise(dataset: Dataset, out: Path | str) -> Path:
    """Write a dataset to ``out``: a ``.npz`` file, or else the class-folder layout.

    Returns:
        The path written.
    """
    from mathdash.loaders import save_npz, write_folder

    out = Path(out)
    if out.suffix == ".npz":
        save_npz(dataset, out)
    else:
        write_folder(dataset, out)
    return out
