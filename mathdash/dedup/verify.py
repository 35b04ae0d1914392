"""Pixel verification of candidate duplicate pairs: normalised correlation after the best small shift.

A hash match only says two images look alike at 8x8; this says whether they agree pixel for pixel.
Each pair is scored by Pearson correlation of the ink (contrast normalised) over shifts up to
``max_shift`` pixels (by default the 3x3 around the offset of the two ink centres), vectorised over
batches of pairs, and keeps its best shift.
"""

from __future__ import annotations

import os
from collections.abc import Callable
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
    offsets = np.rint(np.array([(height - 1) / 2, (width - 1) / 2]) - ink_centres(images)).astype(np.int64)
    centred = np.full_like(images, PAPER)
    step = max(-(-count // _WORKERS), 1)
    _each_batch(count, step, lambda start, stop: _centre_part(images, offsets, centred, start, stop))
    return centred


def _centre_part(images: np.ndarray, offsets: np.ndarray, centred: np.ndarray, start: int, stop: int) -> None:
    """Rows ``start:stop`` of ``images`` moved by their ``offsets`` (dy, dx), written into ``centred``."""
    height, width = images.shape[1:]
    part, out = images[start:stop], centred[start:stop]
    keys, inverse = np.unique(offsets[start:stop], axis=0, return_inverse=True)
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
    # Batches of pairs sharing one estimate: each tried shift is then one slice of the whole batch.
    side = 2 * max_shift + 1
    key = (estimate[:, 0] + max_shift) * side + estimate[:, 1] + max_shift
    order = np.argsort(key, kind="stable")
    bounds = np.searchsorted(key[order], np.arange(side * side + 1))
    batches = [(order[start:min(start + _BATCH, stop)], divmod(index, side))
               for index, (low, stop) in enumerate(zip(bounds[:-1], bounds[1:]))
               for start in range(low, stop, _BATCH)]

    def one_batch(batch: tuple[np.ndarray, tuple[int, int]]) -> None:
        members, (row, col) = batch
        similarity[members], shift[members] = _best_shift(
            images, pairs[members], local[members], (row - max_shift, col - max_shift), radius, max_shift,
            statistics)

    if len(batches) > 1 and _WORKERS > 1:  # numpy releases the GIL in the array work
        with ThreadPoolExecutor(_WORKERS) as pool:
            list(pool.map(one_batch, batches))
    else:
        for batch in batches:
            one_batch(batch)
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
    lost_rows, lost_cols = _lost_lines(height, m), _lost_lines(width, m)  # (2m+1, H), (2m+1, W)
    band_rows, band_cols = np.r_[0:m, height - m:height], np.r_[0:m, width - m:width]  # where corners lie
    corner_rows, corner_cols = lost_rows[:, band_rows], lost_cols[:, band_cols]

    def one_batch(start: int, stop: int) -> None:
        ink = np.float32(PAPER) - images[start:stop]
        for values, out in ((ink, sums), (ink * ink, squares)):
            rows, cols = values.sum(axis=2, dtype=np.float64), values.sum(axis=1, dtype=np.float64)
            corners = values[:, band_rows][:, :, band_cols].astype(np.float64)  # (B, 2m, 2m)
            corner = np.einsum("rh,bhw,cw->brc", corner_rows, corners, corner_cols)  # (B, 2m+1, 2m+1)
            out[start:stop] = (rows.sum(axis=1)[:, None, None] - (rows @ lost_rows.T)[:, :, None]
                               - (cols @ lost_cols.T)[:, None, :] + corner)

    _each_batch(count, _STATISTICS_BATCH, one_batch)
    return ShiftStatistics(sums, squares, max_shift)


def _lost_lines(size: int, max_shift: int) -> np.ndarray:
    """float64 (2m+1, size): row ``d + m`` marks the lines a shift by d drops off one edge (0/1)."""
    lost = np.zeros((2 * max_shift + 1, size))
    for shift in range(1, max_shift + 1):
        lost[max_shift + shift, size - shift:] = 1
        lost[max_shift - shift, :shift] = 1
    return lost


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


def _best_shift(images: np.ndarray, pairs: np.ndarray, local: np.ndarray, estimate: tuple[int, int],
                radius: int, max_shift: int, statistics: ShiftStatistics) -> tuple[np.ndarray, np.ndarray]:
    """Shifts ``estimate + (-radius..radius)^2`` (those within ``max_shift``) for one batch of pairs.

    Every pair of the batch has the same ``estimate``, so each shift is one slice of the batch: the
    dot product runs over the overlap of the first image and the shifted second (paper, ink 0,
    elsewhere). The sums come from ``statistics`` (rows ``local``); only the dot products are
    computed per pair, on ink levels 0..255 (correlation does not care about the scale).

    Returns:
        (best correlation float32 (B,), best (dy, dx) int64 (B, 2)).
    """
    height, width = images.shape[1:]
    pixels = height * width
    m = max_shift
    first = np.float32(PAPER) - images[pairs[:, 0]]
    second = np.float32(PAPER) - images[pairs[:, 1]]
    first_sum = statistics.sums[local[:, 0], m, m]
    first_spread = np.sqrt(np.maximum(statistics.squares[local[:, 0], m, m] - first_sum ** 2 / pixels, 0))
    best = np.full(len(pairs), -np.inf, dtype=np.float32)
    best_shift = np.tile(np.asarray(estimate, dtype=np.int64), (len(pairs), 1))
    row, col = estimate
    for dy in range(max(row - radius, -m), min(row + radius, m) + 1):
        for dx in range(max(col - radius, -m), min(col + radius, m) + 1):
            # first[y, x] against second[y - dy, x - dx], where both exist
            overlap = first[:, max(dy, 0):height + min(dy, 0), max(dx, 0):width + min(dx, 0)]
            moved = second[:, max(-dy, 0):height + min(-dy, 0), max(-dx, 0):width + min(-dx, 0)]
            total = statistics.sums[local[:, 1], dy + m, dx + m]
            spread = np.sqrt(np.maximum(statistics.squares[local[:, 1], dy + m, dx + m] - total ** 2 / pixels, 0))
            dot = np.einsum("ijk,ijk->i", overlap, moved) - first_sum * total / pixels
            # in units of whole ink (0..1), where the blank-image bars of _correlation are set
            score = _correlation(dot / PAPER ** 2, first_spread / PAPER, spread / PAPER).astype(np.float32)
            better = score > best
            best[better] = score[better]
            best_shift[better] = (dy, dx)
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

    def one_batch(start: int, stop: int) -> None:  # two plain matrix products per batch
        across = images[start:stop].astype(np.float32).reshape(-1, width) @ cols.T  # (B*H, 9)
        down = across.reshape(-1, height, _THUMB).transpose(0, 2, 1).reshape(-1, height) @ rows.T
        paper[start:stop] = down.reshape(-1, _THUMB, _THUMB).transpose(0, 2, 1)

    _each_batch(count, _STATISTICS_BATCH, one_batch)
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
    count, height, width = images.shape
    total, rows, cols = np.empty(count), np.empty(count), np.empty(count)
    row_index, col_index = np.arange(height, dtype=np.float64), np.arange(width, dtype=np.float64)

    def one_batch(start: int, stop: int) -> None:
        ink = np.float32(PAPER) - images[start:stop]  # line sums are whole numbers, exact in float32
        row_ink, col_ink = ink.sum(axis=2).astype(np.float64), ink.sum(axis=1).astype(np.float64)
        total[start:stop] = row_ink.sum(axis=1)
        rows[start:stop], cols[start:stop] = row_ink @ row_index, col_ink @ col_index

    _each_batch(count, _STATISTICS_BATCH, one_batch)
    centre = np.array([(height - 1) / 2, (width - 1) / 2])
    found = total > 0
    out = np.tile(centre, (count, 1))
    out[found] = np.stack([rows[found], cols[found]], axis=1) / total[found, None]
    return out


def _each_batch(count: int, size: int, work: Callable[[int, int], None]) -> None:
    """``work(start, stop)`` over ``range(count)`` in steps of ``size``, spread over the machine's cores."""
    starts = range(0, count, size)
    if len(starts) > 1 and _WORKERS > 1:  # numpy releases the GIL in the array work
        with ThreadPoolExecutor(_WORKERS) as pool:
            list(pool.map(lambda start: work(start, min(start + size, count)), starts))
    else:
        for start in starts:
            work(start, min(start + size, count))


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
