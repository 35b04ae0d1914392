"""Write a data set to disk in the Kaggle archive's layout, as JPEG files like the original.

``root/extracted_images/<class>/<n>.jpg``: what the folder loader and the benchmarks read back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mathdash.dataset import Dataset

KAGGLE_FOLDER = "extracted_images"


def write_kaggle_layout(dataset: Dataset, root: str | Path,
                        progress: Callable[[int, int, str], None] | None = None) -> dict[str, int]:
    """Write every image as ``root/extracted_images/<class>/<row>.jpg`` (JPEG quality 95).

    JPEG is lossy, so files read back differ slightly from the arrays, as Kaggle's own files do.

    Args:
        dataset: images uint8 (N, 45, 45).
        root: folder to write under (created if missing).
        progress: called as ``progress(done, total, message)`` while writing.

    Returns:
        Images written per class folder name.
    """
    from mathdash.loaders.writer import write_folder

    return write_folder(dataset, Path(root) / KAGGLE_FOLDER, fmt="jpg", progress=progress)
