"""Leakage: which test images have a duplicate in training, for two sets or a split of one."""

import json

import numpy as np
import pytest

from mathdash.dedup import find_leakage, leakage_from_hashes, random_split, split_leakage
from mathdash.errors import ConfigError


def distinct_images(count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (count, 45, 45), dtype=np.uint8)


def test_test_images_copied_from_train_are_found_with_their_match():
    train = distinct_images(20, seed=1)
    test = distinct_images(8, seed=2)
    test[2] = train[5]
    test[6] = train[11]
    report = find_leakage(train, test, threshold=0)
    assert report.count == 2 and report.n_test == 8 and report.n_train == 20
    np.testing.assert_array_equal(report.test_indices, [2, 6])
    np.testing.assert_array_equal(report.train_indices, [5, 11])
    np.testing.assert_array_equal(report.distances, [0, 0])
    assert report.fraction == pytest.approx(0.25)


def test_closest_training_match_is_reported_lowest_index_on_ties():
    train = np.array([0b0110, 0b0100, 0b0011, 0b0001], dtype=np.uint64)
    test = np.array([0b0000, (2**20 - 1) << 30], dtype=np.uint64)
    report = leakage_from_hashes(train, test, threshold=2)
    np.testing.assert_array_equal(report.test_indices, [0])
    np.testing.assert_array_equal(report.train_indices, [1])  # distance 1; index 3 ties, 1 is lower
    np.testing.assert_array_equal(report.distances, [1])


def test_split_leakage_reports_dataset_indices():
    hashes = np.array([10, 20 << 20, 10, 30 << 40, 20 << 20, 40 << 50], dtype=np.uint64)
    report = split_leakage(hashes, train_index=[0, 1, 5], test_index=[4, 3, 2], threshold=0)
    np.testing.assert_array_equal(report.test_indices, [2, 4])
    np.testing.assert_array_equal(report.train_indices, [0, 1])
    data = json.loads(json.dumps(report.to_dict()))
    assert data["leaking_test_images"] == 2
    assert data["matches"][0] == {"test": 2, "train": 0, "distance": 0}


def test_overlapping_split_is_refused():
    with pytest.raises(ConfigError, match="overlap"):
        split_leakage(np.zeros(4, np.uint64), [0, 1, 2], [2, 3], threshold=0)


def test_random_split_covers_every_row_once():
    train, test = random_split(101, test_fraction=0.2, seed=4)
    assert len(test) == 20 and len(train) == 81
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(101))
    with pytest.raises(ConfigError):
        random_split(10, test_fraction=1.0)


def test_no_leakage_between_unrelated_sets():
    report = find_leakage(distinct_images(10, seed=5), distinct_images(10, seed=6), threshold=0)
    assert report.count == 0 and report.fraction == 0.0
    empty = find_leakage(distinct_images(3), np.zeros((0, 45, 45), np.uint8))
    assert empty.count == 0 and empty.fraction == 0.0
