"""Near-duplicate search: every pair of 64-bit hashes within a Hamming distance, without all pairs.

Multi-index hashing: split the 64 bits into ``threshold + 1`` chunks; by the pigeonhole principle two
hashes at distance <= threshold agree exactly on at least one chunk, so only hashes sharing a chunk
value are compared. The answer is the same set of pairs brute force gives. Chunks interleave the
bits (chunk j holds bits j, j + k, j + 2k, ...): neighbouring bits of a perceptual hash are
correlated, and spreading them over chunks keeps buckets small (about 4x fewer candidates than
contiguous chunks on the built-in set at threshold 4).
"""

from __future__ import annotations

import numpy as np

from mathdash.errors import ConfigError

HASH_BITS = 64
STRATEGIES = ("auto", "index", "brute")
# Index candidates cost several times a brute-force comparison; past this share of all pairs, the
# blocked brute force is faster (large thresholds make chunks short and buckets crowded).
_BRUTE_FORCE_SHARE = 0.2
_PAIR_BUDGET = 1 << 22  # candidate pairs examined per vectorised step (memory bound)


def find_pairs(hashes: np.ndarray, threshold: int, strategy: str = "auto") -> np.ndarray:
    """All index pairs ``i < j`` with ``popcount(hashes[i] ^ hashes[j]) <= threshold``.

    Args:
        hashes: uint64 array (N,).
        threshold: largest Hamming distance counted as a match, >= 0.
        strategy: ``"index"`` (multi-index hashing), ``"brute"`` (blocked all-pairs) or ``"auto"``
            (the index unless its candidate count approaches all pairs).

    Returns:
        int64 array (M, 2), rows ``(i, j)`` with i < j, sorted by i then j.
    """
    hashes = _check_hashes(hashes)
    _check_threshold(threshold)
    if strategy not in STRATEGIES:
        raise ConfigError(f"unknown search strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")
    if strategy == "auto":
        strategy = _choose_strategy(hashes, threshold)
    pairs = _index_pairs(hashes, threshold) if strategy == "index" else _brute_force_pairs(hashes, threshold)
    return _sorted_pairs(pairs)


def find_cross_pairs(queries: np.ndarray, references: np.ndarray, threshold: int) -> np.ndarray:
    """All pairs ``(q, r)`` of a query hash and a reference hash within ``threshold`` bits.

    Args:
        queries: uint64 array (Q,), e.g. the test set's hashes.
        references: uint64 array (R,), e.g. the training set's hashes.
        threshold: largest Hamming distance counted as a match, >= 0.

    Returns:
        int64 array (M, 2), rows ``(query index, reference index)``, sorted.
    """
    queries, references = _check_hashes(queries), _check_hashes(references)
    _check_threshold(threshold)
    if threshold >= HASH_BITS:  # every pair matches; no chunk need agree
        q, r = np.meshgrid(np.arange(len(queries)), np.arange(len(references)), indexing="ij")
        return np.stack([q.ravel(), r.ravel()], axis=1).astype(np.int64)
    parts = []
    for chunk, mask in enumerate(_chunk_masks(threshold)):
        ref_keys = references & mask
        order = np.argsort(ref_keys, kind="stable")
        sorted_keys = ref_keys[order]
        query_keys = queries & mask
        starts = np.searchsorted(sorted_keys, query_keys, side="left")
        counts = np.searchsorted(sorted_keys, query_keys, side="right") - starts
        for owner, position in _expand_ranges(starts, counts):
            pairs = np.stack([owner, order[position]], axis=1)
            xor = queries[pairs[:, 0]] ^ references[pairs[:, 1]]
            parts.append(pairs[_accept(xor, threshold, chunk)])
    return _sorted_rows(_concat(parts))


def brute_force_pairs(hashes: np.ndarray, threshold: int) -> np.ndarray:
    """The same answer as ``find_pairs`` by comparing all pairs (the reference; O(N^2))."""
    hashes = _check_hashes(hashes)
    _check_threshold(threshold)
    return _sorted_pairs(_brute_force_pairs(hashes, threshold))


def _index_pairs(hashes: np.ndarray, threshold: int) -> np.ndarray:
    if threshold >= HASH_BITS:  # every pair matches; no chunk need agree
        return _brute_force_pairs(hashes, threshold)
    parts = []
    for chunk, mask in enumerate(_chunk_masks(threshold)):
        keys = hashes & mask
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        bucket_end = _bucket_ends(sorted_keys)
        positions = np.arange(len(keys))
        for first, second in _expand_ranges(positions + 1, bucket_end - positions - 1):
            pairs = np.stack([order[first], order[second]], axis=1)
            xor = hashes[pairs[:, 0]] ^ hashes[pairs[:, 1]]
            parts.append(pairs[_accept(xor, threshold, chunk)])
    return _concat(parts)


def _accept(xor: np.ndarray, threshold: int, chunk: int) -> np.ndarray:
    """Within the threshold, and ``chunk`` is the first equal chunk (so each pair is kept once)."""
    keep = np.bitwise_count(xor) <= threshold
    for mask in _chunk_masks(threshold)[:chunk]:
        keep &= (xor & mask) != 0
    return keep


def _chunk_masks(threshold: int) -> list[np.uint64]:
    """Bit masks of ``threshold + 1`` interleaved chunks that together cover all 64 bits."""
    count = threshold + 1  # < 64 here: larger thresholds match every pair and skip the index
    return [np.uint64(sum(1 << bit for bit in range(first, HASH_BITS, count))) for first in range(count)]


def _bucket_ends(sorted_keys: np.ndarray) -> np.ndarray:
    """For each position of a sorted key array, the position just past its run of equal keys."""
    n = len(sorted_keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    run_starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    run_ends = np.r_[run_starts[1:], n]
    return np.repeat(run_ends, np.diff(np.r_[run_starts, n]))


def _expand_ranges(starts: np.ndarray, counts: np.ndarray):
    """Yield ``(owner, position)`` arrays: owner k paired with ``starts[k] .. starts[k]+counts[k]-1``.

    Owners are cut into steps of about ``_PAIR_BUDGET`` pairs so memory stays bounded.
    """
    counts = np.maximum(counts, 0)
    cumulative = np.cumsum(counts)
    total = int(cumulative[-1]) if len(cumulative) else 0
    begin = 0
    while begin < len(counts) and total:
        done_before = int(cumulative[begin - 1]) if begin else 0
        end = int(np.searchsorted(cumulative, done_before + _PAIR_BUDGET, side="right"))
        end = max(end, begin + 1)
        step_counts = counts[begin:end]
        owner = np.repeat(np.arange(begin, end), step_counts)
        offsets = np.arange(len(owner)) - np.repeat(np.cumsum(step_counts) - step_counts, step_counts)
        yield owner, np.repeat(starts[begin:end], step_counts) + offsets
        begin = end


def _brute_force_pairs(hashes: np.ndarray, threshold: int) -> np.ndarray:
    n = len(hashes)
    rows_per_block = max(1, _PAIR_BUDGET // max(n, 1))
    parts = []
    for start in range(0, n, rows_per_block):
        block = hashes[start:start + rows_per_block]
        close = np.bitwise_count(block[:, None] ^ hashes[None, :]) <= threshold
        i, j = np.nonzero(close)
        i += start
        parts.append(np.stack([i, j], axis=1)[i < j])
    return _concat(parts)


def _choose_strategy(hashes: np.ndarray, threshold: int) -> str:
    n = len(hashes)
    all_pairs = n * (n - 1) // 2
    if threshold >= HASH_BITS or all_pairs == 0:
        return "brute"
    candidates = 0
    for mask in _chunk_masks(threshold):
        sizes = np.unique(hashes & mask, return_counts=True)[1].astype(np.int64)
        candidates += int((sizes * (sizes - 1) // 2).sum())
    return "brute" if candidates > _BRUTE_FORCE_SHARE * all_pairs else "index"


def _sorted_pairs(pairs: np.ndarray) -> np.ndarray:
    """Each pair as (smaller, larger), rows sorted."""
    return _sorted_rows(np.sort(pairs, axis=1))


def _sorted_rows(pairs: np.ndarray) -> np.ndarray:
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))].astype(np.int64)


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    parts = [p for p in parts if len(p)]
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros((0, 2), dtype=np.int64)


def _check_hashes(hashes: np.ndarray) -> np.ndarray:
    hashes = np.asarray(hashes)
    if hashes.ndim != 1 or hashes.dtype != np.uint64:
        raise ConfigError(f"hashes must be a uint64 array (N,), got {hashes.dtype} {hashes.shape}")
    return hashes


def _check_threshold(threshold: int) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)) or threshold < 0:
        raise ConfigError(f"threshold must be an integer >= 0 (bits), got {threshold!r}")
