"""Writing a dataset back to disk in the Kaggle layout: ``root/<class>/<index>.<fmt>``.

Used by the duplicate finder's "cleaned export", augmentation's "materialise" and the command
line's ``data export`` / ``data builtin``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from mathdash.dataset import Dataset
from mathdash.errors import DatasetError

FORMATS = {"png": "PNG", "jpg": "JPEG"}
JPEG_QUALITY = 95
_PROGRESS_EVERY = 2000


def write_folder(
    dataset: Dataset,
    root: str | Path,
    fmt: str = "png",
    progress: Callable[[int, int, str], None] | None = None,
) -> dict[str, int]:
    """Write every image as ``root/<class name>/<index>.<fmt>``, index being its row in the dataset.

    Args:
        dataset: images uint8 (N, 45, 45) to write.
        root: folder to write into (created; existing files of the same names are replaced).
        fmt: ``"png"`` (lossless) or ``"jpg"`` (quality 95, like a Kaggle-style copy).
        progress: called as ``progress(done, total, message)`` every few thousand images.

    Returns:
        Images written per class folder name.

    Raises:
        DatasetError: an unknown format.
    """
    if fmt not in FORMATS:
        raise DatasetError(f"unknown image format {fmt!r}; choose one of {', '.join(FORMATS)}")
    root = Path(root)
    folders = [folder_name(name) for name in dataset.class_names]
    for folder in set(folders):
        (root / folder).mkdir(parents=True, exist_ok=True)
    written = dict.fromkeys(folders, 0)
    options = {"quality": JPEG_QUALITY} if fmt == "jpg" else {}
    total = len(dataset)
    for index, (image, label) in enumerate(zip(dataset.images, dataset.labels)):
        folder = folders[label]
        Image.fromarray(image).save(root / folder / f"{index}.{fmt}", FORMATS[fmt], **options)
        written[folder] += 1
        if progress is not None and ((index + 1) % _PROGRESS_EVERY == 0 or index + 1 == total):
            progress(index + 1, total, "writing images")
    return written


def folder_name(class_name: str) -> str:
    """A class name made safe as one folder name (no separators, never ``.`` or ``..``)."""
    safe = class_name.replace(os.sep, "_").replace("/", "_").replace("\0", "_")
    return safe if safe not in ("", ".", "..") else f"_{safe}_"
