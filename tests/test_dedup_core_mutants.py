"""Search strategy, hashing, resizing and grouping in detail: which search runs, step sizes, hash inputs
and messages, digests, timings, defaults per mode and the errors that name what was wrong.

Written to kill the mutants ``benchmarks/mutation.py`` found alive in ``mathdash/dedup/search.py``,
``hashing.py``, ``resample.py`` and ``groups.py``; the broad behaviour is in the other dedup tests.
"""

import hashlib
import time

import imagehash
import numpy as np
import pytest
from PIL import Image

import mathdash.dedup.groups as groups_module
import mathdash.dedup.search as search
from dedup_support import drawings
from mathdash.dataset import Dataset
from mathdash.dedup import (
    CANDIDATE_THRESHOLD,
    DEFAULT_THRESHOLD,
    exact_digests,
    find_duplicate_groups,
    find_pairs,
    hamming_distance,
    hash_distinct_images,
    hash_images,
    remove_duplicates,
)
from mathdash.dedup.resample import resize_lanczos
from mathdash.errors import ConfigError, DatasetError


def reference_pairs(hashes: np.ndarray, threshold: int) -> list[list[int]]:
    return [[i, j] for i in range(len(hashes)) for j in range(i + 1, len(hashes))
            if bin(int(hashes[i]) ^ int(hashes[j])).count("1") <= threshold]


def spread_hashes(count: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2**64, count, dtype=np.uint64, endpoint=False)


def grouped(*sizes: int) -> np.ndarray:
    """Hashes in groups of equal values (``sizes`` of them), each group far from the others."""
    values = [np.uint64(0xFF << (8 * k)) for k in range(len(sizes))]
    return np.array([value for value, size in zip(values, sizes) for _ in range(size)], dtype=np.uint64)


def test_auto_search_runs_the_index_on_spread_hashes_and_brute_force_on_crowded_ones(monkeypatch):
    spread, crowded = spread_hashes(200, seed=1), grouped(30, 30)

    def refuse(*args):
        raise AssertionError("the other strategy ran")

    with monkeypatch.context() as patch:
        patch.setattr(search, "_brute_force_pairs", refuse)
        for strategy in ("auto", "index"):
            assert find_pairs(spread, 4, strategy=strategy).tolist() == reference_pairs(spread, 4)
    with monkeypatch.context() as patch:
        patch.setattr(search, "_index_pairs", refuse)
        for strategy in ("auto", "brute"):
            assert len(find_pairs(crowded, 0, strategy=strategy)) == 2 * 30 * 29 // 2
    strategies = r"^unknown search strategy 'fast'; choose one of auto, index, brute$"
    with pytest.raises(ConfigError, match=strategies):
        find_pairs(spread, 2, strategy="fast")


def test_the_strategy_turns_to_brute_force_past_a_fifth_of_all_pairs():
    # Ten hashes, 45 pairs: more than 9 candidates (pairs sharing a chunk) go to brute force.
    assert search._choose_strategy(grouped(4, 3, 1, 1, 1), 0) == "index"  # 6 + 3 = 9 candidates
    assert search._choose_strategy(grouped(5, 1, 1, 1, 1, 1), 0) == "brute"  # 10
    assert search._choose_strategy(grouped(4, 2, 2, 1, 1), 0) == "index"  # 8
    # At threshold 1 the two chunks (even bits, odd bits) are counted together.
    odd_bits = [sum(((k >> j) & 1) << (2 * j + 1) for j in range(4)) for k in range(10)]
    even_shared = np.array([0x5555 | odd for odd in odd_bits], dtype=np.uint64)  # only odd bits differ
    assert search._choose_strategy(even_shared, 1) == "brute"  # 45 candidates in the even chunk, 0 in the odd
    assert search._choose_strategy(spread_hashes(10, seed=2), 1) == "index"
    assert search._choose_strategy(spread_hashes(10, seed=2), 64) == "brute"  # every pair matches
    assert search._choose_strategy(spread_hashes(1, seed=2), 2) == "brute"  # no pair at all


def test_small_steps_give_the_same_pairs(monkeypatch):
    hashes = np.concatenate([grouped(9, 6), spread_hashes(20, seed=3)])
    expected = reference_pairs(hashes, 3)
    monkeypatch.setattr(search, "_PAIR_BUDGET", 5)  # one bucket of 9 holds more pairs than a step
    for strategy in ("index", "brute"):
        assert find_pairs(hashes, 3, strategy=strategy).tolist() == expected
    queries = hashes[::3]
    cross = search.find_cross_pairs(queries, hashes, 3).tolist()
    assert cross == [[q, r] for q in range(len(queries)) for r in range(len(hashes))
                     if bin(int(queries[q]) ^ int(hashes[r])).count("1") <= 3]


def test_an_empty_hash_set_has_no_pairs():
    for strategy in ("brute", "auto"):
        pairs = find_pairs(np.zeros(0, np.uint64), 2, strategy=strategy)
        assert pairs.shape == (0, 2) and pairs.dtype == np.int64


def test_hamming_distance_takes_signed_hashes_and_returns_int64():
    signed = np.array([-1, 0, 5], dtype=np.int64)  # -1 holds all 64 bits set
    unsigned = np.array([0, 0, 6], dtype=np.uint64)
    for a, b in [(signed, unsigned), (unsigned, signed)]:
        distance = hamming_distance(a, b)
        assert distance.tolist() == [64, 0, 2] and distance.dtype == np.int64


def test_exact_digests_are_blake2b_128_of_the_pixels_whatever_the_frame():
    images = np.random.default_rng(4).integers(0, 256, (3, 20, 31), dtype=np.uint8)
    digests = exact_digests(images)
    assert digests.dtype == np.dtype("S16")
    assert digests.tolist() == [hashlib.blake2b(image.tobytes(), digest_size=16).digest() for image in images]
    assert exact_digests(np.zeros((0, 45, 45), np.uint8)).dtype == np.dtype("S16")


def test_wavelet_hash_of_a_wide_picture_equals_imagehash():
    images = np.random.default_rng(5).integers(0, 256, (2, 40, 70), dtype=np.uint8)
    expected = [int(str(imagehash.whash(Image.fromarray(image))), 16) for image in images]
    assert hash_images(images, "whash").tolist() == expected


def test_hash_errors_name_the_problem():
    methods = r"^unknown hash method 'md5'; choose one of phash, dhash, ahash, whash$"
    with pytest.raises(ConfigError, match=methods):
        hash_images(drawings(1, seed=1), "md5")
    with pytest.raises(ConfigError, match=r"^hash_size must be 2\.\.8 \(64-bit hashes\), got 9$"):
        hash_images(drawings(1, seed=1), hash_size=9)
    with pytest.raises(ConfigError, match=r"^whash needs a power-of-two hash_size \(2, 4, 8\), got 6$"):
        hash_images(drawings(1, seed=1), "whash", hash_size=6)
    floats = r"^images must be a uint8 array \(N, H, W\), got float32 \(1, 45, 45\)$"
    with pytest.raises(DatasetError, match=floats):
        hash_images(drawings(1, seed=1).astype(np.float32))
    with pytest.raises(DatasetError, match=r"^images must be a uint8 array \(N, H, W\), got <class 'list'>$"):
        hash_images([[1]])
    with pytest.raises(DatasetError, match=r"^digests must have shape \(2,\), got \(1,\)$"):
        hash_distinct_images(drawings(2, seed=1), digests=exact_digests(drawings(1, seed=1)))


def test_hashing_progress_names_the_method():
    calls = []
    hash_images(drawings(3, seed=6), "dhash", progress=lambda *args: calls.append(args))
    assert calls == [(3, 3, "dhash hashes")]
    calls.clear()
    find_duplicate_groups(drawings(3, seed=6), progress=lambda *args: calls.append(args))
    assert calls == [(3, 3, "phash hashes")]


def test_resize_returns_uint8():
    images = np.random.default_rng(7).integers(0, 256, (2, 45, 45), dtype=np.uint8)
    assert resize_lanczos(images, 8, 8).dtype == np.uint8


def test_each_mode_has_its_own_default_threshold():
    images = drawings(3, seed=8)
    assert find_duplicate_groups(images).threshold == CANDIDATE_THRESHOLD == 4
    assert find_duplicate_groups(images, mode="hash").threshold == DEFAULT_THRESHOLD == 0


def test_min_similarity_must_be_a_number_in_zero_to_one():
    images = drawings(2, seed=9)
    assert find_duplicate_groups(images, min_similarity=1.0).min_similarity == 1.0
    for bad in (0.0, True, "0.5", 1.01):
        with pytest.raises(ConfigError, match="^min_similarity must be a number in"):
            find_duplicate_groups(images, min_similarity=bad)
    with pytest.raises(ConfigError, match=r"^unknown dedup mode 'fuzzy'; choose one of verified, hash$"):
        find_duplicate_groups(images, mode="fuzzy")


def test_min_similarity_reaches_the_verification():
    thin = np.full((45, 45), 255, np.uint8)
    thin[20:23, 10:30] = 10
    thick = thin.copy()
    thick[20:26, 10:30] = 10  # pixel correlation with the thin bar about 0.7
    images = np.stack([thin, thick])
    assert find_duplicate_groups(images, threshold=64).n_kept == 2  # every pair a candidate
    assert find_duplicate_groups(images, threshold=64, min_similarity=0.5).n_kept == 1


def test_verified_mode_hashes_the_centred_pictures_with_the_chosen_method(monkeypatch):
    methods = []
    real = groups_module.hash_images
    monkeypatch.setattr(groups_module, "hash_images",
                        lambda images, method="phash", *args: methods.append(method) or real(images, method))
    find_duplicate_groups(drawings(3, seed=10), method="dhash")
    assert methods == ["dhash"]


def test_stage_timings_are_positive_and_add_up_to_the_call():
    images = drawings(6, seed=11)
    for mode, hashes in [("verified", None), ("verified", hash_images(images)), ("hash", None)]:
        started = time.perf_counter()
        report = find_duplicate_groups(images, mode=mode, hashes=hashes)
        wall = time.perf_counter() - started
        assert all(0 <= seconds for seconds in report.timings.values()), report.timings
        assert sum(report.timings.values()) <= wall + 1e-3


def test_hash_mode_joins_exact_copies_whatever_the_hashes_say():
    images = drawings(4, seed=12)
    images[3] = images[0]
    hashes = np.array([0, 1 << 10, 0xFFFF << 30, (1 << 60) - 2], dtype=np.uint64)  # 0 and 3 far apart
    report = find_duplicate_groups(images, hashes=hashes, threshold=0, mode="hash")
    assert report.group.tolist() == [0, 1, 2, 0]


def test_digests_and_hashes_given_must_match_the_images():
    images = drawings(3, seed=13)
    report = find_duplicate_groups(images, digests=exact_digests(images))
    assert report.n_images == 3
    with pytest.raises(DatasetError, match=r"^digests must have shape \(3,\), got \(2,\)$"):
        find_duplicate_groups(images, digests=exact_digests(images)[:2])
    with pytest.raises(DatasetError, match=r"^hashes must have shape \(3,\), got \(4,\)$"):
        find_duplicate_groups(images, hashes=np.zeros(4, np.uint64))
    with pytest.raises(DatasetError, match=r"^labels must have shape \(3,\), got \(2,\)$"):
        find_duplicate_groups(images, labels=[0, 1])


def test_bad_image_arrays_and_labels_are_named():
    message = r"^expected a Dataset or a uint8 image array \(N, H, W\)$"
    for bad in (drawings(1, seed=14)[0], drawings(1, seed=14).astype(np.float32), [[0]]):
        with pytest.raises(DatasetError, match=message):
            find_duplicate_groups(bad)
    with pytest.raises(DatasetError, match=r"^labels must be class indices >= 0$"):
        find_duplicate_groups(drawings(2, seed=14), labels=[0, -1])
    dataset = Dataset(drawings(2, seed=14), np.array([0, 1]), ["a", "b"], ["x", "y"])
    twice = "^pass labels only with a bare image array; a Dataset carries its own$"
    with pytest.raises(ConfigError, match=twice):
        find_duplicate_groups(dataset, labels=[0, 1])
    with pytest.raises(ConfigError, match=twice.replace("labels", "recordings")):
        find_duplicate_groups(dataset, recordings=np.array(["r1", "r2"]))


def test_bare_arrays_get_one_class_name_per_label_seen():
    images = drawings(3, seed=15)
    assert find_duplicate_groups(images, labels=[0, 2, 1]).class_names == ["0", "1", "2"]
    assert find_duplicate_groups(images).class_names == ["0"]
    assert find_duplicate_groups(np.zeros((0, 45, 45), np.uint8)).class_names == ["0"]


def test_the_cleaned_dataset_is_named_after_the_original():
    images = drawings(3, seed=16)
    dataset = Dataset(np.concatenate([images, images[:1]]), np.zeros(4, np.int64), ["a"],
                      [f"f{i}" for i in range(4)], name="tiny")
    cleaned = remove_duplicates(dataset, find_duplicate_groups(dataset))
    assert cleaned.name == "tiny (deduplicated)" and len(cleaned) == 3


def test_group_leakage_names_the_first_training_member_of_each_test_images_group():
    from mathdash.dedup import group_leakage

    group = np.array([0, 1, 0, 2, 1, 3, 0, 2])  # groups {0, 2, 6}, {1, 4}, {3, 7}, {5}
    for cast in (np.int32, list):
        report = group_leakage(np.array(group), cast(np.array([2, 4, 6])), cast(np.array([7, 0, 1, 5])), 4,
                               "dhash")
        assert report.test_indices.tolist() == [0, 1] and report.train_indices.tolist() == [2, 4]
        assert report.distances.tolist() == [0, 0] and report.distances.dtype == np.int64
        assert (report.n_train, report.n_test, report.threshold, report.method) == (3, 4, 4, "dhash")
    unsorted = group_leakage(np.array(group), np.array([6, 4, 2]), np.array([0, 1]), 4)
    assert unsorted.train_indices.tolist() == [2, 4]  # the lowest member, in whatever order given
    assert group_leakage(np.array(group), [0], [1], 0).method == "phash"
    empty = group_leakage(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), 0)
    assert (empty.n_test, len(empty.test_indices)) == (0, 0)
