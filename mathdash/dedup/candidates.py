"""Candidate duplicate pairs between images, from hashes at a generous threshold.

``find_pairs`` works on distinct hash values; many images can share one value (simple strokes
often do), so its value pairs are expanded here into the image pairs behind them, in bounded steps.
"""

from __future__ import annotations

import numpy as np

from mathdash.dedup.search import _expand_ranges, find_pairs


def candidate_pairs(hashes: np.ndarray, threshold: int) -> np.ndarray:
    """Every image pair ``i < j`` whose hashes lie within ``threshold`` bits, equal hashes included.

    Args:
        hashes: uint64 array (N,).
        threshold: largest Hamming distance, >= 0.

    Returns:
        int64 array (M, 2), rows ``(i, j)`` with i < j, sorted.
    """
    values, value_of = np.unique(np.asarray(hashes, dtype=np.uint64), return_inverse=True)
    value_of = value_of.ravel()
    value_pairs = find_pairs(values, threshold)
    members = np.argsort(value_of, kind="stable")
    counts = np.bincount(value_of, minlength=len(values))
    starts = np.cumsum(counts) - counts
    shared = np.flatnonzero(counts > 1)
    left = np.concatenate([shared, value_pairs[:, 0]])
    right = np.concatenate([shared, value_pairs[:, 1]])
    parts = []
    for owner, offset in _expand_ranges(np.zeros(len(left), np.int64), counts[left] * counts[right]):
        a, b = np.divmod(offset, counts[right[owner]])
        keep = (left[owner] != right[owner]) | (a < b)  # within one value: each pair once
        first = members[starts[left[owner]] + a][keep]
        second = members[starts[right[owner]] + b][keep]
        parts.append(np.stack([np.minimum(first, second), np.maximum(first, second)], axis=1))
    return _unique_rows(parts)


def union_of_pairs(*pair_sets: np.ndarray) -> np.ndarray:
    """The distinct rows of several (M_k, 2) pair arrays, sorted."""
    return _unique_rows(list(pair_sets))


def _unique_rows(parts: list[np.ndarray]) -> np.ndarray:
    parts = [p for p in parts if len(p)]
    if not parts:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(parts).astype(np.int64)
    width = int(pairs.max()) + 1
    keys = np.unique(pairs[:, 0] * width + pairs[:, 1])
    return np.stack(np.divmod(keys, width), axis=1)

