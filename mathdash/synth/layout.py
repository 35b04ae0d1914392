"""Write a data set to disk in the Kaggle archive's layout, as JPEG files like the original.

``root/extracted_images/<class>/<name>.jpg``: what the folder loader and benchmarks read back.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from mathdash.dataset import Dataset

KAGGLE_FOLDER = "extracted_images"
_QUALITY = 95


def write_kaggle_layout(dataset: Dataset, root: str | Path, quality: int = _QUALITY) -> list[Path]:
    """Write every image as ``root/extracted_images/<class>/<class>_<n>.jpg``.

    JPEG encoding is lossy, so files read back differ slightly from the arrays (as in Kaggle's
    own set). Class folder names are the dataset's class names; '/' in a name is never written
    because catalogue names avoid it (``forward_slash``).

    Args:
        dataset: images uint8 (N, 45, 45).
        root: folder to write under (created if missing).
        quality: JPEG quality 1..95.

    Returns:
        The N paths written, in dataset order.
    """
    base = Path(root) / KAGGLE_FOLDER
    counters = np.zeros(dataset.num_classes, np.int64)
    paths = []
    for name in dataset.class_names:
        (base / name).mkdir(parents=True, exist_ok=True)
    for image, label in zip(dataset.images, dataset.labels):
        name = dataset.class_names[label]
        path = base / name / f"{name}_{counters[label]}.jpg"
        counters[label] += 1
        Image.fromarray(image).save(path, format="JPEG", quality=quality)
        paths.append(path)
    return paths
