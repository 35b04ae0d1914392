"""Duplicate finding: exact and perceptual hashes, near-duplicate search, groups, leakage.

Hashes match imagehash bit for bit; the search and grouping scale to the Kaggle set's ~376k images.
"""

from mathdash.dedup.groups import DEFAULT_THRESHOLD, find_duplicate_groups, remove_duplicates
from mathdash.dedup.hashing import (
    DEFAULT_METHOD,
    HASH_METHODS,
    exact_digests,
    hamming_distance,
    hash_distinct_images,
    hash_images,
)
from mathdash.dedup.leakage import (
    LeakageReport,
    find_leakage,
    leakage_from_hashes,
    random_split,
    split_leakage,
)
from mathdash.dedup.report import DuplicateReport
from mathdash.dedup.search import brute_force_pairs, find_cross_pairs, find_pairs

__all__ = [
    "DEFAULT_METHOD",
    "DEFAULT_THRESHOLD",
    "HASH_METHODS",
    "DuplicateReport",
    "LeakageReport",
    "brute_force_pairs",
    "exact_digests",
    "find_cross_pairs",
    "find_duplicate_groups",
    "find_leakage",
    "find_pairs",
    "hamming_distance",
    "hash_distinct_images",
    "hash_images",
    "leakage_from_hashes",
    "random_split",
    "remove_duplicates",
    "split_leakage",
]
