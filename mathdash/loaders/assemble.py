"""Turning a list of labelled image files into a ``Dataset``: decode, drop failures, name classes.

Shared by the loaders whose samples are individual files (class folders, HASYv2), so both report
skipped files, conversions and dropped classes the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from mathdash.dataset import IMAGE_SIZE, Dataset, LoadReport
from mathdash.errors import DatasetError
from mathdash.loaders.parallel import Progress, decode_files
from mathdash.symbols import KAGGLE_CLASSES

_CATALOGUE_ORDER = {name: i for i, name in enumerate(KAGGLE_CLASSES)}


def order_classes(names: Sequence[str]) -> list[str]:
    """Class names in catalogue order (the Kaggle list), names outside it after, sorted.

    Loading the Kaggle folder or a part of it therefore numbers classes like the built-in set.
    """
    return sorted(set(names), key=lambda name: (_CATALOGUE_ORDER.get(name, len(_CATALOGUE_ORDER)), name))


def dataset_from_files(
    paths: Sequence[str],
    classes: Sequence[str],
    name: str,
    report: LoadReport,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Dataset:
    """Decode labelled files into a Dataset; unreadable files are skipped into ``report``.

    Args:
        paths: image files, one per sample.
        classes: the class name of each file (same length as ``paths``).
        name: the dataset's name.
        report: receives skipped files and notes; its ``loaded`` is set.
        workers, progress: as for ``decode_files``.

    Returns:
        A Dataset of the files that decoded, classes without any such file left out.

    Raises:
        DatasetError: when not one file could be decoded.
    """
    decoded = decode_files(paths, workers=workers, progress=progress)
    report.notes.extend(decoded.notes)
    for path, reason in zip(paths, decoded.reasons):
        if reason:
            report.skip(path, reason)
    keep = np.flatnonzero(decoded.ok)
    if keep.size == 0:
        raise DatasetError(_nothing_loaded_message(name, report))
    class_names = order_classes([classes[i] for i in keep])
    _note_dropped_classes(classes, class_names, report)
    index = {class_name: i for i, class_name in enumerate(class_names)}
    labels = np.fromiter((index[classes[i]] for i in keep), dtype=np.int64, count=keep.size)
    sizes = decoded.sizes[keep]
    _note_conversions(sizes, int(decoded.inverted[keep].sum()), report)
    report.loaded = int(keep.size)
    everything = keep.size == len(paths)  # the usual case: skip a copy of the whole array
    return Dataset(
        images=decoded.images if everything else decoded.images[keep],
        labels=labels,
        class_names=class_names,
        sources=list(paths) if everything else [paths[i] for i in keep],
        name=name,
        original_size=_most_common_size(sizes),
        report=report,
    )


def _nothing_loaded_message(name: str, report: LoadReport) -> str:
    examples = "; ".join(f"{s.path}: {s.reason}" for s in report.skipped[:3])
    return f"No image in {name} could be read ({len(report.skipped)} skipped). {examples}"


def _note_dropped_classes(classes: Sequence[str], kept: list[str], report: LoadReport) -> None:
    kept_set = set(kept)
    for class_name, count in sorted(Counter(classes).items()):
        if class_name not in kept_set:
            report.notes.append(f"class {class_name!r} dropped: none of its {count} files could be read")


def _note_conversions(sizes: np.ndarray, inverted: int, report: LoadReport) -> None:
    not_45 = ~np.all(sizes == IMAGE_SIZE, axis=1)
    if not_45.any():
        shapes = Counter(f"{h}x{w}" for h, w in sizes[not_45][:1000])
        examples = ", ".join(shape for shape, _ in shapes.most_common(3))
        report.notes.append(
            f"{int(not_45.sum())} images were not 45x45 (e.g. {examples}) and were scaled whole to "
            "45x45, aspect kept, on white"
        )
    if inverted:
        report.notes.append(f"{inverted} white-on-black images were inverted to dark ink on white")


def _most_common_size(sizes: np.ndarray) -> tuple[int, int]:
    pairs, counts = np.unique(sizes, axis=0, return_counts=True)
    height, width = pairs[int(np.argmax(counts))]
    return int(height), int(width)
