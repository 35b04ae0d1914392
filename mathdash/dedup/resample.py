"""Pillow's Lanczos resize of 8-bit greyscale images, reproduced exactly and run on a whole batch.

imagehash shrinks every image with ``PIL.Image.resize(..., LANCZOS)`` before hashing; matching its
hashes bit for bit means matching Pillow's fixed-point output, so this module rebuilds Pillow's
integer filter taps (libImaging/Resample.c) and applies them as two matrix products over the batch
(float32 for speed, with the rare results near a rounding edge redone exactly).
"""

from __future__ import annotations

import functools
import math

import numpy as np

# Pillow keeps 8-bit resampling coefficients as integers scaled by 2**22 (32 - 8 - 2 bits).
_PRECISION_BITS = 22
_LANCZOS_SUPPORT = 3.0
# Largest float32 rounding error of a pass, in pixel levels, with a wide margin: at most 45 taps,
# sum(|pixel * tap|) <= 255 * 1.3, unit roundoff 2**-24 -> 9e-4; checked against 2**-8.
_FLOAT32_SLACK = np.float32(2.0 ** -8)


def resize_lanczos(images: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resize every image exactly as ``Image.fromarray(img).resize((width, height), LANCZOS)`` does.

    Pillow resamples horizontally, rounds to uint8, then resamples vertically and rounds again; each
    pass here is one float32 matrix product over the whole batch, checked for exactness (see
    ``_resample_rows``).

    Args:
        images: uint8 array (N, H, W).
        width: output width in pixels (>= 1).
        height: output height in pixels (>= 1).

    Returns:
        uint8 array (N, height, width).
    """
    count, in_height, in_width = images.shape
    if (in_height, in_width) == (height, width):
        return images.copy()  # Pillow returns a plain copy when the size does not change
    rows = images.reshape(count * in_height, in_width).astype(np.float32)
    if in_width != width:
        rows = _resample_rows(rows, _filter_matrix(in_width, width))
    columns = np.ascontiguousarray(rows.reshape(count, in_height, width).transpose(0, 2, 1))
    columns = columns.reshape(count * width, in_height)
    if in_height != height:
        columns = _resample_rows(columns, _filter_matrix(in_height, height))
    return columns.reshape(count, width, height).transpose(0, 2, 1).astype(np.uint8)


def _resample_rows(rows: np.ndarray, taps: np.ndarray) -> np.ndarray:
    """One Pillow pass over float32 rows of pixel values: (M, in) -> (M, out), rounded and clipped.

    Pillow computes ``clip((sum(pixel * tap) + 2**21) >> 22, 0, 255)`` in integers. A float32
    product of the rows with ``taps / 2**22`` is within ``_FLOAT32_SLACK`` of that sum (in pixel
    units), so it rounds the same way except when it lands that close to a rounding edge; those few
    entries are recomputed exactly in float64, where pixel times tap stays below 2**53.
    """
    values = rows @ (taps * 2.0 ** -_PRECISION_BITS).astype(np.float32).T
    values += np.float32(0.5)
    rounded = np.floor(values)
    fraction = values - rounded
    unsure_row, unsure_column = np.nonzero((fraction < _FLOAT32_SLACK) | (fraction > 1 - _FLOAT32_SLACK))
    if len(unsure_row):
        exact = np.einsum("ij,ij->i", rows[unsure_row].astype(np.float64), taps[unsure_column])
        rounded[unsure_row, unsure_column] = np.floor((exact + (1 << (_PRECISION_BITS - 1)))
                                                      * 2.0 ** -_PRECISION_BITS)
    np.clip(rounded, 0, 255, out=rounded)
    return rounded


@functools.lru_cache(maxsize=32)
def _filter_matrix(in_size: int, out_size: int) -> np.ndarray:
    """Dense (out_size, in_size) float64 matrix of Pillow's integer Lanczos taps for one axis.

    Follows ``precompute_coeffs`` and ``normalize_coeffs_8bpc`` operation for operation, in double
    precision with the C library's ``sin`` (through ``math.sin``), so every tap rounds as Pillow's does.
    """
    scale = float(in_size) / out_size
    filter_scale = max(scale, 1.0)
    support = _LANCZOS_SUPPORT * filter_scale
    matrix = np.zeros((out_size, in_size), dtype=np.float64)
    for out_index in range(out_size):
        center = (out_index + 0.5) * scale
        first = max(int(center - support + 0.5), 0)
        stop = min(int(center + support + 0.5), in_size)
        weights = [_lanczos((x - center + 0.5) * (1.0 / filter_scale)) for x in range(first, stop)]
        total = 0.0
        for weight in weights:
            total += weight
        if total != 0.0:
            weights = [weight / total for weight in weights]
        matrix[out_index, first:stop] = [_to_fixed_point(weight) for weight in weights]
    matrix.setflags(write=False)
    return matrix


def _to_fixed_point(weight: float) -> int:
    """Round a tap to Pillow's fixed point (half away from zero, then C's truncating cast)."""
    scaled = weight * (1 << _PRECISION_BITS)
    return int(scaled - 0.5) if weight < 0 else int(scaled + 0.5)


def _lanczos(x: float) -> float:
    if -_LANCZOS_SUPPORT <= x < _LANCZOS_SUPPORT:
        return _sinc(x) * _sinc(x / 3)
    return 0.0


def _sinc(x: float) -> float:
    if x == 0.0:
        return 1.0
    x = x * math.pi
    return math.sin(x) / x
