"""Pillow's Lanczos resize of 8-bit greyscale images, reproduced exactly and run on a whole batch.

imagehash shrinks every image with ``PIL.Image.resize(..., LANCZOS)`` before hashing; matching its
hashes bit for bit means matching Pillow's fixed-point output, so this module rebuilds Pillow's
integer filter taps (libImaging/Resample.c) and applies them as two matrix products over the batch
(float32 for speed, with the rare results near a rounding edge redone exactly).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

# Pillow keeps 8-bit resampling coefficients as integers scaled by 2**22 (32 - 8 - 2 bits).
_PRECISION_BITS = 22
_LANCZOS_SUPPORT = 3.0
_FLOAT32_UNIT_ROUNDOFF = 2.0 ** -24


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
        rows = _resample_rows(rows, _filter_taps(in_width, width))
    columns = np.ascontiguousarray(rows.reshape(count, in_height, width).transpose(0, 2, 1))
    columns = columns.reshape(count * width, in_height)
    if in_height != height:
        columns = _resample_rows(columns, _filter_taps(in_height, height))
    return columns.reshape(count, width, height).transpose(0, 2, 1).astype(np.uint8)


def _resample_rows(rows: np.ndarray, taps: _Taps) -> np.ndarray:
    """One Pillow pass over float32 rows of pixel values: (M, in) -> (M, out), rounded and clipped.

    Pillow computes ``clip((sum(pixel * tap) + 2**21) >> 22, 0, 255)`` in integers. A float32
    product of the rows with ``taps / 2**22`` is within ``taps.slack`` of that sum (in pixel
    levels), so it rounds the same way except when it lands that close to a rounding edge; those few
    entries (about 0.2%) are recomputed exactly in float64, where pixel times tap stays below 2**53.
    """
    values = rows @ taps.scaled
    values += np.float32(0.5)
    rounded = np.floor(values)
    values -= rounded  # the fraction, in [0, 1): rounding edges lie at 0 and 1
    values -= np.float32(0.5)
    np.abs(values, out=values)
    unsure = np.flatnonzero(values > np.float32(0.5) - taps.slack)
    if len(unsure):
        row, column = np.divmod(unsure, taps.exact.shape[0])
        exact = np.einsum("ij,ij->i", rows[row].astype(np.float64), taps.exact[column])
        rounded.ravel()[unsure] = np.floor((exact + (1 << (_PRECISION_BITS - 1))) * 2.0 ** -_PRECISION_BITS)
    np.clip(rounded, 0, 255, out=rounded)
    return rounded


@dataclass(frozen=True)
class _Taps:
    """One axis's filter: ``exact`` float64 (out, in) integer taps; ``scaled`` float32 (in, out),
    the same divided by 2**22 (exact too: the taps are integers below 2**24); ``slack``, twice the
    largest float32 error of a pass in pixel levels."""

    exact: np.ndarray
    scaled: np.ndarray
    slack: np.float32


@functools.lru_cache(maxsize=32)
def _filter_taps(in_size: int, out_size: int) -> _Taps:
    """Pillow's integer Lanczos taps for one axis, as a dense matrix.

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
    scaled = np.ascontiguousarray((matrix * 2.0 ** -_PRECISION_BITS).T.astype(np.float32))
    for shared in (matrix, scaled):  # cached and shared: nobody may write into them
        shared.setflags(write=False)
    # Summing in_size products of at most 255 * |tap| errs by at most in_size * u * 255 * sum|tap|
    # (u: float32 unit roundoff); adding 0.5 to a value below 512 errs by at most 2**-15 more.
    largest_sum = float(np.abs(matrix).sum(axis=1).max()) * 2.0 ** -_PRECISION_BITS
    bound = in_size * _FLOAT32_UNIT_ROUNDOFF * 255 * largest_sum + 2.0 ** -15
    return _Taps(matrix, scaled, np.float32(2 * bound))


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
