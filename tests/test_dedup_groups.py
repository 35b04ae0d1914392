"""Duplicate groups: hash mode's transitivity, kept representatives, label conflicts, counts, cleaning."""

import json

import numpy as np
import pytest

from mathdash.dataset import Dataset
from mathdash.dedup import DEFAULT_THRESHOLD, find_duplicate_groups, remove_duplicates
from mathdash.errors import ConfigError, DatasetError


def distinct_images(count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (count, 45, 45), dtype=np.uint8)


def stroke_images(count: int, seed: int = 0) -> np.ndarray:
    """White images with 2-3 random dark pen strokes each."""
    rng = np.random.default_rng(seed)
    images = np.full((count, 45, 45), 255, np.uint8)
    for image in images:
        for _ in range(rng.integers(2, 4)):
            (x0, y0, x1, y1), pen = rng.integers(4, 41, 4), int(rng.integers(2, 4))
            for s in np.linspace(0.0, 1.0, 120):
                x, y = int(x0 + s * (x1 - x0)), int(y0 + s * (y1 - y0))
                image[y - pen:y + pen, x - pen:x + pen] = 20
    return images


def bits(*positions: int) -> np.uint64:
    return np.uint64(sum(1 << p for p in positions))


def test_chain_a_b_c_forms_one_group_though_a_and_c_are_far():
    images = distinct_images(4)
    # A=0, B differs from A in 3 bits, C from B in 3 more: d(A,C) = 6 > threshold 3.
    hashes = np.array([0, bits(0, 1, 2), bits(0, 1, 2, 3, 4, 5), bits(*range(40, 60))], dtype=np.uint64)
    report = find_duplicate_groups(images, hashes=hashes, threshold=3, mode="hash")
    np.testing.assert_array_equal(report.group, [0, 0, 0, 1])
    assert [list(g) for g in report.groups] == [[0, 1, 2]]
    np.testing.assert_array_equal(report.distance_to_representative, [0, 3, 6, 0])
    np.testing.assert_array_equal(report.keep, [True, False, False, True])
    assert report.n_kept == 2 and report.n_removed == 2


def test_representative_is_first_image_of_the_majority_class():
    images = distinct_images(6)
    hashes = np.array([1, 1, 1, 9 << 20, 9 << 20, 5 << 40], dtype=np.uint64)
    labels = np.array([2, 0, 0, 1, 0, 3])
    report = find_duplicate_groups(images, labels, hashes=hashes, threshold=0, mode="hash")
    # Group {0,1,2}: class 0 has two of three -> keep 1. Group {3,4}: a tie -> lower class 0 -> keep 4.
    np.testing.assert_array_equal(np.flatnonzero(report.keep), [1, 4, 5])
    np.testing.assert_array_equal(report.representative, [1, 1, 1, 4, 4, 5])


def test_label_conflicts_listed_and_labels_never_changed():
    images = distinct_images(5)
    hashes = np.array([3, 3, 3, 7 << 30, 7 << 30], dtype=np.uint64)
    dataset = Dataset(images, np.array([0, 1, 1, 2, 2]), ["a", "b", "c"], [f"f{i}.png" for i in range(5)])
    report = find_duplicate_groups(dataset, hashes=hashes, threshold=0, mode="hash")
    assert [list(c) for c in report.conflicts] == [[0, 1, 2]]
    assert report.counts_before == {"a": 1, "b": 2, "c": 2}
    assert report.counts_after == {"a": 0, "b": 1, "c": 1}
    cleaned = remove_duplicates(dataset, report)
    assert cleaned.sources == ["f1.png", "f3.png"]
    np.testing.assert_array_equal(cleaned.labels, [1, 2])
    np.testing.assert_array_equal(cleaned.extras["group"], [0, 1])
    conflict = report.to_dict()["conflicts"][0]
    assert conflict["classes"] == {"a": 1, "b": 2} and conflict["kept_class"] == "b"


def test_groups_are_listed_largest_first():
    images = distinct_images(7)
    hashes = np.array([1, 2 << 20, 2 << 20, 2 << 20, 1, 5 << 40, 6 << 50], dtype=np.uint64)
    report = find_duplicate_groups(images, hashes=hashes, threshold=0, mode="hash")
    assert [list(g) for g in report.groups] == [[1, 2, 3], [0, 4]]
    assert report.summary()["largest_group"] == 3


def test_exact_copies_share_a_group_whatever_the_hashes_say():
    images = distinct_images(4)
    images[3] = images[0]
    hashes = np.array([0, bits(10), bits(*range(30, 50)), bits(*range(1, 60))], dtype=np.uint64)
    report = find_duplicate_groups(images, hashes=hashes, threshold=0)
    assert report.group[3] == report.group[0]
    np.testing.assert_array_equal(report.exact, [True, False, False, True])
    assert report.summary()["exact_copies_removed"] == 1


@pytest.mark.parametrize("threshold", sorted({DEFAULT_THRESHOLD, 2}))
def test_copies_of_drawn_symbols_are_found_and_distinct_drawings_kept(threshold):
    originals = stroke_images(40, seed=1)
    copies = np.concatenate([originals[:10], (originals[10:20] * 0.8).astype(np.uint8)])
    images = np.concatenate([originals, copies])
    report = find_duplicate_groups(images, threshold=threshold, mode="hash")
    for k in range(10):
        assert report.group[40 + k] == report.group[k], f"exact copy {k} not grouped with its original"
    dimmer_found = sum(report.group[50 + k] == report.group[10 + k] for k in range(10))
    assert dimmer_found >= (10 if threshold >= 2 else 7)
    assert len(np.unique(report.group[:40])) == 40  # no two distinct drawings merged
    assert report.n_kept == 40 + 10 - dimmer_found


def test_report_serialises_to_json_with_sources_and_timings():
    images = distinct_images(4)
    images[2] = images[1]
    dataset = Dataset(images, np.zeros(4, np.int64), ["-"], ["w.png", "x.png", "y.png", "z.png"])
    report = find_duplicate_groups(dataset, threshold=2, mode="hash")
    data = json.loads(json.dumps(report.to_dict()))
    assert data["summary"]["images"] == 4 and data["summary"]["unique"] == 3
    assert [m["source"] for m in data["groups"][0]["members"]] == ["x.png", "y.png"]
    assert data["classes"] == [{"class": "-", "before": 4, "after": 3, "removed": 1}]
    assert set(data["timings"]) == {"digests", "hashing", "search", "grouping"}
    assert data["summary"]["mode"] == "hash" and "similarity" not in data["groups"][0]["members"][0]
    verified = json.loads(json.dumps(find_duplicate_groups(dataset).to_dict()))
    assert set(verified["timings"]) == {"digests", "hashing", "candidates", "verification", "grouping"}
    assert verified["summary"]["unique"] == 3 and verified["summary"]["min_similarity"] == 0.98
    assert [m["similarity"] for m in verified["groups"][0]["members"]] == [1.0, 1.0]


@pytest.mark.parametrize("mode", ["verified", "hash"])
def test_empty_image_set_gives_an_empty_report(mode):
    report = find_duplicate_groups(np.zeros((0, 45, 45), np.uint8), mode=mode)
    assert report.n_images == 0 and report.groups == [] and report.summary()["largest_group"] == 0


@pytest.mark.parametrize("threshold", [-1, 65, 1.5])
def test_threshold_out_of_range_raises(threshold):
    with pytest.raises(ConfigError, match="threshold"):
        find_duplicate_groups(distinct_images(2), threshold=threshold)


def test_mismatched_inputs_raise_dataset_errors():
    images = distinct_images(3)
    with pytest.raises(DatasetError, match="hashes"):
        find_duplicate_groups(images, hashes=np.zeros(2, np.uint64))
    with pytest.raises(DatasetError, match="labels"):
        find_duplicate_groups(images, labels=np.zeros(4, np.int64))
    dataset = Dataset(images, np.zeros(3, np.int64), ["a"], ["a", "b", "c"])
    with pytest.raises(ConfigError, match="labels"):
        find_duplicate_groups(dataset, labels=np.zeros(3, np.int64))
    other = find_duplicate_groups(distinct_images(2))
    with pytest.raises(DatasetError, match="2 images"):
        remove_duplicates(dataset, other)
