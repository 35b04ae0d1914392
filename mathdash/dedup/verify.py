"""Pixel verification of candidate duplicate pairs: normalised correlation after the best small shift.

A hash match only says two images look alike at 8x8; this says whether they agree pixel for pixel.
Each pair is scored by Pearson correlation of the ink (contrast normalised) over shifts up to
``max_shift`` pixels (by default the 3x3 around the offset of the two ink centres), vectorised over
batches of pairs, and keeps its best shift.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from mathdash.errors import ConfigError, DatasetError

DEFAULT_MAX_SHIFT = 2
# Measured on the built-in set's candidate pairs: true copies (JPEG q60+, contrast 70-130%, 1-px
# shifts) score >= 0.983, distinct drawings of one symbol <= 0.972. (On CROHME many distinct
# drawings of '-' or '|' render to the same pixels; no bar separates those, see the README.)
DEFAULT_MIN_SIMILARITY = 0.98
PAPER = 255
_BATCH = 2048  # pairs per vectorised step: (2048, 47, 47) float32 is 18 MB
_THUMB = 9  # side of the thumbnails of the quick check
_STATISTICS_BATCH = 512  # images per step of shift_statistics (the float copy stays in cache)
_WORKERS = min(os.cpu_count() or 1, 4)  # threads for batches of pairs


def centre_ink(images: np.ndarray) -> np.ndarray:
    """Each image translated (by whole pixels, paper filled in) so its ink's centre of mass is central.

    A copy shifted by a pixel or two lands on the same pixels as its original, so hashes of centred
    images find shifted copies that hashes of the raw images miss.

    Args:
        images: uint8 array (N, H, W), ink dark on white.

    Returns:
        uint8 array (N, H, W).
    """
    count, height, width = images.shape
    centred = np.full_like(images, PAPER)
    step = max(-(-count // _WORKERS), 1)
    with ThreadPoolExecutor(_WORKERS) as pool:  # numpy releases the GIL in the copies
        list(pool.map(lambda start: _centre_part(images, centred, start, start + step),
                      range(0, count, step)))
    return centred


def _centre_part(images: np.ndarray, centred: np.ndarray, start: int, stop: int) -> None:
    """``centre_ink`` of ``images[start:stop]``, written into ``centred[start:stop]``."""
    height, width = images.shape[1:]
    part, out = images[start:stop], centred[start:stop]
    offsets = np.rint(np.array([(height - 1) / 2, (width - 1) / 2]) - ink_centres(part)).astype(np.int64)
    keys, inverse = np.unique(offsets, axis=0, return_inverse=True)
    for index, (dy, dx) in enumerate(keys.tolist()):  # a few dozen distinct offsets
        rows = np.flatnonzero(inverse.ravel() == index)
        out[rows, max(dy, 0):height + min(dy, 0), max(dx, 0):width + min(dx, 0)] = \
            part[rows, max(-dy, 0):height + min(-dy, 0), max(-dx, 0):width + min(-dx, 0)]


def pixel_similarity(images: np.ndarray, pairs: np.ndarray, max_shift: int = DEFAULT_MAX_SHIFT,
                     guided: bool = True, centres: np.ndarray | None = None,
                     statistics: ShiftStatistics | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Best Pearson correlation of each pair's ink over shifts up to ``max_shift`` pixels.

    The second image is shifted (paper filled in) by (dy, dx) with ``|dy|, |dx| <= max_shift`` and
    correlated with the first over the whole frame. Correlation ignores brightness and contrast: a
    copy with its ink made 30% lighter scores as high as an exact one. Two blank images score 1,
    a blank and an inked one 0. Batches of pairs are spread over the machine's cores.

    Args:
        images: uint8 array (N, H, W), ink dark on white.
        pairs: int array (M, 2) of row indices into ``images``.
        max_shift: largest shift along each axis, in pixels (0..H//2).
        guided: try only the 3x3 shifts around the offset between the two ink centres (within
            ``max_shift``), where a shifted copy's best shift lies; False tries every shift.
        centres: ``ink_centres(images)`` if already computed (guided search).
        statistics: ``shift_statistics(images, max_shift)`` if already computed.

    Returns:
        (similarity float32 (M,) in [-1, 1], best shift int64 (M, 2) as (dy, dx) applied to the second).
    """
    images, pairs = _check_inputs(images, pairs, max_shift)
    similarity = np.zeros(len(pairs), dtype=np.float32)
    shift = np.zeros((len(pairs), 2), dtype=np.int64)
    if not len(pairs):
        return similarity, shift
    rows = np.unique(pairs)
    local = np.searchsorted(rows, pairs)  # pairs as indices into ``rows``
    if statistics is None or statistics.max_shift != max_shift:
        statistics = shift_statistics(images[rows], max_shift)
    else:
        statistics = statistics.take(rows)
    if guided:
        centres = ink_centres(images[rows]) if centres is None else centres[rows]
        estimate = np.clip(np.rint(centres[local[:, 0]] - centres[local[:, 1]]), -max_shift, max_shift)
        estimate = estimate.astype(np.int64)
    else:
        estimate = np.zeros((len(pairs), 2), dtype=np.int64)
    radius = 1 if guided else max_shift

    def one_batch(start: int) -> None:
        batch = slice(start, start + _BATCH)
        similarity[batch], shift[batch] = _best_shift(images, pairs[batch], local[batch], estimate[batch],
                                                      radius, max_shift, statistics)

    starts = range(0, len(pairs), _BATCH)
    if len(starts) > 1 and _WORKERS > 1:  # numpy releases the GIL in the array work
        with ThreadPoolExecutor(_WORKERS) as pool:
            list(pool.map(one_batch, starts))
    else:
        for start in starts:
            one_batch(start)
    return similarity, shift


@dataclass(frozen=True)
class ShiftStatistics:
    """Each image's ink sum and sum of squares when shifted by (dy, dx), paper filled in (ink levels 0..255).

    Attributes:
        sums, squares: float64 (N, 2m+1, 2m+1), indexed ``[i, dy + m, dx + m]``.
        max_shift: m.
    """

    sums: np.ndarray
    squares: np.ndarray
    max_shift: int

    def take(self, rows: np.ndarray) -> ShiftStatistics:
        return ShiftStatistics(self.sums[rows], self.squares[rows], self.max_shift)


def shift_statistics(images: np.ndarray, max_shift: int = DEFAULT_MAX_SHIFT) -> ShiftStatistics:
    """The ink sums a correlation at every shift needs, once per image rather than once per pair.

    Shifting by (dy, dx) drops the ink of ``|dy|`` rows and ``|dx|`` columns at one edge each: the
    sum left is the whole sum less those rows and columns, plus the corner block counted twice.

    Args:
        images: uint8 array (N, H, W), ink dark on white.
        max_shift: largest shift along each axis, in pixels.

    Returns:
        The ShiftStatistics.
    """
    count, height, width = images.shape
    m = max_shift
    sums = np.empty((count, 2 * m + 1, 2 * m + 1), dtype=np.float64)
    squares = np.empty_like(sums)
    lost = [slice(height - d, height) if d > 0 else slice(0, -d) for d in range(-m, m + 1)]
    lost_cols = [slice(width - d, width) if d > 0 else slice(0, -d) for d in range(-m, m + 1)]
    for start in range(0, count, _STATISTICS_BATCH):
        ink = (PAPER - images[start:start + _STATISTICS_BATCH]).astype(np.float32)
        for values, out in ((ink, sums), (ink * ink, squares)):
            rows, cols = values.sum(axis=2, dtype=np.float64), values.sum(axis=1, dtype=np.float64)
            total = rows.sum(axis=1)
            row_lost = np.stack([rows[:, part].sum(axis=1) for part in lost], axis=1)  # (B, 2m+1)
            col_lost = np.stack([cols[:, part].sum(axis=1) for part in lost_cols], axis=1)
            corner = np.stack([np.stack([values[:, r, c].sum(axis=(1, 2), dtype=np.float64)  # (B, 2m+1, 2m+1)
                                         for c in lost_cols], axis=1) for r in lost], axis=1)
            out[start:start + _STATISTICS_BATCH] = (total[:, None, None] - row_lost[:, :, None]
                                                    - col_lost[:, None, :] + corner)
    return ShiftStatistics(sums, squares, max_shift)


def thumbnails(images: np.ndarray, centred: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """9x9 thumbnails of the raw and of the ink-centred images, zero-mean and unit-norm.

    Args:
        images: uint8 array (N, H, W), ink dark on white.
        centred: ``centre_ink(images)`` if already computed.

    Returns:
        (raw float32 (N, 81), centred float32 (N, 81)).
    """
    centred = centre_ink(images) if centred is None else centred
    return _thumbnails(images), _thumbnails(centred)


def thumbnail_similarity(thumbs: tuple[np.ndarray, np.ndarray], pairs: np.ndarray) -> np.ndarray:
    """A quick score per pair: correlation of the raw or of the centred thumbnails, the better one.

    A copy shifted by a pixel matches on the centred thumbnails; one re-encoded or with changed
    contrast on the raw ones. Pairs far below ``DEFAULT_MIN_SIMILARITY`` here are not worth the
    full pixel comparison.

    Args:
        thumbs: ``thumbnails(images)``.
        pairs: int array (M, 2) of row indices.

    Returns:
        float32 array (M,).
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    raw, centred = thumbs
    best = np.einsum("ij,ij->i", raw[pairs[:, 0]], raw[pairs[:, 1]])
    return np.maximum(best, np.einsum("ij,ij->i", centred[pairs[:, 0]], centred[pairs[:, 1]]))


def _best_shift(images: np.ndarray, pairs: np.ndarray, local: np.ndarray, estimate: np.ndarray, radius: int,
                max_shift: int, statistics: ShiftStatistics) -> tuple[np.ndarray, np.ndarray]:
    """Shifts ``estimate + (-radius..radius)^2`` (those within ``max_shift``) for one batch.

    Each second image is placed, around its own estimate, in a paper frame ``radius`` wider on every
    side, so one slice per relative shift serves the whole batch. The sums come from ``statistics``
    (rows ``local``); only the dot products are computed per pair, on ink levels 0..255
    (correlation does not care about the scale).

    Returns:
        (best correlation float32 (B,), best (dy, dx) int64 (B, 2)).
    """
    height, width = images.shape[1:]
    pixels = height * width
    m = max_shift
    first = (PAPER - images[pairs[:, 0]]).astype(np.float32)
    first_sum = statistics.sums[local[:, 0], m, m]
    first_spread = np.sqrt(np.maximum(statistics.squares[local[:, 0], m, m] - first_sum ** 2 / pixels, 0))
    second = np.zeros((len(pairs), height + 2 * radius, width + 2 * radius), dtype=np.float32)
    ink = PAPER - images[pairs[:, 1]]
    keys, inverse = np.unique(estimate, axis=0, return_inverse=True)
    for index, (dy, dx) in enumerate(keys.tolist()):  # at most (2 * max_shift + 1)^2 estimates
        rows = np.flatnonzero(inverse.ravel() == index)
        top, left = dy + radius, dx + radius  # where the image's first row and column land
        y0, y1 = max(top, 0), min(top + height, height + 2 * radius)
        x0, x1 = max(left, 0), min(left + width, width + 2 * radius)
        second[rows, y0:y1, x0:x1] = ink[rows, y0 - top:y1 - top, x0 - left:x1 - left]
    best = np.full(len(pairs), -np.inf, dtype=np.float32)
    best_shift = estimate.copy()
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            top, left = radius - dy, radius - dx
            window = second[:, top:top + height, left:left + width]
            allowed = (np.abs(estimate[:, 0] + dy) <= max_shift) & (np.abs(estimate[:, 1] + dx) <= max_shift)
            at = (local[:, 1], np.clip(estimate[:, 0] + dy, -m, m) + m,
                  np.clip(estimate[:, 1] + dx, -m, m) + m)
            total = statistics.sums[at]
            spread = np.sqrt(np.maximum(statistics.squares[at] - total ** 2 / pixels, 0))
            dot = np.einsum("ijk,ijk->i", first, window, optimize=True) - first_sum * total / pixels
            # in units of whole ink (0..1), where the blank-image bars of _correlation are set
            score = _correlation(dot / PAPER ** 2, first_spread / PAPER, spread / PAPER).astype(np.float32)
            better = allowed & (score > best)
            best[better] = score[better]
            best_shift[better] = estimate[better] + (dy, dx)
    return best, best_shift


def _correlation(dot: np.ndarray, spread_a: np.ndarray, spread_b: np.ndarray) -> np.ndarray:
    """dot / (spread_a * spread_b); two blank images count as identical, blank and ink as 0."""
    scale = spread_a * spread_b
    score = np.divide(dot, scale, out=np.zeros_like(dot), where=scale > 1e-3)
    both_blank = (spread_a <= 1e-3) & (spread_b <= 1e-3)
    score[both_blank] = 1.0
    return np.clip(score, -1.0, 1.0)


def _thumbnails(images: np.ndarray) -> np.ndarray:
    """Ink of each image box-averaged to 9x9, zero-mean and unit-norm: float32 (N, 81)."""
    count, height, width = images.shape
    rows, cols = _box_matrix(height), _box_matrix(width)
    paper = np.empty((count, _THUMB, _THUMB), dtype=np.float32)  # box sums: whole numbers, exact
    for start in range(0, count, _STATISTICS_BATCH):
        part = images[start:start + _STATISTICS_BATCH].astype(np.float32)
        paper[start:start + _STATISTICS_BATCH] = rows @ part @ cols.T
    flat = -paper.reshape(count, _THUMB * _THUMB).astype(np.float32)  # ink up to a constant
    flat -= flat.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(flat, axis=1, keepdims=True)
    return np.divide(flat, norm, out=np.zeros_like(flat), where=norm > 1e-3)


def _box_matrix(size: int) -> np.ndarray:
    """(9, size) float32 of ones: row i sums the pixels ``linspace(0, size, 10)[i]`` up to the next."""
    edges = np.linspace(0, size, _THUMB + 1).astype(np.int64)
    edges[-1] = size
    matrix = np.zeros((_THUMB, size), dtype=np.float32)
    for box in range(_THUMB):
        matrix[box, edges[box]:edges[box + 1]] = 1
    return matrix


def ink_centres(images: np.ndarray) -> np.ndarray:
    """(row, column) of each image's ink centre of mass, float64 (N, 2); the frame centre if blank."""
    height, width = images.shape[1:]
    row_ink = PAPER * width - images.sum(axis=2, dtype=np.int64)
    col_ink = PAPER * height - images.sum(axis=1, dtype=np.int64)
    total = row_ink.sum(axis=1).astype(np.float64)
    rows = row_ink @ np.arange(height, dtype=np.float64)
    cols = col_ink @ np.arange(width, dtype=np.float64)
    centre = np.array([(height - 1) / 2, (width - 1) / 2])
    found = total > 0
    out = np.tile(centre, (len(images), 1))
    out[found] = np.stack([rows[found], cols[found]], axis=1) / total[found, None]
    return out


def _check_inputs(images: np.ndarray, pairs: np.ndarray, max_shift: int) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8 or images.ndim != 3:
        raise DatasetError("images must be a uint8 array (N, H, W)")
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    if len(pairs) and (pairs.min() < 0 or pairs.max() >= len(images)):
        raise DatasetError(f"pair indices must lie in 0..{len(images) - 1}")
    if isinstance(max_shift, bool) or not isinstance(max_shift, (int, np.integer)) \
            or not 0 <= max_shift <= min(images.shape[1:]) // 2:
        raise ConfigError(f"max_shift must be a whole number of pixels 0..{min(images.shape[1:]) // 2}, "
                          f"got {max_shift!r}")
    return images, pairs
