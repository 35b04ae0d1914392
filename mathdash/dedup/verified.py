"""Duplicate groups from pixel-verified pairs only: every member matches its group's anchor itself.

Candidates come from hashes of the raw and of the ink-centred pictures at a generous threshold;
each pair the grouping needs is checked on thumbnails first, then verified by pixel correlation. Groups
are stars, not chains: an anchor and the pictures verified against that anchor directly.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from mathdash.dedup.candidates import candidate_pairs, union_of_pairs
from mathdash.dedup.search import _expand_ranges
from mathdash.dedup.verify import (
    DEFAULT_MAX_SHIFT,
    DEFAULT_MIN_SIMILARITY,
    centre_ink,
    ink_centres,
    pixel_similarity,
    shift_statistics,
    thumbnail_similarity,
    thumbnails,
)

# From benchmarks/bench_dedup_quality.py: at 4 bits the union of raw and centred phash candidates
# holds 99.8% of the JPEG and contrast copies and every shifted one; more bits only add work.
CANDIDATE_THRESHOLD = 4
# Thumbnail correlation below which a pair is not verified: true copies in the quality benchmark
# score >= 0.93 on the better of the two thumbnails.
QUICK_FLOOR = 0.85
_QUICK_STEP = 1 << 18  # pairs per quick-check step (bounded memory)
_WORKERS = min(os.cpu_count() or 1, 4)
INK_LEVEL = 128  # darker than this is ink, for the ink box of a picture without a recorded anchor


@dataclass
class VerifiedGroups:
    """Star groups over distinct pictures.

    Attributes:
        anchor: int64 array (P,), the anchor picture of each picture (itself for an anchor).
        similarity: float32 array (P,), each picture's measured similarity to its anchor (1 for anchors).
        candidates: number of candidate pairs from the hashes.
        verified: number of pairs compared pixel by pixel.
        accepted: number of pictures joined to an anchor.
        timings: seconds per stage (``candidates``, ``verification``).
    """

    anchor: np.ndarray
    similarity: np.ndarray
    candidates: int
    verified: int
    accepted: int
    timings: dict[str, float]


def verified_groups(pictures: np.ndarray, raw_hashes: np.ndarray, centred_hashes: np.ndarray,
                    threshold: int = CANDIDATE_THRESHOLD, min_similarity: float = DEFAULT_MIN_SIMILARITY,
                    max_shift: int = DEFAULT_MAX_SHIFT, centred: np.ndarray | None = None,
                    recordings: np.ndarray | None = None) -> VerifiedGroups:
    """Group distinct pictures whose pixels agree after the best small shift.

    Leader clustering in rounds: pictures are ranked by how many candidates they have (an original
    has its copies, a copy mostly its original), and one with no better-ranked unsettled candidate
    becomes an anchor; its unsettled candidates are verified against it and those scoring at least
    ``min_similarity`` join it (the best-scoring anchor if several). Settled pictures leave; the
    rounds repeat until no candidate pair joins two unsettled pictures.

    With ``recordings``, two pictures of different recordings are never paired, and pictures of a
    known recording rank before the others, so a group holds at most one recording: its anchor's.

    Args:
        pictures: uint8 array (P, H, W), each distinct (no two pixel-identical).
        raw_hashes: uint64 array (P,), a perceptual hash of each picture.
        centred_hashes: uint64 array (P,), the same hash of ``centre_ink(pictures)``.
        threshold: Hamming distance of candidate pairs, in bits.
        min_similarity: smallest pixel correlation that makes a pair duplicates.
        max_shift: largest shift tried, in pixels.
        centred: ``centre_ink(pictures)`` if already computed.
        recordings: int array (P,): which recorded drawing each picture is (equal ids, the same
            pen strokes; 0, not known). Pictures may then repeat pixels under different ids.

    Returns:
        The VerifiedGroups.
    """
    started = time.perf_counter()
    pairs = union_of_pairs(candidate_pairs(raw_hashes, threshold), candidate_pairs(centred_hashes, threshold))
    known = np.zeros(len(pictures), dtype=bool) if recordings is None else recordings != 0
    if recordings is not None:
        pairs = pairs[~known[pairs[:, 0]] | ~known[pairs[:, 1]]
                      | (recordings[pairs[:, 0]] == recordings[pairs[:, 1]])]
    count = len(pairs)
    thumbs = thumbnails(pictures, centred_ink(pictures, centred))
    # The quick check runs on every candidate: the ranking needs degrees among plausible pairs only
    # (counted over all candidates, look-alike drawings outrank the originals of copies).
    with ThreadPoolExecutor(_WORKERS) as pool:  # numpy releases the GIL in the gathers and sums
        parts = list(pool.map(lambda start: thumbnail_similarity(thumbs, pairs[start:start + _QUICK_STEP]),
                              range(0, count, _QUICK_STEP)))
    quick = np.concatenate(parts or [np.zeros(0, np.float32)])
    pairs = _by_rank(pairs[quick >= min(QUICK_FLOOR, min_similarity)], known)
    pairs = pairs.astype(np.int32 if len(pictures) < 2**31 else np.int64)  # the rounds below re-read it
    timings = {"candidates": time.perf_counter() - started}
    started = time.perf_counter()
    centres = ink_centres(pictures)
    statistics = shift_statistics(pictures, max_shift)
    anchor = np.arange(len(pictures), dtype=np.int64)
    similarity = np.ones(len(pictures), dtype=np.float32)
    settled = np.zeros(len(pictures), dtype=bool)
    # Edges (better ranked, worse ranked) grouped by their first picture; ``better[j]`` counts the
    # unsettled better-ranked candidates of j, so each edge is touched a bounded number of times
    # however many rounds there are.
    order = np.argsort(pairs[:, 0], kind="stable")
    worse = pairs[order, 1]
    bounds = np.concatenate([[0], np.cumsum(np.bincount(pairs[:, 0], minlength=len(pictures)))])
    better = np.bincount(pairs[:, 1], minlength=len(pictures))
    verified = 0
    while (better[~settled] > 0).any():  # some candidate pair still joins two unsettled pictures
        leads = np.flatnonzero(~settled & (better == 0))
        tested = _edges_from(leads, bounds, worse)
        tested = tested[~settled[tested[:, 1]]]
        score, _ = pixel_similarity(pictures, tested, max_shift, centres=centres, statistics=statistics)
        verified += len(tested)
        _join_best(tested[score >= min_similarity], score[score >= min_similarity], anchor, similarity)
        newly = np.zeros(len(pictures), dtype=bool)
        newly[leads] = True
        newly[anchor != np.arange(len(pictures))] = True
        newly &= ~settled
        settled |= newly
        left = _edges_from(np.flatnonzero(newly), bounds, worse)[:, 1]  # they lose a better-ranked candidate
        better -= np.bincount(left, minlength=len(pictures))
    if recordings is not None:
        verified += _rehome_orphans(pictures, known, anchor, similarity, min_similarity, max_shift, centres,
                                    statistics)
    timings["verification"] = time.perf_counter() - started
    accepted = int((anchor != np.arange(len(pictures))).sum())
    return VerifiedGroups(anchor, similarity, count, verified, accepted, timings)


def _rehome_orphans(pictures: np.ndarray, known: np.ndarray, anchor: np.ndarray, similarity: np.ndarray,
                    min_similarity: float, max_shift: int, centres: np.ndarray, statistics) -> int:
    """Join unrecorded pictures left without a recorded anchor to one whose ink box is the same size.

    The hashes miss some copies of thin bars (their phash bits are noise: a JPEG copy of a CROHME
    '-' lands 6-12 bits from its original), so such a copy ends up alone or in a group of other
    bars' copies. It is verified here against every recorded anchor of its ink box's height and
    width, and joins the best one that passes. A picture whose anchor moved this way, and did not
    move itself, becomes an anchor. Changes ``anchor`` and ``similarity`` in place.

    Returns:
        The number of pairs verified.
    """
    ink = pictures < INK_LEVEL
    key = _extent(ink.any(axis=2)) * (pictures.shape[2] + 1) + _extent(ink.any(axis=1))
    orphans = np.flatnonzero(~known & ~known[anchor])
    targets = np.flatnonzero(known & (anchor == np.arange(len(anchor))))
    order = np.argsort(key[targets], kind="stable")
    targets, target_keys = targets[order], key[targets][order]
    low = np.searchsorted(target_keys, key[orphans], "left")
    count = np.searchsorted(target_keys, key[orphans], "right") - low
    parts = [np.stack([targets[position], orphans[owner]], axis=1)
             for owner, position in _expand_ranges(low, count)]
    pairs = np.concatenate(parts).astype(np.int64) if parts else np.zeros((0, 2), dtype=np.int64)
    score, _ = pixel_similarity(pictures, pairs, max_shift, centres=centres, statistics=statistics)
    before = anchor.copy()
    _join_best(pairs[score >= min_similarity], score[score >= min_similarity], anchor, similarity)
    stranded = (anchor == before) & (anchor[anchor] != anchor)  # their anchor joined another
    anchor[stranded], similarity[stranded] = np.flatnonzero(stranded), 1.0
    return len(pairs)


def _extent(any_ink: np.ndarray) -> np.ndarray:
    """int64 (P,): rows (or columns) from the first to the last holding ink; 0 for a blank picture."""
    first = np.argmax(any_ink, axis=1)
    last = any_ink.shape[1] - 1 - np.argmax(any_ink[:, ::-1], axis=1)
    return np.where(any_ink.any(axis=1), last - first + 1, 0).astype(np.int64)


def centred_ink(pictures: np.ndarray, centred: np.ndarray | None) -> np.ndarray:
    """``centred`` if given, else ``centre_ink(pictures)``."""
    return centre_ink(pictures) if centred is None else centred


def _by_rank(pairs: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Each pair ordered (better ranked, worse ranked).

    Pictures of a known recording first (a known one then never joins an unknown anchor), then more
    candidates, then the lower index.
    """
    count = len(known)
    degree = np.bincount(pairs.ravel(), minlength=count)
    rank = np.empty(count, dtype=np.int64)
    rank[np.lexsort((np.arange(count), -degree, ~known))] = np.arange(count)
    swap = rank[pairs[:, 0]] > rank[pairs[:, 1]]
    return np.where(swap[:, None], pairs[:, ::-1], pairs)


def _edges_from(nodes: np.ndarray, bounds: np.ndarray, worse: np.ndarray) -> np.ndarray:
    """Every edge leaving ``nodes`` as rows ``(node, worse-ranked picture)``: int64 (M, 2).

    Node n's edges are ``worse[bounds[n]:bounds[n + 1]]``.
    """
    parts = [np.stack([nodes[owner], worse[position]], axis=1)
             for owner, position in _expand_ranges(bounds[nodes], bounds[nodes + 1] - bounds[nodes])]
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros((0, 2), dtype=np.int64)


def _join_best(pairs: np.ndarray, score: np.ndarray, anchor: np.ndarray, similarity: np.ndarray) -> None:
    """Join each pair's second picture to its best-scoring anchor (first picture), in place."""
    if not len(pairs):
        return
    order = np.lexsort((-score, pairs[:, 1]))
    member, first = np.unique(pairs[order, 1], return_index=True)
    anchor[member] = pairs[order, 0][first]
    similarity[member] = score[order][first]
