"""The one in-memory form every loader produces, and the load report that travels with it.

A ``Dataset`` is plain arrays, so every later stage (hashing, augmentation, training) works on
any source the same way.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from mathdash.errors import DatasetError

IMAGE_SIZE = 45
INK = 0  # ink is dark ...
PAPER = 255  # ... on white paper, like the Kaggle images


@dataclass(frozen=True)
class SkippedFile:
    """A source entry that was not loaded, and why (shown per file in the load report)."""

    path: str
    reason: str


@dataclass
class LoadReport:
    """What happened while loading: counts, skipped files with reasons, timings, notes.

    Attributes:
        source: what was loaded (a path, ``builtin:...``).
        loaded: number of images in the resulting dataset.
        skipped: one entry per file that was not loaded.
        notes: other facts a user should see (e.g. "converted 28x28 -> 45x45", "empty class folder").
        seconds: wall time of the load.
        from_cache: True when decoded arrays came from the on-disk cache.
    """

    source: str = ""
    loaded: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    from_cache: bool = False

    def skip(self, path: str, reason: str) -> None:
        self.skipped.append(SkippedFile(str(path), reason))

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "loaded": self.loaded,
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "notes": list(self.notes),
            "seconds": round(self.seconds, 3),
            "from_cache": self.from_cache,
        }


@dataclass
class Dataset:
    """Labelled images of handwritten symbols.

    Attributes:
        images: uint8 array (N, 45, 45), ink dark (0) on white (255).
        labels: int64 array (N,), indices into ``class_names``.
        class_names: class names in catalogue naming (see ``mathdash.symbols``).
        sources: N strings, the file path or generator id each image came from.
        name: short human name of the dataset.
        original_size: (height, width) of the source images before conversion to 45x45.
        extras: per-sample arrays of length N that travel with subsets, e.g.
            ``duplicate_of`` (int, -1 for originals; built-in set ground truth),
            ``duplicate_kind`` (str: '', 'exact', 'jpeg', 'shift', 'contrast', 'mislabel'),
            ``augmented_from`` (int, -1 for real samples; index of the source image),
            ``group`` (int duplicate-group id).
        report: how the load went.
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: list[str]
    sources: list[str]
    name: str = "dataset"
    original_size: tuple[int, int] = (IMAGE_SIZE, IMAGE_SIZE)
    extras: dict[str, np.ndarray] = field(default_factory=dict)
    report: LoadReport = field(default_factory=LoadReport)

    def __post_init__(self) -> None:
        self.labels = np.asarray(self.labels, dtype=np.int64)
        _check_images(self.images)
        n = len(self.images)
        if self.labels.shape != (n,):
            raise DatasetError(f"labels must have shape ({n},), got {self.labels.shape}")
        if len(self.sources) != n:
            raise DatasetError(f"sources must have {n} entries, got {len(self.sources)}")
        if n and (self.labels.min() < 0 or self.labels.max() >= len(self.class_names)):
            raise DatasetError(
                f"labels must lie in 0..{len(self.class_names) - 1}, "
                f"got {self.labels.min()}..{self.labels.max()}"
            )
        for key, values in self.extras.items():
            if len(values) != n:
                raise DatasetError(f"extras[{key!r}] has {len(values)} entries, expected {n}")

    def __len__(self) -> int:
        return len(self.images)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def class_counts(self) -> dict[str, int]:
        """Images per class, every class present (zero counts included), in class order."""
        counts = np.bincount(self.labels, minlength=self.num_classes)
        return {name: int(c) for name, c in zip(self.class_names, counts)}

    def subset(self, index: np.ndarray | list[int], name: str | None = None) -> Dataset:
        """A new Dataset of the given rows (integer indices or a boolean mask); extras follow."""
        index = np.asarray(index)
        if index.dtype == bool:
            index = np.flatnonzero(index)
        index = index.astype(np.int64, copy=False)  # an empty list arrives as float64
        return replace(
            self,
            images=self.images[index],
            labels=self.labels[index],
            sources=[self.sources[i] for i in index],
            name=name or self.name,
            extras={k: np.asarray(v)[index] for k, v in self.extras.items()},
        )

    def label_names(self) -> list[str]:
        """Class name of every sample, length N."""
        return [self.class_names[i] for i in self.labels]

    def summary(self) -> dict[str, Any]:
        """Headline statistics: sizes, class count, smallest and largest classes, writers (or None)."""
        counts = Counter(self.class_counts())
        nonzero = [c for c in counts.values() if c]
        return {
            "name": self.name,
            "images": len(self),
            "classes": self.num_classes,
            "original_size": list(self.original_size),
            "largest_class": max(counts, key=counts.get) if counts else None,
            "largest_count": max(nonzero) if nonzero else 0,
            "smallest_count": min(nonzero) if nonzero else 0,
            "classes_under_50": sum(1 for c in counts.values() if c < 50),
            "writers": _known_writers(self.extras.get("writer")),
        }


def _known_writers(writers: np.ndarray | None) -> int | None:
    """Distinct non-empty writer ids; None when the source names no writers at all."""
    if writers is None:
        return None
    return len(set(np.asarray(writers).astype(str)) - {""})


ROW_INDEX_EXTRAS = ("duplicate_of", "augmented_from")  # hold a row index, -1 for none
SELF_KEY_EXTRAS = ("origin", "group")  # equal values tie rows; a row of its own has a fresh value


def concat_datasets(datasets: list[Dataset], name: str | None = None) -> Dataset:
    """One Dataset of several, e.g. the built-in set and real handwriting.

    Class names are the union in catalogue order; labels are renumbered. Extras follow their
    rows: row indices (``duplicate_of``, ``augmented_from``) are shifted, group keys (``origin``,
    ``group``) are kept apart between the parts, and a part lacking an extra gets ``""`` (text),
    -1 (row indices, numbers) or a fresh group of its own per row (group keys).

    Raises:
        DatasetError: no dataset given.
    """
    if not datasets:
        raise DatasetError("nothing to combine: no dataset given")
    if len(datasets) == 1:
        return datasets[0]
    from mathdash.loaders.assemble import order_classes

    class_names = order_classes([c for d in datasets for c in d.class_names])
    index = {c: i for i, c in enumerate(class_names)}
    labels = [np.array([index[c] for c in d.class_names], dtype=np.int64)[d.labels] for d in datasets]
    keys = list(dict.fromkeys(k for d in datasets for k in d.extras))
    extras = {key: _concat_extra(key, datasets) for key in keys}
    report = LoadReport(source=" + ".join(d.report.source or d.name for d in datasets),
                        skipped=[s for d in datasets for s in d.report.skipped],
                        notes=[f"{d.name}: {note}" for d in datasets for note in d.report.notes],
                        seconds=sum(d.report.seconds for d in datasets))
    report.loaded = sum(len(d) for d in datasets)
    return Dataset(
        images=np.concatenate([d.images for d in datasets]),
        labels=np.concatenate(labels),
        class_names=class_names,
        sources=[s for d in datasets for s in d.sources],
        name=name or " + ".join(d.name for d in datasets),
        original_size=datasets[0].original_size,
        extras=extras,
        report=report,
    )


def _concat_extra(key: str, datasets: list[Dataset]) -> np.ndarray:
    parts, start, fresh = [], 0, 0
    example = next(np.asarray(d.extras[key]) for d in datasets if key in d.extras)
    for dataset in datasets:
        n = len(dataset)
        values = np.asarray(dataset.extras[key]) if key in dataset.extras else None
        if key in SELF_KEY_EXTRAS:
            values = np.arange(n, dtype=np.int64) if values is None else values.astype(np.int64)
            parts.append(values + fresh)
            fresh += int(values.max()) + 1 if n else 0
        elif example.dtype.kind in "US":
            parts.append(np.full(n, "", dtype=str) if values is None else values.astype(str))
        elif values is None:
            parts.append(np.full(n, -1, dtype=example.dtype))
        elif key in ROW_INDEX_EXTRAS:
            parts.append(np.where(values >= 0, values + start, -1))
        else:
            parts.append(values)
        start += n
    return np.concatenate(parts)


def _check_images(images: np.ndarray) -> None:
    if not isinstance(images, np.ndarray):
        raise DatasetError(f"images must be a numpy array, got {type(images).__name__}")
    if images.dtype != np.uint8:
        raise DatasetError(f"images must be uint8, got {images.dtype}")
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise DatasetError(f"images must have shape (N, 45, 45), got {images.shape}")

