"""Scaling whole images to 45x45 and telling white-on-black sources from dark-on-white ones.

One resizing rule for every source (a file, an EMNIST batch, the pickle), so an image converts
to the same pixels however it arrives.
"""

from __future__ import annotations

import cv2
import numpy as np

from mathdash.dataset import IMAGE_SIZE, PAPER
from mathdash.errors import DatasetError

_GROUP = 4  # OpenCV resizes up to 4 channels at once with exactly the per-image result


def fit_whole(images: np.ndarray, size: int = IMAGE_SIZE) -> np.ndarray:
    """Scale whole images (no cropping to the ink) into ``size`` squares, aspect kept.

    The longer side becomes ``size``; the shorter side is centred on white paper. Enlarging uses
    bicubic interpolation (smooth strokes, no blocky pixels); shrinking uses area averaging.

    Args:
        images: uint8 array (N, H, W), ink dark on white, all the same size.

    Returns:
        uint8 array (N, size, size).
    """
    images = np.asarray(images, dtype=np.uint8)
    count, height, width = images.shape
    if (height, width) == (size, size):
        return images.copy()
    scale = size / max(height, width)
    new_h = min(size, max(1, round(height * scale)))
    new_w = min(size, max(1, round(width * scale)))
    resized = _resize_stack(images, new_h, new_w, cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    out = np.full((count, size, size), PAPER, dtype=np.uint8)
    top, left = (size - new_h) // 2, (size - new_w) // 2
    out[:, top:top + new_h, left:left + new_w] = resized
    return out


def _resize_stack(images: np.ndarray, new_h: int, new_w: int, interpolation: int) -> np.ndarray:
    """Resize (N, H, W) to (N, new_h, new_w), four images per OpenCV call as channels."""
    count = len(images)
    padded = -count % _GROUP
    if padded:
        images = np.concatenate([images, np.repeat(images[-1:], padded, axis=0)])
    groups = images.reshape(-1, _GROUP, *images.shape[1:]).transpose(0, 2, 3, 1)
    out = np.empty((len(groups), new_h, new_w, _GROUP), dtype=np.uint8)
    for i, group in enumerate(groups):
        out[i] = cv2.resize(np.ascontiguousarray(group), (new_w, new_h), interpolation=interpolation)
    return out.transpose(0, 3, 1, 2).reshape(-1, new_h, new_w)[:count]


def border_pixels(images: np.ndarray) -> np.ndarray:
    """The outermost rows and columns of each image.

    Args:
        images: array (N, H, W).

    Returns:
        array (N, 2 * (H + W)) of the same dtype.
    """
    return np.concatenate(
        [images[:, 0, :], images[:, -1, :], images[:, :, 0], images[:, :, -1]], axis=1
    )


def is_white_on_black(gray: np.ndarray) -> bool:
    """True when one image's border is mostly dark, i.e. light ink on a dark background.

    Args:
        gray: uint8 array (H, W).
    """
    border = border_pixels(gray[None])
    return 2 * np.count_nonzero(border < 128) > border.size  # the border's median is dark


def mostly_white_on_black(images: np.ndarray) -> bool:
    """True when a whole set of images (uint8 (N, H, W)) has dark borders: invert it as a set."""
    if len(images) == 0:
        return False
    sample = images[:: max(1, len(images) // 5000)]
    return bool(np.median(border_pixels(sample)) < 128)


def as_uint8_pixels(values: np.ndarray, name: str = "images") -> np.ndarray:
    """Pixels as uint8 0..255 from bool, 0/1, 0..1 floats or 0..255 numbers (arrays saved by others).

    Values that all lie within 0..1 are taken as fractions of white (binary images become 0/255).

    Raises:
        DatasetError: values that are not numbers.
    """
    values = np.asarray(values)
    if values.dtype == np.uint8 and (values.size == 0 or values.max() > 1):
        return values
    if not (np.issubdtype(values.dtype, np.number) or values.dtype == bool):
        raise DatasetError(f"{name}: pixels must be numbers, got {values.dtype}")
    values = values.astype(np.float32)
    if values.size and values.max() <= 1.0:
        values = values * 255.0
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)
