"""Duplicate and leakage reports in detail: their JSON forms, the method and progress handed through,
split indices in any integer form, the default split share.

Written to kill the mutants ``benchmarks/mutation.py`` found alive in ``mathdash/dedup/leakage.py`` and
``report.py``; the broad behaviour is in ``test_dedup_leakage.py`` and ``test_dedup_groups.py``.
Other work changes ``mathdash.dedup`` (verification): these tests pin only what exists today, one
promise per function, so they merge without conflict.
"""

import numpy as np
import pytest

from mathdash.dataset import Dataset
from mathdash.dedup import (
    find_duplicate_groups,
    find_leakage,
    hash_images,
    leakage_from_hashes,
    random_split,
    split_leakage,
)
from mathdash.errors import ConfigError


def _drawings(count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    images = np.full((count, 45, 45), 255, np.uint8)
    for image in images:
        y, x, h, w = rng.integers(3, 20, 4)
        image[y:y + h + 5, x:x + w + 5] = 0
        image[rng.integers(0, 45, 40), rng.integers(0, 45, 40)] = 0
    return images


def test_leakage_report_to_dict_has_every_field():
    train = _drawings(6, seed=1)
    test = np.concatenate([train[[4, 1]], _drawings(2, seed=2)])  # two exact copies, two new
    report = find_leakage(train, test, method="dhash", threshold=0)
    assert report.to_dict() == {
        "method": "dhash", "threshold": 0, "train_images": 6, "test_images": 4, "leaking_test_images": 2,
        "fraction": 0.5,
        "matches": [{"test": 0, "train": 4, "distance": 0}, {"test": 1, "train": 1, "distance": 0}],
    }
    thirds = leakage_from_hashes(hash_images(train), hash_images(test[[0, 2, 3]]), 0)
    assert thirds.to_dict()["fraction"] == 0.333333  # rounded to six places


def test_find_leakage_hashes_with_the_method_it_is_given_and_reports_progress():
    train, test = _drawings(8, seed=3), _drawings(5, seed=4)
    calls = []
    for method in ("dhash", "ahash"):
        report = find_leakage(train, test, method=method, threshold=20,
                              progress=lambda done, total, message="": calls.append((done, total)))
        expected = leakage_from_hashes(hash_images(train, method), hash_images(test, method), 20, method)
        assert report.method == method and report.threshold == 20
        assert report.test_indices.tolist() == expected.test_indices.tolist()
        assert report.distances.tolist() == expected.distances.tolist()
    assert (8, 8) in calls and (5, 5) in calls  # both sets hashed with progress


def test_unmatched_test_images_are_left_out_with_int64_fields():
    train = _drawings(4, seed=5)
    test = np.concatenate([_drawings(3, seed=6), train[[2]]])
    report = leakage_from_hashes(hash_images(train), hash_images(test), 0, "phash")
    assert report.test_indices.tolist() == [3] and report.train_indices.tolist() == [2]
    assert report.distances.tolist() == [0] and report.method == "phash"
    dtypes = {report.train_indices.dtype, report.distances.dtype, report.test_indices.dtype}
    assert dtypes == {np.dtype(np.int64)}


def test_split_leakage_reads_any_integer_indices_and_names_the_overlap():
    images = _drawings(6, seed=7)
    images[5] = images[0]  # row 5 copies row 0
    hashes = hash_images(images)
    for cast in (np.int32, np.uint16, list):
        train, test = cast(np.array([0, 1, 2])), cast(np.array([5, 3, 4]))
        report = split_leakage(hashes, train, test, 0, method="dhash")
        assert report.test_indices.tolist() == [5] and report.train_indices.tolist() == [0]
        assert report.method == "dhash" and report.n_test == 3
    overlap = "^train and test rows overlap; a split must put each image on one side$"
    with pytest.raises(ConfigError, match=overlap):
        split_leakage(hashes, [0, 1], [1, 2], 0)


def test_split_leakage_lists_leaks_in_ascending_dataset_rows():
    images = _drawings(4, seed=8)
    images = np.concatenate([images, images])  # rows 4..7 copy rows 0..3
    report = split_leakage(hash_images(images), np.array([0, 1, 2, 3]), np.array([7, 5, 6, 4]), 0)
    assert report.test_indices.tolist() == [4, 5, 6, 7] and report.train_indices.tolist() == [0, 1, 2, 3]


def test_random_split_holds_out_a_fifth_by_default():
    train, test = random_split(50)
    assert (len(train), len(test)) == (40, 10)
    assert test.tolist() == random_split(50, 0.2, seed=0)[1].tolist()


def test_duplicate_report_to_dict_lists_summary_classes_groups_and_conflicts():
    base = _drawings(5, seed=11)
    images = np.concatenate([base, base[[0, 0, 1]]])  # rows 5, 6 copy row 0; row 7 copies row 1 as 'c'
    dataset = Dataset(images, np.array([0, 1, 0, 1, 2, 0, 0, 2]), ["a", "b", "c"],
                      [f"f{i}.png" for i in range(8)])
    report = find_duplicate_groups(dataset, threshold=0, mode="hash")
    as_dict = report.to_dict()

    def member(index, name, kept):
        return {"index": index, "class": name, "distance": 0, "kept": kept, "exact": True,
                "source": f"f{index}.png"}

    assert as_dict["summary"] == {
        "mode": "hash", "method": "phash", "threshold": 0, "images": 8, "unique": 5, "removed": 3, "exact_copies_removed": 3,
        "groups": 2, "largest_group": 3, "label_conflicts": 1, "images_in_conflicts": 2}
    assert as_dict["classes"] == [{"class": "a", "before": 4, "after": 2, "removed": 2},
                                  {"class": "b", "before": 2, "after": 2, "removed": 0},
                                  {"class": "c", "before": 2, "after": 1, "removed": 1}]
    pair = {"group": 1, "size": 2, "members": [member(1, "b", True), member(7, "c", False)]}
    assert as_dict["groups"] == [
        {"group": 0, "size": 3,
         "members": [member(0, "a", True), member(5, "a", False), member(6, "a", False)]},
        pair]
    assert as_dict["groups_listed"] == 2
    assert as_dict["conflicts"] == [{**pair, "classes": {"b": 1, "c": 1}, "kept_class": "b"}]
    assert set(as_dict["timings"]) == set(report.timings)
    assert all(value == round(report.timings[stage], 4) for stage, value in as_dict["timings"].items())
    shorter = report.to_dict(max_groups=1)
    assert shorter["groups_listed"] == 1 and shorter["groups"] == as_dict["groups"][:1]


def test_a_report_without_duplicates_has_singletons_only():
    images = _drawings(4, seed=12)
    summary = find_duplicate_groups(Dataset(images, np.array([0, 1, 0, 1]), ["a", "b"],
                                            [f"g{i}" for i in range(4)]), threshold=0).summary()
    assert (summary["groups"], summary["largest_group"], summary["removed"]) == (0, 1, 0)
    assert summary["exact_copies_removed"] == 0 and summary["label_conflicts"] == 0


def test_lanczos_taps_rebuilt_from_scratch_match_pillow():
    """The taps are cached per size: clear the cache so they are computed here, then compare with Pillow."""
    from PIL import Image

    from mathdash.dedup.resample import _filter_taps, _lanczos, _sinc, _to_fixed_point, resize_lanczos

    assert _sinc(0.0) == 1.0 and _sinc(0.5) == pytest.approx(2 / np.pi)
    assert _lanczos(0.0) == 1.0 and _lanczos(3.0) == 0.0 and _lanczos(-4.0) == 0.0
    assert _lanczos(1.5) == pytest.approx(_sinc(1.5) * _sinc(0.5))
    step = 2.0 ** -22
    rounded = (_to_fixed_point(0.5 * step), _to_fixed_point(-0.5 * step), _to_fixed_point(1.25 * step))
    assert rounded == (1, -1, 1)
    _filter_taps.cache_clear()
    rng = np.random.default_rng(13)
    for shape, size in [((3, 45, 45), (8, 8)), ((2, 37, 61), (9, 8)), ((2, 20, 20), (32, 32))]:
        images = rng.integers(0, 256, shape, dtype=np.uint8)
        expected = np.stack([np.asarray(Image.fromarray(image).resize(size, Image.Resampling.LANCZOS))
                             for image in images])
        assert np.array_equal(resize_lanczos(images, *size), expected)
    _filter_taps.cache_clear()  # leave no taps built by this test behind for others
