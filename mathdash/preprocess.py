"""Image normalisation shared by the data generator, training and prediction.

One definition of "what the model sees", so a drawn symbol and a training image meet the model
in the same form.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from mathdash.dataset import IMAGE_SIZE, PAPER

INK_THRESHOLD = 128  # pixels darker than this count as ink when cropping
DEFAULT_MARGIN = 2  # pixels of paper kept around the ink box on each side


def to_model_input(images: np.ndarray) -> np.ndarray:
    """Convert dataset images to the network's input.

    Args:
        images: uint8 array (N, 45, 45) or (45, 45), ink dark on white.

    Returns:
        float32 array (N, 45, 45, 1) in [0, 1] with ink = 1 and paper = 0.
    """
    images = np.asarray(images)
    if images.ndim == 2:
        images = images[None]
    if images.ndim != 3:
        raise ValueError(f"expected (N, H, W) or (H, W) images, got shape {images.shape}")
    return ((255.0 - images.astype(np.float32)) / 255.0)[..., None]


def ink_bbox(image: np.ndarray, threshold: int = INK_THRESHOLD) -> tuple[int, int, int, int] | None:
    """Bounding box (top, left, bottom, right; exclusive ends) of ink pixels, or None if blank.

    Args:
        image: uint8 array (H, W), ink dark on white.
    """
    ink = np.asarray(image) < threshold
    rows = np.flatnonzero(ink.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(ink.any(axis=0))
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def fit_to_box(
    image: np.ndarray,
    size: int = IMAGE_SIZE,
    margin: int = DEFAULT_MARGIN,
    threshold: int = INK_THRESHOLD,
) -> np.ndarray | None:
    """Crop an image to its ink and scale it, aspect kept, into a ``size`` square with a margin.

    The longer side of the ink box spans ``size - 2 * margin`` pixels and the symbol is centred,
    the way the Kaggle images are framed.

    Args:
        image: uint8 array (H, W) of any size, ink dark on white.

    Returns:
        uint8 array (size, size), ink dark on white; None when the image holds no ink.
    """
    box = ink_bbox(image, threshold)
    if box is None:
        return None
    top, left, bottom, right = box
    crop = np.asarray(image, dtype=np.uint8)[top:bottom, left:right]
    height, width = crop.shape
    inner = size - 2 * margin
    scale = inner / max(height, width)
    new_h = max(1, min(inner, round(height * scale)))
    new_w = max(1, min(inner, round(width * scale)))
    resized = np.asarray(Image.fromarray(crop).resize((new_w, new_h), Image.Resampling.LANCZOS))
    out = np.full((size, size), PAPER, dtype=np.uint8)
    y = (size - new_h) // 2
    x = (size - new_w) // 2
    out[y:y + new_h, x:x + new_w] = resized
    return out
