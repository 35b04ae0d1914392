"""A preview grid: each original beside several augmented variants, composed into one image.

One composed array draws far faster in a page than dozens of small images, and the command line
saves the same grid as a PNG.
"""

from __future__ import annotations

import numpy as np

from mathdash.augment.config import AugmentConfig
from mathdash.augment.pipeline import augment_images
from mathdash.errors import ConfigError

GAP = 3  # pixels of grey between tiles
GAP_VALUE = 160
ORIGINAL_GAP = 9  # a wider gap sets the originals' column apart


def preview_variants(images: np.ndarray, config: AugmentConfig, variants: int = 6, seed: int = 0,
                     labels: np.ndarray | None = None,
                     class_names: list[str] | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """``variants`` augmented versions of every image, in one batch.

    Args:
        images: uint8 array (R, 45, 45), ink dark on white.
        labels: int array (R,) and ``class_names``, needed when the config flips.

    Returns:
        (variants, labels): uint8 array (R, V, 45, 45) and int64 array (R, V) (or None without labels).
    """
    if variants < 1:
        raise ConfigError(f"variants must be at least 1, got {variants}")
    repeated = np.repeat(images, variants, axis=0)
    rep_labels = None if labels is None else np.repeat(np.asarray(labels), variants)
    out, out_labels = augment_images(repeated, config, seed, rep_labels, class_names)
    shape = (len(images), variants)
    return out.reshape(*shape, *images.shape[1:]), None if out_labels is None else out_labels.reshape(shape)


def compose_grid(originals: np.ndarray, variants: np.ndarray, zoom: int = 1) -> np.ndarray:
    """Tile originals (first column) and their variants into one image.

    Args:
        originals: uint8 array (R, H, W).
        variants: uint8 array (R, V, H, W).
        zoom: integer upscaling by pixel repetition (sharp edges at any display size).

    Returns:
        uint8 array (R*(H+GAP)-GAP, ...) times ``zoom``: one row per original, grey gaps between tiles.
    """
    rows, count, height, width = variants.shape
    tiles = np.concatenate([originals[:, None], variants], axis=1)
    grid_w = width * (count + 1) + GAP * (count - 1) + ORIGINAL_GAP
    grid = np.full((rows * (height + GAP) - GAP, grid_w), GAP_VALUE, dtype=np.uint8)
    for r in range(rows):
        top = r * (height + GAP)
        for c in range(count + 1):
            left = 0 if c == 0 else width + ORIGINAL_GAP + (c - 1) * (width + GAP)
            grid[top:top + height, left:left + width] = tiles[r, c]
    return np.kron(grid, np.ones((zoom, zoom), dtype=np.uint8)) if zoom > 1 else grid


def preview_grid(images: np.ndarray, config: AugmentConfig, variants: int = 6, seed: int = 0,
                 labels: np.ndarray | None = None, class_names: list[str] | None = None,
                 zoom: int = 1) -> np.ndarray:
    """Originals beside ``variants`` augmented versions each, as one uint8 image (see ``compose_grid``).

    Args:
        images: uint8 array (R, 45, 45), ink dark on white.
        labels: int array (R,) and ``class_names``, needed when the config flips.
    """
    augmented, _ = preview_variants(images, config, variants, seed, labels, class_names)
    return compose_grid(images, augmented, zoom)
