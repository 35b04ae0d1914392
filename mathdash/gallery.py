"""Image grids for looking at data: samples per class, duplicate groups, augmentation previews.

Pages and the command line both show grids, so composing them is plain array work here.
"""

from __future__ import annotations

import numpy as np

from mathdash.dataset import PAPER, Dataset


def tile_images(images: np.ndarray, columns: int, pad: int = 2, scale: int = 1) -> np.ndarray:
    """Lay images out row by row in one picture.

    Args:
        images: uint8 array (N, H, W).
        columns: images per row (>= 1).
        pad: paper-coloured gap between images, in pixels before scaling.
        scale: integer upscaling (nearest neighbour) applied to the whole grid.

    Returns:
        uint8 array (rows * (H + pad) + pad, columns * (W + pad) + pad) times ``scale``.
    """
    if columns < 1:
        raise ValueError(f"columns must be >= 1, got {columns}")
    images = np.asarray(images, dtype=np.uint8)
    count, height, width = images.shape if images.size else (0, 45, 45)
    rows = max(1, -(-count // columns))
    grid = np.full((rows * (height + pad) + pad, columns * (width + pad) + pad), 200, np.uint8)
    for i in range(count):
        r, c = divmod(i, columns)
        y, x = pad + r * (height + pad), pad + c * (width + pad)
        grid[y:y + height, x:x + width] = images[i]
    if scale > 1:
        grid = grid.repeat(scale, axis=0).repeat(scale, axis=1)
    return grid


def class_samples(dataset: Dataset, class_index: int, count: int, seed: int = 0) -> np.ndarray:
    """Up to ``count`` random images of one class, uint8 (k, 45, 45), k <= count; blank if none."""
    rows = np.flatnonzero(dataset.labels == class_index)
    if rows.size == 0:
        return np.full((0, *dataset.images.shape[1:]), PAPER, np.uint8)
    chosen = np.random.default_rng(seed).choice(rows, size=min(count, rows.size), replace=False)
    return dataset.images[np.sort(chosen)]


def class_grid(dataset: Dataset, class_indices: list[int], per_class: int, seed: int = 0,
               scale: int = 1) -> np.ndarray:
    """One row per class with up to ``per_class`` samples each (short rows padded with paper)."""
    height, width = dataset.images.shape[1:] if len(dataset) else (45, 45)
    rows = []
    for index in class_indices:
        samples = class_samples(dataset, index, per_class, seed)
        row = np.full((per_class, height, width), PAPER, np.uint8)
        row[:len(samples)] = samples
        rows.append(row)
    stacked = np.concatenate(rows) if rows else np.zeros((0, height, width), np.uint8)
    return tile_images(stacked, per_class, scale=scale)
