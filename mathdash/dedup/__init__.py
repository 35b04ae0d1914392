"""Duplicate finding: exact and perceptual hashes, near-duplicate search, pixel verification, groups, leakage.

Hashes match imagehash bit for bit; hash candidates are verified by pixel correlation (the default)
or taken as they are; the search and grouping scale to the Kaggle set's ~376k images.
"""

from mathdash.dedup.groups import (
    DEFAULT_MODE,
    DEFAULT_THRESHOLD,
    MODES,
    find_duplicate_groups,
    remove_duplicates,
)
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
    group_leakage,
    leakage_from_hashes,
    random_split,
    split_leakage,
    verified_leakage,
)
from mathdash.dedup.report import DuplicateReport
from mathdash.dedup.search import brute_force_pairs, find_cross_pairs, find_pairs
from mathdash.dedup.verified import CANDIDATE_THRESHOLD
from mathdash.dedup.verify import DEFAULT_MAX_SHIFT, DEFAULT_MIN_SIMILARITY, centre_ink, pixel_similarity

__all__ = [
    "CANDIDATE_THRESHOLD",
    "DEFAULT_MAX_SHIFT",
    "DEFAULT_METHOD",
    "DEFAULT_MIN_SIMILARITY",
    "DEFAULT_MODE",
    "DEFAULT_THRESHOLD",
    "HASH_METHODS",
    "MODES",
    "DuplicateReport",
    "LeakageReport",
    "brute_force_pairs",
    "centre_ink",
    "exact_digests",
    "find_cross_pairs",
    "find_duplicate_groups",
    "find_leakage",
    "group_leakage",
    "find_pairs",
    "hamming_distance",
    "hash_distinct_images",
    "hash_images",
    "leakage_from_hashes",
    "pixel_similarity",
    "random_split",
    "remove_duplicates",
    "split_leakage",
    "verified_leakage",
]
