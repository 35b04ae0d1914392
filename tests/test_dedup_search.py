"""Near-duplicate search against a plain all-pairs loop, on random clustered hash sets."""

import numpy as np
import pytest

from mathdash.dedup import brute_force_pairs, find_cross_pairs, find_pairs
from mathdash.errors import ConfigError


def clustered_hashes(count: int, seed: int, max_flips: int = 14) -> np.ndarray:
    """Random 64-bit centres, each sample one centre with 0..max_flips random bits flipped."""
    rng = np.random.default_rng(seed)
    centres = rng.integers(0, 2**64, size=max(1, count // 5), dtype=np.uint64, endpoint=False)
    hashes = centres[rng.integers(0, len(centres), count)]
    for k in range(count):
        for bit in rng.choice(64, rng.integers(0, max_flips + 1), replace=False):
            hashes[k] ^= np.uint64(1) << np.uint64(bit)
    return hashes


def reference_pairs(a: np.ndarray, b: np.ndarray | None, threshold: int) -> np.ndarray:
    """(i, j) with popcount(a[i] ^ b[j]) <= threshold, by a Python loop; within one set, i < j."""
    same = b is None
    b = a if same else b
    rows = [(i, j) for i in range(len(a)) for j in range(i + 1 if same else 0, len(b))
            if bin(int(a[i]) ^ int(b[j])).count("1") <= threshold]
    return np.array(rows, dtype=np.int64).reshape(-1, 2)


@pytest.fixture(scope="module")
def hash_sets() -> list[np.ndarray]:
    return [clustered_hashes(260, seed) for seed in range(3)]


@pytest.mark.parametrize("threshold", [0, 1, 2, 4, 6, 10, 12, 20, 32, 63, 64])
def test_find_pairs_equals_all_pairs_loop(hash_sets, threshold):
    for hashes in hash_sets:
        expected = reference_pairs(hashes, None, threshold)
        for strategy in ["index", "brute", "auto"]:
            np.testing.assert_array_equal(find_pairs(hashes, threshold, strategy=strategy), expected)


def test_sets_have_pairs_at_small_and_large_thresholds(hash_sets):
    # Guards the test above against comparing empty answers only.
    hashes = hash_sets[0]
    assert 0 < len(reference_pairs(hashes, None, 0)) < len(reference_pairs(hashes, None, 6))
    assert len(reference_pairs(hashes, None, 64)) == len(hashes) * (len(hashes) - 1) // 2


def test_repeated_hash_values_pair_with_each_other():
    hashes = np.array([7, 7, 7, 8], dtype=np.uint64)
    np.testing.assert_array_equal(find_pairs(hashes, 0), [[0, 1], [0, 2], [1, 2]])


@pytest.mark.parametrize("threshold", [0, 3, 8, 64])
def test_cross_pairs_equal_all_pairs_loop(threshold):
    hashes = clustered_hashes(300, seed=7)
    queries, references = hashes[:90], hashes[90:]
    expected = reference_pairs(queries, references, threshold)
    np.testing.assert_array_equal(find_cross_pairs(queries, references, threshold), expected)


def test_brute_force_pairs_is_the_loop():
    hashes = clustered_hashes(150, seed=11)
    np.testing.assert_array_equal(brute_force_pairs(hashes, 5), reference_pairs(hashes, None, 5))


def test_index_examines_fewer_pairs_than_all_on_spread_hashes():
    # Large uniform set: the pigeonhole index must not fall back to comparing all pairs.
    hashes = np.random.default_rng(0).integers(0, 2**63, 5000, dtype=np.uint64)
    from mathdash.dedup.search import _choose_strategy

    assert _choose_strategy(hashes, 4) == "index"
    np.testing.assert_array_equal(find_pairs(hashes, 4, "index"), brute_force_pairs(hashes, 4))


@pytest.mark.parametrize("strategy", ["auto", "index", "brute"])
@pytest.mark.parametrize("hashes", [np.zeros(0, np.uint64), np.array([5], np.uint64)])
def test_fewer_than_two_hashes_give_no_pairs(hashes, strategy):
    assert find_pairs(hashes, 3, strategy=strategy).shape == (0, 2)


@pytest.mark.parametrize("threshold", [-1, 2.5, True])
def test_bad_threshold_raises(threshold):
    with pytest.raises(ConfigError, match="threshold"):
        find_pairs(np.zeros(3, np.uint64), threshold)


def test_wrong_dtype_and_unknown_strategy_raise():
    with pytest.raises(ConfigError, match="uint64"):
        find_pairs(np.zeros(3, np.int64), 1)
    with pytest.raises(ConfigError, match="strategy"):
        find_pairs(np.zeros(3, np.uint64), 1, strategy="bk-tree")
