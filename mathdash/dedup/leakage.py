"""Leakage between a training set and a test set: which test images have a duplicate in training.

A test image with a near copy in training inflates test accuracy; this counts them, for two
separate sources (a train folder and a test folder) or for a split of one dataset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mathdash.dedup.groups import DEFAULT_THRESHOLD
from mathdash.dedup.hashing import (
    DEFAULT_METHOD,
    Progress,
    exact_digests,
    hamming_distance,
    hash_distinct_images,
    hash_images,
)
from mathdash.dedup.search import find_cross_pairs
from mathdash.dedup.verified import CANDIDATE_THRESHOLD
from mathdash.dedup.verify import DEFAULT_MIN_SIMILARITY, centre_ink, pixel_similarity
from mathdash.errors import ConfigError


@dataclass
class LeakageReport:
    """Test images that have a duplicate in the training images.

    Attributes:
        method: hash method used.
        threshold: largest Hamming distance counted as a duplicate.
        n_train: number of training images searched.
        n_test: number of test images checked.
        test_indices: int64 array (K,), the leaking test images, ascending.
        train_indices: int64 array (K,), for each, its closest training image (lowest index on ties).
        distances: int64 array (K,), the Hamming distance between the two hashes.
        similarities: float32 array (K,), the pixel correlation of each match (verified leakage
            only; None for hash-only leakage).
    """

    method: str
    threshold: int
    n_train: int
    n_test: int
    test_indices: np.ndarray
    train_indices: np.ndarray
    distances: np.ndarray
    similarities: np.ndarray | None = None

    @property
    def count(self) -> int:
        """How many test images have a duplicate in training."""
        return len(self.test_indices)

    @property
    def fraction(self) -> float:
        """Share of the test images that leak (0.0 for an empty test set)."""
        return self.count / self.n_test if self.n_test else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: counts and one ``{"test", "train", "distance"}`` row per leaking test image."""
        return {
            "method": self.method,
            "threshold": self.threshold,
            "train_images": self.n_train,
            "test_images": self.n_test,
            "leaking_test_images": self.count,
            "fraction": round(self.fraction, 6),
            "matches": [self._match(k) for k in range(self.count)],
        }

    def _match(self, k: int) -> dict[str, Any]:
        match = {"test": int(self.test_indices[k]), "train": int(self.train_indices[k]),
                 "distance": int(self.distances[k])}
        if self.similarities is not None:
            match["similarity"] = round(float(self.similarities[k]), 4)
        return match


def find_leakage(train_images: np.ndarray, test_images: np.ndarray, method: str = DEFAULT_METHOD,
                 threshold: int = DEFAULT_THRESHOLD, progress: Progress | None = None) -> LeakageReport:
    """Which test images have a duplicate (within ``threshold`` bits) among the training images.

    Args:
        train_images: uint8 array (N, H, W).
        test_images: uint8 array (M, H, W).
        method: hash method, one of ``mathdash.dedup.HASH_METHODS``.
        threshold: largest Hamming distance counted as a duplicate.
        progress: optional ``progress(done, total, message)`` for hashing.

    Returns:
        A LeakageReport with indices into ``test_images`` and ``train_images``.
    """
    train_hashes = hash_distinct_images(train_images, method, progress=progress)
    test_hashes = hash_distinct_images(test_images, method, progress=progress)
    return leakage_from_hashes(train_hashes, test_hashes, threshold, method)


def leakage_from_hashes(train_hashes: np.ndarray, test_hashes: np.ndarray, threshold: int,
                        method: str = DEFAULT_METHOD) -> LeakageReport:
    """``find_leakage`` on precomputed uint64 hashes, train (N,) and test (M,)."""
    # Search between distinct hash values only: heavily duplicated sets would otherwise yield
    # millions of equivalent pairs.
    train_values, train_first = np.unique(train_hashes, return_index=True)
    test_values, test_value_of = np.unique(test_hashes, return_inverse=True)
    pairs = find_cross_pairs(test_values, train_values, threshold)
    distance = hamming_distance(test_values[pairs[:, 0]], train_values[pairs[:, 1]])
    closest_train = train_first[pairs[:, 1]]
    order = np.lexsort((closest_train, distance, pairs[:, 0]))  # per test value: nearest, then lowest
    matched_value, first = np.unique(pairs[order, 0], return_index=True)
    best_train = np.full(len(test_values), -1, dtype=np.int64)
    best_distance = np.zeros(len(test_values), dtype=np.int64)
    best_train[matched_value] = closest_train[order][first]
    best_distance[matched_value] = distance[order][first]
    leaking = np.flatnonzero(best_train[test_value_of] >= 0)
    return LeakageReport(
        method=method, threshold=int(threshold), n_train=len(train_hashes), n_test=len(test_hashes),
        test_indices=leaking.astype(np.int64), train_indices=best_train[test_value_of][leaking],
        distances=best_distance[test_value_of][leaking],
    )


def verified_leakage(train_images: np.ndarray, test_images: np.ndarray, train_hashes: np.ndarray,
                     test_hashes: np.ndarray, threshold: int = CANDIDATE_THRESHOLD,
                     min_similarity: float = DEFAULT_MIN_SIMILARITY,
                     method: str = DEFAULT_METHOD) -> LeakageReport:
    """Test images whose pixels match a training image's (after the best shift of up to 2 pixels).

    Candidates are the pairs whose raw or ink-centred hashes lie within ``threshold`` bits; each is
    verified as ``mathdash.dedup.find_duplicate_groups`` verifies in its default mode.

    Args:
        train_images: uint8 array (N, H, W); train_hashes: uint64 (N,), their ``method`` hashes.
        test_images: uint8 array (M, H, W); test_hashes: uint64 (M,).
        threshold: Hamming distance of candidate pairs.
        min_similarity: smallest pixel correlation that counts as a duplicate.
        method: the hash method of the given hashes (also used for the centred images).

    Returns:
        A LeakageReport; ``similarities`` holds each match's correlation, the best training match.
    """
    _, first = np.unique(exact_digests(train_images), return_index=True)  # each train picture once
    pictures = train_images[first]
    candidates = [find_cross_pairs(test_hashes, train_hashes[first], threshold),
                  find_cross_pairs(hash_images(centre_ink(test_images), method),
                                   hash_images(centre_ink(pictures), method), threshold)]
    pairs = np.unique(np.concatenate(candidates), axis=0)
    joined = np.concatenate([test_images, pictures])
    score, _ = pixel_similarity(joined, np.stack([pairs[:, 0], pairs[:, 1] + len(test_images)], axis=1))
    pairs, score = pairs[score >= min_similarity], score[score >= min_similarity]
    order = np.lexsort((-score, pairs[:, 0]))  # per test image: the best match first
    leaking, best = np.unique(pairs[order, 0], return_index=True)
    train = first[pairs[order, 1][best]]
    return LeakageReport(
        method=method, threshold=int(threshold), n_train=len(train_images), n_test=len(test_images),
        test_indices=leaking.astype(np.int64), train_indices=train.astype(np.int64),
        distances=hamming_distance(test_hashes[leaking], train_hashes[train]),
        similarities=score[order][best].astype(np.float32),
    )


def group_leakage(group: np.ndarray, train_index: np.ndarray, test_index: np.ndarray,
                  threshold: int, method: str = DEFAULT_METHOD) -> LeakageReport:
    """Leakage across a split of one dataset from its duplicate groups: a test image leaks when its
    group has a training member (the first one is named). Indices in the dataset's numbering.

    Args:
        group: int64 array (N,), ``DuplicateReport.group``.
        train_index, test_index: int arrays of the training and test rows.
        threshold, method: recorded in the report.
    """
    train_index, test_index = np.asarray(train_index, dtype=np.int64), np.asarray(test_index, dtype=np.int64)
    first_train = np.full(int(group.max()) + 1 if len(group) else 0, -1, dtype=np.int64)
    ascending = np.sort(train_index)
    groups, first = np.unique(group[ascending], return_index=True)  # the first of each is the lowest
    first_train[groups] = ascending[first]
    test_index = np.sort(test_index)
    partner = first_train[group[test_index]]
    leaking = partner >= 0
    return LeakageReport(method=method, threshold=int(threshold), n_train=len(train_index),
                         n_test=len(test_index), test_indices=test_index[leaking],
                         train_indices=partner[leaking], distances=np.zeros(int(leaking.sum()), np.int64))


def split_leakage(hashes: np.ndarray, train_index: np.ndarray, test_index: np.ndarray, threshold: int,
                  method: str = DEFAULT_METHOD) -> LeakageReport:
    """Leakage across a split of one dataset, indices reported in the dataset's own numbering.

    Args:
        hashes: uint64 array (N,), the hashes of the whole dataset.
        train_index: int array of the training rows.
        test_index: int array of the test rows.
        threshold: largest Hamming distance counted as a duplicate.
        method: the hash method ``hashes`` came from (recorded in the report).
    """
    train_index, test_index = np.asarray(train_index, dtype=np.int64), np.asarray(test_index, dtype=np.int64)
    if np.intersect1d(train_index, test_index).size:
        raise ConfigError("train and test rows overlap; a split must put each image on one side")
    local = leakage_from_hashes(hashes[train_index], hashes[test_index], threshold, method)
    order = np.argsort(test_index[local.test_indices], kind="stable")
    local.test_indices = test_index[local.test_indices][order]
    local.train_indices = train_index[local.train_indices][order]
    local.distances = local.distances[order]
    return local


def random_split(count: int, test_fraction: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A naive random split ignoring duplicates: (train rows, test rows), each ascending."""
    if not 0.0 < test_fraction < 1.0:
        raise ConfigError(f"test_fraction must lie strictly between 0 and 1, got {test_fraction}")
    shuffled = np.random.default_rng(seed).permutation(count)
    test_size = int(round(count * test_fraction))
    return np.sort(shuffled[test_size:]), np.sort(shuffled[:test_size])
